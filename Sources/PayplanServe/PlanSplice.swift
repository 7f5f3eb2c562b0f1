import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanRules

/// Writes a candidate plan as the original file with only the changed
/// scalars replaced, byte for byte everywhere else: comments, key order,
/// indentation, quoting and number spellings stay as the author wrote them.
/// The parser keeps the source range of every parameter scalar; each range is
/// turned into byte offsets and the new text spliced in. The result is parsed
/// again and must give exactly the expected parameter texts and fingerprint,
/// or the splice is refused.
public enum PlanSplice {
    /// The original bytes with each `path` scalar replaced by its new text.
    public static func splice(_ original: [UInt8], plan: Plan, changes: [Override]) -> Result<[UInt8], ServeProblem> {
        let lines = LineIndex(original)
        var edits: [(start: Int, end: Int, text: [UInt8])] = []
        for change in changes {
            guard let parameter = plan.parameters[change.path] else { return .failure(.noSuchPath(change.path, suggestion: nil)) }
            guard let start = lines.offset(parameter.range.start), let end = lines.offset(parameter.range.end), start <= end else {
                return .failure(.spliceFailed("\(change.path): its place in the file is unknown"))
            }
            let quote: UInt8? = start < original.count && (original[start] == 0x22 || original[start] == 0x27) ? original[start] : nil
            if start < original.count, original[start] == UInt8(ascii: "|") || original[start] == UInt8(ascii: ">") {
                return .failure(.spliceFailed("\(change.path) is a block scalar"))
            }
            edits.append((start, end, scalar(change.value, quote: quote)))
        }
        edits.sort { $0.start > $1.start }
        for k in edits.indices.dropFirst() where edits[k].end > edits[k - 1].start {
            return .failure(.spliceFailed("two changes overlap"))
        }
        var out = original
        for e in edits { out.replaceSubrange(e.start..<e.end, with: e.text) }
        return .success(out)
    }

    /// The scalar as YAML text: plain when that reads back as the same text
    /// in any context (block or flow), else in the original quotes, else
    /// double-quoted with escapes.
    static func scalar(_ value: String, quote: UInt8?) -> [UInt8] {
        let u = Array(value.utf8)
        let plainSafe =
            !u.isEmpty
            && u.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x2D || b == 0x2B
                    || b == 0x5F || b == 0x25
            } && u[0] != 0x25 && !(u[0] == 0x2D && u.count == 1)
        if quote == nil && plainSafe && !YAMLTrapWords.contains(value.lowercased()) { return u }
        if quote == 0x27, !u.contains(where: { $0 < 0x20 }) {
            var out: [UInt8] = [0x27]
            for b in u { out += b == 0x27 ? [0x27, 0x27] : [b] }
            return out + [0x27]
        }
        var out: [UInt8] = [0x22]
        for b in u {
            switch b {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789ABCDEF".utf8)
                out += Array("\\x".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    /// Words YAML 1.1 tools read as something other than text; quoted so any
    /// other tool reading the candidate sees the same text Payplan does.
    static let YAMLTrapWords: Set<String> = ["yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"]

    /// Writes the candidate and checks it: parsed again, every parameter must
    /// read as expected and the fingerprint must be `fingerprint`.
    public static func candidate(
        original: [UInt8], file: String, plan: Plan, changes: [Override], fingerprint: String
    ) -> Result<[UInt8], ServeProblem> {
        let bytes: [UInt8]
        switch splice(original, plan: plan, changes: changes) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(e)
        }
        let again = PlanPipeline.load(bytes: bytes, file: file)
        guard let reread = again.plan, !again.hasErrors else {
            return .failure(.spliceFailed(again.diagnostics.first?.message ?? "the written plan does not read back"))
        }
        var expected = plan.parameters.mapValues(\.text)
        for c in changes { expected[c.path] = c.value }
        for (path, text) in expected where reread.parameters[path]?.text != text {
            return .failure(.spliceFailed("\(path) reads back as `\(reread.parameters[path]?.text ?? "nothing")`"))
        }
        let got = Canonical.fingerprint(reread)
        guard got == fingerprint else { return .failure(.spliceFailed("the written plan's fingerprint is \(got), not \(fingerprint)")) }
        return .success(bytes)
    }
}

/// Byte offsets of `line:column` positions as libyaml counts them: lines
/// from 1, broken by LF, CR LF, CR, NEL, LS and PS; columns from 1 in
/// Unicode scalars; a byte-order mark before the first line not counted.
struct LineIndex {
    let bytes: [UInt8]
    /// Byte offset where each line starts (index 0 = line 1).
    var starts: [Int] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        starts.append(i)
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0A {
                i += 1
            } else if b == 0x0D {
                i += (i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
            } else if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] == 0x85 {
                i += 2
            } else if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                i += 3
            } else {
                i += 1
                continue
            }
            starts.append(i)
        }
    }

    func offset(_ location: SourceLocation) -> Int? {
        guard location.line >= 1, location.line <= starts.count, location.column >= 1 else { return nil }
        var i = starts[location.line - 1]
        var column = 1
        while column < location.column {
            guard i < bytes.count else { return column == location.column ? i : nil }
            let b = bytes[i]
            i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            column += 1
        }
        return min(i, bytes.count)
    }
}
