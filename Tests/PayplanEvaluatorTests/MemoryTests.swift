import Foundation
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import Testing

/// A period holds the values read after the stage that computes them — by
/// group rules, output columns, later periods — not every intermediate of a
/// chain of metrics: memory grows with reps × slots read, not with the
/// length of a chain (a 1,990-metric chain over 20,000 reps took 3.9 GB).
@Suite("Memory: a period holds the slots read after their stage")
struct MemoryTests {
    static func chain(_ n: Int, readLast: Bool) throws -> CompiledPlan {
        var metrics = ["  m0: sum(tx.amount)"]
        for i in 1..<n { metrics.append("  m\(i): m\(i - 1) * 1") }
        let text = """
            plan: Chain
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: quarter
            metrics:
            \(metrics.joined(separator: "\n"))
            rules:
              bonus:
                kind: formula
                value: \(readLast ? "m\(n - 1)" : "m0") * 0.01
            total:
              components: [bonus]

            """
        return try compile(text)
    }

    @Test func aChainOfMetricsIsNotHeldPerRep() throws {
        let plan = try MemoryTests.chain(1_990, readLast: true)
        let held = plan.storedSlots(history: false).filter { $0 }.count
        // Every link is read only by the next one, the last by the rule, all
        // in one per-rep stage: none is held.
        #expect(plan.localCount == 1_990)
        #expect(held == 3, "the rule, the total and what the cap cut: \(held)")
    }

    @Test func aMetricReadByAnOutputOrALaterStageIsHeld() throws {
        let plan = try compile(
            """
            plan: Held
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: quarter
            metrics:
              revenue: sum(tx.amount)
              doubled: revenue * 2
              tripled: revenue * 3
              sum_of_both: tripled + revenue
            rules:
              prize:
                kind: team_ranking
                group_by: rep.team
                score: sum(doubled)
                prizes: [100]
                split: equal
              bonus:
                kind: formula
                value: sum_of_both * 0.01
            total:
              components: [prize, bonus]
            output: [rep.rep_id, revenue, total]

            """)
        let name = { (s: Int) in plan.slots[s].name }
        let local = plan.localIndex.indices.filter { plan.localIndex[$0] >= 0 }.map(name)
        // `revenue` is an output column, `doubled` is read by a group rule,
        // `sum_of_both` by a rule after that group stage; `tripled` only by
        // `sum_of_both`, in its own stage.
        #expect(local == ["tripled"])
    }

    @Test func theChainStillPaysWhatItComputes() throws {
        let plan = try MemoryTests.chain(300, readLast: true)
        let data = try dataFolder(
            reps: ["R1,A,T,N,rep,2025-01-01,,1000", "R2,B,T,N,rep,2025-01-01,,1000"],
            targets: ["R1,2026-Q3,100", "R2,2026-Q3,100"],
            transactions: ["D1,R1,2026-07-01,P1,1000,0", "D2,R2,2026-07-02,P1,250.50,0"])
        let r = try evaluate(plan, data, "2026-Q3")
        #expect(value(r, "total", "R1") == money("10"))
        #expect(value(r, "total", "R2") == money("2.51"))
        // A local slot is not held: reading it after the run gives nothing, never garbage.
        #expect(value(r, "m100", "R1") == .missing)
    }
}
