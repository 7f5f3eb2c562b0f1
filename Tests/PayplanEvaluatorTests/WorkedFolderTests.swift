import Foundation
import PayplanCore
import PayplanEvaluator
import PayplanReports
import Testing

/// The worked examples of `examples/worked/`: each folder's plan run on its
/// data, every rep's total (and flag) checked to the cent against the hand
/// computation in the folder's README.
@Suite("Worked examples in examples/worked")
struct WorkedFolderTests {
    struct Example: Sendable, CustomStringConvertible {
        var folder: String
        var period: String
        /// rep_id → the output column's expected text, per column.
        var expected: [String: [String: String]]

        var description: String { folder }
    }

    static let examples: [Example] = [
        Example(
            folder: "pool", period: "2026-Q3",
            expected: ["total": ["A": "4133.34", "B": "4133.33", "C": "0.00", "D": "4133.33", "E": "0.00"]]),
        Example(
            folder: "prize-pot", period: "2026-Q3",
            expected: ["total": ["R1": "3000.00", "R2": "5000.00", "R3": "0.00", "R4": "2000.00"]]),
        Example(
            folder: "streak", period: "2026-09",
            expected: ["total": ["R1": "0.00", "R2": "0.00"], "flag": ["R1": "eliminate", "R2": "none"]]),
        Example(
            folder: "tier-pattern", period: "2026-Q3",
            expected: ["total": ["R1": "11500.00", "R2": "38000.00"]]),
        Example(
            folder: "clawback", period: "2026-07",
            expected: ["total": ["R1": "800.00", "R2": "500.00"]]),
        Example(
            folder: "month-proration", period: "2026",
            expected: ["total": ["R1": "12500.00", "R2": "9000.00"]]),
    ]

    /// "4133.34" as the explanations write it: "¥4,133.34".
    static func yuan(_ plain: String) -> String {
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0])
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + String(digits.suffix(3)) + grouped
            digits.removeLast(3)
        }
        return "¥" + String(digits) + grouped + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// The output as rep_id → column → text, from the payout CSV.
    static func table(_ csv: String) -> [String: [String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, let id = header.firstIndex(of: "rep_id") else { return [:] }
        var out: [String: [String: String]] = [:]
        for row in lines.dropFirst() where row.count == header.count {
            out[row[id]] = Dictionary(uniqueKeysWithValues: zip(header, row))
        }
        return out
    }

    @Test(arguments: examples)
    func totalsAreTheHandComputation(_ example: Example) throws {
        let folder = "examples/worked/\(example.folder)"
        let plan = try compileFile("\(folder)/plan.yaml")
        let result = try evaluate(plan, root.appendingPathComponent("\(folder)/data").path, example.period, trace: .all)
        let csv = PayoutReport(result: result, fingerprint: "").csv()
        let rows = WorkedFolderTests.table(csv)
        #expect(csv.hasPrefix("rep_id,") && csv.split(separator: "\n")[0].contains(",total"), "\(folder): output has rep_id and total")
        for (column, byRep) in example.expected {
            #expect(Set(rows.keys) == Set(byRep.keys), "\(folder): reps paid")
            for (rep, want) in byRep { #expect(rows[rep]?[column] == want, "\(folder): \(rep) \(column)") }
        }
        // Every rep is explained in both languages, and the explanation
        // ends at the number paid.
        let traces = try result.allTraces()
        for (rep, total) in example.expected["total"] ?? [:] {
            let index = try #require(result.data.repIndex(rep))
            let trace = try #require(traces[index], "\(folder): \(rep) explained")
            for language in [Language.en, .zh] {
                let text = ExplanationRenderer(plan: plan, language: language).text(trace, fingerprint: "")
                #expect(text.contains(WorkedFolderTests.yuan(total)), "\(folder): \(rep) \(language) names the total paid\n\(text)")
            }
        }
    }

    /// Every folder of examples/worked is a tested example with a README.
    @Test func everyFolderIsTested() throws {
        let dir = root.appendingPathComponent("examples/worked")
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        #expect(Set(folders) == Set(WorkedFolderTests.examples.map(\.folder)), "register each folder in WorkedFolderTests.examples")
        for name in folders {
            for file in ["plan.yaml", "README.md", "data/reps.csv", "data/targets.csv", "data/transactions.csv", "data/products.csv"] {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(name)/\(file)").path), "\(name)/\(file)")
            }
        }
    }
}
