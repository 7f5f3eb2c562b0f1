import Dispatch
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

/// A failure while evaluating, with the formula's location when known.
public struct EvalError: Error, Sendable {
    public var failure: EvalFailure
    public var range: SourceRange?

    public init(_ failure: EvalFailure, _ range: SourceRange?) {
        self.failure = failure
        self.range = range
    }
}

/// A period's values, slot × repCount + rep: 100,000 reps × 29 slots is
/// 140 MB, so the buffer is raw memory, first touched in parallel and never
/// copied. Written in place through `withUnsafeMutableBufferPointer`.
public final class SlotValues: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Value>

    /// nil when the memory cannot be had.
    init?(count: Int) {
        // Ordinary pages: huge ones were slower here (the second period's
        // 140 MB waited for the kernel to assemble them).
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Value>.stride)
        guard !overflow, let raw = HugePages.allocate(bytes: bytes, zeroed: false, huge: false) else { return nil }
        let start = raw.bindMemory(to: Value.self, capacity: max(count, 1))
        // First touch of every page: in parallel, the page faults overlap.
        let chunks = max(1, min(Parallel.processorCount, count / 65536))
        nonisolated(unsafe) let base = start
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let lo = count * k / chunks
            let hi = count * (k + 1) / chunks
            (base + lo).initialize(repeating: .missing, count: hi - lo)
        }
        buffer = UnsafeMutableBufferPointer(start: start, count: count)
    }

    deinit {
        if let start = buffer.baseAddress {
            start.deinitialize(count: buffer.count)
            HugePages.deallocate(UnsafeMutableRawPointer(start))
        }
    }

    public var count: Int { buffer.count }

    public subscript(_ i: Int) -> Value { buffer[i] }

    public func withUnsafeMutableBufferPointer<R, E: Error>(_ body: (inout UnsafeMutableBufferPointer<Value>) throws(E) -> R) throws(E) -> R {
        var b = buffer
        return try body(&b)
    }
}

/// The results of one period: every slot for every rep.
public final class PeriodState: @unchecked Sendable {
    public let period: Period
    public let dataIndex: Int
    public let repCount: Int
    /// slot × repCount + rep
    public let values: SlotValues
    public var inPopulation: [Bool]
    /// Population reps in rep_id order (code points).
    public var population: [Int]
    /// Reps left out of this period and why (history periods only).
    public var notEvaluated: [Int: String] = [:]
    /// Explanations of group stages, for the reps being traced: rule index → rep → steps.
    public var groupSteps: [Int: [Int: [Step]]] = [:]
    /// Group rules' period-wide results (a ranking's groups), by rule index.
    public var boards: [Int: GroupBoard] = [:]

    /// nil when the period's values do not fit in memory.
    init?(period: Period, dataIndex: Int, repCount: Int, slotCount: Int) {
        guard let values = SlotValues(count: repCount * slotCount) else { return nil }
        self.period = period
        self.dataIndex = dataIndex
        self.repCount = repCount
        self.values = values
        inPopulation = [Bool](repeating: false, count: repCount)
        population = []
    }

    public func value(_ slot: Int, _ rep: Int) -> Value { values[slot * repCount + rep] }
}

/// What formulas of one rep (or one group) read. Shared by the threads of a
/// stage, each writing only its own reps' cells of `values`.
struct Context: @unchecked Sendable {
    let plan: CompiledPlan
    let data: DataSet
    let periodData: PeriodData
    let state: PeriodState
    let previous: PeriodState?
    /// Earlier periods of the same calendar year, for `ytd`.
    let yearStates: [PeriodState]
    let values: UnsafeMutableBufferPointer<Value>
    var group: GroupScope?
    /// This period's target row of each rep (-1: none), looked up once.
    let targetRows: [Int32]
    /// The formulas' nodes, constants and argument lists (plain arrays:
    /// reading them borrows, nothing is retained per evaluation).
    let nodes: [ExprNode]
    let constants: [Value]
    let args: [CExpr]
    /// Each arena node's formula text, when explanations are on: the same
    /// text is quoted in every rep's trace, so it is rendered once.
    var sources: [String] = []

    init(
        plan: CompiledPlan, data: DataSet, periodData: PeriodData, state: PeriodState, previous: PeriodState?, yearStates: [PeriodState],
        values: UnsafeMutableBufferPointer<Value>, group: GroupScope?
    ) {
        self.plan = plan
        self.data = data
        self.periodData = periodData
        self.state = state
        self.previous = previous
        self.yearStates = yearStates
        self.values = values
        self.group = group
        targetRows = data.targetRows[state.period.ordinal] ?? []
        nodes = plan.arena.nodes
        constants = plan.arena.constants
        args = plan.arena.args
    }

    @inline(__always)
    func node(_ e: CExpr) -> ExprNode { nodes[Int(e.index)] }

    @inline(__always)
    func arg(_ first: Int32, _ k: Int) -> CExpr { args[Int(first) + k] }

    var repCount: Int { state.repCount }
    var period: Period { state.period }

    @inline(__always)
    func slot(_ s: Int, _ rep: Int) -> Value { values[s * repCount + rep] }
}

struct GroupScope {
    var members: [Int]
    var score: Value?
    var key: String
}

/// Evaluates compiled formulas. `eval` is the fast path; `explain` walks the
/// same tree, calls the same `Semantics` and shape code, and also returns
/// the formula with its values filled in and the steps it took.
public enum ExpressionEvaluator {
    public static func number(_ v: Value, _ range: SourceRange?) throws(EvalError) -> Exact {
        switch v {
        case .number(let x): return x
        case .missing: throw EvalError(.missingValue, range)
        default: throw EvalError(.typeMismatch("expected a number"), range)
        }
    }

    public static func truth(_ v: Value, _ range: SourceRange?) throws(EvalError) -> Bool {
        switch v {
        case .bool(let b): return b
        case .missing: throw EvalError(.missingValue, range)
        default: throw EvalError(.typeMismatch("expected a condition"), range)
        }
    }

    static func eval(_ e: CExpr, _ rep: Int, _ c: Context) throws(EvalError) -> Value {
        switch c.node(e) {
        case .constant(let k): return c.constants[Int(k)]
        case .slot(let s): return c.slot(s, rep)
        case .repColumn(let k): return c.data.reps.value(k, rep)
        case .targetColumn(let k):
            guard rep < c.targetRows.count, c.targetRows[rep] >= 0 else { return .missing }
            return c.data.targets.value(k, Int(c.targetRows[rep]))
        case .period(let f): return periodField(f, c.period)
        case .activeDays: return .number(Exact(c.data.activeDays(rep, c.period)))
        case .aggregate(let a): return c.periodData.accumulators[a].value(rep)
        case .reach(let list, let date, let threshold):
            let t = try number(try eval(threshold, rep, c), nil)
            return reach(c.periodData.lists[list].entries(of: rep), t, date: date).value
        case .negate(let x, _):
            let v = try eval(x, rep, c)
            do throws(EvalFailure) { return try Semantics.negate(v) } catch { throw EvalError(error, c.plan.arena.sourceRange(e)) }
        case .not(let x):
            return .bool(!(try truth(try eval(x, rep, c), nil)))
        case .binary(let op, let a, let b, _):
            let x = try eval(a, rep, c)
            let y = try eval(b, rep, c)
            do throws(EvalFailure) { return try Semantics.binary(op, x, y) } catch { throw EvalError(error, c.plan.arena.sourceRange(e)) }
        case .and(let a, let b):
            return .bool(try truth(try eval(a, rep, c), nil) ? try truth(try eval(b, rep, c), nil) : false)
        case .or(let a, let b):
            return .bool(try truth(try eval(a, rep, c), nil) ? true : try truth(try eval(b, rep, c), nil))
        case .conditional(let a, let b, let d):
            return try eval(try truth(try eval(a, rep, c), nil) ? b : d, rep, c)
        case .coalesce(let a, let b):
            let v = try eval(a, rep, c)
            return v.isMissing ? try eval(b, rep, c) : v
        case .function(let f, let first, let count, _):
            if (f == .min || f == .max) && count == 2 {
                // The common two-value case without an argument array.
                let x = try eval(c.arg(first, 0), rep, c)
                let y = try eval(c.arg(first, 1), rep, c)
                do throws(EvalFailure) {
                    let cmp = try Semantics.compare(y, x)
                    return (f == .min ? cmp < 0 : cmp > 0) ? y : x
                } catch {
                    throw EvalError(error, c.plan.arena.sourceRange(e))
                }
            }
            var values: [Value] = []
            values.reserveCapacity(Int(count))
            for k in 0..<Int(count) { values.append(try eval(c.arg(first, k), rep, c)) }
            do throws(EvalFailure) { return try Semantics.function(f, values, rounding: c.plan.rounding) } catch {
                throw EvalError(error, c.plan.arena.sourceRange(e))
            }
        case .shape(let i, let first, let count):
            var inputs: [Exact] = []
            for k in 0..<Int(count) { inputs.append(try number(try eval(c.arg(first, k), rep, c), nil)) }
            do throws(EvalFailure) { return .number(try ShapeEvaluator.evaluate(c.plan.shapes[i], inputs, detail: false).0) } catch {
                throw EvalError(error, c.plan.shapes[i].range)
            }
        case .previous(let s, let fallback):
            if let p = c.previous, p.inPopulation[rep] {
                let v = p.value(s, rep)
                if !v.isMissing { return v }
            }
            return try fallback.map { f throws(EvalError) in try eval(f, rep, c) } ?? .missing
        case .yearToDate(let s):
            var sum = try number(c.slot(s, rep), nil)
            for st in c.yearStates where st.inPopulation[rep] {
                if case .number(let v) = st.value(s, rep) {
                    do { sum = try sum + v } catch { throw EvalError(.overflow, nil) }
                }
            }
            return .number(sum)
        case .groupAggregate(let kind, let x):
            return try groupAggregate(kind, x, c)
        case .groupMembers:
            return .number(Exact(c.group?.members.count ?? 0))
        case .groupScore:
            return c.group?.score ?? .missing
        case .groupKey:
            return .text(c.group?.key ?? "")
        }
    }

    static func periodField(_ f: PeriodField, _ p: Period) -> Value {
        switch f {
        case .start: .date(p.start)
        case .end: .date(p.end)
        case .days: .number(Exact(p.days))
        }
    }

    static func groupAggregate(_ kind: GroupAggregateKind, _ x: CExpr, _ c: Context) throws(EvalError) -> Value {
        guard let members = c.group?.members, !members.isEmpty else {
            return kind == .sum ? .number(.zero) : .missing
        }
        var acc: Exact?
        for m in members {
            let v = try number(try eval(x, m, c), nil)
            do {
                switch kind {
                case .sum, .avg: acc = try (acc ?? .zero) + v
                case .min: acc = acc.map { Swift.min($0, v) } ?? v
                case .max: acc = acc.map { Swift.max($0, v) } ?? v
                }
            } catch {
                throw EvalError(.overflow, nil)
            }
        }
        if kind == .avg, let a = acc {
            do { acc = try a / Exact(members.count) } catch { throw EvalError(.overflow, nil) }
        }
        return acc.map { .number($0) } ?? .missing
    }

    /// The first retained transaction at which the running sum reaches `threshold`.
    public static func reach(_ entries: [TxEntry], _ threshold: Exact, date: Bool, inclusive: Bool = true) -> (
        value: Value, entry: TxEntry?, running: Exact?
    ) {
        var running = Exact.zero
        for e in entries {
            guard let next = try? running + e.value else { return (.missing, nil, nil) }
            running = next
            if inclusive ? running >= threshold : running > threshold {
                return (date ? .date(e.date) : .text(e.deal), e, running)
            }
        }
        return (.missing, nil, nil)
    }

    // MARK: - Explaining

    static func precedence(_ e: CExpr, _ c: Context) -> Int {
        switch c.node(e) {
        case .or: 1
        case .and: 2
        case .not: 3
        case .binary(let op, _, _, _):
            switch op {
            case .add, .subtract: 5
            case .multiply, .divide: 6
            default: 4
            }
        case .conditional: 0
        default: 9
        }
    }

    static func wrap(_ segments: [Segment], _ child: CExpr, _ parent: Int, _ c: Context, right: Bool = false) -> [Segment] {
        let p = precedence(child, c)
        if p < parent || (right && p == parent && parent >= 5) { return [.text("(")] + segments + [.text(")")] }
        return segments
    }

    /// `explain` without the steps, for messages.
    static func explainValue(_ e: CExpr, _ rep: Int, _ c: Context) throws(EvalError) -> (Value, [Segment]) {
        var steps: [Step] = []
        return try explain(e, rep, c, &steps)
    }

    /// Evaluates and explains: the value, the formula with values filled in,
    /// and steps for aggregates, branches and shapes met on the way.
    static func explain(_ e: CExpr, _ rep: Int, _ c: Context, _ steps: inout [Step]) throws(EvalError) -> (Value, [Segment]) {
        switch c.node(e) {
        case .constant(let k):
            let v = c.constants[Int(k)]
            return (v, [.value(v)])
        case .slot, .repColumn, .targetColumn, .period, .activeDays, .groupMembers, .groupScore, .groupKey:
            let v = try eval(e, rep, c)
            return (v, [.value(v)])
        case .aggregate(let a):
            let v = try eval(e, rep, c)
            steps.append(
                .aggregate(
                    description: c.plan.scan.accumulators[a].description, count: c.periodData.accumulators[a].count(rep), result: v))
            return (v, [.value(v)])
        case .reach(let list, let date, let threshold):
            let (t, _) = try explain(threshold, rep, c, &steps)
            let r = reach(c.periodData.lists[list].entries(of: rep), try number(t, nil), date: date)
            steps.append(
                .note(
                    r.entry.map { "the running total of \(c.plan.scan.lists[list].description) reached \(t) on \($0.date) with deal \($0.deal)" }
                        ?? "the running total of \(c.plan.scan.lists[list].description) never reached \(t)"))
            return (r.value, [.value(r.value)])
        case .negate(let x, _):
            let (_, s) = try explain(x, rep, c, &steps)
            let v = try eval(e, rep, c)
            return (v, [.text("−")] + wrap(s, x, 7, c))
        case .not(let x):
            let (_, s) = try explain(x, rep, c, &steps)
            let v = try eval(e, rep, c)
            return (v, [.text("not ")] + wrap(s, x, 3, c))
        case .binary(let op, let a, let b, _):
            let (x, sa) = try explain(a, rep, c, &steps)
            let (y, sb) = try explain(b, rep, c, &steps)
            let v: Value
            do throws(EvalFailure) { v = try Semantics.binary(op, x, y) } catch { throw EvalError(error, c.plan.arena.sourceRange(e)) }
            let p = precedence(e, c)
            return (v, wrap(sa, a, p, c) + [.text(" \(op.display) ")] + wrap(sb, b, p, c, right: true))
        case .and(let a, let b), .or(let a, let b):
            let isAnd = { if case .and = c.node(e) { return true } else { return false } }()
            let (x, sa) = try explain(a, rep, c, &steps)
            let first = try truth(x, nil)
            if first != isAnd { return (.bool(first), sa) }
            let (y, sb) = try explain(b, rep, c, &steps)
            let p = precedence(e, c)
            return (.bool(try truth(y, nil)), wrap(sa, a, p, c) + [.text(isAnd ? " and " : " or ")] + wrap(sb, b, p, c))
        case .conditional(let a, let b, let d):
            let (x, _) = try explain(a, rep, c, &steps)
            let taken = try truth(x, nil)
            steps.append(.branch(condition: render(a, c), taken: taken))
            return try explain(taken ? b : d, rep, c, &steps)
        case .coalesce(let a, let b):
            let (x, sa) = try explain(a, rep, c, &steps)
            if !x.isMissing { return (x, sa) }
            return try explain(b, rep, c, &steps)
        case .function(let f, let first, let count, _):
            var values: [Value] = []
            var segments: [Segment] = [.text("\(f.rawValue)(")]
            for k in 0..<Int(count) {
                let (v, s) = try explain(c.arg(first, k), rep, c, &steps)
                values.append(v)
                if k > 0 { segments.append(.text(", ")) }
                segments += s
            }
            segments.append(.text(")"))
            do throws(EvalFailure) { return (try Semantics.function(f, values, rounding: c.plan.rounding), segments) } catch {
                throw EvalError(error, c.plan.arena.sourceRange(e))
            }
        case .shape(let i, let first, let count):
            var inputs: [Exact] = []
            var segments: [Segment] = [.text("\(c.plan.shapes[i].name)(")]
            for k in 0..<Int(count) {
                let (v, s) = try explain(c.arg(first, k), rep, c, &steps)
                inputs.append(try number(v, nil))
                if k > 0 { segments.append(.text(", ")) }
                segments += s
            }
            segments.append(.text(")"))
            do throws(EvalFailure) {
                let (v, detail) = try ShapeEvaluator.evaluate(c.plan.shapes[i], inputs)
                steps.append(
                    .shape(index: i, name: c.plan.shapes[i].name, labels: c.plan.shapes[i].labels, inputs: inputs, detail: detail, result: v))
                return (.number(v), segments)
            } catch {
                throw EvalError(error, c.plan.shapes[i].range)
            }
        case .previous(let s, _):
            let v = try eval(e, rep, c)
            steps.append(.previous(name: c.plan.slots[s].name, period: c.period.previous.description, value: v))
            return (v, [.value(v)])
        case .yearToDate(let s):
            let v = try eval(e, rep, c)
            steps.append(.note("\(c.plan.slots[s].name) for the year to date (\(c.period.firstOfYear) to \(c.period)) is \(v)"))
            return (v, [.value(v)])
        case .groupAggregate(let kind, let x):
            let v = try eval(e, rep, c)
            return (v, [.text("\(kind.rawValue)("), .text(render(x, c)), .text(") = "), .value(v)])
        }
    }

    /// The formula as text, with names (not values).
    /// Every arena node's formula text, indexed like the arena.
    static func renderAll(_ c: Context) -> [String] {
        (0..<c.nodes.count).map { render(CExpr(index: Int32($0)), c) }
    }

    static func render(_ e: CExpr, _ c: Context) -> String {
        if !c.sources.isEmpty { return c.sources[Int(e.index)] }
        let plan = c.plan
        func r(_ x: CExpr) -> String { render(x, c) }
        func list(_ first: Int32, _ count: Int32) -> String { (0..<Int(count)).map { r(c.arg(first, $0)) }.joined(separator: ", ") }
        switch c.node(e) {
        case .constant(let k):
            let v = c.constants[Int(k)]
            if case .text(let s) = v { return "\"\(s)\"" }
            return v.description
        case .slot(let s): return plan.slots[s].name
        case .repColumn(let k): return "rep." + plan.plan.data.reps.columns[k].name
        case .targetColumn(let k): return "target." + plan.plan.data.targets.columns[k].name
        case .period(let f): return "period.\(f.rawValue)"
        case .activeDays: return "active_days"
        case .aggregate(let a): return plan.scan.accumulators[a].description
        case .reach(let l, let date, let t): return "\(date ? "reach_date" : "reach_deal")(\(plan.scan.lists[l].description), \(r(t)))"
        case .negate(let x, _): return "-" + r(x)
        case .not(let x): return "not " + r(x)
        case .binary(let op, let a, let b, _):
            let p = precedence(e, c)
            let left = precedence(a, c) < p ? "(\(r(a)))" : r(a)
            let right = precedence(b, c) < p || (precedence(b, c) == p && p >= 5) ? "(\(r(b)))" : r(b)
            return "\(left) \(op.display) \(right)"
        case .and(let a, let b): return "\(r(a)) and \(r(b))"
        case .or(let a, let b): return "\(r(a)) or \(r(b))"
        case .conditional(let a, let b, let d): return "if \(r(a)) then \(r(b)) else \(r(d))"
        case .coalesce(let a, let b): return "coalesce(\(r(a)), \(r(b)))"
        case .function(let f, let first, let count, _): return "\(f.rawValue)(\(list(first, count)))"
        case .shape(let i, let first, let count): return "\(plan.shapes[i].name)(\(list(first, count)))"
        case .previous(let s, let f): return "previous(\(plan.slots[s].name)\(f.map { ", " + r($0) } ?? ""))"
        case .yearToDate(let s): return "ytd(\(plan.slots[s].name))"
        case .groupAggregate(let k, let x): return "\(k.rawValue)(\(r(x)))"
        case .groupMembers: return "members"
        case .groupScore: return "score"
        case .groupKey: return "group"
        }
    }
}
