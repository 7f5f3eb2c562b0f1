import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator

/// History read from the ledger: for a closed period, what later periods
/// read (the carried slots, who was in the population) is what was
/// recorded when it was closed, not a recomputation from today's data.
public enum LedgerHistory {
    /// The closes whose recorded state a run of `period` reads: those in
    /// force inside the periods it evaluates, from the latest one back as far
    /// as `previous` and `ytd` reach.
    static func needed(_ closes: [CloseInfo], plan: CompiledPlan, running period: Period) -> [CloseInfo] {
        guard case .success(let window) = Evaluator.periods(for: plan, running: period), window.count > 1 else { return [] }
        let history = Set(window.dropLast().map(\.ordinal))
        let inWindow = closes.filter { history.contains($0.periodOrdinal) }
        guard let latest = inWindow.map(\.periodOrdinal).max() else { return [] }
        var reach = max(1, plan.checked.lookback)
        if plan.checked.usesYearToDate {
            let perYear = Period(kind: period.kind, year: 2001, index: 1).ordinal - Period(kind: period.kind, year: 2000, index: 1).ordinal
            reach = max(reach, perYear)
        }
        return inWindow.filter { $0.periodOrdinal > latest - reach }
    }

    /// Loads the recorded states a run of `period` needs.
    public static func recorded(_ store: LedgerStore, planName: String, plan: CompiledPlan, running period: Period) throws(LedgerProblem)
        -> [Period: RecordedPeriod]
    {
        var out: [Period: RecordedPeriod] = [:]
        for close in needed(try store.inForce(plan: planName), plan: plan, running: period) {
            guard let p = Period(close.period) else { continue }
            out[p] = try store.recordedState(close.id)
        }
        return out
    }

    /// The evaluator hook applying `recorded`: after a history period is
    /// evaluated, its carried slots and population are overwritten by the
    /// recorded ones (matched by slot name and rep id; a rep no longer in the
    /// data is skipped, a slot the plan no longer has is ignored).
    public static func hook(_ recorded: [Period: RecordedPeriod], plan: CompiledPlan, data: DataSet) -> (@Sendable (PeriodState) -> Void)? {
        if recorded.isEmpty { return nil }
        var slotIndex: [String: Int] = [:]
        for (i, s) in plan.slots.enumerated() where slotIndex[s.name] == nil { slotIndex[s.name] = i }
        let mapped = recorded.mapValues { rec in
            (slots: rec.slotNames.map { slotIndex[$0] }, reps: rec.reps.compactMap { id, v in data.repIndex(id).map { ($0, v) } })
        }
        let order = data.repOrder
        return { state in
            guard let rec = mapped[state.period] else { return }
            var member = [Bool](repeating: false, count: state.repCount)
            let stride = state.repCount
            state.values.withUnsafeMutableBufferPointer { buffer in
                for (rep, values) in rec.reps {
                    member[rep] = true
                    for (k, slot) in rec.slots.enumerated() where k < values.count {
                        if let slot { buffer[slot * stride + rep] = values[k] }
                    }
                }
            }
            state.inPopulation = member
            state.population = order.filter { member[$0] }
        }
    }
}
