import CTempFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

public struct FileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// Writes a file so that readers (and a crash at any instant) see either the
/// previous file or the complete new one, never a partial one: the bytes go
/// to a temporary file in the same directory, are flushed to disk, and the
/// temporary file is renamed over the target.
///
/// What is never done: renaming over something that is not a regular file. A
/// named pipe (FIFO) or a character device (a terminal, `/dev/null`) is
/// written in place, as a shell redirection would (a FIFO that nothing reads
/// is an error at once, not a hang); a directory, a block device or a socket
/// is refused. A symbolic link is followed: the file it points to is
/// replaced, the link stays (with `followingLinks: false`, as for the pages
/// of a statements folder, the link itself is replaced). A new file gets `0666 & ~umask`; a replaced file
/// keeps its mode (a 0600 payout file stays 0600) and, where the process may,
/// its owner. The temporary file is removed on SIGINT, SIGTERM, SIGHUP and
/// SIGQUIT once `TemporaryFiles.removeOnSignals()` was called.
public final class AtomicFileWriter {
    public let path: String
    /// Where the bytes land: `path`, or the file a symbolic link at `path` names.
    public let target: String
    /// True for a named pipe or a character device, written in place.
    public let inPlace: Bool
    private let temporaryPath: String
    private var slot: Int32 = -1
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false

    public init(path: String, followingLinks: Bool = true) throws(FileError) {
        self.path = path
        let existing = try AtomicFileWriter.examine(path, followingLinks: followingLinks)
        target = existing?.target ?? path
        if let existing, existing.kind == S_IFIFO || existing.kind == S_IFCHR {
            fd = try AtomicFileWriter.openInPlace(path, existing)
            inPlace = true
            temporaryPath = ""
            return
        }
        inPlace = false
        let (directory, name) = AtomicFileWriter.split(target)
        var template = Array("\(directory)/.\(name).payplan-XXXXXX".utf8CString)
        var registration: Int32 = -1
        let descriptor = template.withUnsafeMutableBufferPointer { payplan_temp_create($0.baseAddress!, &registration) }
        guard descriptor >= 0 else {
            throw FileError(path: path, reason: "cannot create a temporary file in \(directory): \(errnoText())")
        }
        fd = descriptor
        slot = registration
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if let existing {
            if existing.owner != geteuid() || existing.group != getegid() { _ = fchown(fd, existing.owner, existing.group) }
            _ = fchmod(fd, existing.mode & 0o777)
        } else {
            _ = fchmod(fd, FileModes.newFile)
        }
        buffer.reserveCapacity(1 << 16)
    }

    /// What is at `path` now: nil when nothing is.
    struct Existing {
        var target: String
        var kind: mode_t
        var mode: mode_t
        var owner: uid_t
        var group: gid_t
    }

    /// Whether `path` can be written, without writing it: commands call this
    /// before any work so that a directory or a socket in the way is found
    /// at once (a FIFO's reader is looked for only when writing).
    public static func check(_ path: String) throws(FileError) {
        let existing = try examine(path, followingLinks: true)
        if let existing, existing.kind != S_IFREG { return }
        let directory = split(existing?.target ?? path).directory
        guard FileReader.isDirectory(directory) else {
            throw FileError(
                path: path, reason: FileReader.exists(directory) ? "\(directory) is not a folder" : "the folder \(directory) does not exist")
        }
    }

    static func examine(_ path: String, followingLinks: Bool) throws(FileError) -> Existing? {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw FileError(path: path, reason: "is a directory, not a file name") }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw FileError(path: path, reason: "cannot examine: \(errnoText())")
        }
        var target = path
        // Not following: the link is replaced like a missing file.
        if (info.st_mode & S_IFMT) == S_IFLNK && !followingLinks { return nil }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard stat(path, &info) == 0, let resolved = realpath(path, nil) else {
                throw FileError(path: path, reason: "is a symbolic link to a missing file; write to another name or remove the link")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        let kind = info.st_mode & S_IFMT
        switch kind {
        case S_IFREG, S_IFIFO, S_IFCHR: break
        case S_IFDIR: throw FileError(path: path, reason: "is a directory")
        case S_IFBLK: throw FileError(path: path, reason: "is a block device; payplan writes files, named pipes and terminals only")
        case S_IFSOCK: throw FileError(path: path, reason: "is a socket; payplan writes files, named pipes and terminals only")
        default: throw FileError(path: path, reason: "is not a regular file")
        }
        return Existing(target: target, kind: kind, mode: info.st_mode & 0o7777, owner: info.st_uid, group: info.st_gid)
    }

    /// Opens a FIFO or a character device for writing in place. A FIFO is
    /// opened without waiting: with no reader that is an error, not a hang.
    static func openInPlace(_ path: String, _ existing: Existing) throws(FileError) -> Int32 {
        let fifo = existing.kind == S_IFIFO
        // The path as given: the kernel follows `/dev/stdout`-style links
        // that realpath(3) cannot name.
        let d = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (fifo ? O_NONBLOCK : 0))
        guard d >= 0 else {
            if fifo && errno == ENXIO {
                throw FileError(path: path, reason: "is a named pipe (FIFO) that nothing is reading; start its reader first")
            }
            throw FileError(path: path, reason: "cannot open: \(errnoText())")
        }
        var info = stat()
        guard fstat(d, &info) == 0, (info.st_mode & S_IFMT) == existing.kind else {
            close(d)
            throw FileError(path: path, reason: "changed while it was being opened; nothing was written")
        }
        if fifo { _ = fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK) }
        return d
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    public func write(_ text: String) throws(FileError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func write(bytes: [UInt8]) throws(FileError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws(FileError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: "write failed: \(errnoText())")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames into place (a pipe or device: flushes and
    /// closes). Until this returns, the target path still holds whatever it
    /// held before. `syncingDirectory: false` leaves the directory's sync to
    /// the caller (one `syncDirectory(of:)` after many files).
    public func commit(syncingDirectory: Bool = true) throws(FileError) {
        try flush()
        if !inPlace { guard fsync(fd) == 0 else { throw FileError(path: path, reason: "fsync failed: \(errnoText())") } }
        try publish(syncingDirectory: syncingDirectory)
    }

    /// Commits several files with the guarantees `commit` gives each (its
    /// bytes are on the disk before it is renamed into place), the disk's
    /// cost shared: every file is written out first, then each is synced
    /// (the first sync's journal commit carries most of the others), then
    /// each renamed. Statements commit a block of pages at a time this way:
    /// one sync per page cost ~7 ms of waiting each.
    public static func commit(_ writers: [AtomicFileWriter], syncingDirectory: Bool = true) throws(FileError) {
        for w in writers { try w.flush() }
        for w in writers where !w.inPlace {
            guard fsync(w.fd) == 0 else { throw FileError(path: w.path, reason: "fsync failed: \(errnoText())") }
        }
        for w in writers { try w.publish(syncingDirectory: false) }
        if syncingDirectory, let last = writers.last { syncDirectory(of: last.target) }
    }

    /// Closes the synced file and renames it into place (a pipe or device: closes it).
    private func publish(syncingDirectory: Bool) throws(FileError) {
        if inPlace {
            let result = close(fd)
            fd = -1
            finished = true
            guard result == 0 else { throw FileError(path: path, reason: "write failed: \(errnoText())") }
            return
        }
        close(fd)
        fd = -1
        // Whatever was there must still be a regular file (or nothing): a
        // FIFO or device put in its place meanwhile is not renamed over.
        var info = stat()
        if lstat(target, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            abandon()
            throw FileError(path: path, reason: "is no longer a regular file; nothing was written")
        }
        guard rename(temporaryPath, target) == 0 else {
            let reason = errnoText()
            abandon()
            throw FileError(path: path, reason: "cannot rename into place: \(reason)")
        }
        payplan_temp_forget(slot)
        slot = -1
        finished = true
        if syncingDirectory { AtomicFileWriter.syncDirectory(of: target) }
    }

    /// The rename itself reaches the disk with the directory's sync.
    public static func syncDirectory(of path: String) {
        let d = open(split(path).directory, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else { return }
        _ = fsync(d)
        close(d)
    }

    /// Throws the new bytes away; the target is untouched (a pipe or device
    /// keeps what was already written to it).
    public func abandon() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !finished {
            if !inPlace {
                unlink(temporaryPath)
                payplan_temp_forget(slot)
                slot = -1
            }
            finished = true
        }
    }

    deinit { abandon() }

    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws(FileError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(text)
        try writer.commit()
    }
}

/// The permissions of what payplan creates: what the process umask allows,
/// as any tool that creates files gives.
public enum FileModes {
    /// The process umask, read once (the CLI reads it before any thread starts).
    public static let umask: mode_t = mode_t(payplan_process_umask())
    /// `0666 & ~umask`.
    public static var newFile: mode_t { 0o666 & ~umask }
    /// `0777 & ~umask`.
    public static var newFolder: mode_t { 0o777 & ~umask }
}

/// Temporary files of interrupted writes.
public enum TemporaryFiles {
    /// From now on SIGINT, SIGTERM, SIGHUP and SIGQUIT remove every
    /// temporary file of an unfinished `AtomicFileWriter`, then end the
    /// process as the signal would have. Signals the process was started
    /// with ignored stay ignored.
    public static func removeOnSignals() { payplan_temp_remove_on_signals() }
}

/// Reads whole files with located, plain-words errors.
public enum FileReader {
    /// Reads a regular file, or a pipe (`<(git show …)`), up to `limit`
    /// bytes. Devices are refused (`/dev/zero` never ends, a terminal
    /// waits); a FIFO is opened without blocking, so one without a writer
    /// reads as empty instead of hanging.
    public static func readBytes(_ path: String, limit: Int? = nil) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw FileError(path: path, reason: errno == ENOENT ? "no such file" : "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, reason: "cannot read: \(errnoText())") }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { throw FileError(path: path, reason: "is a directory, not a file") }
        guard type == S_IFREG || type == S_IFIFO else {
            throw FileError(path: path, reason: "is not a regular file (\(FileKind.describe(type)))")
        }
        // Reads block again: a pipe's writer may still be writing.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: "read failed: \(errnoText())")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if let limit, bytes.count > limit {
                throw FileError(path: path, reason: "is larger than the limit of \(limit) bytes (Limits.planFileBytes)")
            }
        }
        return bytes
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// Plain words for the kinds of file a path can name.
public enum FileKind {
    public static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        default: "not an ordinary file"
        }
    }
}
