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
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false

    public init(path: String) throws(FileError) {
        self.path = path
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        guard !name.isEmpty else { throw FileError(path: path, reason: "is a directory, not a file name") }
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(path: path, reason: "is a directory")
        }
        var template = Array("\(directory)/.\(name).payplan-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw FileError(path: path, reason: "cannot create a temporary file in \(directory): \(errnoText())")
        }
        fd = descriptor
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fchmod(fd, 0o644)
        buffer.reserveCapacity(1 << 16)
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

    /// Flushes, syncs and renames into place. Until this returns, the target
    /// path still holds whatever it held before.
    public func commit() throws(FileError) {
        try flush()
        guard fsync(fd) == 0 else { throw FileError(path: path, reason: "fsync failed: \(errnoText())") }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            let reason = errnoText()
            unlink(temporaryPath)
            throw FileError(path: path, reason: "cannot rename into place: \(reason)")
        }
        finished = true
    }

    /// Throws the new bytes away; the target is untouched.
    public func abandon() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !finished {
            unlink(temporaryPath)
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
