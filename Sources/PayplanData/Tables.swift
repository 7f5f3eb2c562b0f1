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

    /// A column's values as text (one array, not a string per call).
    func texts(_ column: Int) -> [String] {
        columns[column].kind == .text ? columns[column].texts : (0..<count).map { text(column, $0) }
    }
}

/// Reads the header and rows of one CSV file into typed columns: records
/// from the `RecordIterator`, checked and decoded by the `RowDecoder` (the
/// same checks as the transaction scan), every problem logged with its line.
struct TableReader {
    /// Where a file's header ends and how its fields map to the spec's columns.
    struct Header {
        /// The byte just after the header, and the line it is on.
        var position: Int
        var line: Int
        /// Per spec column, its field index.
        var fieldOf: [Int]
        var fieldCount: Int
    }

    let path: String
    let spec: TableSpec
    let limits: Limits
    let keyPolicy: KeyPolicy
    private(set) var log: ProblemLog
    /// Keys trimmed under `KeyPolicy.trim`.
    private(set) var trimmedKeys = 0
    /// The ids of rows that could not be read (reps' `rep_id`, products'
    /// `product`): known, never used.
    private(set) var unreadableIDs: [String] = []

    init(path: String, spec: TableSpec, limits: Limits, keyPolicy: KeyPolicy = .strict) {
        self.path = path
        self.spec = spec
        self.limits = limits
        self.keyPolicy = keyPolicy
        log = ProblemLog(limit: limits.diagnosticsPerFile)
    }

    var problems: [DataProblem] { log.problems(file: path) }

    /// Maps the header to the spec's columns (a UTF-8 byte order mark before it is skipped).
    mutating func header(_ file: MappedFile) -> Header? {
        let bytes = file.bytes
        let expected = spec.columns.map(\.name).joined(separator: ",")
        guard let base = bytes.baseAddress else {
            log.add(.emptyFile(expected: expected), line: nil, rep: nil)
            return nil
        }
        let start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var records = RecordIterator(base: base, from: start, to: bytes.count, maxFieldBytes: limits.csvFieldBytes)
        var record = RecordInfo()
        let (step, fields) = records.nextRecord(&record)
        switch step {
        case .end:
            log.add(.emptyFile(expected: expected), line: nil, rep: nil)
            return nil
        case .malformed(let problem):
            log.add(.malformedHeader(problem), line: 1, rep: nil)
            return nil
        case .record:
            break
        }
        if record.highBytes && !UTF8Check.isValid(base, from: record.start, to: record.end) {
            log.add(.headerNotUTF8, line: record.line, rep: nil)
            return nil
        }
        let names = fields.map { FieldText.string(base, $0).trimmingCharacters() }
        guard let fieldOf = columns(names, line: record.line) else { return nil }
        return Header(position: records.position, line: records.line, fieldOf: fieldOf, fieldCount: names.count)
    }

    /// Per spec column, its field among `names`; nil (with the problems
    /// logged) when a name is there twice or a column is missing.
    private mutating func columns(_ names: [String], line: Int) -> [Int]? {
        var position: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if position[n] != nil {
                log.add(.duplicateColumn(n), line: line, rep: nil)
                return nil
            }
            position[n] = i
        }
        var fieldOf: [Int] = []
        for c in spec.columns {
            if let i = position[c.name] {
                fieldOf.append(i)
                continue
            }
            let unused = names.filter { n in !spec.columns.contains { $0.name == n } }
            let help = Suggest.didYouMean(c.name, among: unused) ?? "the header is: \(names.joined(separator: ","))"
            log.add(.missingColumn(c.name, help: help), line: line, rep: nil)
        }
        return fieldOf.count == spec.columns.count ? fieldOf : nil
    }

    /// Reads every row of a small table; rows with a problem are left out.
    mutating func read(_ file: MappedFile) -> Table? {
        guard let header = header(file), let base = file.bytes.baseAddress else { return nil }
        let schema = RowSchema.table(spec, fieldOf: header.fieldOf, fieldCount: header.fieldCount)
        let fields = FieldSpans(capacity: header.fieldCount + 1)
        var decoder = RowDecoder(schema, base: base, limit: file.bytes.count, policy: keyPolicy)
        defer {
            fields.deallocate()
            decoder.deallocate()
        }
        var records = RecordIterator(
            base: base, from: header.position, to: file.bytes.count, firstLine: header.line, maxFieldBytes: limits.csvFieldBytes)
        var columns = TableColumns(spec, rows: TableReader.rowBound(file.bytes, from: header.position, fields: header.fieldCount))
        var record = RecordInfo()
        while true {
            let step = records.next(fields, &record)
            if step == .end { break }
            if case .malformed(let problem) = step {
                log.add(.malformed(problem), line: record.line, rep: nil)
                continue
            }
            guard decoder.decode(record, fields, &log) else { continue }
            columns.append(line: record.line, fields, header.fieldOf, decoder.values, base)
        }
        trimmedKeys = decoder.trimmedKeys
        unreadableIDs = decoder.unreadableIDs
        return Table(spec: spec, path: path, lines: columns.lines, columns: columns.values())
    }
}

extension TableReader {
    /// At most how many rows after `start` can have `fields` fields: one
    /// per line, and no more than the commas allow. Room is reserved for
    /// that many (no array is grown and copied as a million reps are read),
    /// which is never more than such rows would take.
    static func rowBound(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, fields: Int) -> Int {
        guard let p = bytes.baseAddress else { return 0 }
        var (lines, commas) = (1, 0)
        var i = start
        while i + 8 <= bytes.count {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            lines &+= SWAR.zeroBytes(w ^ SWAR.newline).nonzeroBitCount &+ SWAR.zeroBytes(w ^ SWAR.carriage).nonzeroBitCount
            commas &+= SWAR.zeroBytes(w ^ SWAR.comma).nonzeroBitCount
            i += 8
        }
        while i < bytes.count {
            if p[i] == 0x0A || p[i] == 0x0D { lines += 1 } else if p[i] == 0x2C { commas += 1 }
            i += 1
        }
        return fields > 1 ? min(lines, commas / (fields - 1)) : lines
    }
}

/// A table's columns as they are read, row by row.
struct TableColumns {
    let types: [ColumnType]
    private(set) var lines: [Int] = []
    private var texts: [[String]]
    private var decimals: [[Exact?]]
    private var dates: [[CivilDate?]]

    init(_ spec: TableSpec, rows: Int) {
        types = spec.columns.map(\.type)
        func room<T>(_ wanted: Bool) -> [T] {
            var a: [T] = []
            if wanted { a.reserveCapacity(rows) }
            return a
        }
        lines.reserveCapacity(rows)
        texts = types.map { room($0 == .text) }
        decimals = types.map { room($0.isNumeric) }
        dates = types.map { room($0 == .date) }
    }

    /// Appends a decoded row: text from its (trimmed) fields, decimals and
    /// dates from the decoder's values (slots are spec columns).
    mutating func append(line: Int, _ fields: FieldSpans, _ fieldOf: [Int], _ values: RowValues, _ base: UnsafePointer<UInt8>) {
        lines.append(line)
        for k in types.indices {
            switch types[k] {
            case .text:
                let f = fieldOf[k]
                texts[k].append(FieldText.string(base, from: fields.starts[f], to: fields.ends[f], escaped: fields.escaped[f]))
            case .money, .number, .count: decimals[k].append(values.blank[k] ? nil : Fixed.exact(values.units[k]))
            case .date: dates[k].append(values.blank[k] ? nil : CivilDate(dayNumber: values.days[k]))
            }
        }
    }

    func values() -> [ColumnValues] {
        types.indices.map { k in
            switch types[k] {
            case .text: .text(texts[k])
            case .money, .number, .count: .decimal(decimals[k])
            case .date: .date(dates[k])
            }
        }
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
