import PayplanCore

/// A terminal table: a header, a rule of dashes, columns aligned by display
/// width (CJK characters take two cells), numbers right-aligned, trailing
/// blanks trimmed. Payout and what-if tables share it.
public struct TextTable {
    public var header: [String]
    public var rightAligned: [Bool]
    public var rows: [[String]] = []

    public init(header: [String], rightAligned: [Bool]) {
        self.header = header
        self.rightAligned = rightAligned
    }

    /// Display width, with a fast path for ASCII (most cells are numbers).
    static func width(_ s: String) -> Int {
        var ascii = true
        for b in s.utf8 where b >= 0x80 {
            ascii = false
            break
        }
        return ascii ? s.utf8.count : TextWidth.of(s)
    }

    /// The table as text. Cells come from the data: characters that steer a
    /// terminal are escaped (`\u{1B}`), and widths count the escaped text.
    public func render() -> String {
        let columns = header.count
        let header = self.header.map { TerminalText.escape($0) }
        let rows = self.rows.map { $0.map { TerminalText.escape($0) } }
        var widths = header.map(TextTable.width)
        var cellWidths: [Int] = []
        cellWidths.reserveCapacity(rows.count * columns)
        for row in rows {
            for c in 0..<columns {
                let w = c < row.count ? TextTable.width(row[c]) : 0
                cellWidths.append(w)
                widths[c] = max(widths[c], w)
            }
        }
        var out: [UInt8] = []
        func line(_ cells: [String], _ cellWidth: (Int) -> Int, header: Bool) {
            let start = out.count
            for c in 0..<columns {
                if c > 0 { out.append(contentsOf: [0x20, 0x20]) }
                let text = c < cells.count ? cells[c] : ""
                let pad = widths[c] - cellWidth(c)
                if rightAligned[c] && !header {
                    out.append(contentsOf: repeatElement(0x20, count: max(0, pad)))
                    out.append(contentsOf: text.utf8)
                } else {
                    out.append(contentsOf: text.utf8)
                    out.append(contentsOf: repeatElement(0x20, count: max(0, pad)))
                }
            }
            while out.count > start && out.last == 0x20 { out.removeLast() }
            out.append(0x0A)
        }
        let headerWidths = header.map(TextTable.width)
        line(header, { headerWidths[$0] }, header: true)
        for c in 0..<columns {
            if c > 0 { out.append(contentsOf: [0x20, 0x20]) }
            out.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: widths[c]))
        }
        out.append(0x0A)
        for (r, row) in rows.enumerated() {
            line(row, { cellWidths[r * columns + $0] }, header: false)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
