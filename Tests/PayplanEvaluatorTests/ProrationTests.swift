import Foundation
import PayplanCore
import PayplanEvaluator
import PayplanRules
import Testing

/// Proration by months active and quota weights within the period.
@Suite("Month proration: months_active, active_weight, period.months")
struct ProrationTests {
    static func run(_ period: String, _ kind: String, _ reps: [String], _ formula: String) throws -> EvaluationResult {
        let plan = """
            plan: P
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: \(kind)
            metrics:
              value: \(formula)
            output: [rep.rep_id, {column: value, value: value, decimals: 6}]
            """
        let data = try dataFolder(
            reps: reps, targets: reps.map { "\($0.split(separator: ",")[0]),\(period),100" },
            transactions: ["X1,\(reps[0].split(separator: ",")[0]),\(Period(period[...])!.end),P1,0,0"])
        return try evaluate(try compile(plan), data, period, trace: .all)
    }

    @Test func aMonthCountsWhenTheRepIsActiveOnItsFirstDay() throws {
        let r = try Self.run(
            "2026", "year",
            [
                "A,N,T,X,rep,2026-03-01,,0",  // March on: 10
                "B,N,T,X,rep,2026-03-02,,0",  // April on: 9
                "C,N,T,X,rep,2020-01-01,2026-06-30,0",  // January to June: 6
                "D,N,T,X,rep,2020-01-01,2026-06-01,0",  // leaves on June 1st, active that day: 6
            ], "months_active")
        #expect(value(r, "value", "A") == money("10") && value(r, "value", "B") == money("9"))
        #expect(value(r, "value", "C") == money("6") && value(r, "value", "D") == money("6"))
    }

    @Test func quarterWeightsCountTheMonthsActiveOfEachQuarter() throws {
        let r = try Self.run(
            "2026", "year", ["A,N,T,X,rep,2026-03-01,,0", "B,N,T,X,rep,2026-08-01,,0", "C,N,T,X,rep,2020-01-01,,0"],
            "active_weight(20%, 20%, 20%, 40%)")
        // A: 20 % × 1/3 + 20 % + 20 % + 40 % = 13/15; B: 20 % × 2/3 + 40 % = 8/15.
        #expect(value(r, "value", "A") == .number(try Exact(13) / Exact(15)))
        #expect(value(r, "value", "B") == .number(try Exact(8) / Exact(15)))
        #expect(value(r, "value", "C") == money("1"))
    }

    @Test func monthWeightsWithinAQuarterAndPeriodMonths() throws {
        let r = try Self.run(
            "2026-Q3", "quarter", ["A,N,T,X,rep,2026-08-01,,0"], "active_weight(30%, 30%, 40%) * 100 + months_active * 1000 + period.months")
        // 70 + 2,000 + 3
        #expect(value(r, "value", "A") == money("2073"))
    }

    @Test func aHalfMonthPlanReadsThePreviousHalfAndTheYearToDate() throws {
        let plan = """
            plan: P
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: half_month
            metrics:
              revenue: sum(tx.amount)
              last: previous(revenue, 0)
              year: ytd(revenue)
              months: months_active
            output: [rep.rep_id, revenue, last, year, months]
            """
        let data = try dataFolder(
            reps: ["A,N,T,X,rep,2026-07-01,,0"], targets: ["A,2026-07-H2,1"],
            transactions: ["D1,A,2026-07-15,P1,100,0", "D2,A,2026-07-16,P1,200,0", "D3,A,2026-07-31,P1,400,0"])
        let r = try evaluate(try compile(plan), data, "2026-07-H2")
        #expect(r.period.description == "2026-07-H2")
        #expect(value(r, "revenue", "A") == money("600") && value(r, "last", "A") == money("100") && value(r, "year", "A") == money("700"))
        // Active on the half's first day (the 16th).
        #expect(value(r, "months", "A") == money("1"))
    }

    static func diagnostics(_ formula: String, period: String = "year") -> [String] {
        let plan = """
            plan: P
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: \(period)
            metrics:
              value: \(formula)
            output: [rep.rep_id, value]
            """
        return PlanPipeline.load(text: plan, file: "p.yaml").diagnostics.map { "\($0.code) \($0.message)" }
    }

    @Test func weightsMustFitThePeriodAndAddUpToOneHundredPercent() {
        #expect(Self.diagnostics("active_weight(20%, 20%, 20%, 30%)") == ["C479 the weights of `active_weight` add up to 0.9, not 100 %"])
        #expect(
            Self.diagnostics("active_weight(50%, 25%, 25%)", period: "month") == [
                "C479 `active_weight` takes one weight per equal part of the month (1 month): 1 weights, found 3"
            ])
        #expect(
            Self.diagnostics("active_weight(20%, 20%, 20%, 20%, 20%)") == [
                "C479 `active_weight` takes one weight per equal part of the year (12 months): 1, 2, 3, 4, 6 or 12 weights, found 5"
            ])
        #expect(Self.diagnostics("sum(tx.amount where months_active > 3)").first?.hasPrefix("C408") == true)
    }
}
