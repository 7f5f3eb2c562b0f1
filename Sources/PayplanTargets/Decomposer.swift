import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// How much of a period a rep carries: days active, of which days in ramp.
public struct Activity: Sendable, Equatable {
    public var activeDays: Int
    public var rampDays: Int
    public var periodDays: Int
    /// (days active − days in ramp + days in ramp × ramp factor) ÷ days in the period.
    public var weight: Exact
}

public struct RepStep: Sendable {
    /// Index into the history's reps.
    public var rep: Int
    public var id: String
    public var activity: Activity
    /// The rep's base revenue (reps split by share).
    public var base: Exact?
    public var share: Share
}

public struct GroupStep: Sendable {
    public var name: String
    public var share: Share
    public var reps: [RepStep]
}

public struct PeriodStep: Sendable {
    public var period: Period
    public var share: Share
    public var groups: [GroupStep]
}

/// Layer 3 — decompose: the company target to periods, each period to
/// groups, each group to reps, every level rounded to whole units by largest
/// remainder so that the parts add up exactly to their whole.
public struct Decomposition: Sendable {
    public var checked: CheckedTargets
    public var periods: [PeriodStep]

    /// Every rep target as (rep_id, period, revenue), in rep_id then period order.
    public var rows: [(repID: String, period: Period, revenue: Exact)] {
        var out: [(String, Period, Exact, Int)] = []
        for (k, p) in periods.enumerated() {
            for g in p.groups { for r in g.reps where r.activity.weight.isPositive { out.append((r.id, p.period, r.share.value, k)) } }
        }
        out.sort { a, b in CodePoint.equal(a.0, b.0) ? a.3 < b.3 : CodePoint.less(a.0, b.0) }
        return out.map { ($0.0, $0.1, $0.2) }
    }

    /// The rep's target in a period, if it has one.
    public func target(_ repID: String, _ period: Period) -> Exact? {
        for p in periods where p.period == period {
            for g in p.groups { for r in g.reps where CodePoint.equal(r.id, repID) && r.activity.weight.isPositive { return r.share.value } }
        }
        return nil
    }
}

public enum Decomposer {
    public static func decompose(_ c: CheckedTargets) -> (Decomposition?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let plan = c.plan
        func report(_ p: TargetsProblem, _ range: SourceRange) { diagnostics.append(p.diagnostic(at: range)) }
        do {
            let periodShares = try LargestRemainder.split(c.company, unit: c.unit, weights: c.timeWeights)
            var steps: [PeriodStep] = []
            for (k, period) in c.periods.enumerated() {
                let groups = try decompose(c, period, periodShares[k].value, report)
                steps.append(PeriodStep(period: period, share: periodShares[k], groups: groups ?? []))
            }
            if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
            return (Decomposition(checked: c, periods: steps), diagnostics)
        } catch {
            report(.overflow(what: "a target of the decomposition"), plan.unit.range)
            return (nil, diagnostics)
        }
    }

    /// One period's target to groups and reps; nil (with a diagnostic) when
    /// a group's target has no rep to carry it.
    static func decompose(_ c: CheckedTargets, _ period: Period, _ amount: Exact, _ report: (TargetsProblem, SourceRange) -> Void)
        throws(ArithmeticError) -> [GroupStep]?
    {
        let plan = c.plan
        let by = c.groupBy
        var members: [String: [Int]] = [:]
        var activity: [Activity] = []
        var repWeight: [Exact] = []
        for (i, r) in c.history.reps.enumerated() {
            let a = try Decomposer.activity(r, period, ramp: plan.reps.ramp)
            activity.append(a)
            repWeight.append(try c.repBase.map { (b) throws(ArithmeticError) in try a.weight * b[i] } ?? a.weight)
            if a.weight.isPositive { members[r.group(by: by), default: []].append(i) }
        }
        var names: [String]
        var weights: [Exact] = []
        switch plan.groups.method {
        case .weights:
            names = c.groupWeights!.keys.sorted { CodePoint.less($0, $1) }
            weights = names.map { c.groupWeights![$0]! }
        case .share:
            names = members.keys.sorted { CodePoint.less($0, $1) }
            weights = names.map { max(c.groupWeights![$0] ?? .zero, .zero) }
        case .headcount:
            names = members.keys.sorted { CodePoint.less($0, $1) }
            for n in names {
                var sum = Exact.zero
                for i in members[n]! { sum = try sum + activity[i].weight }
                weights.append(sum)
            }
        }
        guard !names.isEmpty, weights.contains(where: \.isPositive) else {
            if case .share(let base) = plan.groups.method, !members.isEmpty {
                report(.noBaseRevenue(base: base.value, what: "the \(by)s with reps active in \(period)"), base.range)
            } else {
                report(.noReps(period: period), plan.year.range)
            }
            return nil
        }
        let shares = try LargestRemainder.split(amount, unit: c.unit, weights: weights)
        var groups: [GroupStep] = []
        var ok = true
        for (g, name) in names.enumerated() {
            let reps = members[name] ?? []
            let weightsOfReps = reps.map { repWeight[$0] }
            guard weightsOfReps.contains(where: \.isPositive) else {
                if shares[g].value.isPositive || shares[g].exact.isPositive {
                    if case .share(let base) = plan.reps.method, !reps.isEmpty {
                        report(.groupWithoutShares(group: name, period: period, base: base.value), base.range)
                    } else {
                        report(.groupWithoutReps(group: name, period: period), plan.groups.by.range)
                    }
                    ok = false
                }
                groups.append(GroupStep(name: name, share: shares[g], reps: []))
                continue
            }
            let repShares = try LargestRemainder.split(shares[g].value, unit: c.unit, weights: weightsOfReps)
            let steps = reps.enumerated().map { k, i in
                RepStep(rep: i, id: c.history.reps[i].id, activity: activity[i], base: c.repBase?[i], share: repShares[k])
            }
            groups.append(GroupStep(name: name, share: shares[g], reps: steps))
        }
        return ok ? groups : nil
    }

    /// Days the rep is active in the period, and of those, days in its ramp.
    public static func activity(_ r: HistoryRep, _ p: Period, ramp: Ramp?) throws(ArithmeticError) -> Activity {
        let s = max(r.hire, p.start)
        let e = min(r.exit ?? p.end, p.end)
        let active = e < s ? 0 : e.days(since: s) + 1
        var rampDays = 0
        if let ramp, active > 0 {
            let rampEnd = r.hire.adding(months: ramp.months.value)  // first day after the ramp
            let last = min(e, rampEnd.adding(days: -1))
            rampDays = last < s ? 0 : last.days(since: s) + 1
        }
        let factor = ramp?.factor.value ?? .one
        let carried = try Exact(active - rampDays) + Exact(rampDays) * factor
        return Activity(activeDays: active, rampDays: rampDays, periodDays: p.days, weight: try carried / Exact(p.days))
    }
}

extension CivilDate {
    /// The same day `n` calendar months later (the month's last day when
    /// the month is shorter: 31 January + 1 month = 28 or 29 February).
    public func adding(months n: Int) -> CivilDate {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + n
        let year = total / 12
        let month = total % 12 + 1
        return CivilDate(year: year, month: month, day: min(d, CivilDate.daysInMonth(year: year, month: month)))!
    }
}
