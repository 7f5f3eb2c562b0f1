import PayplanChecker
import PayplanCore
import PayplanLanguage

/// A compiled formula: an index into the plan's `ExprArena`. Plain data, so
/// passing, copying and evaluating formulas touches no reference counts —
/// which matters when both cores evaluate the same formulas at once.
public struct CExpr: Sendable, Hashable {
    public let index: Int32

    public init(index: Int32) { self.index = index }
}

/// One node of a compiled formula: names resolved to slots and column
/// indexes, children as `CExpr` indexes, constants and source ranges kept
/// in side tables of the arena. Every payload is plain data.
public enum ExprNode: Sendable {
    case constant(Int32)
    case slot(Int)
    case repColumn(Int)
    case targetColumn(Int)
    case period(PeriodField)
    case activeDays
    /// An accumulator over the rep's transactions (sum, count, min, max).
    case aggregate(Int)
    /// The first (date, deal) at which a retained list's running sum reaches a value.
    case reach(list: Int, date: Bool, threshold: CExpr)
    case negate(CExpr, range: Int32)
    case not(CExpr)
    case binary(BinaryOperator, CExpr, CExpr, range: Int32)
    case and(CExpr, CExpr)
    case or(CExpr, CExpr)
    case conditional(CExpr, CExpr, CExpr)
    /// Arguments are `args[first ..< first + count]` of the arena.
    case function(Function, first: Int32, count: Int32, range: Int32)
    case coalesce(CExpr, CExpr)
    case shape(Int, first: Int32, count: Int32)
    case previous(slot: Int, fallback: CExpr?)
    case yearToDate(slot: Int)
    case groupAggregate(GroupAggregateKind, CExpr)
    case groupMembers
    case groupScore
    case groupKey
    /// A ranking's pot, in its prizes.
    case groupPot
    /// An aggregate over reps (`plan.populations[index]`), computed for the
    /// rep's group by its own group stage into `slot`.
    case population(index: Int, slot: Int)
    /// A metric read only by later nodes of its own per-rep stage, for the
    /// same rep: kept in a per-thread scratch row (`index`), never in the
    /// period's table (a chain of 2,000 metrics over many reps would
    /// otherwise hold 2,000 values per rep).
    case local(slot: Int, index: Int)
}

/// The nodes of every compiled formula of a plan, built once by the
/// compiler and only read by the evaluator.
public final class ExprArena: @unchecked Sendable {
    public private(set) var nodes: [ExprNode] = []
    public private(set) var constants: [Value] = []
    public private(set) var args: [CExpr] = []
    public private(set) var ranges: [SourceRange] = []

    public init() {}

    init(nodes: [ExprNode], constants: [Value], args: [CExpr], ranges: [SourceRange]) {
        self.nodes = nodes
        self.constants = constants
        self.args = args
        self.ranges = ranges
    }

    public func add(_ node: ExprNode) -> CExpr {
        nodes.append(node)
        return CExpr(index: Int32(nodes.count - 1))
    }

    public func constant(_ v: Value) -> CExpr {
        constants.append(v)
        return add(.constant(Int32(constants.count - 1)))
    }

    public func range(_ r: SourceRange) -> Int32 {
        ranges.append(r)
        return Int32(ranges.count - 1)
    }

    /// Stores arguments contiguously; returns where they start.
    public func arguments(_ list: [CExpr]) -> (first: Int32, count: Int32) {
        let first = Int32(args.count)
        args += list
        return (first, Int32(list.count))
    }

    @inline(__always)
    public subscript(_ e: CExpr) -> ExprNode { nodes[Int(e.index)] }

    public func arguments(_ first: Int32, _ count: Int32) -> [CExpr] { Array(args[Int(first)..<Int(first + count)]) }

    public func constantValue(_ e: CExpr) -> Value? {
        if case .constant(let k) = self[e] { return constants[Int(k)] }
        return nil
    }

    /// A copy whose aggregates and lists are renumbered (for a shared scan).
    func remapped(accumulators: [Int], lists: [Int]) -> ExprArena {
        let mapped = nodes.map { node -> ExprNode in
            switch node {
            case .aggregate(let i): return .aggregate(accumulators[i])
            case .reach(let l, let d, let t): return .reach(list: lists[l], date: d, threshold: t)
            default: return node
            }
        }
        return ExprArena(nodes: mapped, constants: constants, args: args, ranges: ranges)
    }

    /// Reads of the given slots become reads of their scratch index.
    func localize(_ index: [Int]) {
        for i in nodes.indices {
            if case .slot(let s) = nodes[i], index[s] >= 0 { nodes[i] = .local(slot: s, index: index[s]) }
        }
    }

    /// Where a node came from, for error messages (read only after a failure).
    public func sourceRange(_ e: CExpr) -> SourceRange? {
        switch self[e] {
        case .negate(_, let r), .binary(_, _, _, let r), .function(_, _, _, let r): return r >= 0 ? ranges[Int(r)] : nil
        default: return nil
        }
    }

    /// Slots the formula reads in the same period, and slots it reads in an earlier one.
    public func slotsRead(_ e: CExpr, sameTime: inout Set<Int>, earlier: inout Set<Int>) {
        switch self[e] {
        case .slot(let s), .local(let s, _), .population(_, let s): sameTime.insert(s)
        case .previous(let s, let f):
            earlier.insert(s)
            if let f { slotsRead(f, sameTime: &sameTime, earlier: &earlier) }
        case .yearToDate(let s):
            sameTime.insert(s)
            earlier.insert(s)
        case .reach(_, _, let t): slotsRead(t, sameTime: &sameTime, earlier: &earlier)
        case .negate(let x, _), .not(let x), .groupAggregate(_, let x): slotsRead(x, sameTime: &sameTime, earlier: &earlier)
        case .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b), .coalesce(let a, let b):
            slotsRead(a, sameTime: &sameTime, earlier: &earlier)
            slotsRead(b, sameTime: &sameTime, earlier: &earlier)
        case .conditional(let a, let b, let c):
            slotsRead(a, sameTime: &sameTime, earlier: &earlier)
            slotsRead(b, sameTime: &sameTime, earlier: &earlier)
            slotsRead(c, sameTime: &sameTime, earlier: &earlier)
        case .function(_, let first, let count, _), .shape(_, let first, let count):
            for a in arguments(first, count) { slotsRead(a, sameTime: &sameTime, earlier: &earlier) }
        default: break
        }
    }

    /// Whether a `reach_date`/`reach_deal` inside reads a transaction list.
    public func readsList(_ e: CExpr) -> Bool {
        switch self[e] {
        case .reach: return true
        case .negate(let x, _), .not(let x), .groupAggregate(_, let x): return readsList(x)
        case .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b), .coalesce(let a, let b): return readsList(a) || readsList(b)
        case .conditional(let a, let b, let c): return readsList(a) || readsList(b) || readsList(c)
        case .function(_, let first, let count, _), .shape(_, let first, let count): return arguments(first, count).contains { readsList($0) }
        case .previous(_, let f): return f.map { readsList($0) } ?? false
        default: return false
        }
    }
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

    public init(gate: CExpr?, floor: CExpr?, cap: CExpr?) {
        self.gate = gate
        self.floor = floor
        self.cap = cap
    }

    public var all: [CExpr] { [gate, floor, cap].compactMap { $0 } }

    /// `gate …`, `floor …`, `cap …` for `check --tree`.
    public func treeLines(_ render: (CExpr) -> String) -> [String] {
        [gate.map { "gate " + render($0) }, floor.map { "floor " + render($0) }, cap.map { "cap " + render($0) }].compactMap { $0 }
    }
}

/// A rule kind, as the compiler sees it: how a checked body becomes an
/// evaluation-tree node.
public protocol RuleKindCompiling: RuleKindChecking {
    /// nil only for a body this kind did not check (an internal error).
    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)?
}

/// A rule's compiled body: formulas as arena indexes, lists as scan-plan
/// indexes. Each kind's own struct, which also knows how to run (the
/// evaluator's `RunnableRule`).
public protocol CompiledRuleBody: Sendable {
    /// Every per-rep or per-group formula the rule evaluates.
    var expressions: [CExpr] { get }
    /// Needs every rep's values at once (rankings, bottom-k, first movers).
    var isGroupStage: Bool { get }
    /// Reads its own results of earlier periods (escalation levels).
    var readsOwnHistory: Bool { get }
    /// The transaction lists it reads (running totals, per-transaction rating).
    var lists: [Int] { get }
    /// The same body reading renumbered lists (one scan shared by two plans).
    func remapped(lists: [Int]) -> any CompiledRuleBody
    /// What `check --tree` prints under the rule.
    func treeLines(_ render: (CExpr) -> String, _ plan: CompiledPlan) -> [String]
}

extension CompiledRuleBody {
    public var readsOwnHistory: Bool { false }
    public var lists: [Int] { [] }
    public func remapped(lists: [Int]) -> any CompiledRuleBody { self }
}

public struct CompiledRule: Sendable {
    public var index: Int
    public var name: String
    public var labels: Labels
    /// The kind's name (as `kind:` names it).
    public var kindName: String
    public var body: any CompiledRuleBody
    public var rounding: Rounding?
    /// The kind's results, main first, and the slot of each.
    public var outputs: [RuleOutput]
    public var slots: RuleSlots
    /// Needs every rep's inputs at once (rankings, bottom-k, first movers).
    public var isGroupStage: Bool
    public var range: SourceRange

    /// The slot of the result named `name` ("" for the main result).
    public func slot(_ name: String) -> Int? {
        outputs.firstIndex { $0.name == name }.flatMap { slots[$0] }
    }

    /// The slots of the results with `role`, with their names.
    public func slots(_ role: RuleOutput.Role) -> [(name: String, slot: Int)] {
        outputs.indices.compactMap { i in
            guard outputs[i].role == role, let s = slots[i] else { return nil }
            return (outputs[i].name, s)
        }
    }

    /// Its main result is a flag, not money.
    public var isFlag: Bool { outputs.first?.role == .flag }
}

/// A rule's output → slot table, an array indexed by the output's position
/// in its kind's `outputs` (a dictionary lookup per output per rep showed
/// in profiles).
public struct RuleSlots: Sendable {
    private var table: [Int]

    public init(_ slots: [Int?]) {
        table = slots.map { $0 ?? -1 }
    }

    public subscript(_ output: Int) -> Int? {
        guard output < table.count else { return nil }
        let slot = table[output]
        return slot < 0 ? nil : slot
    }

    /// The main result's slot.
    public var main: Int { table[0] }

    /// The slots, in output order.
    public var values: [Int] { table.filter { $0 >= 0 } }
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
    /// An aggregate over reps: a group stage of its own.
    case population(CompiledPopulation)

    public var slotsWritten: [Int] {
        switch self {
        case .metric(_, let slot, _): [slot]
        case .rule(let r): r.slots.values
        case .total(let t): [t.totalSlot, t.cappedSlot]
        case .population(let p): [p.slot]
        }
    }

    /// Runs once per rep (not a group stage).
    public var isPerRep: Bool {
        switch self {
        case .rule(let r): !r.isGroupStage
        case .population: false
        case .metric, .total: true
        }
    }
}

/// An aggregate over reps (`sum(revenue over rep.team)`), compiled: each
/// rep's value, group and membership, and the slot where every rep finds
/// its group's result. Computed once per group and period.
public struct CompiledPopulation: Sendable {
    /// Its position in `CompiledPlan.populations`.
    public var index: Int
    public var kind: PopulationAggregate.Kind
    public var value: CExpr?
    /// nil: the whole population.
    public var group: CExpr?
    public var filter: CExpr?
    public var slot: Int
    /// `sum(revenue over rep.team)`, as the plan writes it.
    public var description: String
    public var range: SourceRange

    public var expressions: [CExpr] { [value, group, filter].compactMap { $0 } }
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
///
/// A class: every stage and every explanation reads the one plan, and as a
/// struct of many arrays each copy retained all of them (copies were 6 % of
/// a traced run's time). Built by the compiler, never changed after.
public final class CompiledPlan: @unchecked Sendable {
    public var checked: CheckedPlan
    /// The nodes of every formula of the plan.
    public var arena: ExprArena
    public var slots: [SlotInfo]
    public var symbolSlots: [Symbol: Int]
    public var nodes: [TreeNode]
    public var scan: ScanPlan
    public var shapes: [CheckedShape]
    public var output: [CompiledColumn]
    public var populationWhen: CExpr?
    public var populationRequire: [(CExpr, String, SourceRange)]
    public var rounding: Rounding
    /// Per node: whether an earlier period must evaluate it, because a later
    /// period reads it (`previous`, `ytd`, escalation levels) or it feeds
    /// such a node. The others run only in the period being paid.
    public var neededInHistory: [Bool] = []
    /// Per slot: its index in the per-thread scratch row when it is local to
    /// its per-rep stage (`ExprNode.local`), else -1.
    public var localIndex: [Int] = []
    public var localCount: Int = 0
    /// The aggregates over reps, each computed by its own node.
    public var populations: [CompiledPopulation] = []

    init(
        checked: CheckedPlan, arena: ExprArena, slots: [SlotInfo], symbolSlots: [Symbol: Int], nodes: [TreeNode], scan: ScanPlan,
        shapes: [CheckedShape], output: [CompiledColumn], populationWhen: CExpr?, populationRequire: [(CExpr, String, SourceRange)],
        rounding: Rounding
    ) {
        self.checked = checked
        self.arena = arena
        self.slots = slots
        self.symbolSlots = symbolSlots
        self.nodes = nodes
        self.scan = scan
        self.shapes = shapes
        self.output = output
        self.populationWhen = populationWhen
        self.populationRequire = populationRequire
        self.rounding = rounding
    }

    /// A copy, to be changed (a plan reading another scan plan).
    func copy() -> CompiledPlan {
        let c = CompiledPlan(
            checked: checked, arena: arena, slots: slots, symbolSlots: symbolSlots, nodes: nodes, scan: scan, shapes: shapes, output: output,
            populationWhen: populationWhen, populationRequire: populationRequire, rounding: rounding)
        c.neededInHistory = neededInHistory
        c.localIndex = localIndex
        c.localCount = localCount
        return c
    }

    public var plan: Plan { checked.plan }

    /// The slots a period's table holds: every slot but the local ones; in
    /// an earlier (history) period only those of the nodes it evaluates.
    public func storedSlots(history: Bool) -> [Bool] {
        var stored = [Bool](repeating: !history, count: slots.count)
        for (i, node) in nodes.enumerated() where history && i < neededInHistory.count && neededInHistory[i] {
            for s in node.slotsWritten { stored[s] = true }
        }
        for (s, local) in localIndex.enumerated() where local >= 0 { stored[s] = false }
        return stored
    }
}
