import Foundation
import PayplanCore
import PayplanTargets
import Testing

/// Layer 1 and 2 diagnostics: located, all at once, with "did you mean".
@Suite("Targets plan diagnostics")
struct ParserTests {
    static let valid = """
        targets: Test
        year: 2027
        period: quarter
        unit: 1000
        company: {target: 1000000}
        time: {split: weights, weights: {Q1: 25%, Q2: 25%, Q3: 25%, Q4: 25%}}
        teams: {by: team, split: headcount}
        reps: {split: equal}
        """

    @Test func aValidPlanParses() {
        let (plan, diagnostics) = parse(ParserTests.valid)
        #expect(diagnostics.isEmpty)
        #expect(plan?.periods.map(\.description) == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"])
    }

    @Test func everyStructuralProblemAtOnce() {
        let (plan, diagnostics) = parse(
            """
            targets: Test
            yaer: 2027
            period: quater
            unit: 1,000
            company: {target: 1000000, growth: 10%}
            time: {split: weights, weights: {Q1: 25%}, base: 2026}
            teams: {by: division, split: share}
            reps: {split: equal, ramp: {months: 3, factor: 150%}}
            checks: {strech: {base: 2026, max: 2}}
            """)
        #expect(plan == nil)
        #expect(
            lines(diagnostics) == [
                "2:1: error: unknown key `yaer` in the targets plan [T802] (did you mean `year`?)",
                "3:9: error: unknown period kind `quater`; expected one of `quarter`, `month` [T808] (did you mean `quarter`?)",
                "4:7: error: expected the rounding unit as a number, found `1,000` [T805] (write plain digits, optionally a fraction or a percent: 12000000, 1.15, 20%)",
                "5:28: error: `company` takes `target` or `growth`, not both [T812] (keep one of them)",
                "6:44: error: `base` is read only with `split: seasonality`; this level splits by `weights` [T813] (write `split: seasonality`, or remove the key)",
                "7:13: error: unknown grouping column `division`; expected one of `team`, `region` [T808]",
                "7:8: error: `teams` needs `base` [T803] (add `base: 2026-Q3`: the period whose revenue shares are used)",
                "8:48: error: the ramp factor must be between 0 and 100 %, found 1.5 [T807]",
                "9:10: error: unknown key `strech` in `checks` [T802] (did you mean `stretch`?)",
            ])
    }

    @Test func checksAgainstTheHistory() throws {
        var h = HistoryBuilder()
        h.rep("A1", team: "East")
        h.rep("B1", team: "West")
        h.sale("A1", "2026-07", money("100"))
        let (plan, _) = parse(
            """
            targets: Test
            year: 2027
            period: quarter
            unit: 1000
            company: {target: 1000500}
            time: {split: weights, weights: {Q1: 25%, Q2: 25%, Q5: 25%, 2027-Q2: 20%}}
            teams: {split: weights, weights: {Eats: 60%, East: 30%}}
            """)
        let (checked, diagnostics) = TargetChecker.check(try #require(plan), history: h.build())
        #expect(checked == nil)
        #expect(
            lines(diagnostics) == [
                "5:19: error: the company target 1000500 is not a whole number of units of 1000 [T817] (round the target to the unit, or choose a unit that divides it)",
                "6:52: error: `Q5` is not a quarter of 2027 [T818] (did you mean `Q1`?)",
                "6:61: error: `2027-Q2` names 2027-Q2 a second time [T819]",
                "6:7: error: no weight for 2027-Q3, 2027-Q4 [T820] (give every period of the year a weight (0 % is allowed))",
                "7:35: error: no team `Eats` among the reps of the history [T823] (did you mean `East`?)",
                "7:8: error: no weight for the team `West` [T824] (give every group of active reps a weight (0 % is allowed))",
            ])
    }

    @Test func weightsMustAddUpTo100Percent() throws {
        var h = HistoryBuilder()
        h.rep("A1", team: "East")
        let (plan, _) = parse(ParserTests.valid.replacingOccurrences(of: "Q4: 25%", with: "Q4: 20%"))
        let (_, diagnostics) = TargetChecker.check(try #require(plan), history: h.build())
        #expect(
            lines(diagnostics) == [
                "6:7: error: the time weights add up to 95 %, not 100 % [T814] (weights are shares of the whole: make them add up to exactly 100 %)"
            ])
    }

    @Test func sharesNeedRevenueInTheBase() throws {
        var h = HistoryBuilder()
        h.rep("A1", team: "East")
        h.sale("A1", "2026-01", money("100"))
        let (plan, _) = parse(ParserTests.valid.replacingOccurrences(of: "split: headcount", with: "split: share, base: 2026-Q3"))
        let (_, diagnostics) = TargetChecker.check(try #require(plan), history: h.build())
        #expect(
            lines(diagnostics) == [
                "7:39: warning: the history holds no transaction in 2026-Q3 [T831]",
                "7:39: error: no revenue in 2026-Q3 for the teams with active reps: there is nothing to take shares of [T825] (choose a base period with sales, or give explicit weights)",
            ])
    }
}
