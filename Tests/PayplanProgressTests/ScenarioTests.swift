import Foundation
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanProgress
import Testing

/// The two data hooks progress stands on: the as-of date, and growing a
/// rep's revenue ("more of the same", the extra booked on a given day).
@Suite("As-of date and grown data")
struct ScenarioTests {
    func value(_ r: EvaluationResult, _ name: String, _ rep: String) -> Value? {
        guard let slot = r.plan.slots.firstIndex(where: { $0.name == name }), let i = r.data.repIndex(rep) else { return nil }
        return r.current.value(slot, i)
    }

    @Test func transactionsAfterTheAsOfDateAreLeftOut() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let examples = repoRoot.appendingPathComponent("examples").path
        let all = try load(plan, examples, "2026-Q3", asOf: nil)
        let toDate = try load(plan, examples, "2026-Q3", asOf: "2026-08-31")
        let q3 = Period("2026-Q3")!
        let full = try Evaluator.evaluate(plan: plan, data: all, period: q3, options: EvaluationOptions(threads: 1))
        let part = try Evaluator.evaluate(plan: plan, data: toDate, period: q3, options: EvaluationOptions(threads: 1))
        #expect(value(full, "revenue", "R07") == .number(money("517500")))
        #expect(value(part, "revenue", "R07") == .number(money("395709.76")))
        // The earlier quarter (history for the review flag) is whole either way.
        #expect(full.states[0].period == Period("2026-Q2")! && part.states[0].period == Period("2026-Q2")!)
        let r12 = try #require(all.repIndex("R12"))
        #expect(
            full.states[0].value(full.plan.slots.firstIndex { $0.name == "revenue" }!, r12)
                == part.states[0].value(part.plan.slots.firstIndex { $0.name == "revenue" }!, r12))
    }

    @Test func growingScalesSumsKeepsCountsAndBooksTheExtraLater() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        let q3 = Period("2026-Q3")!
        let r07 = try #require(data.repIndex("R07"))
        let grown = try data.growing([r07: Exact(2)], in: q3, bookedOn: q3.end)
        let before = try Evaluator.evaluate(plan: plan, data: data, period: q3, options: EvaluationOptions(threads: 1))
        let after = try Evaluator.evaluate(plan: plan, data: grown, period: q3, options: EvaluationOptions(threads: 1))
        #expect(value(after, "revenue", "R07") == .number(money("791419.52")))
        #expect(value(after, "collection_rate", "R07") == value(before, "collection_rate", "R07"))
        #expect(value(after, "np_revenue", "R07") == .number(money("154827.28")))
        // The race was run by 5 August; the extra, booked on 30 September, does not change it.
        #expect(value(after, "np_award.reached_on", "R07") == value(before, "np_award.reached_on", "R07"))
        #expect(value(after, "np_award.first_mover", "R07") == .number(money("1000")))
        // Other reps are untouched.
        #expect(value(after, "revenue", "R03") == value(before, "revenue", "R03"))
    }

    @Test func aRepWhoReachesARaceOnlyWithTheExtraReachesItOnTheBookingDay() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        let q3 = Period("2026-Q3")!
        let r13 = try #require(data.repIndex("R13"))
        // R13 has 40,000 of new-product revenue by 31 August; × 1.5 reaches 50,000 only with the extra.
        let grown = try data.growing([r13: try Exact(3) / Exact(2)], in: q3, bookedOn: q3.end)
        let r = try Evaluator.evaluate(plan: plan, data: grown, period: q3, options: EvaluationOptions(threads: 1))
        #expect(value(r, "np_award.reached_on", "R13") == .date(q3.end))
        #expect(value(r, "np_award.first_mover", "R13") == .number(.zero))
    }
}
