import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// A piece of a formula with its values filled in:
/// `revenue ÷ target` becomes `1,234,567.00 ÷ 1,000,000.00`.
public enum Segment: Sendable {
    case text(String)
    case value(Value)
}

/// One fact of an explanation. Renderers turn these into sentences in the
/// rep's language; JSON carries them as they are.
public enum Step: Sendable {
    /// The formula with its inputs' values substituted, and its result.
    case formula(source: String, substituted: [Segment], result: Value)
    /// `sum(tx.amount where new_product)` over `count` transactions.
    case aggregate(description: String, count: Int, result: Value)
    /// An `if` condition and the branch it chose.
    case branch(condition: String, taken: Bool)
    /// A value carried from an earlier period.
    case previous(name: String, period: String, value: Value)
    case shape(name: String, labels: Labels, inputs: [Exact], detail: ShapeDetail, result: Exact)
    /// base × factor × multipliers.
    case product(factors: [(String, Exact)], result: Exact)
    case gate(condition: String, met: Bool)
    case floor(before: Exact, floor: Exact, after: Exact)
    case cap(before: Exact, cap: Exact, after: Exact)
    case round(before: Exact, after: Exact, rounding: Rounding)
    case threshold(measure: Exact, threshold: Exact, inclusive: Bool, reached: Bool)
    case award(award: Exact, rate: Exact?, above: Exact, result: Exact)
    case firstMover(FirstMoverDetail)
    case team(TeamDetail)
    case elimination(EliminationDetail)
    case commission(rateOn: RateOn, lines: [CommissionLine], shown: Int, total: Exact)
    case total(components: [(String, Exact)], sum: Exact, cap: Exact?, floor: Exact?, total: Exact, capped: Exact)
    case note(String)
}

public struct FirstMoverDetail: Sendable {
    public var breakthrough: Bool
    public var reachedOn: CivilDate?
    public var deal: String?
    public var runningTotal: Exact?
    public var position: Int?
    public var contenders: Int
    public var winners: Int
    public var award: Exact
    /// Reps that reached on the same day, for "crossed on the same date" stories.
    public var sameDay: [String]
}

public struct TeamDetail: Sendable {
    public var group: String
    public var members: Int
    public var score: Exact?
    public var eligible: Bool
    public var eligibility: String?
    public var rank: Int?
    public var tiedWith: [String]
    public var pool: Exact
    public var teamPrize: Exact
    public var weight: Exact
    public var totalWeight: Exact
    public var excluded: Bool
    /// The condition that excluded the rep, as written in the plan.
    public var exclusion: String?
    public var exactShare: Exact
    public var floorShare: Exact
    public var extraCent: Bool
    public var share: Exact
    public var unit: Exact
}

public struct EliminationDetail: Sendable {
    public var exempt: Bool
    public var evaluated: Bool
    public var measure: Exact?
    public var below: Exact?
    public var belowHit: Bool
    public var population: Int
    public var bottomCount: Int
    public var cutoff: Exact?
    public var position: Int?
    public var bottomHit: Bool
    public var flagged: Bool
    public var consecutive: Int
    public var level: String
}

public struct CommissionLine: Sendable {
    public var date: CivilDate
    public var deal: String
    public var amount: Exact
    public var before: Exact?
    public var pay: Exact
}

public enum TraceKind: String, Sendable {
    case metric, rule, total
}

/// The explanation of one metric, rule or the total for one rep.
public struct TraceEntry: Sendable {
    public var name: String
    public var labels: Labels
    public var kind: TraceKind
    public var ruleKind: RuleKind?
    public var value: Value
    public var steps: [Step]
}

/// Everything that explains one rep's pay in one period.
public struct RepTrace: Sendable {
    public var repID: String
    public var name: String
    public var team: String
    public var period: Period
    public var entries: [TraceEntry]
}
