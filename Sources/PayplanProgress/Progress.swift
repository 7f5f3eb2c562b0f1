import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage

/// What to compute progress for.
public struct ProgressRequest: Sendable {
    public var period: Period
    public var asOf: CivilDate
    /// The plan's metrics holding revenue and attainment.
    public var revenueMetric: String
    public var attainmentMetric: String
    /// Only this team's reps (team view and next steps); all when nil.
    public var team: String?
    public var threads: Int
    /// Reps left out (`--skip-invalid`).
    public var excluded: Set<Int> = []
    /// How next steps' gains are evaluated when reps affect each other's pay.
    public var steps: Steps = .alone

    public enum Steps: String, Sendable, CaseIterable {
        /// Each rep's step evaluated with that rep alone grown: exact, one
        /// evaluation of the period per rep whose step is reached.
        case alone
        /// Every rep's step evaluated at once: a few evaluations in all; the
        /// rankings and shares in each gain are those of everyone taking
        /// their next step.
        case together
    }

    public init(
        period: Period, asOf: CivilDate, revenueMetric: String = "revenue", attainmentMetric: String = "attainment", team: String? = nil,
        threads: Int = Parallel.processorCount
    ) {
        self.period = period
        self.asOf = asOf
        self.revenueMetric = revenueMetric
        self.attainmentMetric = attainmentMetric
        self.team = team
        self.threads = threads
    }

    /// Calendar days from the period's first day through the as-of date.
    public var daysElapsed: Int { asOf.days(since: period.start) + 1 }

    /// period days ÷ days elapsed: the pace factor of a rep active all period.
    public var pace: Exact { (try? Exact(period.days) / Exact(daysElapsed)) ?? .one }

    /// A rep's pace factor: the days of the period it is active ÷ those of
    /// them through the as-of date, in calendar days. A rep active the whole
    /// period has `pace`; one who has left by the as-of date has 1 (nothing
    /// more is to come); one hired during the period counts from its hire date.
    public func pace(hire: CivilDate, exit: CivilDate?) -> Exact {
        let start = max(hire, period.start)
        let end = min(exit ?? period.end, period.end)
        let soFar = min(end, asOf)
        guard end >= start, soFar >= start else { return .one }
        return (try? Exact(end.days(since: start) + 1) / Exact(soFar.days(since: start) + 1)) ?? .one
    }

    /// Problems with the as-of date.
    public func check() -> [Diagnostic] {
        if asOf < period.start { return [ProgressProblem.asOfBefore(asOf: asOf, period: period).diagnostic()] }
        if asOf > period.end { return [ProgressProblem.asOfAfter(asOf: asOf, period: period).diagnostic()] }
        return []
    }
}

/// The next step of the plan a rep can reach, evaluated.
public struct NextStep: Sendable {
    public var breakpoint: Breakpoint
    /// Revenue still needed by the period's end, in the plan's money units.
    public var revenueNeeded: Exact
    /// What the plan pays the rep with that revenue added, and the gain over
    /// the payout to date.
    public var payoutThen: Exact
    public var gain: Exact
}

public struct RepProgress: Sendable {
    public var rep: Int
    public var id: String
    public var name: String
    public var team: String
    public var target: Exact?
    public var revenueToDate: Exact
    public var attainmentToDate: Exact?
    /// The rep's pace factor (`ProgressRequest.pace(hire:exit:)`).
    public var pace: Exact
    /// attainment to date × the pace factor.
    public var projectedAttainment: Exact?
    /// The plan evaluated on the data to date, as if the period ended on the as-of date.
    public var payoutToDate: Exact
    /// The plan evaluated with every rep's revenue to date grown by its pace factor.
    public var projectedPayout: Exact
    public var next: NextStep?
}

public struct TeamProgress: Sendable {
    public var team: String
    public var reps: Int
    public var target: Exact
    public var revenueToDate: Exact
    public var attainmentToDate: Exact?
    public var projectedAttainment: Exact?
    public var payoutToDate: Exact
    public var projectedPayout: Exact
}

/// 目标执行: every rep's progress in a period on a day within it.
public struct PeriodProgress: Sendable {
    public var plan: CompiledPlan
    public var request: ProgressRequest
    public var reps: [RepProgress]
    public var teams: [TeamProgress]
    public var opportunities: Opportunities?
}
