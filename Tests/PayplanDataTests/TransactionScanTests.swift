import Foundation
import PayplanCompiler
import PayplanCore
import Testing

@testable import PayplanData

/// Transactions for R1 and R2 over Q3, more than 1 MiB so that the file is
/// cut into chunks (one per thread); `rows` adds rows at given positions.
func bigTransactions(count: Int = 40_000, quoted: Bool = false, rows: [Int: String] = [:]) -> String {
    var tx = "deal_id,rep_id,date,product,amount,collected" + (quoted ? ",note" : "") + "\n"
    var g = Rand(seed: 3)
    for i in 0..<count {
        if let extra = rows[i] { tx += extra + "\n" }
        let rep = g.next() % 2 == 0 ? "R1" : "R2"
        let product = g.next() % 3 == 0 ? "P2" : "P1"
        let day = 1 + g.next() % 28
        let month = 7 + g.next() % 3
        let cents = Int(g.next() % 1_000_000) - 100_000
        let amount = "\(cents < 0 ? "-" : "")\(abs(cents) / 100).\(abs(cents) % 100 < 10 ? "0" : "")\(abs(cents) % 100)"
        let date = "2026-0\(month)-\(day < 10 ? "0" : "")\(day)"
        tx +=
            quoted
            ? "\"D\(i)\",\"\(rep)\",\(date),\"\(product)\",\(amount),1,\"note \"\"\(i)\"\", with a comma\"\n"
            : "D\(i),\(rep),\(date),\(product),\(amount),1\n"
    }
    return tx
}

/// Everything a load produced that must not depend on the thread count.
func fingerprint(_ r: DataLoadResult, _ plan: CompiledPlan) -> [String] {
    var out = r.problems.map { "\($0.diagnostic.description) rep=\($0.repID ?? "-")" }
    guard let d = r.data else { return out + ["no data"] }
    out.append("rows \(d.transactionCount)")
    for (p, period) in d.periods.enumerated() {
        for k in plan.scan.accumulators.indices {
            for rep in 0..<d.repCount { out.append("\(p) \(k) \(rep): \(period.accumulators[k].value(rep)) × \(period.accumulators[k].count(rep))") }
        }
        for list in period.lists { out += list.allEntries.map { "\($0.deal) \($0.line) \($0.value)" } }
    }
    return out
}

@Suite("Transaction scan")
struct TransactionScanTests {
    func load(_ data: TempData, _ plan: CompiledPlan, threads: Int, limits: Limits = .default) -> DataLoadResult {
        DataLoader.load(directory: data.path, plan: plan, periods: [q2, q3], limits: limits, threads: threads)
    }

    /// Amounts at the top of the data contract's range (20 digits) add up
    /// exactly, in any chunks. (An Int128 sum of them leaves its range only
    /// after some 10⁹ such rows: the sink's own tests force that case.)
    @Test func hugeAmountsAddUpExactlyWhateverTheThreads() throws {
        let plan = try referencePlan()
        let rows = [
            0: "D-A,R1,2026-07-01,P1,99999999999999999999,1", 20_000: "D-B,R1,2026-07-02,P1,99999999999999999999,1",
            39_999: "D-C,R1,2026-07-03,P1,-99999999999999999999.5,1",
        ]
        let data = try TempData.valid(["transactions.csv": bigTransactions(rows: rows)])
        let one = load(data, plan, threads: 1)
        #expect(one.problems.isEmpty, "\(one.problems.map(\.diagnostic.description))")
        for threads in [2, 7] { #expect(fingerprint(load(data, plan, threads: threads), plan) == fingerprint(one, plan), "\(threads) threads") }
    }

    /// A sum of a formula is added in exact rationals: two values near the
    /// top of their range, one in the first row and one in the last, leave
    /// it. On one thread that happens in the scan, on two or seven in the
    /// merge of the chunks (which silently kept a partial sum before):
    /// either way the same error, at the same line, naming the same rep.
    @Test func aSumOutOfRangeIsTheSameLocatedErrorWhateverTheThreads() throws {
        let plan = try referencePlan(metrics: "  scaled:\n    formula: sum(tx.amount * 1000000000000000000)\n")
        let huge = "D-HUGE,R1,2026-07-01,P1,99999999999999999999,1"
        let data = try TempData.valid([
            "transactions.csv": bigTransactions(rows: [0: huge, 39_999: huge.replacingOccurrences(of: "D-HUGE", with: "D-HUGE2")])
        ])
        let one = load(data, plan, threads: 1)
        #expect(
            one.problems.map(\.diagnostic.description) == [
                "\(data.path)/transactions.csv:40002: error: sum((tx.amount * 1000000000000000000)): a value exceeds Payplan's exact range (numerators and denominators up to 38 digits) [D622]"
            ])
        #expect(one.problems.map(\.repID) == ["R1"])
        for threads in [2, 7] { #expect(fingerprint(load(data, plan, threads: threads), plan) == fingerprint(one, plan), "\(threads) threads") }
    }

    @Test func quotedExportsReadLikePlainOnes() throws {
        let plan = try referencePlan()
        let plain = try TempData.valid(["transactions.csv": bigTransactions()])
        let quoted = try TempData.valid(["transactions.csv": bigTransactions(quoted: true)])
        let reference = fingerprint(load(plain, plan, threads: 1), plan)
        #expect(reference.count > 100)
        for threads in [1, 2, 7] {
            #expect(fingerprint(load(quoted, plan, threads: threads), plan) == reference, "\(threads) threads")
        }
    }

    /// More problems than the limit: the first ones in file order and the
    /// count of the rest, whatever the number of chunks.
    @Test func theProblemLimitAppliesToTheWholeFile() throws {
        let plan = try referencePlan()
        var rows: [Int: String] = [:]
        for i in stride(from: 0, to: 40_000, by: 50) { rows[i] = "D-BAD\(i),R1,2026-07-01,P1,lots,1" }
        let data = try TempData.valid(["transactions.csv": bigTransactions(rows: rows)])
        var limits = Limits.default
        limits.diagnosticsPerFile = 300
        let one = load(data, plan, threads: 1, limits: limits)
        #expect(one.problems.filter { $0.diagnostic.code == "D613" }.count == 1, "one error for the same message, the other lines in a note")
        #expect(one.problems.last?.diagnostic.message == "500 more problems in this file are not listed (Limits.diagnosticsPerFile)")
        for threads in [2, 7] { #expect(fingerprint(load(data, plan, threads: threads, limits: limits), plan) == fingerprint(one, plan)) }
    }

    @Test func recordsThatCannotBeSplitAreLocatedInEveryChunk() throws {
        let plan = try referencePlan()
        let long = String(repeating: "x", count: 200)
        let rows = [10: "D-Q,R1,2026-07-01,\"P1\"x,1,1", 30_000: "D-L,R1,2026-07-01,P1,1,1,\(long)"]
        let data = try TempData.valid(["transactions.csv": bigTransactions(rows: rows)])
        var limits = Limits.default
        limits.csvFieldBytes = 100
        let one = load(data, plan, threads: 1, limits: limits)
        #expect(
            one.problems.map(\.diagnostic.description) == [
                "\(data.path)/transactions.csv:12: error: unexpected text after the closing quote of field 4 [D606]",
                "\(data.path)/transactions.csv:30003: error: a field is longer than 100 bytes (Limits.csvFieldBytes) [D606]",
            ])
        for threads in [2, 7] { #expect(fingerprint(load(data, plan, threads: threads, limits: limits), plan) == fingerprint(one, plan)) }
    }
}
