import Foundation
import PayplanCore
import PayplanTargets
import Testing

@Suite("Largest remainder, ramps and reconciliation")
struct DecompositionTests {
    @Test func largestRemainderTiesGoInTheOrderGiven() throws {
        // 1,000 in three equal parts of 10: 330 each, 10 left over, to the first.
        let s = try LargestRemainder.split(Exact(1000), unit: Exact(10), weights: [Exact(1), Exact(1), Exact(1)])
        #expect(s.map(\.value) == [Exact(340), Exact(330), Exact(330)])
        #expect(s.map(\.extra) == [true, false, false])
        // The largest remainder wins before order: 7/12, 3/12, 2/12 of 100 in units of 1.
        let t = try LargestRemainder.split(Exact(100), unit: .one, weights: [Exact(7), Exact(3), Exact(2)])
        #expect(t.map(\.value) == [Exact(58), Exact(25), Exact(17)])
        // A zero weight never gets a unit.
        let u = try LargestRemainder.split(Exact(3), unit: .one, weights: [.zero, Exact(1), Exact(1)])
        #expect(u.map(\.value) == [.zero, Exact(2), Exact(1)])
        #expect(throws: ArithmeticError.divisionByZero) { try LargestRemainder.split(Exact(3), unit: .one, weights: [.zero]) }
    }

    @Test func activityCountsDaysActiveAndRamp() throws {
        let plan = try #require(
            parse(ParserTests.valid.replacingOccurrences(of: "reps: {split: equal}", with: "reps: {split: equal, ramp: {months: 3, factor: 50%}}")).0)
        let ramp = try #require(plan.reps.ramp)
        let q2 = Period("2027-Q2")!
        // Hired 15 February 2027: ramp to 14 May; in Q2 (91 days) 44 ramp days (1 April – 14 May) and 47 full.
        let hire = HistoryRep(id: "N", name: "N", team: "T", region: "R", hire: day("2027-02-15"), exit: nil, line: 2)
        let a = try Decomposer.activity(hire, q2, ramp: ramp)
        #expect(a.activeDays == 91 && a.rampDays == 44 && a.periodDays == 91)
        #expect(a.weight == (try Exact(47 + 22) / Exact(91)))
        // Leaving on 10 May: active 40 days of Q2.
        let leaver = HistoryRep(id: "L", name: "L", team: "T", region: "R", hire: day("2020-01-01"), exit: day("2027-05-10"), line: 3)
        #expect(try Decomposer.activity(leaver, q2, ramp: ramp).weight == (try Exact(40) / Exact(91)))
        // 31 January + 1 month is the last day of February.
        #expect(day("2027-01-31").adding(months: 1) == day("2027-02-28"))
        #expect(day("2028-01-31").adding(months: 1) == day("2028-02-29"))
    }

    @Test func aNewHireInRampCarriesLess() throws {
        var h = HistoryBuilder()
        h.rep("A", team: "T")
        h.rep("B", team: "T", hire: "2027-01-01")
        let (d, _) = try decompose(
            ParserTests.valid.replacingOccurrences(of: "reps: {split: equal}", with: "reps: {split: equal, ramp: {months: 3, factor: 50%}}"),
            h.build())
        // Q1: A weighs 1, B 0.5 (all 90 days in ramp): 250,000 × 1/1.5 and × 0.5/1.5.
        #expect(d.target("A", Period("2027-Q1")!) == Exact(167_000))
        #expect(d.target("B", Period("2027-Q1")!) == Exact(83_000))
        #expect(d.target("B", Period("2027-Q2")!) == Exact(125_000))
    }

    @Test func reconciliationReportsGapsAndBadRows() throws {
        var h = HistoryBuilder()
        h.rep("A1", team: "East")
        h.rep("A2", team: "East")
        h.rep("B1", team: "West")
        let (d, _) = try decompose(ParserTests.valid, h.build())
        let file = NSTemporaryDirectory() + "commitments-" + UUID().uuidString + ".csv"
        try Data("rep_id,period,revenue\nA1,2027-Q1,100000\nA2,2027-Q1,60000\nB1,2027-Q1,90000\nA1,2027-Q2,120000\n".utf8)
            .write(to: URL(fileURLWithPath: file))
        let (report, problems) = Reconciliation.reconcile(d, commitmentsFile: file)
        #expect(problems.isEmpty)
        let rows = try #require(report).rows
        // East Q1: top-down 167,000 (two of three heads of 250,000), bottom-up 160,000.
        let eastQ1 = try #require(rows.first { $0.group == "East" && $0.period == Period("2027-Q1")! })
        #expect(eastQ1.topDown == Exact(167_000) && eastQ1.bottomUp == Exact(160_000) && eastQ1.gap == Exact(7_000) && eastQ1.missing.isEmpty)
        let eastYear = try #require(rows.first { $0.group == "East" && $0.period == nil })
        #expect(eastYear.bottomUp == Exact(280_000) && eastYear.missing == ["A2", "A1"])
        let company = try #require(rows.last)
        #expect(company.group == "" && company.topDown == Exact(1_000_000) && company.bottomUp == Exact(370_000))

        try Data("rep_id,period,revenue\nA3,2027-Q1,1\nA1,2028-Q1,1\nA1,2027-Q1,1\nA1,2027-Q1,2\nB1,2027-Q2,-5\n".utf8)
            .write(to: URL(fileURLWithPath: file))
        let (none, bad) = Reconciliation.reconcile(d, commitmentsFile: file)
        #expect(none == nil)
        #expect(
            bad.map(\.description) == [
                "\(file):2: error: commitment for rep \"A3\", who has no target in this plan [T871]; help: did you mean `A1`?",
                "\(file):3: error: 2028-Q1 is not a quarter of 2027, the year of the targets [T872]",
                "\(file):5: error: rep A1 has a second commitment for 2027-Q1 (first on line 4) [T873]",
                "\(file):6: error: rep B1: the commitment for 2027-Q2 is negative [T874]",
            ])
    }
}
