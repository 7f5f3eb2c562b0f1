import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// What to do with blanks around a key (`"East "`, `" R01"`).
public enum KeyPolicy: Sendable {
    /// A data error: `East ` would silently be a second team (the default).
    case strict
    /// Blanks are removed, and a warning says how many keys were trimmed.
    case trim
}

/// Keys are compared exactly, code point by code point (the data contract),
/// so keys that look the same but are not split a team or lose a rep's
/// deals without a word. This finds them: blanks around a key (an error, or
/// trimmed under `KeyPolicy.trim`), and distinct keys that look alike —
/// differing only by invisible characters, by look-alike letters of another
/// script (Cyrillic `Е` for Latin `E`), by full-width forms or by
/// canonically equivalent spellings (`é` composed or not) — a warning that
/// names both spellings and their lines.
public enum KeyHygiene {
    /// The text columns that identify or group rows, per table.
    public static func keyColumns(_ table: TableKind) -> Set<String> {
        switch table {
        case .reps: ["rep_id", "team", "region", "role"]
        case .targets: ["rep_id", "period"]
        case .transactions: ["deal_id", "rep_id", "product"]
        case .products: ["product", "category"]
        }
    }

    static func isBlank(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || s.value == 0xFEFF
    }

    /// "a space at the end", "a tab at the start", … or nil when the key has
    /// no blank at either end.
    public static func outerBlank(_ key: String) -> String? {
        let scalars = key.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return nil }
        func name(_ s: Unicode.Scalar) -> String {
            switch s.value {
            case 0x20: "a space"
            case 0x09: "a tab"
            case 0xA0: "a no-break space (U+00A0)"
            case 0x3000: "an ideographic space (U+3000)"
            default: "a blank \(VisibleText.escape(s))"
            }
        }
        if isBlank(first) { return name(first) + " at the start" }
        if isBlank(last) { return name(last) + " at the end" }
        return nil
    }

    /// `isBlank` by code point, without the property tables: Unicode's
    /// White_Space set (fixed since Unicode 6.3) and U+FEFF. A test checks
    /// the two agree on every scalar.
    @inline(__always)
    static func isBlankValue(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }

    /// Whether raw field bytes start or end with a blank: the row decoder's
    /// check, on bytes, before any string exists. A key that starts and ends
    /// with printable ASCII (nearly every key) is answered by two loads; any
    /// other by its first and last code points.
    @inline(__always)
    public static func hasOuterBlank(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return false }
        let a = p[start] &- 0x21
        let z = p[end - 1] &- 0x21
        if a < 0x5E && z < 0x5E { return false }
        var i = end - 1
        while i > start && p[i] & 0xC0 == 0x80 { i -= 1 }
        guard let first = UTF8Check.scalar(p, at: start, end: end), let last = UTF8Check.scalar(p, at: i, end: end) else {
            return outerBlank(String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)) != nil
        }
        return isBlankValue(first) || isBlankValue(last)
    }

    /// Narrows a field's span to drop the blanks around it (`KeyPolicy.trim`):
    /// the same blanks as `trimmed`, on bytes (the row is valid UTF-8 by then).
    static func trim(_ p: UnsafePointer<UInt8>, _ start: inout Int, _ end: inout Int) {
        func scalar(at i: Int) -> (Unicode.Scalar, Int)? {
            let length = UTF8Check.sequenceLength(p, at: i, end: end)
            guard length > 0 else { return nil }
            let text = String(decoding: UnsafeBufferPointer(start: p + i, count: length), as: UTF8.self)
            return text.unicodeScalars.first.map { ($0, length) }
        }
        while start < end, let (s, length) = scalar(at: start), isBlank(s) { start += length }
        while end > start {
            var i = end - 1
            while i > start && p[i] & 0xC0 == 0x80 { i -= 1 }
            guard let (s, _) = scalar(at: i), isBlank(s) else { return }
            end = i
        }
    }

    public static func trimmed(_ key: String) -> String {
        var s = Substring(key).unicodeScalars
        while let f = s.first, isBlank(f) { s.removeFirst() }
        while let l = s.last, isBlank(l) { s.removeLast() }
        return String(s)
    }

    /// Latin letters that letters of other scripts are easily mistaken for.
    static let confusables: [UInt32: Unicode.Scalar] = {
        let pairs: [(UInt32, Character)] = [
            (0x0410, "A"), (0x0412, "B"), (0x0415, "E"), (0x041A, "K"), (0x041C, "M"), (0x041D, "H"), (0x041E, "O"),
            (0x0420, "P"), (0x0421, "C"), (0x0422, "T"), (0x0425, "X"), (0x0430, "a"), (0x0435, "e"), (0x043E, "o"),
            (0x0440, "p"), (0x0441, "c"), (0x0443, "y"), (0x0445, "x"), (0x0455, "s"), (0x0456, "i"), (0x0458, "j"),
            (0x0405, "S"), (0x0406, "I"), (0x0408, "J"), (0x0391, "A"), (0x0392, "B"), (0x0395, "E"), (0x0396, "Z"),
            (0x0397, "H"), (0x0399, "I"), (0x039A, "K"), (0x039C, "M"), (0x039D, "N"), (0x039F, "O"), (0x03A1, "P"),
            (0x03A4, "T"), (0x03A5, "Y"), (0x03A7, "X"), (0x03BF, "o"), (0x03BD, "v"),
        ]
        var table: [UInt32: Unicode.Scalar] = [:]
        for (code, latin) in pairs { table[code] = latin.unicodeScalars.first! }
        return table
    }()

    /// What a key looks like: invisible characters dropped, blanks trimmed
    /// and runs of blanks made one space, full-width forms and look-alike
    /// letters made Latin. Keys with one skeleton look alike. Plain ASCII
    /// keys (nearly all of them) are their own skeleton.
    public static func skeleton(_ key: String) -> String {
        if key.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) { return key }
        var out = String.UnicodeScalarView()
        var pendingBlank = false
        for s in key.unicodeScalars {
            if s.properties.isDefaultIgnorableCodePoint || s.value == 0xFEFF { continue }
            if isBlank(s) {
                pendingBlank = !out.isEmpty
                continue
            }
            if pendingBlank {
                out.append(" ")
                pendingBlank = false
            }
            if (0xFF01...0xFF5E).contains(s.value), let ascii = Unicode.Scalar(s.value - 0xFEE0) {
                out.append(ascii)
            } else if let latin = confusables[s.value] {
                out.append(latin)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// The first place two look-alike keys differ, in words.
    public static func difference(_ a: String, _ b: String) -> String {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        var i = 0
        while i < x.count && i < y.count && x[i] == y[i] { i += 1 }
        func describe(_ s: Unicode.Scalar?) -> String {
            guard let s else { return "nothing" }
            let hex = String(s.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let name = s.properties.name.map { " \($0)" } ?? ""
            return "\(code)\(name)"
        }
        return "they differ at character \(i + 1): \(describe(i < x.count ? x[i] : nil)) against \(describe(i < y.count ? y[i] : nil))"
    }

    /// How a key that is not found may have been meant: trimmed, or a
    /// look-alike of a key that exists.
    public static func lookalikeHelp(_ key: String, known: (String) -> Bool) -> String? {
        let t = trimmed(key)
        if t != key, known(t), let blank = outerBlank(key) {
            return "`\(VisibleText.escape(t))` exists; this one has \(blank)"
        }
        let s = skeleton(key)
        if !CodePoint.equal(s, key), known(s) {
            return "`\(VisibleText.escape(s))` exists and looks the same; \(difference(key, s))"
        }
        return nil
    }
}

extension KeyHygiene {
    /// Printable ASCII without blanks: its own skeleton, and looks like no
    /// other plain key.
    @inline(__always)
    static func isPlain(_ key: String) -> Bool {
        var copy = key
        return copy.withUTF8 { bytes in bytes.allSatisfy { $0 >= 0x21 && $0 < 0x7F } }
    }

    /// Warnings for the distinct values of a key column that look alike but
    /// differ, each naming both spellings and their lines. Linear, and cheap
    /// when every value is plain ASCII (nearly always): only the others are
    /// compared, with each other and with the plain values.
    static func lookalikes(column: String, values: [String], lines: [Int], file: String) -> [Diagnostic] {
        var odd: [Int] = []
        for (i, v) in values.enumerated() where !isPlain(v) { odd.append(i) }
        guard !odd.isEmpty else { return [] }
        // The distinct other values in order, with their skeletons (a run of
        // one value, as in a file sorted by team, is one look-up).
        var seen: Set<TextKey> = []
        var distinct: [(index: Int, skeleton: String)] = []
        var previous: String?
        for i in odd {
            if let previous, CodePoint.equal(previous, values[i]) { continue }
            previous = values[i]
            if seen.insert(TextKey(values[i])).inserted { distinct.append((i, skeleton(values[i]))) }
        }
        // A plain value can only look like a skeleton that is plain itself:
        // only those are looked for among the plain values.
        let needed = Set(distinct.map(\.skeleton).filter(isPlain).map(TextKey.init))
        var plainFirst: [TextKey: Int] = [:]
        if !needed.isEmpty {
            for (i, v) in values.enumerated() where isPlain(v) {
                let key = TextKey(v)
                if needed.contains(key) && plainFirst[key] == nil { plainFirst[key] = i }
            }
        }
        // Swift's string equality groups canonically equivalent skeletons
        // (a composed `é` and `e` with a combining accent) too.
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, sk) in distinct {
            if groups[sk] == nil {
                order.append(sk)
                groups[sk] = plainFirst[TextKey(sk)].map { [$0] } ?? []
            }
            groups[sk]!.append(i)
        }
        var out: [Diagnostic] = []
        for sk in order {
            guard let members = groups[sk], members.count > 1 else { continue }
            let first = members[0]
            for other in members.dropFirst() {
                let a = values[other]
                let b = values[first]
                out.append(
                    Diagnostic(
                        .warning, DataCode.lookalikeKeys.rawValue,
                        "\(column) \"\(VisibleText.escape(a))\" looks like \"\(VisibleText.escape(b))\" (line \(lines[first])) but is a different \(column); \(difference(a, b))",
                        at: SourceRange(at: SourceLocation(file: file, line: lines[other], column: 0)), file: file,
                        help: "keys are compared exactly; if they are the same \(column), write it one way in every row"))
            }
        }
        return out
    }

    /// Says how many keys `KeyPolicy.trim` trimmed in a file.
    static func trimmedWarning(_ count: Int, file: String) -> [Diagnostic] {
        guard count > 0 else { return [] }
        return [
            Diagnostic(
                .warning, DataCode.keysTrimmed.rawValue,
                "\(count) \(count == 1 ? "key had blanks around it" : "keys had blanks around them"), trimmed (--trim-keys)",
                at: nil, file: file)
        ]
    }

    /// The look-alike warnings of every key column of a table.
    static func lookalikes(in table: Table) -> [Diagnostic] {
        let keys = keyColumns(table.spec.kind)
        var out: [Diagnostic] = []
        for (k, c) in table.spec.columns.enumerated() where c.type == .text && keys.contains(c.name) {
            out += lookalikes(column: c.name, values: table.texts(k), lines: table.lines, file: table.path)
        }
        return out
    }
}
