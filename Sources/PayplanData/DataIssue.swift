import PayplanCore

/// The problems the data stage's layers find in a file — a header, a record,
/// a field, a sum — each with its code, message and help in one place.
/// The layers record them with their line as they read (`ProblemLog`);
/// nothing is thrown mid-scan.
enum DataIssue: Sendable, Equatable {
    // The header.
    case emptyFile(expected: String)
    case malformedHeader(RecordProblem)
    case headerNotUTF8
    case duplicateColumn(String)
    case missingColumn(String, help: String)
    // A record that cannot be split into fields.
    case malformed(RecordProblem)
    // A row: the same checks for every table.
    case fieldCount(found: Int, expected: Int)
    case notUTF8
    case nulByte
    case notWholeNumber(column: String, text: String)
    case notDate(column: String, text: String)
    case notDecimal(Fixed.Problem, column: String, text: String)
    case blankID(column: String)
    case blankAroundKey(column: String, value: String, blank: String)
    case unknownRep(String, help: String?)
    case unknownProduct(String, help: String?)
    // The transaction scan's formulas and sums.
    case formula(String)
    case sumOutOfRange(accumulator: String, rep: String)
    // Too many of the above.
    case more(Int)

    var code: String { dataCode.rawValue }

    var dataCode: DataCode {
        switch self {
        case .emptyFile: .emptyFile
        case .malformedHeader: .malformedHeader
        case .duplicateColumn: .duplicateColumn
        case .missingColumn: .missingColumn
        case .malformed: .malformedRecord
        case .fieldCount: .fieldCount
        case .headerNotUTF8, .notUTF8: .notUTF8
        case .notWholeNumber: .notWholeNumber
        case .notDate: .notDate
        case .notDecimal(let p, _, _):
            switch p {
            case .notDecimal: .notDecimal
            case .tooManyDecimals: .tooManyDecimals
            case .outOfRange: .numberOutOfRange
            }
        case .nulByte: .nulByte
        case .blankID: .blankID
        case .blankAroundKey: .blankAroundKey
        case .unknownRep: .unknownRep
        case .unknownProduct: .unknownProduct
        case .formula: .rowFormula
        case .sumOutOfRange: .sumOutOfRange
        case .more: .moreProblems
        }
    }

    var message: String {
        switch self {
        case .emptyFile(let expected): "the file is empty; expected a header row: \(expected)"
        case .malformedHeader(let p): "the header row is malformed: \(p.message)"
        case .headerNotUTF8: "the header is not valid UTF-8"
        case .duplicateColumn(let name): "the header names the column `\(name)` twice"
        case .missingColumn(let name, _): "missing required column `\(name)`"
        case .malformed(let p): p.message
        case .fieldCount(let found, let expected): "the row has \(found) field\(found == 1 ? "" : "s"); the header has \(expected)"
        case .notUTF8: "the row is not valid UTF-8"
        case .nulByte: "the row contains a NUL byte"
        case .notWholeNumber(let column, let text): "column \(column): \"\(text)\" is not a whole number"
        case .notDate(let column, let text): "column \(column): \(text.isEmpty ? "the date is blank" : "\"\(text)\" is not a date (YYYY-MM-DD)")"
        case .notDecimal(let p, let column, let text):
            switch p {
            case .notDecimal: text.isEmpty ? "column \(column): the value is blank" : "column \(column): \"\(text)\" is not a decimal"
            case .tooManyDecimals: "column \(column): \"\(text)\" has more than \(Fixed.scale) decimal places"
            case .outOfRange: "column \(column): \"\(text)\" is out of range (at most 20 digits before the decimal point)"
            }
        case .blankID(let column): "column \(column): the id is blank"
        case .blankAroundKey(let column, let value, let blank): "column \(column): \"\(VisibleText.escape(value))\" has \(blank)"
        case .unknownRep(let id, _): "column rep_id: unknown rep \"\(VisibleText.escape(id))\" (not in reps.csv)"
        case .unknownProduct(let id, _): "column product: unknown product \"\(VisibleText.escape(id))\" (not in products.csv)"
        case .formula(let text): text
        case .sumOutOfRange(let accumulator, let rep): "the sum of \(accumulator) for rep \(rep) exceeds Payplan's exact range"
        case .more(let n): "\(n) more problems in this file are not listed (Limits.diagnosticsPerFile)"
        }
    }

    var help: String? {
        switch self {
        case .headerNotUTF8, .notUTF8: "save the file as UTF-8"
        case .missingColumn(_, let help): help
        case .fieldCount: "quote fields that contain commas: \"a,b\""
        case .nulByte: "the file is damaged or not text; export it again"
        case .blankID: "every row needs its id"
        case .blankAroundKey(let column, let value, _):
            // Deal ids are not looked up: only their order depends on them.
            column == "deal_id"
                ? "deal ids are compared exactly; fix the export, or pass --trim-keys"
                : "keys are compared exactly, so \"\(VisibleText.escape(value))\" and \"\(VisibleText.escape(KeyHygiene.trimmed(value)))\" would differ; fix the export, or pass --trim-keys"
        case .unknownRep(_, let help), .unknownProduct(_, let help): help
        case .sumOutOfRange: "sums are exact up to about 1.7·10²⁹; amounts this large are a damaged export"
        default: nil
        }
    }
}

/// Problems of one file (or one chunk of it) with their lines, up to
/// `Limits.diagnosticsPerFile`; the rest are counted.
struct ProblemLog {
    struct Entry: Sendable {
        var line: Int?
        var issue: DataIssue
        /// The rep the problem makes unpayable, when one can be named (`--skip-invalid`).
        var rep: String?
    }

    private(set) var entries: [Entry] = []
    private(set) var suppressed = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var isEmpty: Bool { entries.isEmpty && suppressed == 0 }

    mutating func add(_ issue: DataIssue, line: Int?, rep: String?) {
        if entries.count >= limit {
            suppressed += 1
            return
        }
        entries.append(Entry(line: line, issue: issue, rep: rep))
    }

    /// The logs of consecutive chunks of one file as one log, as if read in
    /// one piece: lines shifted by the lines before each chunk, and the
    /// limit applied to the whole file (each chunk kept its first `limit`,
    /// so the file's first `limit` are all there), whatever the number of chunks.
    static func merged(_ logs: [ProblemLog], lineOffsets: [Int], limit: Int) -> ProblemLog {
        var out = ProblemLog(limit: limit)
        for (log, offset) in zip(logs, lineOffsets) {
            for var e in log.entries {
                e.line = e.line.map { $0 + offset }
                out.add(e.issue, line: e.line, rep: e.rep)
            }
            out.suppressed += log.suppressed
        }
        return out
    }

    func problems(file: String) -> [DataProblem] {
        var out = entries.map { e in
            DataProblem(
                Diagnostic(
                    .error, e.issue.code, e.issue.message, at: e.line.map { SourceRange(at: SourceLocation(file: file, line: $0, column: 0)) },
                    file: file, help: e.issue.help), rep: e.rep)
        }
        if suppressed > 0 {
            let more = DataIssue.more(suppressed)
            out.append(DataProblem(Diagnostic(.error, more.code, more.message, at: nil, file: file), rep: nil))
        }
        return out
    }
}
