import PayplanCore
import PayplanData

/// The type of a column of a side file.
public enum SideColumnType: Sendable, Equatable {
    case text
    /// A plain decimal (`-12.5`, `300`): read exactly.
    case decimal
    /// A whole number ≥ 0 (`42`).
    case count
    /// `2026-Q3`, `2026-07` or `2026`.
    case period
}

public struct SideColumn: Sendable {
    public var name: String
    public var type: SideColumnType
    public var optional: Bool

    public init(_ name: String, _ type: SideColumnType, optional: Bool = false) {
        self.name = name
        self.type = type
        self.optional = optional
    }
}

public enum SideValue: Sendable, Equatable {
    case text(String)
    case number(Exact)
    case period(Period)
    case blank

    public var text: String? {
        if case .text(let t) = self { return t }
        return nil
    }

    public var number: Exact? {
        if case .number(let x) = self { return x }
        return nil
    }

    public var period: Period? {
        if case .period(let p) = self { return p }
        return nil
    }
}

public struct SideRow: Sendable {
    /// The physical line the row starts on (the header is line 1).
    public var line: Int
    /// One value per declared column, in declaration order.
    public var values: [SideValue]
}

/// A small CSV file read beside the data contract (`commitments.csv`,
/// `opportunities.csv`): its declared columns, typed, with every unreadable
/// row reported at its line and left out.
public struct SideTable: Sendable {
    public var path: String
    public var columns: [SideColumn]
    public var rows: [SideRow]

    public func index(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

    /// Where a row is, for diagnostics about it.
    public func location(_ row: SideRow) -> SourceRange {
        SourceRange(at: SourceLocation(file: path, line: row.line, column: 0))
    }
}

/// The codes of side files (commitments, opportunities), with what each
/// is about (`payplan codes` lists them).
public enum SideFileCode: String, DiagnosticCode {
    case unreadable = "S901"
    case empty = "S902"
    case malformedHeader = "S903"
    case duplicateColumn = "S904"
    case missingColumn = "S905"
    case malformedRow = "S906"
    case notUTF8 = "S907"
    case nulByte = "S908"
    case fieldCount = "S909"
    case blank = "S910"
    case notDecimal = "S911"
    case notCount = "S912"
    case notPeriod = "S913"
    case tooMany = "S999"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .unreadable: "a side file that cannot be read"
        case .empty: "an empty side file"
        case .malformedHeader: "a malformed header row"
        case .duplicateColumn: "a column named twice"
        case .missingColumn: "a required column missing"
        case .malformedRow: "a malformed row"
        case .notUTF8: "a row not in UTF-8"
        case .nulByte: "a row holding a NUL byte"
        case .fieldCount: "a row with the wrong number of fields"
        case .blank: "a required value blank"
        case .notDecimal: "not a decimal"
        case .notCount: "not a whole number"
        case .notPeriod: "not a period"
        case .tooMany: "more problems than are listed"
        }
    }
}

/// Problems of side files: one home for their codes, messages and help.
public enum SideFileProblem: Sendable {
    case unreadable(reason: String)
    case empty(expected: String)
    case malformedHeader(String)
    case duplicateColumn(String)
    case missingColumn(String, suggestion: String?, header: [String])
    case malformedRow(String)
    case notUTF8
    case nulByte
    case fieldCount(found: Int, expected: Int)
    case blank(column: String)
    case notDecimal(column: String, text: String)
    case notCount(column: String, text: String)
    case notPeriod(column: String, text: String)
    case tooMany(Int)

    /// The problem's code: its home in `SideFileCode`.
    public var kind: SideFileCode {
        switch self {
        case .unreadable: .unreadable
        case .empty: .empty
        case .malformedHeader: .malformedHeader
        case .duplicateColumn: .duplicateColumn
        case .missingColumn: .missingColumn
        case .malformedRow: .malformedRow
        case .notUTF8: .notUTF8
        case .nulByte: .nulByte
        case .fieldCount: .fieldCount
        case .blank: .blank
        case .notDecimal: .notDecimal
        case .notCount: .notCount
        case .notPeriod: .notPeriod
        case .tooMany: .tooMany
        }
    }

    public var code: String { kind.rawValue }

    public var message: String {
        switch self {
        case .unreadable(let reason): "cannot read the file: \(reason)"
        case .empty(let expected): "the file is empty; expected a header row: \(expected)"
        case .malformedHeader(let m): "the header row is malformed: \(m)"
        case .duplicateColumn(let c): "the header names the column `\(c)` twice"
        case .missingColumn(let c, _, _): "missing required column `\(c)`"
        case .malformedRow(let m): m
        case .notUTF8: "the row is not valid UTF-8"
        case .nulByte: "the row contains a NUL byte"
        case .fieldCount(let found, let expected): "the row has \(found) fields; the header has \(expected)"
        case .blank(let c): "column \(c): the value is blank"
        case .notDecimal(let c, let t): "column \(c): \"\(t)\" is not a decimal"
        case .notCount(let c, let t): "column \(c): \"\(t)\" is not a whole number"
        case .notPeriod(let c, let t): "column \(c): \"\(t)\" is not a period (2026-07, 2026-Q3 or 2026)"
        case .tooMany(let n): "\(n) more problems in this file are not listed (Limits.diagnosticsPerFile)"
        }
    }

    public var help: String? {
        switch self {
        case .missingColumn(_, let suggestion?, _): "did you mean `\(suggestion)`?"
        case .missingColumn(_, nil, let header): "the header is: \(header.joined(separator: ","))"
        case .notUTF8: "save the file as UTF-8"
        case .nulByte: "the file is damaged or not text; export it again"
        case .notDecimal: "write plain digits with an optional fraction: 12500.50 (no thousands separators, no exponent)"
        default: nil
        }
    }

    public func diagnostic(file: String, line: Int?) -> Diagnostic {
        Diagnostic(
            kind.severity, code, message, at: line.map { SourceRange(at: SourceLocation(file: file, line: $0, column: 0)) }, file: file,
            help: help)
    }
}

public enum SideTableReader {
    /// Reads `path`; returns the table (nil when its header is unusable)
    /// and every problem found.
    public static func read(path: String, columns: [SideColumn], limits: Limits = .default) -> (SideTable?, [Diagnostic]) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            return (nil, [SideFileProblem.unreadable(reason: error.reason).diagnostic(file: path, line: nil)])
        }
        var reader = Reader(path: path, columns: columns, limits: limits)
        let table = reader.read(file.bytes)
        return (table, reader.diagnostics)
    }

    struct Reader {
        let path: String
        let columns: [SideColumn]
        let limits: Limits
        var diagnostics: [Diagnostic] = []
        var suppressed = 0

        init(path: String, columns: [SideColumn], limits: Limits) {
            self.path = path
            self.columns = columns
            self.limits = limits
        }

        mutating func report(_ p: SideFileProblem, line: Int?) {
            if diagnostics.count >= limits.diagnosticsPerFile {
                suppressed += 1
                return
            }
            diagnostics.append(p.diagnostic(file: path, line: line))
        }

        mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) -> SideTable? {
            defer { if suppressed > 0 { diagnostics.append(SideFileProblem.tooMany(suppressed).diagnostic(file: path, line: nil)) } }
            var start = 0
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
            var scanner = CSVScanner(bytes: bytes, from: start, maxFieldBytes: limits.csvFieldBytes)
            guard let fieldOf = header(&scanner) else { return nil }
            let fieldCount = scanner.fields.count
            var rows: [SideRow] = []
            while true {
                let step = scanner.next()
                if step == .end { break }
                if case .malformed(let m) = step {
                    report(.malformedRow(m), line: scanner.recordLine)
                    continue
                }
                if let row = row(scanner, fieldOf: fieldOf, fieldCount: fieldCount) { rows.append(row) }
            }
            return SideTable(path: path, columns: columns, rows: rows)
        }

        /// Per declared column, its field index; nil when the header is unusable.
        mutating func header(_ scanner: inout CSVScanner) -> [Int]? {
            switch scanner.next() {
            case .end:
                report(.empty(expected: columns.map(\.name).joined(separator: ",")), line: nil)
                return nil
            case .malformed(let m):
                report(.malformedHeader(m), line: 1)
                return nil
            case .record:
                break
            }
            if scanner.recordHasHighBytes && !scanner.recordIsValidUTF8() {
                report(.notUTF8, line: scanner.recordLine)
                return nil
            }
            let names = scanner.fields.map { scanner.string($0).trimmedField() }
            var position: [String: Int] = [:]
            for (i, n) in names.enumerated() {
                if position[n] != nil {
                    report(.duplicateColumn(n), line: scanner.recordLine)
                    return nil
                }
                position[n] = i
            }
            var fieldOf: [Int] = []
            var missing = false
            for c in columns {
                if let i = position[c.name] {
                    fieldOf.append(i)
                } else if c.optional {
                    fieldOf.append(-1)
                } else {
                    let unused = names.filter { n in !columns.contains { $0.name == n } }
                    report(.missingColumn(c.name, suggestion: Suggest.closest(to: c.name, among: unused), header: names), line: scanner.recordLine)
                    missing = true
                    fieldOf.append(-1)
                }
            }
            return missing ? nil : fieldOf
        }

        mutating func row(_ scanner: CSVScanner, fieldOf: [Int], fieldCount: Int) -> SideRow? {
            let line = scanner.recordLine
            if scanner.recordHasHighBytes && !scanner.recordIsValidUTF8() {
                report(.notUTF8, line: line)
                return nil
            }
            if scanner.recordContainsNUL() {
                report(.nulByte, line: line)
                return nil
            }
            if scanner.fields.count != fieldCount {
                report(.fieldCount(found: scanner.fields.count, expected: fieldCount), line: line)
                return nil
            }
            var values: [SideValue] = []
            var bad = false
            for (k, c) in columns.enumerated() {
                let text = fieldOf[k] < 0 ? "" : scanner.string(at: fieldOf[k]).trimmedField()
                if text.isEmpty {
                    if !c.optional {
                        report(.blank(column: c.name), line: line)
                        bad = true
                    }
                    values.append(.blank)
                    continue
                }
                switch c.type {
                case .text:
                    values.append(.text(text))
                case .decimal:
                    if let x = Exact(decimal: text) {
                        values.append(.number(x))
                    } else {
                        report(.notDecimal(column: c.name, text: text), line: line); bad = true
                    }
                case .count:
                    if let n = Int(text), n >= 0 {
                        values.append(.number(Exact(n)))
                    } else {
                        report(.notCount(column: c.name, text: text), line: line); bad = true
                    }
                case .period:
                    if let p = Period(text) {
                        values.append(.period(p))
                    } else {
                        report(.notPeriod(column: c.name, text: text), line: line); bad = true
                    }
                }
            }
            return bad ? nil : SideRow(line: line, values: values)
        }
    }
}

extension String {
    func trimmedField() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
