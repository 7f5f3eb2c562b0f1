import PayplanCore
import PayplanLanguage

/// SMART "achievable" checks on the decomposed targets: warnings naming the
/// reps whose targets are far above anything they have done, or below a
/// floor. One warning per rep, at its most extreme period.
public enum SmartChecks {
    public static func check(_ d: Decomposition) -> [Diagnostic] {
        let plan = d.checked.plan
        let history = d.checked.history
        var byRep: [Int: [(Period, Exact)]] = [:]
        for p in d.periods {
            for g in p.groups { for r in g.reps where r.activity.weight.isPositive { byRep[r.rep, default: []].append((p.period, r.share.value)) } }
        }
        var out: [Diagnostic] = []
        for rep in byRep.keys.sorted() {
            let targets = byRep[rep]!
            let id = history.reps[rep].id
            if let s = plan.checks.stretch, let d = stretch(id, rep, targets, s, history) { out.append(d) }
            if let floor = plan.checks.floor, let low = targets.filter({ $0.1.isPositive }).min(by: { $0.1 < $1.1 }), low.1 < floor.value {
                out.append(
                    TargetsProblem.belowFloor(rep: id, period: low.0, target: Formatting.amount(low.1), floor: Formatting.amount(floor.value))
                        .diagnostic(at: floor.range))
            }
        }
        return out
    }

    /// The base's periods at the targets' granularity (the quarters of a base year).
    static func basePeriods(_ base: Period, kind: PeriodKind) -> [Period] {
        guard base.kind == .year, kind != .year else { return [base] }
        return (1...kind.periodsInYear).map { Period(kind: kind, year: base.year, index: $0) }
    }

    static func stretch(_ id: String, _ rep: Int, _ targets: [(Period, Exact)], _ s: Stretch, _ history: History) -> Diagnostic? {
        guard let kind = targets.first?.0.kind else { return nil }
        var best: (Period, Exact)?
        for p in basePeriods(s.base.value, kind: kind) {
            guard let v = try? history.revenue(rep, in: p) else { continue }
            if best == nil || v > best!.1 { best = (p, v) }
        }
        guard let best, best.1.isPositive else {
            guard targets.contains(where: { $0.1.isPositive }) else { return nil }
            return TargetsProblem.noBestPeriod(rep: id, base: s.base.value).diagnostic(at: s.base.range)
        }
        var worst: (Period, Exact, Exact)?
        for (p, t) in targets {
            guard let m = try? t / best.1 else { continue }
            if worst == nil || m > worst!.2 { worst = (p, t, m) }
        }
        guard let worst, worst.2 > s.max.value else { return nil }
        return TargetsProblem.aboveBest(
            rep: id, period: worst.0, target: Formatting.amount(worst.1), multiple: Formatting.trimmed(worst.2, places: 2),
            best: Formatting.amount(best.1), bestPeriod: best.0, limit: Formatting.trimmed(s.max.value)
        ).diagnostic(at: s.max.range)
    }
}
