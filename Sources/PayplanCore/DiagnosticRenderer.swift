/// The text of the files diagnostics point into, kept so the renderer can
/// print the offending line under the headline.
public struct SourceTexts: Sendable {
    private var lines: [String: [Substring]] = [:]

    public init() {}

    public mutating func add(file: String, text: String) {
        lines[file] = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    public func line(_ number: Int, of file: String) -> Substring? {
        guard let all = lines[file], number >= 1, number <= all.count else { return nil }
        return all[number - 1]
    }
}

/// Prints diagnostics as text (compiler style, with snippet and caret) or as
/// JSON for tools.
public struct DiagnosticRenderer {
    public var sources: SourceTexts

    public init(sources: SourceTexts) { self.sources = sources }

    public func text(_ diagnostic: Diagnostic) -> String {
        var out = ""
        if let range = diagnostic.range {
            out += "\(VisibleText.escape(range.start.description)): "
        } else if let file = diagnostic.file {
            out += "\(VisibleText.escape(file)): "
        }
        out += "\(diagnostic.severity.rawValue): \(VisibleText.escape(diagnostic.message)) [\(diagnostic.code)]\n"
        if let range = diagnostic.range { out += snippet(range) }
        if let help = diagnostic.help { out += "  = help: \(VisibleText.escape(help))\n" }
        for note in diagnostic.notes {
            if let range = note.range {
                out += "\(VisibleText.escape(range.start.description)): note: \(VisibleText.escape(note.message))\n"
                out += snippet(range)
            } else {
                out += "  = note: \(VisibleText.escape(note.message))\n"
            }
        }
        return out
    }

    public func text(_ list: [Diagnostic]) -> String {
        list.map(text).joined()
    }

    /// Widest source line shown whole; longer lines are shown as a window
    /// around the caret.
    static let snippetWidth = 150

    /// The source line and a caret line under the exact characters. Control
    /// and invisible characters are shown escaped (`\u{200B}`), so a hostile
    /// file cannot drive the terminal and an invisible character is seen.
    func snippet(_ range: SourceRange) -> String {
        guard range.start.column > 0, let line = sources.line(range.start.line, of: range.start.file) else {
            return ""
        }
        // Each scalar as shown, with its width in terminal columns.
        let pieces: [(text: String, width: Int)] = line.unicodeScalars.map { s in
            if s == "\t" { return ("\t", 1) }
            if VisibleText.needsEscape(s) {
                let e = VisibleText.escape(s)
                return (e, e.count)
            }
            return (String(s), TextWidth.of(s))
        }
        let startIndex = min(range.start.column - 1, pieces.count)
        var length = 1
        if range.end.line == range.start.line, range.end.column > range.start.column {
            length = range.end.column - range.start.column
        }
        let endIndex = min(startIndex + length, pieces.count)
        // The window of scalars shown: the whole line when it fits.
        var lo = 0
        var hi = pieces.count
        let total = pieces.reduce(0) { $0 + $1.width }
        if total > DiagnosticRenderer.snippetWidth {
            var width = 0
            lo = startIndex
            while lo > 0 && width + pieces[lo - 1].width <= 40 {
                lo -= 1
                width += pieces[lo].width
            }
            hi = lo
            width = 0
            while hi < pieces.count && width + pieces[hi].width <= DiagnosticRenderer.snippetWidth - 2 {
                width += pieces[hi].width
                hi += 1
            }
        }
        let prefix = lo > 0 ? "…" : ""
        let suffix = hi < pieces.count ? "…" : ""
        var caretLine = prefix.isEmpty ? "" : " "
        for p in pieces[lo..<max(lo, min(startIndex, hi))] {
            caretLine += p.text == "\t" ? "\t" : String(repeating: " ", count: p.width)
        }
        var width = 0
        if startIndex < endIndex {
            for p in pieces[startIndex..<min(endIndex, max(hi, startIndex))] { width += p.width }
        }
        width = max(width, 1)
        caretLine += "^" + String(repeating: "~", count: width - 1)
        let shown = prefix + pieces[lo..<hi].map(\.text).joined() + suffix
        let gutter = String(range.start.line)
        let blank = String(repeating: " ", count: gutter.count)
        return " \(gutter) | \(shown)\n \(blank) | \(caretLine)\n"
    }

    public func json(_ list: [Diagnostic]) -> JSON {
        .array(list.map(json))
    }

    public func json(_ d: Diagnostic) -> JSON {
        var fields: [(String, JSON)] = [
            ("severity", .string(d.severity.rawValue)),
            ("code", .string(d.code)),
            ("message", .string(d.message)),
        ]
        if let file = d.file { fields.append(("file", .string(file))) }
        if let r = d.range {
            fields.append(("line", .int(r.start.line)))
            if r.start.column > 0 {
                fields.append(("column", .int(r.start.column)))
                if r.end.line == r.start.line {
                    fields.append(("end_column", .int(r.end.column)))
                }
            }
        }
        if let help = d.help { fields.append(("help", .string(help))) }
        if !d.notes.isEmpty {
            fields.append(
                (
                    "notes",
                    .array(
                        d.notes.map { note in
                            var n: [(String, JSON)] = [("message", .string(note.message))]
                            if let r = note.range {
                                n.append(("file", .string(r.start.file)))
                                n.append(("line", .int(r.start.line)))
                                if r.start.column > 0 { n.append(("column", .int(r.start.column))) }
                            }
                            return .object(n)
                        })
                ))
        }
        return .object(fields)
    }
}

/// Terminal display width: East Asian wide and fullwidth characters take two
/// columns, combining marks none. Keeps tables aligned with Chinese names.
public enum TextWidth {
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v == 0 { return 0 }
        if (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFE0F { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    public static func of(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + of($1) }
    }

    public static func padRight(_ text: String, to width: Int) -> String {
        let w = of(text)
        return w >= width ? text : text + String(repeating: " ", count: width - w)
    }

    public static func padLeft(_ text: String, to width: Int) -> String {
        let w = of(text)
        return w >= width ? text : String(repeating: " ", count: width - w) + text
    }
}

/// Text as it may safely reach a terminal: control characters (which move the
/// cursor, recolour or rewrite lines), bidirectional overrides (which reorder
/// what is shown) and invisible characters (zero-width spaces, which make two
/// different names look alike) are written as `\u{1B}`. Everything else is
/// kept as it is.
public enum VisibleText {
    public static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x08, 0x0A...0x1F, 0x7F...0x9F: return true  // C0 (but tab), DEL, C1
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    public static func escape(_ s: Unicode.Scalar) -> String {
        s == "\t" ? "\\t" : "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
    }

    /// `text` with every character that `needsEscape`, and tabs, escaped.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) || $0 == "\t" }) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            if needsEscape(s) || s == "\t" { out += escape(s) } else { out.unicodeScalars.append(s) }
        }
        return out
    }
}
