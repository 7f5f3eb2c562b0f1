import Foundation
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanProgress
import Testing

@Suite("Breakpoints of each rule kind")
struct BreakpointTests {
    @Test func referencePlanBreakpointsOfOlivia() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        let rep = try #require(data.repIndex("R07"))
        let r = try Evaluator.evaluate(
            plan: plan, data: data, period: Period("2026-Q3")!, options: EvaluationOptions(threads: 1, trace: .reps([rep])))
        let trace = try #require(r.traces[rep])
        let found = Breakpoints.of(trace, plan: plan).map { "\($0.ruleName) \($0.measure ?? "-") \($0.kind.rawValue) \($0.at) \($0.reachedAt)" }
        // Curve points above 0.879…; the collection band's bounds above 0.901… (none: 0.90 is below);
        // the np threshold is reached; R07 is not flagged.
        #expect(found == ["attainment_bonus attainment curve_point 1 true", "attainment_bonus attainment curve_point 1.5 true"])
    }

    @Test func aFlaggedRepsReviewLine() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        let rep = try #require(data.repIndex("R12"))
        let r = try Evaluator.evaluate(
            plan: plan, data: data, period: Period("2026-Q3")!, options: EvaluationOptions(threads: 1, trace: .reps([rep])))
        let found = Breakpoints.of(try #require(r.traces[rep]), plan: plan).map {
            "\($0.ruleName) \($0.measure ?? "-") \($0.kind.rawValue) \($0.at) \($0.reachedAt)"
        }
        // R12 is at 26.7 %: below every curve point and flagged below the 60 % line; its
        // collection rate is under both band bounds; no new-product revenue (never grows).
        #expect(
            found == [
                "attainment_bonus attainment curve_point 0.8 true", "attainment_bonus attainment curve_point 1 true",
                "attainment_bonus attainment curve_point 1.5 true", "attainment_bonus collection_rate band_row 0.9 true",
                "attainment_bonus collection_rate band_row 0.7 true", "np_award np_revenue threshold 50000 true",
                "np_award np_revenue threshold 50000 false", "elimination attainment review_line 0.6 true",
            ])
    }

    @Test func tiersBandsAndThresholds() throws {
        let plan = try compileText(
            """
            plan: kinds
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: quarter
            metrics:
              revenue: sum(tx.amount)
              attainment: revenue / 1000
            rules:
              tiered:
                kind: formula
                value: steps(revenue)
              banded:
                kind: attainment_bonus
                base: 1000
                measure: attainment
                band: {rows: [["> 2", 3], [">= 1", 2], [else, 0]]}
              award:
                kind: product_award
                measure: revenue
                threshold: 5000
                at_threshold: does_not_count
                award: 100
            shapes:
              steps:
                tiers: {method: retroactive, on_boundary: lower, rows: [{from: 0, rate: 1%}, {from: 2000, rate: 2%}]}
            """)
        let folder = NSTemporaryDirectory() + "payplan-bp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        try write("reps.csv", "rep_id,name,team,region,role,hire_date,exit_date,target_incentive\nA,A,T,R,rep,2020-01-01,,1000\n")
        try write("targets.csv", "rep_id,period,revenue\nA,2026-Q3,1\n")
        try write("products.csv", "product,name,launch_date,category\nP,P,2020-01-01,x\n")
        try write("transactions.csv", "deal_id,rep_id,date,product,amount,collected\nD1,A,2026-07-05,P,1500,1500\n")
        let data = try load(plan, folder, "2026-Q3", asOf: "2026-08-31")
        let r = try Evaluator.evaluate(plan: plan, data: data, period: Period("2026-Q3")!, options: EvaluationOptions(threads: 1, trace: .reps([0])))
        let found = Breakpoints.of(try #require(r.traces[0]), plan: plan).map { "\($0.entry) \($0.kind.rawValue) \($0.at) \($0.reachedAt)" }
        // A threshold is tried at its value and just above it; the evaluation says which counts.
        #expect(found == ["tiered tier 2000 false", "banded band_row 2 false", "award threshold 5000 true", "award threshold 5000 false"])
        // The nearest step pays: 2,000 is not in the higher tier (on_boundary: lower), so 500.01 more.
        let request = ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: "2026-08-31")!, threads: 1)
        let p = try ProgressEngine.compute(plan: plan, data: data, request: request)
        let next = try #require(p.reps.first?.next)
        #expect(next.breakpoint.entry == "tiered" && next.revenueNeeded == money("500.01"))
        // The gain is what the plan pays there, every rule included: the tiers pay
        // 2,000.01 × 2 % − 1,500 × 1 % = 25.00 more, and 2,000.01 ÷ 1,000 is also
        // above 2, so the band pays 1,000 × 3 instead of × 2.
        #expect(next.gain == money("1025"))
    }
}
