#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The codes of output problems, each with its help: one home for them.
/// (`O8xx`; rules/README.md §12 lists the families.)
public enum OutputCode: String, DiagnosticCode {
    /// An output names a file the command reads.
    case isAnInput = "O801"
    /// An output folder holds (or is) a file the command reads.
    case folderHoldsAnInput = "O802"
    /// Two outputs of one command name the same file.
    case sameFileTwice = "O803"
    /// A file could not be written (a missing folder, a full disk, a FIFO
    /// nobody reads, a directory or a socket in the way).
    case cannotWrite = "O810"
    /// Standard output could not be written.
    case standardOutput = "O811"
    /// Statement files would not be one per statement.
    case namesCollide = "O830"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .isAnInput: "an output names a file the command reads"
        case .folderHoldsAnInput: "an output folder holds a file the command reads"
        case .sameFileTwice: "two outputs of one command name one file"
        case .cannotWrite: "a file cannot be written"
        case .standardOutput: "standard output cannot be written"
        case .namesCollide: "statement file names that collide"
        }
    }

    public var help: String? {
        switch self {
        case .isAnInput: "write the output to another file; an input is never overwritten"
        case .folderHoldsAnInput: "write the statements to a folder of their own, outside the plan's and the data's folders"
        case .sameFileTwice: "give each output its own file"
        case .cannotWrite: nil
        case .standardOutput: "nothing more was written; the results are incomplete"
        case .namesCollide: "this file system treats different statement file names as one (is it case-insensitive?); write to another file system"
        }
    }

    public func diagnostic(_ message: String, file: String? = nil, help: String? = nil) -> Diagnostic {
        Diagnostic(severity, rawValue, message, at: nil, file: file, help: help ?? self.help)
    }
}

/// A file a command reads, with what it is for messages ("the plan",
/// "the data file").
public struct InputFile: Sendable {
    public var path: String
    public var role: String

    public init(_ path: String, role: String) {
        self.path = path
        self.role = role
    }
}

/// Something a command writes: a file named by a flag, a folder, or
/// standard output (`path` nil).
public struct OutputTarget: Sendable {
    public var flag: String
    public var path: String?
    public var isFolder: Bool

    public init(flag: String, path: String?, isFolder: Bool = false) {
        self.flag = flag
        self.path = path
        self.isFolder = isFolder
    }

    public static let standardOutput = OutputTarget(flag: "standard output", path: nil)

    var name: String { path.map { "\(flag) \($0)" } ?? flag }
}

/// The check every writing command makes before any work: no output is an
/// input (the same device and inode, or the same resolved path), no output
/// folder holds an input, no two outputs are one file. Standard output counts
/// when it is a regular file (`payplan run … --explain e.jsonl > e.jsonl`).
public enum OutputGuard {
    public struct Identity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    /// The file's identity, following symbolic links; nil if it does not exist.
    public static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Standard output's file, when it is a regular file.
    public static func standardOutputIdentity() -> Identity? {
        var info = stat()
        guard fstat(1, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The absolute path with `.`, `..` and symbolic links resolved, for the
    /// part that exists; the rest appended as written (normalised).
    public static func resolved(_ path: String) -> String {
        var head = path
        var tail: [Substring] = []
        while true {
            if let r = realpath(head.isEmpty ? "." : head, nil) {
                let base = String(cString: r)
                free(r)
                return normalise(base + "/" + tail.reversed().joined(separator: "/"))
            }
            guard let slash = head.lastIndex(of: "/") else {
                tail.append(Substring(head))
                head = ""
                continue
            }
            tail.append(head[head.index(after: slash)...])
            head = String(head[..<slash])
            if head.isEmpty { return normalise("/" + tail.reversed().joined(separator: "/")) }
        }
    }

    static func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Every conflict between `outputs` and `inputs`, and among `outputs`.
    public static func problems(outputs: [OutputTarget], inputs: [InputFile]) -> [Diagnostic] {
        struct Known {
            var identity: Identity?
            var resolved: String?
        }
        func known(_ o: OutputTarget) -> Known {
            guard let path = o.path else { return Known(identity: standardOutputIdentity(), resolved: nil) }
            return Known(identity: identity(path), resolved: resolved(path))
        }
        let inputsKnown = inputs.map { Known(identity: identity($0.path), resolved: resolved($0.path)) }
        let outputsKnown = outputs.map(known)
        func same(_ a: Known, _ b: Known) -> Bool {
            if let x = a.identity, let y = b.identity { return x == y }
            if let x = a.resolved, let y = b.resolved { return x == y }
            return false
        }
        var out: [Diagnostic] = []
        for (o, k) in zip(outputs, outputsKnown) {
            if o.path == nil && k.identity == nil { continue }
            if o.isFolder, let folder = k.resolved {
                // One error per folder, naming every input inside it.
                let held = zip(inputs, inputsKnown).filter { _, ik in
                    guard let file = ik.resolved else { return false }
                    return file == folder || file.hasPrefix(folder == "/" ? "/" : folder + "/")
                }.map(\.0)
                if !held.isEmpty {
                    let roles = Set(held.map(\.role)).count == 1 ? held[0].role + (held.count > 1 ? "s" : "") : "the files"
                    out.append(
                        OutputCode.folderHoldsAnInput.diagnostic(
                            "\(o.name) holds \(roles) \(held.map(\.path).joined(separator: ", ")) that this command reads; nothing was written"))
                }
                continue
            }
            for (input, ik) in zip(inputs, inputsKnown) {
                if same(k, ik) {
                    let alias = o.path == nil || o.path.map({ resolved($0) }) == ik.resolved ? "" : " (the same file under another name)"
                    out.append(
                        OutputCode.isAnInput.diagnostic(
                            "\(o.name) is \(input.role) \(input.path)\(alias) that this command reads; nothing was written",
                            help: o.path == nil
                                ? "the shell opened it for the output (with `>` it is already empty); redirect the output elsewhere" : nil))
                }
            }
        }
        for i in outputs.indices {
            for j in outputs.indices where j > i && !outputs[i].isFolder && !outputs[j].isFolder {
                if outputs[i].path == nil && outputsKnown[i].identity == nil { continue }
                if outputs[j].path == nil && outputsKnown[j].identity == nil { continue }
                if same(outputsKnown[i], outputsKnown[j]) {
                    out.append(
                        OutputCode.sameFileTwice.diagnostic(
                            "\(outputs[i].name) and \(outputs[j].name) are the same file; the second would replace the first, so nothing was written")
                    )
                }
            }
        }
        return out
    }
}
