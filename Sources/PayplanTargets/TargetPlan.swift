import PayplanCore
import PayplanLanguage

/// A targets plan as written: what the company's revenue target for a year
/// is and how it is broken down by time, by team (or region) and by rep.
/// Every value keeps where it was written, for diagnostics.
public struct TargetPlan: Sendable {
    public var file: String
    public var name: Located<String>
    public var year: Located<Int>
    /// The granularity of the targets written: `quarter` or `month`.
    public var period: Located<PeriodKind>
    /// Every target is a whole number of this unit.
    public var unit: Located<Exact>
    public var currency: String
    public var locale: Located<String>?
    public var company: CompanyTarget
    public var time: TimeSplit
    public var groups: GroupSplit
    public var reps: RepSplit
    public var checks: Checks
    /// A file of reps' own numbers (rep_id, period, revenue), relative to the plan.
    public var commitments: Located<String>?

    /// The periods the targets are set for, in order.
    public var periods: [Period] {
        (1...period.value.periodsInYear).map { Period(kind: period.value, year: year.value, index: $0) }
    }
}

/// 目标制定: the year's company target.
public enum CompanyTarget: Sendable {
    /// A number.
    case amount(Located<Exact>)
    /// The base period's actual revenue × (1 + growth), rounded to the unit.
    case growth(base: Located<Period>, growth: Located<Exact>)
}

/// A weight given for a named part (a period, a team): the key as written
/// and the weight.
public struct WeightEntry: Sendable {
    public var key: Located<String>
    public var weight: Located<Exact>
}

/// 按时间分解: how the year's target is spread over its periods.
public enum TimeSplit: Sendable {
    case weights([WeightEntry], SourceRange)
    /// Each period's share of the base year's revenue (2027-Q1 ← 2026-Q1).
    case seasonality(base: Located<Period>)
}

/// 按团队/区域分解: how each period's target is spread over the groups.
public struct GroupSplit: Sendable {
    /// The reps.csv column naming the group: `team` or `region`.
    public var by: Located<String>
    public var method: GroupMethod
}

public enum GroupMethod: Sendable {
    case weights([WeightEntry], SourceRange)
    /// Each group's share of the base period's revenue.
    case share(base: Located<Period>)
    /// Each group's share of the reps who carry targets, as they are weighted
    /// for the split to reps (days active, ramp).
    case headcount(SourceRange)
}

/// 分解到人: how a group's target is spread over its reps.
public struct RepSplit: Sendable {
    public var method: RepMethod
    public var ramp: Ramp?
}

public enum RepMethod: Sendable {
    case equal(SourceRange)
    /// Each rep's share of the group's base-period revenue.
    case share(base: Located<Period>)
}

/// New hires carry `factor` of a full target during their first `months`
/// months after `hire_date`.
public struct Ramp: Sendable {
    public var months: Located<Int>
    public var factor: Located<Exact>
}

/// SMART checks: warnings naming the reps whose targets look unachievable
/// or too small.
public struct Checks: Sendable {
    public var stretch: Stretch?
    public var floor: Located<Exact>?
}

/// A rep's period target above `max` × its best period of `base` is a warning.
public struct Stretch: Sendable {
    public var base: Located<Period>
    public var max: Located<Exact>
}

extension PeriodKind {
    /// Periods of this kind in a year.
    public var periodsInYear: Int {
        periodsPerYear
    }
}
