import Crypto
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What identifies the contents of a data folder without reading it: each
/// file's device, inode, size and modification time (to the nanosecond).
/// A file replaced (a new inode), rewritten (a new mtime) or resized gives a
/// new fingerprint, and the workbench reads the folder again.
public struct DataFingerprint: Sendable, Equatable {
    public var files: [String]

    public static func of(directory: String, plan: Plan) -> DataFingerprint {
        let names = TableKind.allCases.map { plan.data.table($0).file }
        return DataFingerprint(
            files: names.map { name in
                let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
                var s = stat()
                guard stat(path, &s) == 0 else { return "\(name) missing" }
                #if canImport(Darwin)
                    let mtime = "\(s.st_mtimespec.tv_sec).\(s.st_mtimespec.tv_nsec)"
                #else
                    let mtime = "\(s.st_mtim.tv_sec).\(s.st_mtim.tv_nsec)"
                #endif
                return "\(name) dev \(s.st_dev) inode \(s.st_ino) size \(s.st_size) mtime \(mtime)"
            })
    }

    /// 16 hex digits of a SHA-256 of the above, for pages and the API.
    public var short: String {
        let digest = SHA256.hash(data: Array(files.joined(separator: "\n").utf8))
        return digest.prefix(8).map { b in String(b >> 4, radix: 16) + String(b & 15, radix: 16) }.joined()
    }
}

/// The periods a data folder offers for a plan: the distinct periods of the
/// plan's kind in targets.csv's `period` column, where the plan is in effect,
/// in order. Read with the project's CSV scanner; a file that cannot be read
/// offers none (loading it then reports why).
public enum OfferedPeriods {
    public static func read(directory: String, plan: CompiledPlan) -> [Period] {
        let spec = plan.plan.data.targets
        let path = directory.hasSuffix("/") ? directory + spec.file : directory + "/" + spec.file
        guard let bytes = try? FileReader.readBytes(path, limit: 1 << 30) else { return [] }
        var found: Set<Int> = []
        let kind = plan.plan.period.value
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CSVScanner(bytes: buffer)
            var column: Int?
            var header = true
            while true {
                let step = scanner.next()
                if step != .record { break }
                if header {
                    header = false
                    column = scanner.fields.firstIndex { scanner.string($0).trimmingSpace().trimmingBOM() == "period" }
                    if column == nil { return }
                    continue
                }
                guard let column, column < scanner.fields.count, let p = Period(scanner.string(scanner.fields[column])), p.kind == kind else {
                    continue
                }
                found.insert(p.ordinal)
            }
        }
        return found.sorted().map { Period(kind: kind, ordinal: $0) }.filter {
            if case .success = Evaluator.periods(for: plan, running: $0) { return true }
            return false
        }
    }
}

extension String {
    func trimmingBOM() -> String { hasPrefix("\u{FEFF}") ? String(dropFirst()) : self }
}
