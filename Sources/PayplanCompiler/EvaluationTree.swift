import PayplanChecker
import PayplanCore
import PayplanLanguage

/// A compiled formula: names resolved to slots and column indexes, constant
/// subexpressions folded. Nodes that can fail carry their source range so a
/// failure is reported at the right place.
public indirect enum CExpr: Sendable {
    case constant(Value)
    case slot(Int)
    case repColumn(Int)
    case targetColumn(Int)
    case period(PeriodField)
    case activeDays
    /// An accumulator over the rep's transactions (sum, count, min, max).
    case aggregate(Int)
    /// The first (date, deal) at which a retained list's running sum reaches a value.
    case reach(list: Int, date: Bool, threshold: CExpr)
    case negate(CExpr, SourceRange)
    case not(CExpr)
    case binary(BinaryOperator, CExpr, CExpr, SourceRange)
    case and(CExpr, CExpr)
    case or(CExpr, CExpr)
    case conditional(CExpr, CExpr, CExpr)
    case function(Function, [CExpr], SourceRange)
    case coalesce(CExpr, CExpr)
    case shape(Int, [CExpr])
    case previous(slot: Int, fallback: CExpr?)
    case yearToDate(slot: Int)
    case groupAggregate(GroupAggregateKind, CExpr)
    case groupMembers
    case groupScore
    case groupKey
}

/// A compiled transaction-level formula (filters, values summed).
public indirect enum RowExpr: Sendable {
    case constant(Value)
    case txColumn(Int)
    case productColumn(Int)
    case repColumn(Int)
    case period(PeriodField)
    case negate(RowExpr)
    case not(RowExpr)
    case binary(BinaryOperator, RowExpr, RowExpr)
    case and(RowExpr, RowExpr)
    case or(RowExpr, RowExpr)
    case conditional(RowExpr, RowExpr, RowExpr)
    case function(Function, [RowExpr])
    case coalesce(RowExpr, RowExpr)

    /// Reads nothing of the transaction row itself: its value is fixed by the
    /// transaction's product and period, so it can be tabulated up front.
    public var dependsOnlyOnProductAndPeriod: Bool {
        switch self {
        case .constant, .productColumn, .period: return true
        case .txColumn, .repColumn: return false
        case .negate(let e), .not(let e): return e.dependsOnlyOnProductAndPeriod
        case .binary(_, let a, let b), .and(let a, let b), .or(let a, let b), .coalesce(let a, let b):
            return a.dependsOnlyOnProductAndPeriod && b.dependsOnlyOnProductAndPeriod
        case .conditional(let a, let b, let c):
            return a.dependsOnlyOnProductAndPeriod && b.dependsOnlyOnProductAndPeriod && c.dependsOnlyOnProductAndPeriod
        case .function(_, let args): return args.allSatisfy(\.dependsOnlyOnProductAndPeriod)
        }
    }
}

/// What to take from each transaction row.
public enum RowValue: Sendable {
    /// A decimal column, read directly (the fast path).
    case column(Int)
    case expr(RowExpr)
}

public struct RowFilter: Sendable {
    public var name: String
    public var expr: RowExpr
}

public struct Accumulator: Sendable {
    public var kind: AggregateKind
    public var value: RowValue?
    public var filter: Int?
    /// `sum(tx.amount where new_product)`: how explanations name it.
    public var description: String
}

/// Transactions kept per rep (date, deal, value), for running totals:
/// first movers, `reach_date`, commissions rated per transaction.
public struct TransactionList: Sendable {
    public var value: RowValue
    public var filter: Int?
    public var description: String
}

/// Everything the transaction scan computes, decided at compile time so
/// the scan aggregates as it reads and never keeps rows it does not need.
public struct ScanPlan: Sendable {
    /// Columns of transactions.csv that are parsed (indexes used by `RowExpr.txColumn`).
    public var txColumns: [ColumnSpec]
    public var accumulators: [Accumulator]
    public var lists: [TransactionList]
    public var filters: [RowFilter]

    public func txColumnIndex(_ name: String) -> Int? { txColumns.firstIndex { $0.name == name } }
}

public struct CompiledLimiters: Sendable {
    public var gate: CExpr?
    public var floor: CExpr?
    public var cap: CExpr?
}

public struct CompiledMultiplier: Sendable {
    public var name: String
    public var labels: Labels
    public var shape: Int?
    public var inputs: [CExpr]
    public var factor: CExpr?
}

public struct CompiledFirstMovers: Sendable {
    public var count: Int
    public var award: CExpr
    public var list: Int
}

public enum CompiledRuleBody: Sendable {
    case attainmentBonus(base: CExpr, measure: CExpr, shape: Int, inputs: [CExpr], multipliers: [CompiledMultiplier], limits: CompiledLimiters)
    case productAward(
        measure: CExpr, threshold: CExpr, inclusive: Bool, award: CExpr, rateAbove: CExpr?, limits: CompiledLimiters,
        firstMovers: CompiledFirstMovers?)
    case teamRanking(
        groupBy: CExpr, members: CExpr?, score: CExpr, eligible: CExpr?, order: SortOrder, prizes: [Exact],
        breakers: [(CExpr, SortOrder)], split: CompiledSplit, exclude: CExpr?)
    case elimination(
        measure: CExpr, among: CExpr?, exempt: CExpr?, below: CExpr?, bottom: (CheckedBottomSize, Bottom.Rounding, Bool)?,
        levels: [String], none: String)
    case commission(list: Int, rateOn: RateOn, shape: Int, limits: CompiledLimiters)
    case formula(value: CExpr, limits: CompiledLimiters)
}

public enum CompiledSplit: Sendable {
    case equal
    case proRata(CExpr)
    case role(String)
}

public struct CompiledRule: Sendable {
    public var index: Int
    public var name: String
    public var labels: Labels
    public var kind: RuleKind
    public var body: CompiledRuleBody
    public var rounding: Rounding?
    /// Output → slot.
    public var slots: [RuleOutput: Int]
    /// Needs every rep's inputs at once (rankings, bottom-k, first movers).
    public var isGroupStage: Bool
    public var range: SourceRange
}

public struct CompiledTotal: Sendable {
    public var components: [(slot: Int, name: String)]
    public var cap: CExpr?
    public var floor: CExpr?
    public var rounding: Rounding?
    public var totalSlot: Int
    public var cappedSlot: Int
}

public enum TreeNode: Sendable {
    case metric(index: Int, slot: Int, expr: CExpr)
    case rule(CompiledRule)
    case total(CompiledTotal)
}

public struct SlotInfo: Sendable {
    public var name: String
    public var type: ValueType
    public var labels: Labels
}

public struct CompiledColumn: Sendable {
    public var header: String
    public var expr: CExpr
    public var type: ValueType
    public var decimals: Int?
}

/// The evaluation tree: what `payplan run` executes, in order. Printed by
/// `payplan check --tree` so a reviewer sees exactly what will run.
public struct CompiledPlan: Sendable {
    public var checked: CheckedPlan
    public var slots: [SlotInfo]
    public var symbolSlots: [Symbol: Int]
    public var nodes: [TreeNode]
    public var scan: ScanPlan
    public var shapes: [CheckedShape]
    public var output: [CompiledColumn]
    public var populationWhen: CExpr?
    public var populationRequire: [(CExpr, String, SourceRange)]
    public var rounding: Rounding

    public var plan: Plan { checked.plan }
}
