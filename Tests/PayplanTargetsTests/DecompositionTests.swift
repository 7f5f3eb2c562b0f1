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

@Suite("Growth, seasonality, headcount and regions")
struct SplitKindTests {
    static func history() -> History {
        var h = HistoryBuilder()
        h.rep("A1", team: "East", region: "North")
        h.rep("A2", team: "East", region: "North", hire: "2027-07-01")
        h.rep("B1", team: "West", region: "South")
        h.rep("B2", team: "West", region: "South", exit: "2026-12-31")
        h.sale("A1", "2026-04", money("300"))
        h.sale("A1", "2026-08", money("500"))
        h.sale("B1", "2026-08", money("150"))
        h.sale("B2", "2026-11", money("50"))
        return h.build()
    }

    @Test func growthSeasonalityAndHeadcountByRegion() throws {
        let (d, diagnostics) = try decompose(
            """
            targets: Kinds
            year: 2027
            period: quarter
            unit: 10
            company: {base: 2026, growth: 12.5%}
            time: {split: seasonality, base: 2026}
            teams: {by: region, split: headcount}
            """, SplitKindTests.history())
        // 2026 revenue 1,000 × 1.125 = 1,125, rounded to the unit of 10 (halves away from zero): 1,130.
        #expect(d.checked.company == Exact(1130))
        // Seasonality: Q1 had no revenue (a warning), Q2 300, Q3 650, Q4 50 of 1,000.
        #expect(d.periods.map(\.share.value) == [.zero, Exact(340), Exact(730), Exact(60)])
        #expect(
            lines(diagnostics) == [
                "6:34: warning: 2026-Q1 had no revenue in 2026: the same periods of the year planned get no target [T833] (if the history is incomplete, give explicit weights)"
            ])
        // Headcount by region in Q3: North has A1 and A2 (hired 1 July), South has B1 (B2 left in 2026).
        let q3 = d.periods[2]
        #expect(q3.groups.map(\.name) == ["North", "South"])
        #expect(q3.groups.map(\.share.value) == [Exact(490), Exact(240)])
        #expect(d.target("A2", Period("2027-Q2")!) == nil)
        #expect(d.target("B2", Period("2027-Q1")!) == nil)
    }

    @Test func repsByShareOfTheirBase() throws {
        let (d, diagnostics) = try decompose(
            """
            targets: Shares
            year: 2027
            period: quarter
            unit: 1
            company: {target: 4000}
            time: {split: weights, weights: {Q1: 25%, Q2: 25%, Q3: 25%, Q4: 25%}}
            teams: {split: share, base: 2026}
            reps: {split: share, base: 2026}
            """, SplitKindTests.history())
        // Teams by 2026 revenue: East 800, West 200 (B2's 50 stays with West). Reps: A2 has none (a warning).
        #expect(d.periods[0].groups.map(\.share.value) == [Exact(800), Exact(200)])
        #expect(d.target("A1", Period("2027-Q3")!) == Exact(800) && d.target("A2", Period("2027-Q3")!) == .zero)
        #expect(d.target("B1", Period("2027-Q1")!) == Exact(200))
        #expect(lines(diagnostics) == ["8:28: warning: rep A2 has no revenue in 2026 and gets no target by base-year share [T830]"])
    }
}
