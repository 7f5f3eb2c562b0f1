import PayplanCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder `payplan statements` writes: one page per rep and `index.html`,
/// each written atomically, and a manifest (`.payplan-manifest`) of the files
/// payplan wrote there. A new run removes the pages of the previous run that
/// it does not write again (a rep who left has no page left behind that the
/// report no longer links) and touches nothing else: files the manifest does
/// not list are never changed or removed.
///
/// The manifest first lists the old and the new files together, then only the
/// new ones once every page is in place, so an interrupted run leaves nothing
/// that a later run would not know to remove.
public struct StatementFolder {
    public static let manifestName = ".payplan-manifest"

    public let path: String

    public init(path: String) { self.path = path }

    public struct Outcome: Sendable {
        /// Files written (the pages and the index).
        public var written: Int
        /// Files of an earlier run removed because this run did not write them.
        public var removed: [String]
        /// Files named like statements that payplan has no record of writing: left as they are.
        public var unlisted: [String]
    }

    public enum Failure: Error, Sendable {
        case file(FileError)
        /// Fewer distinct files than pages: two names are one file here.
        case collision(pages: Int, files: Int)
    }

    /// Writes `pages` (name, HTML) in order; the index should come last, so
    /// it never links a page that is not there yet.
    public func write(_ pages: [(name: String, html: String)]) throws(Failure) -> Outcome {
        let run = try begin(pages.map(\.name))
        for page in pages {
            do { try write(page.name, page.html) } catch { throw .file(error) }
        }
        return try finish(run)
    }

    /// A run of the folder under way: the names it will write and the names
    /// an earlier run wrote.
    public struct Run: Sendable {
        let names: [String]
        let old: [String]
    }

    /// Starts writing `names` (each then written by `write(_:_:)`, in any
    /// order and from any thread; the index last): the folder is made and
    /// the manifest lists the earlier run's files and these.
    public func begin(_ names: [String]) throws(Failure) -> Run {
        do {
            try createIfMissing()
        } catch {
            throw .file(error)
        }
        guard Set(names).count == names.count else { throw .collision(pages: names.count, files: Set(names).count) }
        let old = readManifest()
        do {
            try writeManifest(Set(old).union(names).sorted())
        } catch {
            throw .file(error)
        }
        return Run(names: names, old: old)
    }

    /// One page, atomically; a link in the folder is replaced, never written through.
    public func write(_ name: String, _ html: String) throws(FileError) {
        let w = try AtomicFileWriter(path: file(name), followingLinks: false)
        try w.write(html)
        try w.commit(syncingDirectory: false)
    }

    /// Several pages, each atomically, committed together (their syncs
    /// share the disk's journal commits: see `AtomicFileWriter.commit(_:)`).
    public func writeBlock(_ pages: [(name: String, html: String)]) throws(FileError) {
        var writers: [AtomicFileWriter] = []
        do {
            for page in pages {
                let w = try AtomicFileWriter(path: file(page.name), followingLinks: false)
                writers.append(w)
                try w.write(page.html)
            }
            try AtomicFileWriter.commit(writers, syncingDirectory: false)
        } catch {
            for w in writers { w.abandon() }
            throw error
        }
    }

    /// Once every page of `run` is written: the manifest lists only them,
    /// and the earlier run's pages not written again are removed.
    public func finish(_ run: Run) throws(Failure) -> Outcome {
        let names = run.names
        AtomicFileWriter.syncDirectory(of: file(Self.manifestName))
        let distinct = Set(names.compactMap { OutputGuard.identity(file($0)) }).count
        guard distinct == names.count else { throw .collision(pages: names.count, files: distinct) }
        do {
            try writeManifest(names.sorted())
        } catch {
            throw .file(error)
        }
        let current = Set(names)
        var removed: [String] = []
        for name in Set(run.old).subtracting(current).sorted() {
            var info = stat()
            if lstat(file(name), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, unlink(file(name)) == 0 { removed.append(name) }
        }
        let listed = current.union(run.old)
        let unlisted = entries().filter { !listed.contains($0) && $0.hasPrefix("statement-") && $0.hasSuffix(".html") }.sorted()
        return Outcome(written: names.count, removed: removed, unlisted: unlisted)
    }

    func file(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    func createIfMissing() throws(FileError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw FileError(path: path, reason: "exists and is not a folder") }
            return
        }
        // 0777 less the umask, as mkdir(1) makes it.
        guard mkdir(path, 0o777) == 0 else {
            throw FileError(path: path, reason: "cannot create the folder: \(String(cString: strerror(errno)))")
        }
    }

    /// A name payplan could have written: `index.html` or `statement-….html`
    /// in the file-name alphabet, never a path.
    static func isPayplanName(_ name: Substring) -> Bool {
        if name == "index.html" { return true }
        guard name.hasPrefix("statement-"), name.hasSuffix(".html") else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }

    func readManifest() -> [String] {
        guard let bytes = try? FileReader.readBytes(file(Self.manifestName), limit: 64 << 20) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") && Self.isPayplanName($0) }.map(
            String.init)
    }

    func writeManifest(_ names: [String]) throws(FileError) {
        let header = "# Files `payplan statements` wrote in this folder; the next run removes those it does not write again.\n"
        let w = try AtomicFileWriter(path: file(Self.manifestName), followingLinks: false)
        try w.write(header + names.map { $0 + "\n" }.joined())
        try w.commit(syncingDirectory: false)
    }

    func entries() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            out.append(name)
        }
        return out
    }
}
