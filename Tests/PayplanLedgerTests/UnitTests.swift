import Foundation
import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanReports
import Testing

@testable import PayplanLedger

@Suite("Ledger building blocks")
struct UnitTests {
    @Test func valuesRoundTripExactly() throws {
        let values: [Value] = [
            .missing, .number(try Exact(numerator: 45, denominator: 92)), .number(Exact(-12)), .date(CivilDate(year: 2026, month: 6, day: 30)!),
            .text("王芳 \u{1F}\"x\""), .bool(true), .bool(false), .text(""),
        ]
        let bytes = ValueCodec.encode(values)
        #expect(ValueCodec.decode(Data(bytes), count: values.count) == values)
        // A damaged row is refused, not misread.
        #expect(ValueCodec.decode(Data(bytes.dropLast()), count: values.count) == nil)
        #expect(ValueCodec.decode(Data([9]), count: 1) == nil)
    }

    @Test func cellsJSONReadsBack() {
        let cells = ["R01", "王芳", "", "quote \" back\\slash", "tab\tnew\nline", "😀", "75000.00"]
        let json = JSON.array(cells.map { .string($0) }).compact
        #expect(FastJSON.strings(json) == cells)
    }

    @Test func csvRecordsSplitQuotedFields() {
        let text = "\u{FEFF}deal_id,rep_id,date,amount\r\n\"D,1\",R01,2026-04-02,100\r\n\"D\"\"2\",R02,2026-05-01,\"2\n00\"\nD3,R01,2026-07-01,5\n"
        var records: [([String], Int)] = []
        Data(text.utf8).withUnsafeBytes { raw in
            CSVRecords.each(raw) { fields, line, _, _ in records.append((fields.map { CSVRecords.text(raw, $0) }, line)) }
        }
        #expect(
            records.map(\.0) == [
                ["deal_id", "rep_id", "date", "amount"], ["D,1", "R01", "2026-04-02", "100"], ["D\"2", "R02", "2026-05-01", "2\n00"],
                ["D3", "R01", "2026-07-01", "5"],
            ])
        #expect(records.map(\.1) == [1, 2, 3, 5])
    }

    @Test func dealsOfAPeriodPerRep() throws {
        let dir = NSTemporaryDirectory() + "ledger-unit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text =
            "deal_id,rep_id,date,product,amount\nD1,R01,2026-03-31,P,1\nD2,R01,2026-04-01,P,9000\nD3,R02,2026-06-30,P,5\nD4,R01,2026-07-01,P,7\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/tx.csv"))
        let deals = DataSnapshot.scanDeals(dir + "/tx.csv", period: Period("2026-Q2")!, reps: nil)
        #expect(deals["R01"]?.map(\.deal) == ["D2"])
        #expect(deals["R01"]?.first?.line == 3)
        #expect(deals["R02"]?.map(\.amount) == ["5"])
        let encoded = DataSnapshot.encode(deals["R01"]!)
        #expect(DataSnapshot.decode(Data(encoded)) == deals["R01"]!)
        // The close's byte scanner writes the same lines.
        let scanned = DealScan.encoded(dir + "/tx.csv", period: Period("2026-Q2")!, reps: ["R02", "R01", "R09"])
        #expect(scanned == [DataSnapshot.encode(deals["R02"]!), encoded, []])
    }

    @Test func dealChangesNameTheDealAndTheLine() {
        let old = [
            DealLine(deal: "D7", date: "2026-05-02", amount: "9000", line: 88, hash: 1),
            DealLine(deal: "D8", date: "2026-05-03", amount: "10", line: 89, hash: 2),
        ]
        let new = [
            DealLine(deal: "D7", date: "2026-05-02", amount: "18000", line: 88, hash: 3),
            DealLine(deal: "D9", date: "2026-05-04", amount: "1250.5", line: 90, hash: 4),
        ]
        let (en, zh) = Causes.dealChanges(old, new, file: "transactions.csv")
        #expect(
            en == [
                "deal D7 changed from 9,000 to 18,000 on transactions.csv:88", "deal D9 of 1,250.5 was added on transactions.csv:90",
                "deal D8 of 10 (was transactions.csv:89) was removed",
            ])
        #expect(zh[0] == "交易 D7 的金额由 9,000 改为 18,000（transactions.csv:88）")
        // A line that only moved is not a change.
        let moved = [DealLine(deal: "D7", date: "2026-05-02", amount: "9000", line: 120, hash: 1)]
        #expect(Causes.dealChanges([old[0]], moved, file: "t.csv").0.isEmpty)
    }

    @Test func adjustmentSentences() throws {
        let f = Formatter(rounding: Rounding(scale: 2, mode: .halfAwayFromZero, range: nil), currency: "CNY")
        var a = PriorAdjustment(
            repID: "R07", period: "2026-Q2", forCloseID: 1, closedTotal: Exact(12000), adjustedBefore: .zero, recomputed: Exact(12450),
            amount: Exact(450), causeEN: "deal D7 changed from 9,000 to 18,000 on transactions.csv:88",
            causeZH: "交易 D7 的金额由 9,000 改为 18,000（transactions.csv:88）")
        #expect(
            a.sentence(.en, f)
                == "2026-Q2 paid ¥12,000.00; with the data as it is today it comes to ¥12,450.00: +¥450.00, because deal D7 changed from 9,000 to 18,000 on transactions.csv:88"
        )
        #expect(
            a.sentence(.zh, f)
                == "2026-Q2 已发 ¥12,000.00；按今天的数据应为 ¥12,450.00：+¥450.00，因为交易 D7 的金额由 9,000 改为 18,000（transactions.csv:88）")
        a.adjustedBefore = Exact(450)
        a.recomputed = Exact(12000)
        a.amount = Exact(-450)
        #expect(
            a.sentence(.en, f).hasPrefix(
                "2026-Q2 paid ¥12,450.00 (¥12,000.00 when closed, +¥450.00 adjusted since); with the data as it is today it comes to ¥12,000.00: −¥450.00"
            ))
    }

    @Test func closingOrder() {
        func close(_ period: String) -> CloseInfo {
            var c = CloseInfo.sample
            c.period = period
            c.periodOrdinal = Period(period)!.ordinal
            return c
        }
        let closes = [close("2026-Q2"), close("2026-Q3")]
        #expect(LedgerClose.orderProblem([], plan: "P", period: Period("2025-Q1")!) == nil)
        #expect(LedgerClose.orderProblem(closes, plan: "P", period: Period("2026-Q4")!) == nil)
        #expect(
            LedgerClose.orderProblem(closes, plan: "P", period: Period("2026-Q3")!)
                == .alreadyClosed(plan: "P", period: "2026-Q3", by: "hr", at: "2026-07-05T10:00:00Z"))
        #expect(
            LedgerClose.orderProblem(closes, plan: "P", period: Period("2027-Q1")!)
                == .previousNotClosed(plan: "P", period: "2027-Q1", previous: "2026-Q4", first: "2026-Q2"))
        #expect(
            LedgerClose.orderProblem(closes, plan: "P", period: Period("2026-Q1")!) == .beforeFirst(plan: "P", period: "2026-Q1", first: "2026-Q2"))
        #expect(
            LedgerClose.orderProblem(closes, plan: "P", period: Period("2026-10")!) == .wrongKind(plan: "P", period: "2026-10", kind: "quarter"))
    }

    @Test func problemsCarryCodeExitAndHelp() {
        let p = LedgerProblem.alreadyClosed(plan: "Reference plan", period: "2026-Q2", by: "hr", at: "2026-07-05T10:00:00Z")
        #expect(p.exitCode == 1)
        #expect(
            p.description
                == "error: Reference plan 2026-Q2 is already closed (by hr at 2026-07-05T10:00:00Z) [G810]\n  = help: `payplan ledger show` prints what was paid; `payplan ledger reopen` supersedes it, with a reason"
        )
        #expect(LedgerProblem.notSQLite(path: "x").exitCode == 2)
        #expect(LedgerProblem.newerSchema(path: "x", found: 9, known: 1).exitCode == 2)
    }
}

extension CloseInfo {
    static var sample: CloseInfo {
        CloseInfo(
            id: 1, plan: "P", period: "2026-Q2", periodOrdinal: 0, version: 1, supersededBy: nil, fingerprint: "f", closedBy: "hr",
            closedAt: "2026-07-05T10:00:00Z", payplanVersion: "0.1.0", note: "", currency: "CNY", repCount: 1, totalPaid: "0.00",
            adjustmentsPaid: "0.00", contentHash: "", planFile: "plan.yaml", dataDir: "data")
    }
}
