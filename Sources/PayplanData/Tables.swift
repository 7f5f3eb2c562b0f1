import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// A data problem: the located message, and the rep it makes unpayable when
/// one can be named (for `--skip-invalid`). Problems naming no rep block the
/// run even with `--skip-invalid`.
public struct DataProblem: Sendable {
    public var diagnostic: Diagnostic
    public var repID: String?

    public init(_ diagnostic: Diagnostic, rep: String?) {
        self.diagnostic = diagnostic
        repID = rep
    }
}

/// One column of a small table. A struct of typed arrays rather than an
/// enum with array payloads: reading a value is then a borrow, where binding
/// an enum payload copies (and retains) the whole array — on a buffer that
/// every evaluation thread shares.
public struct ColumnValues: Sendable {
    public enum Kind: Sendable {
        case text, decimal, date
    }

    public let kind: Kind
    let texts: [String]
    /// nil where an optional column is blank.
    let decimals: [Exact?]
    let dates: [CivilDate?]

    public static func text(_ v: [String]) -> ColumnValues { ColumnValues(kind: .text, texts: v, decimals: [], dates: []) }
    public static func decimal(_ v: [Exact?]) -> ColumnValues { ColumnValues(kind: .decimal, texts: [], decimals: v, dates: []) }
    public static func date(_ v: [CivilDate?]) -> ColumnValues { ColumnValues(kind: .date, texts: [], decimals: [], dates: v) }

    public func value(_ row: Int) -> Value {
        switch kind {
        case .text: return .text(texts[row])
        case .decimal: return decimals[row].map { .number($0) } ?? .missing
        case .date: return dates[row].map { .date($0) } ?? .missing
        }
    }

    /// The same column restricted to the given rows, in order.
    func rows(_ picked: [Int]) -> ColumnValues {
        ColumnValues(
            kind: kind, texts: kind == .text ? picked.map { texts[$0] } : [], decimals: kind == .decimal ? picked.map { decimals[$0] } : [],
            dates: kind == .date ? picked.map { dates[$0] } : [])
    }
}

/// A small data file read whole: reps, targets or products.
public struct Table: Sendable {
    public var spec: TableSpec
    public var path: String
    public var lines: [Int]
    public var columns: [ColumnValues]

    public var count: Int { lines.count }

    public func value(_ column: Int, _ row: Int) -> Value { columns[column].value(row) }

    public func text(_ column: Int, _ row: Int) -> String {
        if columns[column].kind == .text { return columns[column].texts[row] }
        return value(column, row).description
    }

    public func columnIndex(_ name: String) -> Int? { spec.columns.firstIndex { $0.name == name } }
}

/// Reads the header and rows of one CSV file into typed columns, reporting
/// every problem with its line.
struct TableReader {
    let path: String
    let displayName: String
    let spec: TableSpec
    let limits: Limits
    var problems: [DataProblem] = []
    var suppressed = 0
    /// The ids (first column) of rows with an unreadable value: known, never used.
    var invalidKeys: [String] = []
    let keyPolicy: KeyPolicy
    /// Per spec column: whether it holds keys (`KeyHygiene.keyColumns`).
    let isKey: [Bool]
    /// Keys trimmed under `KeyPolicy.trim`.
    var trimmedKeys = 0

    init(path: String, spec: TableSpec, limits: Limits, keyPolicy: KeyPolicy = .strict) {
        self.path = path
        displayName = path
        self.spec = spec
        self.limits = limits
        self.keyPolicy = keyPolicy
        let keys = KeyHygiene.keyColumns(spec.kind)
        isKey = spec.columns.map { $0.type == .text && keys.contains($0.name) }
    }

    /// A key with blanks around it is an error (strict) or trimmed.
    mutating func checkKey(_ value: inout String, column k: Int, line: Int, rep: String?) -> Bool {
        guard isKey[k], let blank = KeyHygiene.outerBlank(value) else { return true }
        switch keyPolicy {
        case .trim:
            value = KeyHygiene.trimmed(value)
            trimmedKeys += 1
            return true
        case .strict:
            // Rows naming this key elsewhere point at the trimmed key: the
            // row is known (no cascade of "unknown" errors), never used.
            invalidKeys.append(KeyHygiene.trimmed(value))
            report(
                "D619", "column \(spec.columns[k].name): \"\(VisibleText.escape(value))\" has \(blank)", line: line, rep: rep,
                help:
                    "keys are compared exactly, so \"\(VisibleText.escape(value))\" and \"\(VisibleText.escape(KeyHygiene.trimmed(value)))\" would differ; fix the export, or pass --trim-keys"
            )
            return false
        }
    }

    mutating func report(_ code: String, _ message: String, line: Int?, rep: String?, help: String? = nil) {
        if problems.count >= limits.diagnosticsPerFile {
            suppressed += 1
            return
        }
        let range = line.map { SourceRange(at: SourceLocation(file: displayName, line: $0, column: 0)) }
        problems.append(DataProblem(Diagnostic(.error, code, message, at: range, file: displayName, help: help), rep: rep))
    }

    mutating func finishReport() {
        if suppressed > 0 {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, "D699", "\(suppressed) more problems in this file are not listed (Limits.diagnosticsPerFile)",
                        at: nil, file: displayName), rep: nil))
        }
    }

    /// Maps the header to the spec's columns. Returns the file position just
    /// after the header and, per spec column, its field index.
    mutating func header(_ file: MappedFile) -> (start: Int, fieldOf: [Int], fieldCount: Int)? {
        var start = 0
        if file.bytes.count >= 3, file.bytes[0] == 0xEF, file.bytes[1] == 0xBB, file.bytes[2] == 0xBF { start = 3 }
        var scanner = CSVScanner(bytes: file.bytes, from: start, maxFieldBytes: limits.csvFieldBytes)
        let expected = spec.columns.map(\.name).joined(separator: ",")
        switch scanner.next() {
        case .end:
            report("D602", "the file is empty; expected a header row: \(expected)", line: nil, rep: nil)
            return nil
        case .malformed(let m):
            report("D603", "the header row is malformed: \(m)", line: 1, rep: nil)
            return nil
        case .record:
            break
        }
        if scanner.recordHasHighBytes && !scanner.recordIsValidUTF8() {
            report("D610", "the header is not valid UTF-8", line: scanner.recordLine, rep: nil, help: "save the file as UTF-8")
            return nil
        }
        let names = scanner.fields.map { scanner.string($0).trimmingCharacters() }
        var position: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if position[n] != nil {
                report("D604", "the header names the column `\(n)` twice", line: scanner.recordLine, rep: nil)
                return nil
            }
            position[n] = i
        }
        var fieldOf: [Int] = []
        var missing = false
        for c in spec.columns {
            if let i = position[c.name] {
                fieldOf.append(i)
            } else {
                let unused = names.filter { n in !spec.columns.contains { $0.name == n } }
                report(
                    "D605", "missing required column `\(c.name)`", line: scanner.recordLine, rep: nil,
                    help: Suggest.didYouMean(c.name, among: unused) ?? "the header is: \(names.joined(separator: ","))")
                missing = true
                fieldOf.append(-1)
            }
        }
        if missing { return nil }
        return (scanner.position, fieldOf, names.count)
    }

    func repID(_ keyIndex: Int?, _ fieldOf: [Int], _ scanner: CSVScanner) -> String? {
        keyIndex.map { scanner.string(at: fieldOf[$0]) }
    }

    /// Reads every row of a small table.
    mutating func read(_ file: MappedFile, keyColumn: String?) -> Table? {
        guard let (start, fieldOf, fieldCount) = header(file) else {
            finishReport()
            return nil
        }
        var scanner = CSVScanner(bytes: file.bytes, from: start, firstLine: 2, maxFieldBytes: limits.csvFieldBytes)
        var lines: [Int] = []
        var text = [[String]](repeating: [], count: spec.columns.count)
        var decimals = [[Exact?]](repeating: [], count: spec.columns.count)
        var dates = [[CivilDate?]](repeating: [], count: spec.columns.count)
        let keyIndex = keyColumn.flatMap { k in spec.columns.firstIndex { $0.name == k } }
        guard let base = file.bytes.baseAddress else { return nil }
        // Per-row scratch, reused: a row's values are kept only when the whole row reads.
        var rowText = [String](repeating: "", count: spec.columns.count)
        var rowDecimal = [Exact?](repeating: nil, count: spec.columns.count)
        var rowDate = [CivilDate?](repeating: nil, count: spec.columns.count)
        let types = spec.columns.map(\.type)
        let optional = spec.columns.map(\.optional)
        while true {
            let step = scanner.next()
            if step == .end { break }
            if case .malformed(let m) = step {
                report("D606", m, line: scanner.recordLine, rep: nil)
                continue
            }
            let line = scanner.recordLine
            if scanner.recordHasHighBytes && !scanner.recordIsValidUTF8() {
                report(
                    "D610", "the row is not valid UTF-8", line: line, rep: keyIndex.map { scanner.string(at: fieldOf[$0]) },
                    help: "save the file as UTF-8")
                continue
            }
            if scanner.recordContainsNUL() {
                report("D616", "the row contains a NUL byte", line: line, rep: nil, help: "the file is damaged or not text; export it again")
                continue
            }
            if scanner.fields.count != fieldCount {
                report(
                    "D607", "the row has \(scanner.fields.count) field\(scanner.fields.count == 1 ? "" : "s"); the header has \(fieldCount)",
                    line: line, rep: keyIndex.map { scanner.string(at: fieldOf[$0]) }, help: "quote fields that contain commas: \"a,b\"")
                continue
            }
            var ok = true
            // The id column of reps and products (their first column) is never blank.
            if let idColumn = spec.columns.first, idColumn.name == "rep_id" || idColumn.name == "product" {
                let f = scanner.fields[fieldOf[0]]
                if f.start == f.end {
                    report("D618", "column \(idColumn.name): the id is blank", line: line, rep: nil, help: "every row needs its id")
                    continue
                }
            }
            defer { if !ok { invalidKeys.append(scanner.string(at: fieldOf[0])) } }
            for k in types.indices {
                let f = scanner.fields[fieldOf[k]]
                switch types[k] {
                case .text:
                    rowText[k] = scanner.string(f)
                    if !checkKey(&rowText[k], column: k, line: line, rep: repID(keyIndex, fieldOf, scanner).map(KeyHygiene.trimmed)) { ok = false }
                case .money, .number, .count:
                    rowDecimal[k] = nil
                    if f.start == f.end && optional[k] { continue }
                    switch Fixed.parse(base, f.start, f.end) {
                    case .success(let units):
                        let v = Fixed.exact(units)
                        rowDecimal[k] = v
                        if types[k] == .count, !v.isInteger {
                            report(
                                "D611", "column \(spec.columns[k].name): \"\(scanner.string(f))\" is not a whole number", line: line,
                                rep: repID(keyIndex, fieldOf, scanner))
                            ok = false
                        }
                    case .failure(let problem):
                        report(
                            DataLoader.decimalCode(problem),
                            DataLoader.decimalMessage(problem, column: spec.columns[k].name, text: scanner.string(f)),
                            line: line, rep: repID(keyIndex, fieldOf, scanner))
                        ok = false
                    }
                case .date:
                    rowDate[k] = nil
                    if f.start == f.end && optional[k] { continue }
                    if let d = DateField.parse(base, f.start, f.end) {
                        rowDate[k] = d
                    } else {
                        let shown = scanner.string(f)
                        report(
                            "D612",
                            "column \(spec.columns[k].name): \(shown.isEmpty ? "the date is blank" : "\"\(shown)\" is not a date (YYYY-MM-DD)")",
                            line: line, rep: repID(keyIndex, fieldOf, scanner))
                        ok = false
                    }
                }
            }
            guard ok else { continue }
            lines.append(line)
            for k in types.indices {
                switch types[k] {
                case .text: text[k].append(rowText[k])
                case .money, .number, .count: decimals[k].append(rowDecimal[k])
                case .date: dates[k].append(rowDate[k])
                }
            }
        }
        finishReport()
        let columns: [ColumnValues] = spec.columns.enumerated().map { k, c in
            switch c.type {
            case .text: .text(text[k])
            case .money, .number, .count: .decimal(decimals[k])
            case .date: .date(dates[k])
            }
        }
        return Table(spec: spec, path: displayName, lines: lines, columns: columns)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
