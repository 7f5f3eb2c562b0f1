import PayplanCore
import PayplanLanguage

/// The kinds of values formulas compute. `number` covers ratios and factors;
/// `count` is a whole number (days, transactions, members) that mixes with
/// `number` freely but keeps money out: a ratio is never added to money.
public enum BaseType: String, Sendable, Hashable {
    case money, number, count, date, text, bool

    public var isNumeric: Bool { self == .money || self == .number || self == .count }

    /// The words messages use.
    public var words: String {
        switch self {
        case .money: "money"
        case .number: "a ratio"
        case .count: "a count"
        case .date: "a date"
        case .text: "text"
        case .bool: "true/false"
        }
    }

    public init(_ column: ColumnType) {
        switch column {
        case .money: self = .money
        case .number: self = .number
        case .count: self = .count
        case .date: self = .date
        case .text: self = .text
        }
    }
}

public struct ValueType: Sendable, Hashable, CustomStringConvertible {
    public var base: BaseType
    /// May be missing (an empty `exit_date`, `min` over no transactions,
    /// `previous` in the first period). Must be resolved with `coalesce`.
    public var optional: Bool
    /// An untyped numeric constant (`0.80`, `50000`): it takes the type of
    /// what it meets, so `revenue >= 50000` compares money with money.
    public var literal: Bool
    /// A literal written as a percentage (`5%`), or computed from such
    /// literals alone: a ratio, never money on its own — `cap: 300%` means
    /// "300 % of what?", not ¥3.00. `50% * 20000` is an amount again.
    public var percent: Bool

    public init(_ base: BaseType, optional: Bool = false, literal: Bool = false, percent: Bool = false) {
        self.base = base
        self.optional = optional
        self.literal = literal
        self.percent = percent && literal
    }

    public static let money = ValueType(.money)
    public static let number = ValueType(.number)
    public static let count = ValueType(.count)
    public static let date = ValueType(.date)
    public static let text = ValueType(.text)
    public static let bool = ValueType(.bool)

    public var description: String {
        (literal ? "a number" : base.words) + (optional ? " (may be missing)" : "")
    }

    public var required: ValueType { ValueType(base, optional: false, literal: literal, percent: percent) }
}

/// What a rule makes available to other formulas: `np_award` (its payout),
/// `np_award.first_mover`, `elimination.flag`, `team_prize.rank`, ...
public enum RuleOutput: String, Sendable, Hashable, CaseIterable {
    case main = ""
    case base, factor, multiplier
    case breakthrough
    case firstMover = "first_mover"
    case reachedOn = "reached_on"
    case group, score, rank, prize, eligible
    case flag, flagged, exempt, consecutive

    /// Position in `allCases`: rule output tables are arrays indexed by it,
    /// looked up per rep without hashing.
    public var ordinal: Int {
        switch self {
        case .main: 0
        case .base: 1
        case .factor: 2
        case .multiplier: 3
        case .breakthrough: 4
        case .firstMover: 5
        case .reachedOn: 6
        case .group: 7
        case .score: 8
        case .rank: 9
        case .prize: 10
        case .eligible: 11
        case .flag: 12
        case .flagged: 13
        case .exempt: 14
        case .consecutive: 15
        }
    }

    public static func outputs(of kind: RuleKind) -> [(RuleOutput, ValueType)] {
        switch kind {
        case .attainmentBonus:
            return [(.main, .money), (.base, .money), (.factor, .number), (.multiplier, .number)]
        case .productAward:
            return [
                (.main, .money), (.breakthrough, .bool), (.firstMover, .money),
                (.reachedOn, ValueType(.date, optional: true)), (.rank, ValueType(.count, optional: true)),
            ]
        case .teamRanking:
            return [
                (.main, .money), (.group, .text), (.score, ValueType(.number, optional: true)),
                (.rank, ValueType(.count, optional: true)), (.prize, .money), (.eligible, .bool),
            ]
        case .elimination:
            return [(.main, .text), (.flag, .text), (.flagged, .bool), (.exempt, .bool), (.consecutive, .count)]
        case .commission:
            return [(.main, .money)]
        case .formula:
            return [(.main, .money)]
        }
    }
}

/// A name a formula can read whose value is computed by the plan.
public enum Symbol: Sendable, Hashable {
    case metric(Int)
    case rule(Int, RuleOutput)
    /// The plan's total after its cap, and what the cap cut.
    case total
    case capped
}

public enum PeriodField: String, Sendable, Hashable {
    case start, end, days
}

public enum Function: String, Sendable, Hashable, CaseIterable {
    case min, max, clamp, round, abs, floor, ceil, divide, coalesce
    case isSet = "is_set"
    case date
}

public enum AggregateKind: String, Sendable, Hashable {
    case sum, count, min, max
    /// The date / deal at which the running sum first reaches a value.
    case reachDate = "reach_date"
    case reachDeal = "reach_deal"
}

/// An aggregate over a rep's transactions in the period.
public struct Aggregate: Sendable, Hashable {
    public var kind: AggregateKind
    /// The per-transaction value (absent for `count`).
    public var value: TExpr?
    /// For `reach_*`: the value the running sum must reach.
    public var threshold: TExpr?
    public var filter: TExpr?

    /// A stable key: two aggregates with the same key are computed once.
    public var key: String {
        var s = kind.rawValue + "(" + (value?.description ?? "tx")
        if let threshold { s += ", " + threshold.description }
        if let filter { s += " where " + filter.description }
        return s + ")"
    }

    public static func == (a: Aggregate, b: Aggregate) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

public enum GroupAggregateKind: String, Sendable, Hashable {
    case sum, min, max, avg
}

/// A checked formula: names resolved, every node typed.
public struct TExpr: Sendable, CustomStringConvertible {
    public indirect enum Kind: Sendable {
        case number(Exact)
        case text(String)
        case bool(Bool)
        case date(CivilDate)
        case symbol(Symbol, name: String)
        case repColumn(String)
        case targetColumn(String)
        case txColumn(String)
        case productColumn(String)
        case period(PeriodField)
        case activeDays
        case filter(Int, name: String, TExpr)
        case unary(UnaryOperator, TExpr)
        case binary(BinaryOperator, TExpr, TExpr)
        case conditional(TExpr, TExpr, TExpr)
        case function(Function, [TExpr])
        case aggregate(Aggregate)
        case groupAggregate(GroupAggregateKind, TExpr)
        case groupMembers
        case groupScore
        case groupKey
        case previous(Symbol, name: String, TExpr?)
        case yearToDate(Symbol, name: String)
        case shape(Int, name: String, [TExpr])
    }

    public var kind: Kind
    public var type: ValueType
    public var range: SourceRange

    public init(_ kind: Kind, _ type: ValueType, _ range: SourceRange) {
        self.kind = kind
        self.type = type
        self.range = range
    }

    /// Canonical text (used for de-duplicating aggregates and for fingerprints).
    public var description: String {
        switch kind {
        case .number(let v): return v.description
        case .text(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return "date(\"\(d)\")"
        case .symbol(_, let name): return name
        case .repColumn(let c): return "rep.\(c)"
        case .targetColumn(let c): return "target.\(c)"
        case .txColumn(let c): return "tx.\(c)"
        case .productColumn(let c): return "product.\(c)"
        case .period(let f): return "period.\(f.rawValue)"
        case .activeDays: return "active_days"
        case .filter(_, let name, _): return name
        case .unary(.negate, let e): return "-(\(e))"
        case .unary(.not, let e): return "not (\(e))"
        case .binary(let op, let l, let r): return "(\(l) \(op.rawValue) \(r))"
        case .conditional(let c, let t, let e): return "(if \(c) then \(t) else \(e))"
        case .function(let f, let args): return "\(f.rawValue)(\(args.map(\.description).joined(separator: ", ")))"
        case .aggregate(let a): return a.key
        case .groupAggregate(let k, let e): return "\(k.rawValue)(\(e))"
        case .groupMembers: return "members"
        case .groupScore: return "score"
        case .groupKey: return "group"
        case .previous(_, let name, let d): return "previous(\(name)\(d.map { ", \($0)" } ?? ""))"
        case .yearToDate(_, let name): return "ytd(\(name))"
        case .shape(_, let name, let args): return "\(name)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }

    /// Whether the value depends on nothing but constants.
    public var isConstant: Bool {
        switch kind {
        case .number, .text, .bool, .date: return true
        case .unary(_, let e): return e.isConstant
        case .binary(_, let l, let r): return l.isConstant && r.isConstant
        case .conditional(let c, let t, let e): return c.isConstant && t.isConstant && e.isConstant
        case .function(let f, let args): return f != .date ? args.allSatisfy(\.isConstant) : true
        default: return false
        }
    }

    /// Every aggregate over transactions in this expression.
    public var aggregates: [Aggregate] {
        var out: [Aggregate] = []
        visit { if case .aggregate(let a) = $0.kind { out.append(a) } }
        return out
    }

    public func visit(_ body: (TExpr) -> Void) {
        var stack: [TExpr] = [self]
        while let e = stack.popLast() {
            body(e)
            switch e.kind {
            case .filter(_, _, let inner): stack.append(inner)
            case .unary(_, let x): stack.append(x)
            case .binary(_, let l, let r): stack += [r, l]
            case .conditional(let c, let t, let f): stack += [f, t, c]
            case .function(_, let args), .shape(_, _, let args): stack += args.reversed()
            case .groupAggregate(_, let x): stack.append(x)
            case .previous(_, _, let d): if let d { stack.append(d) }
            case .aggregate(let a):
                if let f = a.filter { stack.append(f) }
                if let t = a.threshold { stack.append(t) }
                if let v = a.value { stack.append(v) }
            default: break
            }
        }
    }
}

// MARK: - Checked plan

public struct CheckedMetric: Sendable {
    public var name: String
    public var definition: MetricDefinition
    public var expr: TExpr
    public var type: ValueType
}

public struct CheckedFilter: Sendable {
    public var name: String
    public var definition: FilterDefinition
    public var expr: TExpr
}

public enum CheckedShapeKind: Sendable {
    case curve(Curve)
    case band(Band, values: [TExpr])
    case tiers(Tiers, rates: [TExpr?], amounts: [TExpr?])
    case matrix(Matrix)
}

public struct CheckedShape: Sendable {
    /// The shape's name, or `RULE.curve` style for a shape written in place.
    public var name: String
    public var labels: Labels
    public var kind: CheckedShapeKind
    public var range: SourceRange

    public var arity: Int {
        if case .matrix = kind { return 2 }
        return 1
    }
}

public struct CheckedShapeUse: Sendable {
    public var shape: Int
    public var inputs: [TExpr]
}

public struct CheckedLimiters: Sendable {
    public var gate: TExpr?
    public var floor: TExpr?
    public var cap: TExpr?
}

public struct CheckedMultiplier: Sendable {
    public var name: String
    public var labels: Labels
    public var shape: CheckedShapeUse?
    public var factor: TExpr?
}

public struct CheckedFirstMovers: Sendable {
    public var count: Int
    public var award: TExpr
    public var running: TExpr
    public var filter: TExpr?
}

public enum CheckedSplit: Sendable {
    case equal
    case proRata(TExpr)
    case role(String)
}

public enum CheckedBottomSize: Sendable {
    case share(Exact)
    case count(Int)
}

public enum CheckedRuleBody: Sendable {
    case attainmentBonus(
        base: TExpr, measure: TExpr, shape: CheckedShapeUse, multipliers: [CheckedMultiplier], limiters: CheckedLimiters)
    case productAward(
        measure: TExpr, threshold: TExpr, inclusive: Bool, award: TExpr, rateAbove: TExpr?, limiters: CheckedLimiters,
        firstMovers: CheckedFirstMovers?)
    case teamRanking(
        groupBy: TExpr, members: TExpr?, score: TExpr, eligible: TExpr?, order: SortOrder, prizes: [TExpr],
        breakers: [(TExpr, SortOrder)], split: CheckedSplit, exclude: TExpr?)
    case elimination(
        measure: TExpr, among: TExpr?, exempt: TExpr?, below: TExpr?, bottom: (CheckedBottomSize, Bottom.Rounding, Bool)?,
        levels: [String], none: String)
    case commission(amount: TExpr, filter: TExpr?, rateOn: RateOn, shape: CheckedShapeUse, limiters: CheckedLimiters)
    case formula(value: TExpr, limiters: CheckedLimiters)
}

public struct CheckedRule: Sendable {
    public var name: String
    public var rule: Rule
    public var body: CheckedRuleBody
    public var rounding: Rounding?

    public var isPayout: Bool {
        if case .elimination = body { return false }
        return true
    }
}

public struct CheckedTotal: Sendable {
    public var components: [(Symbol, String)]
    public var cap: TExpr?
    public var floor: TExpr?
    public var rounding: Rounding?
}

public struct CheckedColumn: Sendable {
    public var header: String
    public var expr: TExpr
    public var decimals: Int?
}

/// The result of checking: the plan with every formula resolved and typed,
/// and its metrics and rules in an order where each comes after all it reads.
public struct CheckedPlan: Sendable {
    public var plan: Plan
    public var metrics: [CheckedMetric]
    public var filters: [CheckedFilter]
    public var shapes: [CheckedShape]
    public var rules: [CheckedRule]
    public var populationWhen: TExpr?
    public var populationRequire: [TExpr]
    public var total: CheckedTotal?
    public var output: [CheckedColumn]
    /// Metrics and rules in dependency order.
    public var order: [Symbol]
    /// How many periods before the run period must be evaluated first
    /// (`previous`, escalation levels); `nil` when state is carried from the
    /// plan's effective start.
    public var lookback: Int
    public var carriesState: Bool
    public var usesYearToDate: Bool
    /// Whether formulas read `target.*` (a population rep then needs a target row).
    public var readsTargets: Bool

    public func name(of symbol: Symbol) -> String {
        switch symbol {
        case .metric(let i): return metrics[i].name
        case .rule(let i, let o): return o == .main ? rules[i].name : "\(rules[i].name).\(o.rawValue)"
        case .total: return "total"
        case .capped: return "capped"
        }
    }
}
