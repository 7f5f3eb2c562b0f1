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
    private let rowLength: Int
    /// Per slot: whether its row is held (initialised). Rows not held are
    /// never touched, so their pages are never given memory.
    let stored: [Bool]

    /// nil when the memory cannot be had.
    init?(repCount: Int, stored: [Bool]) {
        let count = repCount * stored.count
        // Ordinary pages: huge ones were slower here (the second period's
        // 140 MB waited for the kernel to assemble them).
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Value>.stride)
        guard !overflow, let raw = HugePages.allocate(bytes: bytes, zeroed: false, huge: false) else { return nil }
        let start = raw.bindMemory(to: Value.self, capacity: max(count, 1))
        rowLength = repCount
        self.stored = stored
        // First touch of every held row: in parallel, the page faults overlap.
        let rows = stored.indices.filter { stored[$0] }
        let chunks = max(1, min(Parallel.processorCount, rows.count * repCount / 65536))
        nonisolated(unsafe) let base = start
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            for r in rows[(rows.count * k / chunks)..<(rows.count * (k + 1) / chunks)] {
                (base + r * repCount).initialize(repeating: .missing, count: repCount)
            }
        }
        buffer = UnsafeMutableBufferPointer(start: start, count: count)
    }

    deinit {
        if let start = buffer.baseAddress {
            for (r, held) in stored.enumerated() where held { (start + r * rowLength).deinitialize(count: rowLength) }
            HugePages.deallocate(UnsafeMutableRawPointer(start))
        }
    }

    public var count: Int { buffer.count }

    public func withUnsafeMutableBufferPointer<R, E: Error>(_ body: (inout UnsafeMutableBufferPointer<Value>) throws(E) -> R) throws(E) -> R {
        var b = buffer
        return try body(&b)
    }

    /// Slot `slot` of `rep`; missing for a slot the period does not hold.
    func value(_ slot: Int, _ rep: Int) -> Value { stored[slot] ? buffer[slot * rowLength + rep] : .missing }
}

/// The results of one period: every held slot for every rep.
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
    /// The explanations of the traced reps (the run period only).
    var traces: TraceStore?
    /// Group rules' period-wide results (a ranking's groups), by rule index.
    public var boards: [Int: GroupBoard] = [:]
    /// For the explained reps: the group and member count behind each
    /// aggregate over reps they read, by the aggregate's index, then rep.
    var populationFacts: [Int: [Int: PopulationStep]] = [:]

    /// nil when the period's values do not fit in memory.
    init?(period: Period, dataIndex: Int, repCount: Int, stored: [Bool]) {
        guard let values = SlotValues(repCount: repCount, stored: stored) else { return nil }
        self.period = period
        self.dataIndex = dataIndex
        self.repCount = repCount
        self.values = values
        inPopulation = [Bool](repeating: false, count: repCount)
        population = []
    }

    /// A result of `rep` (missing for a slot local to its stage, or not
    /// computed in an earlier period).
    public func value(_ slot: Int, _ rep: Int) -> Value { values.value(slot, rep) }
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
    /// Traces are encoded as JSON Lines (see `explainFormula`).
    var factsOnly = false
    /// The evaluating thread's row of local slots (`ExprNode.local`).
    var scratch: UnsafeMutablePointer<Value>?
    /// Each rule's runnable body, by rule index, cast once per period (a
    /// cast per rep and rule showed in profiles).
    let runnables: [(any RunnableRule)?]

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
        var runnables = [(any RunnableRule)?](repeating: nil, count: plan.plan.rules.count)
        for case .rule(let r) in plan.nodes where r.index < runnables.count { runnables[r.index] = r.body as? any RunnableRule }
        self.runnables = runnables
    }

    func runnable(_ r: CompiledRule) -> (any RunnableRule)? { r.index < runnables.count ? runnables[r.index] : nil }

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
    /// A ranking's pot, where its prizes read it.
    var pot: Value? = nil
}

/// The one interpreter of compiled formulas. Explanations are an observer
/// of it (`EvalObserver`, after cel-go's `TrackState`): the fast path runs
/// with `NoTrace`, whose calls compile away; `StepRecorder` records each
/// node's value and the facts an explanation shows (aggregates, branches,
/// shapes, values of earlier periods), and `ExprPrinter` fills the formula
/// with the recorded values. Computing and explaining are one walk, so they
/// cannot disagree.
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

    /// The fast path.
    static func eval(_ e: CExpr, _ rep: Int, _ c: Context) throws(EvalError) -> Value {
        var none = NoTrace()
        return try eval(e, rep, c, &none)
    }

    /// Evaluates with a recorder: the value, the formula with its values
    /// filled in, and the steps met on the way.
    static func explain(_ e: CExpr, _ rep: Int, _ c: Context, _ steps: inout [Step]) throws(EvalError) -> (Value, [Segment]) {
        var recorder = StepRecorder()
        let v = try eval(e, rep, c, &recorder)
        steps += recorder.steps
        return (v, ExprPrinter(c.plan).segments(e, values: recorder.values))
    }

    /// `explain` for a traced formula: its value, its filled-in pieces, and
    /// whether they show more than the value (then the formula is a step).
    /// With `c.factsOnly` (JSON Lines, which quote the formula but not its
    /// filled-in values) the pieces are not built.
    static func explainFormula(_ e: CExpr, _ rep: Int, _ c: Context, _ steps: inout [Step]) throws(EvalError) -> (Value, [Segment], Bool) {
        guard c.factsOnly else {
            let (v, segments) = try explain(e, rep, c, &steps)
            return (v, segments, segments.count > 1)
        }
        var recorder = StepRecorder()
        let v = try eval(e, rep, c, &recorder)
        steps += recorder.steps
        return (v, [], showsFormula(e, recorder.values, c))
    }

    /// Whether `ExprPrinter.segments` of `e` with `values` has more than one
    /// piece: the branch taken (or the side a short circuit stopped at) is
    /// followed; a leaf is one piece, any operation more.
    static func showsFormula(_ e: CExpr, _ values: [Int32: Value], _ c: Context) -> Bool {
        var e = e
        while true {
            switch c.node(e) {
            case .conditional(let a, let b, let d):
                guard case .bool(let taken)? = values[a.index] else { return true }
                e = taken ? b : d
            case .coalesce(let a, let b):
                guard let first = values[a.index] else { return true }
                e = first.isMissing ? b : a
            case .and(let a, _):
                guard case .bool(false)? = values[a.index] else { return true }
                e = a
            case .or(let a, _):
                guard case .bool(true)? = values[a.index] else { return true }
                e = a
            case .negate, .not, .binary, .function, .shape, .groupAggregate: return true
            default: return false
            }
        }
    }

    /// The formula as the plan writes it.
    static func render(_ e: CExpr, _ c: Context) -> String {
        c.sources.isEmpty ? ExprPrinter(c.plan).text(e) : c.sources[Int(e.index)]
    }

    static func eval<O: EvalObserver>(_ e: CExpr, _ rep: Int, _ c: Context, _ o: inout O) throws(EvalError) -> Value {
        let v: Value
        switch c.node(e) {
        case .constant(let k): v = c.constants[Int(k)]
        case .slot(let s): v = c.slot(s, rep)
        case .local(_, let i): v = c.scratch?[i] ?? .missing
        case .repColumn(let k): v = c.data.reps.value(k, rep)
        case .targetColumn(let k):
            v = rep < c.targetRows.count && c.targetRows[rep] >= 0 ? c.data.targets.value(k, Int(c.targetRows[rep])) : .missing
        case .period(let f): v = periodField(f, c.period)
        case .activeDays: v = .number(Exact(c.data.activeDays(rep, c.period)))
        case .aggregate(let a):
            v = c.periodData.accumulators[a].value(rep)
            if O.isOn {
                o.step(.aggregate(description: c.plan.scan.accumulators[a].description, count: c.periodData.accumulators[a].count(rep), result: v))
            }
        case .negate(let x, _):
            let inner = try eval(x, rep, c, &o)
            do throws(EvalFailure) { v = try Semantics.negate(inner) } catch { throw EvalError(error, c.plan.arena.sourceRange(e)) }
        case .not(let x): v = .bool(!(try truth(try eval(x, rep, c, &o), nil)))
        case .binary(let op, let a, let b, _):
            let x = try eval(a, rep, c, &o)
            let y = try eval(b, rep, c, &o)
            do throws(EvalFailure) { v = try Semantics.binary(op, x, y) } catch { throw EvalError(error, c.plan.arena.sourceRange(e)) }
        case .and(let a, let b): v = .bool(try truth(try eval(a, rep, c, &o), nil) ? try truth(try eval(b, rep, c, &o), nil) : false)
        case .or(let a, let b): v = .bool(try truth(try eval(a, rep, c, &o), nil) ? true : try truth(try eval(b, rep, c, &o), nil))
        case .conditional(let a, let b, let d):
            let taken = try truth(try eval(a, rep, c, &o), nil)
            if O.isOn { o.step(.branch(condition: render(a, c), taken: taken)) }
            v = try eval(taken ? b : d, rep, c, &o)
        case .coalesce(let a, let b):
            let first = try eval(a, rep, c, &o)
            v = first.isMissing ? try eval(b, rep, c, &o) : first
        case .function(let f, let first, let count, _): v = try function(e, f, first, count, rep, c, &o)
        default: v = try rare(e, rep, c, &o)
        }
        if O.isOn { o.value(e, v) }
        return v
    }

    /// Functions; the common two-value `min`/`max` without an argument array.
    static func function<O: EvalObserver>(
        _ e: CExpr, _ f: Function, _ first: Int32, _ count: Int32, _ rep: Int, _ c: Context, _ o: inout O
    ) throws(EvalError) -> Value {
        if (f == .min || f == .max) && count == 2 {
            let x = try eval(c.arg(first, 0), rep, c, &o)
            let y = try eval(c.arg(first, 1), rep, c, &o)
            do throws(EvalFailure) {
                let cmp = try Semantics.compare(y, x)
                return (f == .min ? cmp < 0 : cmp > 0) ? y : x
            } catch {
                throw EvalError(error, c.plan.arena.sourceRange(e))
            }
        }
        var values: [Value] = []
        values.reserveCapacity(Int(count))
        for k in 0..<Int(count) { values.append(try eval(c.arg(first, k), rep, c, &o)) }
        if f.readsRep { return try Proration.value(f, values, c.data.hire[rep], c.data.exit[rep], c.period, c.plan.arena.sourceRange(e)) }
        do throws(EvalFailure) { return try Semantics.function(f, values, rounding: c.plan.rounding) } catch {
            throw EvalError(error, c.plan.arena.sourceRange(e))
        }
    }

    /// Nodes met less often, kept out of `eval` so its stack frame stays small
    /// (formulas nest up to `Limits.formulaDepth` levels).
    @inline(never)
    static func rare<O: EvalObserver>(_ e: CExpr, _ rep: Int, _ c: Context, _ o: inout O) throws(EvalError) -> Value {
        switch c.node(e) {
        case .reach(let list, let date, let threshold):
            let t = try number(try eval(threshold, rep, c, &o), nil)
            let r = reach(c.periodData.lists[list].entries(of: rep), t, date: date)
            if O.isOn {
                let what = c.plan.scan.lists[list].description
                o.step(
                    .note(
                        r.entry.map { "the running total of \(what) reached \(t) on \($0.date) with deal \($0.deal)" }
                            ?? "the running total of \(what) never reached \(t)"))
            }
            return r.value
        case .shape(let i, let first, let count):
            var inputs: [Exact] = []
            for k in 0..<Int(count) { inputs.append(try number(try eval(c.arg(first, k), rep, c, &o), nil)) }
            let s = c.plan.shapes[i]
            do throws(EvalFailure) {
                let (v, detail) = try ShapeEvaluator.evaluate(s, inputs, detail: O.isOn)
                if O.isOn { o.step(.shape(index: i, name: s.name, labels: s.labels, inputs: inputs, detail: detail, result: v)) }
                return .number(v)
            } catch {
                throw EvalError(error, s.range)
            }
        case .previous(let s, let fallback):
            var v: Value = .missing
            if let p = c.previous, p.inPopulation[rep] { v = p.value(s, rep) }
            if v.isMissing, let fallback { v = try eval(fallback, rep, c, &o) }
            if O.isOn { o.step(.previous(name: c.plan.slots[s].name, period: c.period.previous.description, value: v)) }
            return v
        case .yearToDate(let s):
            let current = try number(c.slot(s, rep), nil)
            var sum = current
            var parts: [(String, Exact)] = []
            for st in c.yearStates where st.inPopulation[rep] {
                if case .number(let v) = st.value(s, rep) {
                    do { sum = try sum + v } catch { throw EvalError(.overflow, nil) }
                    if O.isOn { parts.append((st.period.description, v)) }
                }
            }
            if O.isOn {
                parts.append((c.period.description, current))
                o.step(.rule(YearToDateStep(name: c.plan.slots[s].name, from: c.period.firstOfYear.description, periods: parts, sum: sum)))
            }
            return .number(sum)
        case .groupAggregate(let kind, let x): return try groupAggregate(kind, x, c)
        case .groupMembers: return .number(Exact(c.group?.members.count ?? 0))
        case .groupScore: return c.group?.score ?? .missing
        case .groupKey: return .text(c.group?.key ?? "")
        case .groupPot: return c.group?.pot ?? .missing
        case .population(let i, let slot):
            let v = c.slot(slot, rep)
            if O.isOn, let facts = c.state.populationFacts[i]?[rep] { o.step(.rule(facts)) }
            return v
        default: return .missing
        }
    }

    static func periodField(_ f: PeriodField, _ p: Period) -> Value {
        switch f {
        case .start: .date(p.start)
        case .end: .date(p.end)
        case .days: .number(Exact(p.days))
        case .months: .number(Exact(p.monthCount))
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
}
