import PayplanCore
import Testing

@testable import PayplanData

@Suite("Data issues and the problem log")
struct DataIssueTests {
    @Test func codesMessagesAndHelp() {
        let cases: [(DataIssue, String, String, String?)] = [
            (.emptyFile(expected: "a,b"), "D602", "the file is empty; expected a header row: a,b", nil),
            (.malformedHeader(.unclosedQuote), "D603", "the header row is malformed: a quoted field is not closed before the end of the file", nil),
            (.headerNotUTF8, "D610", "the header is not valid UTF-8", "save the file as UTF-8"),
            (.duplicateColumn("amount"), "D604", "the header names the column `amount` twice", nil),
            (.missingColumn("amount", help: "did you mean `amont`?"), "D605", "missing required column `amount`", "did you mean `amont`?"),
            (.malformed(.textAfterQuote(field: 2)), "D606", "unexpected text after the closing quote of field 2", nil),
            (.malformed(.fieldTooLong(limit: 10)), "D606", "a field is longer than 10 bytes (Limits.csvFieldBytes)", nil),
            (.fieldCount(found: 1, expected: 6), "D607", "the row has 1 field; the header has 6", "quote fields that contain commas: \"a,b\""),
            (.fieldCount(found: 8, expected: 6), "D607", "the row has 8 fields; the header has 6", "quote fields that contain commas: \"a,b\""),
            (.notUTF8, "D610", "the row is not valid UTF-8", "save the file as UTF-8"),
            (.nulByte, "D616", "the row contains a NUL byte", "the file is damaged or not text; export it again"),
            (.notWholeNumber(column: "visits", text: "2.5"), "D611", "column visits: \"2.5\" is not a whole number", nil),
            (.notDate(column: "date", text: ""), "D612", "column date: the date is blank", nil),
            (.notDate(column: "date", text: "2026/07/01"), "D612", "column date: \"2026/07/01\" is not a date (YYYY-MM-DD)", nil),
            (.notDecimal(.notDecimal, column: "amount", text: ""), "D613", "column amount: the value is blank", nil),
            (.notDecimal(.notDecimal, column: "amount", text: "1e5"), "D613", "column amount: \"1e5\" is not a decimal", nil),
            (
                .notDecimal(.tooManyDecimals, column: "amount", text: "0.1234567891"), "D614",
                "column amount: \"0.1234567891\" has more than 9 decimal places", nil
            ),
            (
                .notDecimal(.outOfRange, column: "amount", text: "1e99"), "D615",
                "column amount: \"1e99\" is out of range (at most 20 digits before the decimal point)", nil
            ),
            (.blankID(column: "product"), "D618", "column product: the id is blank", "every row needs its id"),
            (
                .blankAroundKey(column: "team", value: "East ", blank: "a space at the end"), "D619", "column team: \"East \" has a space at the end",
                "keys are compared exactly, so \"East \" and \"East\" would differ; fix the export, or pass --trim-keys"
            ),
            (
                .blankAroundKey(column: "deal_id", value: "D1 ", blank: "a space at the end"), "D619",
                "column deal_id: \"D1 \" has a space at the end",
                "deal ids are compared exactly; fix the export, or pass --trim-keys"
            ),
            (.unknownRep("R\u{200B}1", help: nil), "D620", "column rep_id: unknown rep \"R\\u{200B}1\" (not in reps.csv)", nil),
            (.unknownProduct("P9", help: "`P1` exists"), "D621", "column product: unknown product \"P9\" (not in products.csv)", "`P1` exists"),
            (.formula("filter `web`: division by zero"), "D622", "filter `web`: division by zero", nil),
            (
                .sumOutOfRange(accumulator: "sum(tx.amount)", rep: "R1"), "D623",
                "the sum of sum(tx.amount) for rep R1 exceeds Payplan's exact range",
                "sums are exact up to about 1.7·10²⁹; amounts this large are a damaged export"
            ),
            (.more(3), "D699", "3 more problems in this file are not listed (Limits.diagnosticsPerFile)", nil),
        ]
        for (issue, code, message, help) in cases {
            #expect(issue.code == code)
            #expect(issue.message == message)
            #expect(issue.help == help)
        }
    }

    @Test func theLogKeepsTheFirstProblemsAndCountsTheRest() {
        var log = ProblemLog(limit: 2)
        for line in 1...5 { log.add(.notUTF8, line: line, rep: line == 1 ? "R1" : nil) }
        let problems = log.problems(file: "t.csv")
        #expect(
            problems.map(\.diagnostic.description) == [
                "t.csv:1: error: the row is not valid UTF-8 [D610]; help: save the file as UTF-8",
                "t.csv:2: error: the row is not valid UTF-8 [D610]; help: save the file as UTF-8",
                "t.csv: error: 3 more problems in this file are not listed (Limits.diagnosticsPerFile) [D699]",
            ])
        #expect(problems.map(\.repID) == ["R1", nil, nil])
    }

    /// Chunks of a file merged give the log of the file read in one piece,
    /// whatever the cut.
    @Test func mergedLogsDoNotDependOnTheChunks() {
        let lines = Array(1...12)
        func whole(_ limit: Int) -> [String] {
            var log = ProblemLog(limit: limit)
            for l in lines { log.add(.nulByte, line: l, rep: nil) }
            return log.problems(file: "f").map(\.diagnostic.description)
        }
        for limit in [1, 4, 12, 20] {
            for cut in [[12], [3, 9], [1, 1, 10], [5, 0, 7]] {
                var logs: [ProblemLog] = []
                var offsets: [Int] = []
                var at = 0
                for n in cut {
                    var log = ProblemLog(limit: limit)
                    for l in 0..<n { log.add(.nulByte, line: l + 1, rep: nil) }
                    logs.append(log)
                    offsets.append(at)
                    at += n
                }
                let merged = ProblemLog.merged(logs, lineOffsets: offsets, limit: limit).problems(file: "f").map(\.diagnostic.description)
                #expect(merged == whole(limit), "limit \(limit), chunks \(cut)")
            }
        }
    }
}
