import PayplanCore
import PayplanLanguage

/// Where a weight came from, for explanations.
public enum WeightBasis: Sendable {
    /// Written in the plan.
    case explicit
    /// The base period's revenue (seasonality, revenue shares).
    case revenue(base: Period)
    /// The reps who carry targets, weighted by days active and ramp.
    case headcount
    /// Equal split among reps, weighted by days active and ramp.
    case equal
}

/// How the company target was set.
public enum CompanySource: Sendable {
    case given
    case growth(base: Period, revenue: Exact, growth: Exact, exact: Exact)
}

/// Layer 2 — check: a parsed plan made definite against the history.
/// Period keys are resolved, weights are checked to add up, revenue shares
/// are taken; what is left is arithmetic.
public struct CheckedTargets: Sendable {
    public var plan: TargetPlan
    public var history: History
    public var periods: [Period]
    /// A whole number of units.
    public var company: Exact
    public var companySource: CompanySource
    /// Per period, its weight.
    public var timeWeights: [Exact]
    public var timeBasis: WeightBasis
    public var groupBy: String
    /// Explicit weights by group name (`split: weights`), or base revenue by
    /// group (`split: share`); nil for headcount.
    public var groupWeights: [String: Exact]?
    public var groupBasis: WeightBasis
    /// Per rep (history order), its base revenue when reps split by share
    /// (negative counted as 0); nil for an equal split.
    public var repBase: [Exact]?
    public var repBasis: WeightBasis
    public var unit: Exact { plan.unit.value }
}

public enum TargetChecker {
    /// The months of history the plan reads.
    public static func months(_ plan: TargetPlan) -> [Period] {
        var periods: [Period] = []
        if case .growth(let base, _) = plan.company { periods.append(base.value) }
        if case .seasonality(let base) = plan.time { periods.append(base.value) }
        if case .share(let base) = plan.groups.method { periods.append(base.value) }
        if case .share(let base) = plan.reps.method { periods.append(base.value) }
        if let s = plan.checks.stretch { periods.append(s.base.value) }
        return Array(Set(periods.flatMap(\.months))).sorted()
    }

    public static func check(_ plan: TargetPlan, history: History) -> (CheckedTargets?, [Diagnostic]) {
        var c = CheckContext(plan: plan, history: history)
        c.checkBases()
        let company = c.company()
        let (timeWeights, timeBasis) = c.time()
        let (groupWeights, groupBasis) = c.groups()
        let (repBase, repBasis) = c.repBases()
        if plan.unit.value <= .zero { c.report(.unitNotPositive, at: plan.unit.range) }
        guard !c.hasErrors, let (amount, source) = company, let timeWeights else { return (nil, c.diagnostics) }
        let checked = CheckedTargets(
            plan: plan, history: history, periods: plan.periods, company: amount, companySource: source, timeWeights: timeWeights,
            timeBasis: timeBasis, groupBy: plan.groups.by.value, groupWeights: groupWeights, groupBasis: groupBasis, repBase: repBase,
            repBasis: repBasis)
        return (checked, c.diagnostics)
    }
}

struct CheckContext {
    let plan: TargetPlan
    let history: History
    var diagnostics: [Diagnostic] = []

    init(plan: TargetPlan, history: History) {
        self.plan = plan
        self.history = history
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func report(_ p: TargetsProblem, at range: SourceRange) { diagnostics.append(p.diagnostic(at: range)) }

    /// Base periods must lie before the year planned, and hold data.
    mutating func checkBases() {
        var bases: [Located<Period>] = []
        if case .growth(let base, _) = plan.company { bases.append(base) }
        if case .seasonality(let base) = plan.time { bases.append(base) }
        if case .share(let base) = plan.groups.method { bases.append(base) }
        if case .share(let base) = plan.reps.method { bases.append(base) }
        if let s = plan.checks.stretch { bases.append(s.base) }
        for base in bases {
            if base.value.end.components.year >= plan.year.value {
                report(.basePeriodNotBefore(base: base.value, year: plan.year.value), at: base.range)
            }
            if !history.hasData(in: base.value) { report(.basePeriodEmpty(base: base.value), at: base.range) }
        }
        if let s = plan.checks.stretch, s.base.value.kind != .year, s.base.value.kind != plan.period.value {
            report(
                .periodKind(what: "the stretch base", found: s.base.value, expected: "a year or a \(plan.period.value.rawValue)"), at: s.base.range)
        }
    }

    mutating func total(_ p: Period) -> Exact? {
        do {
            var sum = Exact.zero
            for r in history.reps.indices { sum = try sum + history.revenue(r, in: p) }
            return sum
        } catch {
            return nil
        }
    }

    mutating func company() -> (Exact, CompanySource)? {
        let unit = plan.unit.value
        switch plan.company {
        case .amount(let a):
            guard unit.isPositive else { return nil }
            if a.value.isNegative {
                report(.outOfRange(what: "the company target", value: a.value.description, allowed: "0 or more"), at: a.range)
                return nil
            }
            guard (try? a.value / unit)?.isInteger == true else {
                report(.targetNotMultiple(target: a.value.description, unit: unit.description), at: a.range)
                return nil
            }
            return (a.value, .given)
        case .growth(let base, let growth):
            guard let revenue = total(base.value), revenue.isPositive else {
                report(.noBaseRevenue(base: base.value, what: "the company"), at: base.range)
                return nil
            }
            guard unit.isPositive, let exact = try? revenue * (.one + growth.value),
                let units = try? (exact / unit).roundedUnits(scale: 0, mode: .halfAwayFromZero), let rounded = try? Exact(integer: units) * unit
            else {
                report(.overflow(what: "the company target"), at: growth.range)
                return nil
            }
            if rounded.isNegative {
                report(.outOfRange(what: "the company target", value: rounded.description, allowed: "0 or more"), at: growth.range)
                return nil
            }
            return (rounded, .growth(base: base.value, revenue: revenue, growth: growth.value, exact: exact))
        }
    }
}
