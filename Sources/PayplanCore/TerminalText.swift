/// Text bound for a terminal, made harmless: characters that steer a terminal
/// instead of showing (ESC sequences and OSC-8 links, backspace, carriage
/// return, other C0 and C1 controls, DEL, bidirectional overrides, embeddings,
/// isolates and marks, line and paragraph separators, zero-width characters)
/// are written as `\u{1B}`, so a name from the data cannot recolour the
/// screen, draw a fake row, hide a link or reverse a number. Which characters
/// and how they are written is `VisibleText`'s (diagnostics use it too); this
/// adds whole strings with line breaks or tabs kept, a fast path, and widths.
/// Files keep the data as it is (CSV and JSON escape per their own rules);
/// tables, `explain`, summaries and `diff` text go through here.
public enum TerminalText {
    /// Which line-layout characters a caller keeps (a table cell keeps none;
    /// whole multi-line text keeps its line breaks, diagnostics their tabs).
    public struct Keep: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let newlines = Keep(rawValue: 1)
        public static let tabs = Keep(rawValue: 2)
    }

    /// True for a scalar that is escaped (a tab included).
    public static func isEscaped(_ v: UInt32) -> Bool {
        guard let s = Unicode.Scalar(v) else { return false }
        return s == "\t" || VisibleText.needsEscape(s)
    }

    /// `\u{1B}` (a tab: `\t`).
    public static func escaped(_ v: UInt32) -> String {
        Unicode.Scalar(v).map { VisibleText.escape($0) } ?? ""
    }

    static func isKept(_ v: UInt32, _ keep: Keep) -> Bool {
        (v == 0x0A && keep.contains(.newlines)) || (v == 0x09 && keep.contains(.tabs))
    }

    /// `s` with every steering character escaped; unchanged (no copy) when
    /// there is none, which is almost always.
    public static func escape(_ s: String, keeping keep: Keep = []) -> String {
        if !needsEscaping(s, keep) { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isEscaped(scalar.value) && !isKept(scalar.value, keep) {
                out.append(contentsOf: escaped(scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A fast scan: printable ASCII needs nothing.
    static func needsEscaping(_ s: String, _ keep: Keep) -> Bool {
        var nonASCII = false
        for b in s.utf8 {
            if b >= 0x80 {
                nonASCII = true
                break
            }
            if (b < 0x20 || b == 0x7F) && !isKept(UInt32(b), keep) { return true }
        }
        guard nonASCII else { return false }
        return s.unicodeScalars.contains { isEscaped($0.value) && !isKept($0.value, keep) }
    }

    /// Columns a scalar takes once escaped (its escape's length, or its
    /// display width): for carets and table columns drawn under escaped text.
    public static func width(_ s: Unicode.Scalar, keeping keep: Keep = []) -> Int {
        if isEscaped(s.value) && !isKept(s.value, keep) { return escaped(s.value).utf8.count }
        return TextWidth.of(s)
    }
}
