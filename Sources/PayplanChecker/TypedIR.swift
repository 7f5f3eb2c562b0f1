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

/// One result a rule makes available to other formulas: its main result
/// (`np_award`, name "") or a named one (`np_award.first_mover`,
/// `review.flag`, `team_prize.rank`). Each kind lists its own, main first.
public struct RuleOutput: Sendable, Hashable {
    /// What a result means to reports, what-if and statements.
    public enum Role: Sendable, Hashable {
        /// Money the rule pays: a component of pay.
        case payout
        /// A review flag (a level name).
        case flag
        /// The group a rep belongs to, its rank, the group's prize.
        case group, rank, prize
        /// Anything else.
        case detail
    }

    public var name: String
    public var type: ValueType
    public var role: Role
    /// How statements and explanations name a payout other than the main one.
    public var labels: Labels

    public init(_ name: String, _ type: ValueType, _ role: Role = .detail, labels: Labels = Labels()) {
        self.name = name
        self.type = type
        self.role = role
        self.labels = labels
    }

    public static func == (a: RuleOutput, b: RuleOutput) -> Bool { a.name == b.name && a.type == b.type && a.role == b.role }
    public func hash(into h: inout Hasher) { h.combine(name) }

    public var isMain: Bool { name.isEmpty }
}

/// A name a formula can read whose value is computed by the plan.
public enum Symbol: Sendable, Hashable {
    case metric(Int)
    /// A rule's result: the rule's index in the plan, the output's index in
    /// its kind's `outputs` (0: the main result).
    case rule(Int, Int)
    /// The plan's total after its cap, and what the cap cut.
    case total
    case capped
}

public enum PeriodField: String, Sendable, Hashable {
    case start, end, days, months
}

public enum Function: String, Sendable, Hashable, CaseIterable {
    case min, max, clamp, round, abs, floor, ceil, divide, coalesce
    case isSet = "is_set"
    case date
    /// Months of the period the rep is active on the first day of.
    case monthsActive = "months_active"
    /// The share of the period's weights (one per equal part of the period)
    /// that falls in the months the rep is active.
    case activeWeight = "active_weight"

    /// Functions that read the rep's dates and the period: never folded into
    /// a constant, never in a transaction formula.
    public var readsRep: Bool { self == .monthsActive || self == .activeWeight }
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

/// An aggregate over reps: `sum(revenue over company)`,
/// `avg(attainment over rep.team where rep.role == "rep")`,
/// `count(rep over rep.region)`. Computed once per group and period (a
/// group stage of its own), then read by each rep of the group.
public struct PopulationAggregate: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case sum, min, max, avg, count
    }

    public var kind: Kind
    /// Each member's value (absent for `count`).
    public var value: TExpr?
    /// The rep's group (`rep.team`); nil for the whole population (`company`).
    public var group: TExpr?
    /// Which reps of the group count (`where`); all when nil.
    public var filter: TExpr?

    public init(kind: Kind, value: TExpr?, group: TExpr?, filter: TExpr?) {
        self.kind = kind
        self.value = value
        self.group = group
        self.filter = filter
    }

    /// Canonical text, and the key under which it is computed once.
    public var key: String {
        var s = kind.rawValue + "(" + (value?.description ?? "rep") + " over " + (group?.description ?? "company")
        if let filter { s += " where " + filter.description }
        return s + ")"
    }

    /// The formulas it reads for each rep.
    public var parts: [TExpr] { [value, group, filter].compactMap { $0 } }

    public static func == (a: PopulationAggregate, b: PopulationAggregate) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
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
        /// A ranking's pot, in its prizes.
        case groupPot
        case population(PopulationAggregate)
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
        case .groupPot: return "pot"
        case .population(let a): return a.key
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
            case .population(let a): stack += a.parts.reversed()
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
    /// Tiers generated from a pattern row (`check --tree` lists them).
    public var generated = false

    public var arity: Int {
        if case .matrix = kind { return 2 }
        return 1
    }
}

public struct CheckedShapeUse: Sendable {
    public var shape: Int
    public var inputs: [TExpr]

    public init(shape: Int, inputs: [TExpr]) {
        self.shape = shape
        self.inputs = inputs
    }
}

public struct CheckedLimiters: Sendable {
    public var gate: TExpr?
    public var floor: TExpr?
    public var cap: TExpr?

    public var all: [TExpr] { [gate, floor, cap].compactMap { $0 } }
}

/// A rule kind, as the checker sees it: the results a rule of the kind
/// makes available, and how to check its body.
public protocol RuleKindChecking: RuleKindSyntax {
    /// Main result first.
    var outputs: [RuleOutput] { get }
    /// Checks the body of `rule` (one of this kind's), reporting to `c`.
    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)?
}

/// A rule's body with every formula resolved and typed: each kind's own struct.
public protocol CheckedRuleBody: Sendable {
    /// The formulas read per rep (or per group) in the period: dependencies,
    /// history and lints walk these.
    var expressions: [TExpr] { get }
    /// The formulas read per transaction (commissionable amounts, running totals).
    var transactionExpressions: [TExpr] { get }
    /// Shapes the rule looks values up in.
    var shapesUsed: [Int] { get }
    /// Earlier periods of its own results a period reads (escalation levels).
    var ownHistory: Int { get }
}

extension CheckedRuleBody {
    public var transactionExpressions: [TExpr] { [] }
    public var shapesUsed: [Int] { [] }
    public var ownHistory: Int { 0 }
}

public struct CheckedRule: Sendable {
    public var name: String
    public var rule: Rule
    public var kind: any RuleKindChecking
    public var body: any CheckedRuleBody
    public var rounding: Rounding?

    public init(name: String, rule: Rule, kind: any RuleKindChecking, body: any CheckedRuleBody, rounding: Rounding?) {
        self.name = name
        self.rule = rule
        self.kind = kind
        self.body = body
        self.rounding = rounding
    }

    public var outputs: [RuleOutput] { kind.outputs }

    /// Pays money (a flag rule does not).
    public var isPayout: Bool { kind.outputs.first?.type.base == .money }
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
        case .rule(let i, let o): return o == 0 ? rules[i].name : "\(rules[i].name).\(rules[i].outputs[o].name)"
        case .total: return "total"
        case .capped: return "capped"
        }
    }
}
