import Dispatch
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum TraceSelection: Sendable {
    case none
    case reps(Set<Int>)
    case all
}

public struct EvaluationOptions: Sendable {
    public var threads: Int
    public var skipInvalid: Bool
    public var trace: TraceSelection
    /// Writes the traced reps' entries as they are finished (see
    /// `TraceEncoder`); nil keeps them as `TraceEntry` values.
    public var traceEncoder: (any TraceEncoder)?
    /// The period ledger's hook: called right after each history period is
    /// evaluated, to replace what was recomputed (the carried slots, the
    /// population) with what was recorded when that period was closed.
    public var recordedHistory: (@Sendable (PeriodState) -> Void)?

    public init(
        threads: Int = DataLoader.processorCount, skipInvalid: Bool = false, trace: TraceSelection = .none,
        traceEncoder: (any TraceEncoder)? = nil, recordedHistory: (@Sendable (PeriodState) -> Void)? = nil
    ) {
        self.threads = threads
        self.skipInvalid = skipInvalid
        self.trace = trace
        self.traceEncoder = traceEncoder
        self.recordedHistory = recordedHistory
    }
}

/// A rep left out with `--skip-invalid`, and why.
public struct SkippedRep: Sendable {
    public var repID: String
    public var reasons: [String]

    public init(repID: String, reasons: [String]) {
        self.repID = repID
        self.reasons = reasons
    }
}

/// A failure that stops a run: where, for whom, what.
public struct EvaluationFailure: Error, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic
    public var description: String { diagnostic.description }
}

public struct EvaluationResult: Sendable {
    public var plan: CompiledPlan
    public var data: DataSet
    public var period: Period
    /// Every evaluated period, in order; the run period is last.
    public var states: [PeriodState]
    /// Population reps of the run period who cannot be paid (no target, a
    /// requirement not met). When not empty, nothing may be written.
    public var problems: [DataProblem]
    public var skipped: [SkippedRep]
    /// The traces of `TraceSelection.reps`; `.all` streams them through
    /// `traceBlocks` instead.
    public var traces: [Int: RepTrace]
    let options: EvaluationOptions

    public var current: PeriodState { states[states.count - 1] }

    /// Every traced rep's explanation, held in memory (small runs, tests,
    /// statements); needs trace selection `.all` (or `.reps`).
    public func allTraces() throws -> [Int: RepTrace] {
        var built: [RepTrace] = []
        try traceBlocks(current.population, threads: options.threads, { $0 }) { built += $0 }
        return Dictionary(uniqueKeysWithValues: zip(current.population, built))
    }

    /// The explanations of `reps` (population reps of the run period, in the
    /// order given), a block at a time: blocks are turned into `T` in
    /// parallel (rendered, usually), then handed to `consume` in order, so
    /// only a few rendered blocks live at once. The explanations were
    /// written while the period was evaluated (trace selection `.all`, or
    /// `.reps` containing these reps).
    /// `releasing`: each rep's explanation is dropped once its block is
    /// transformed (read the traces once; memory goes down as blocks go).
    public func traceBlocks<T>(
        _ reps: [Int], threads: Int, blockSize: Int = 256, releasing: Bool = false, _ transform: ([RepTrace]) -> T,
        consume: (T) throws -> Void
    ) throws {
        let blocks = (reps.count + blockSize - 1) / blockSize
        let perRound = max(1, threads) * 4
        var first = 0
        while first < blocks {
            let count = min(perRound, blocks - first)
            let outputs = Parallel.map(count, threads: threads, grain: 1) { k -> T in
                let lo = (first + k) * blockSize
                let block = reps[lo..<min(reps.count, lo + blockSize)]
                let output = transform(block.map(trace))
                if releasing, let store = current.traces { for rep in block { store.release(rep) } }
                return output
            }
            for output in outputs { try consume(output) }
            first += count
        }
    }

    /// One rep's explanation. With a trace encoder, its encoded entries
    /// are handed over: read each rep's trace once.
    public func trace(_ rep: Int) -> RepTrace {
        let nameColumn = data.reps.columnIndex("name")
        let teamColumn = data.reps.columnIndex("team")
        return RepTrace(
            repID: data.repIDs[rep], name: nameColumn.map { data.reps.text($0, rep) } ?? "",
            team: teamColumn.map { data.reps.text($0, rep) } ?? "", period: period, entries: current.traces?.entries(of: rep) ?? [],
            encodedEntries: current.traces?.takeEncoded(rep) ?? [])
    }
}

/// Runs a compiled plan over a data set.
public enum Evaluator {
    /// The periods to evaluate to run `period`: the history it reads
    /// (previous periods, the year to date, state from the effective start).
    public static func periods(for plan: CompiledPlan, running period: Period, limits: Limits = .default) -> Result<[Period], Diagnostic> {
        let p = plan.plan
        guard period.kind == p.period.value else {
            return .failure(
                Diagnostic(
                    .error, EvalCode.periodKind, "the plan pays per \(p.period.value.rawValue); \(period) is a \(period.kind.rawValue)",
                    at: p.period.range,
                    help:
                        "give a \(p.period.value.rawValue) such as \(Period(containing: CivilDate(year: 2026, month: 7, day: 1)!, kind: p.period.value))"
                ))
        }
        var start = period.ordinal - plan.checked.lookback
        if plan.checked.usesYearToDate { start = min(start, period.firstOfYear.ordinal) }
        if let from = p.effectiveFrom {
            let first = Period(containing: from.value, kind: period.kind).ordinal
            if period.ordinal < first {
                return .failure(
                    Diagnostic(.error, EvalCode.beforeEffective, "\(period) is before the plan takes effect (\(from.value))", at: from.range))
            }
            start = plan.checked.carriesState ? first : max(start, first)
        }
        if let to = p.effectiveTo, period.start > to.value {
            return .failure(Diagnostic(.error, EvalCode.afterEffective, "\(period) is after the plan ends (\(to.value))", at: to.range))
        }
        start = max(start, Period(kind: period.kind, year: 1, index: 1).ordinal)
        if period.ordinal - start + 1 > limits.historyPeriods {
            return .failure(
                Diagnostic(
                    .error, EvalCode.historyTooLong,
                    "running \(period) needs \(period.ordinal - start + 1) periods of history, over the limit of \(limits.historyPeriods) (Limits.historyPeriods)",
                    at: p.effectiveFrom?.range ?? p.period.range))
        }
        return .success((start...period.ordinal).map { Period(kind: period.kind, ordinal: $0) })
    }

    /// The run period's population problems (a rep without a target, a
    /// requirement not met), found without evaluating anything else: used to
    /// report them together with problems in the files themselves.
    public static func populationProblems(plan: CompiledPlan, data: DataSet, period: Period, excluded: Set<Int> = []) -> [DataProblem] {
        guard let index = data.periods.firstIndex(where: { $0.period == period }) else { return [] }
        let last = data.periods[index]
        var run = EvaluationRun(plan: plan, data: data, options: EvaluationOptions(threads: 1), excluded: excluded.union(data.invalidReps))
        // Without memory for the values the run itself reports E711.
        // Only the population is decided here: no slot is held.
        let none = [Bool](repeating: false, count: plan.slots.count)
        guard let state = PeriodState(period: period, dataIndex: index, repCount: data.repCount, stored: none) else {
            return []
        }
        try? state.values.withUnsafeMutableBufferPointer { (buffer) throws(EvaluationFailure) in
            let context = Context(plan: plan, data: data, periodData: last, state: state, previous: nil, yearStates: [], values: buffer, group: nil)
            try run.population(context, isCurrent: true)
        }
        return run.problems
    }

    public static func evaluate(
        plan: CompiledPlan, data: DataSet, period: Period, options: EvaluationOptions = EvaluationOptions(), excluded: Set<Int> = []
    ) throws(EvaluationFailure) -> EvaluationResult {
        var run = EvaluationRun(plan: plan, data: data, options: options, excluded: excluded.union(data.invalidReps))
        return try run.run(period)
    }
}

struct EvaluationRun {
    let plan: CompiledPlan
    let data: DataSet
    let options: EvaluationOptions
    var excluded: Set<Int>
    var states: [PeriodState] = []
    var problems: [DataProblem] = []
    var skipped: [Int: [String]] = [:]

    init(plan: CompiledPlan, data: DataSet, options: EvaluationOptions, excluded: Set<Int>) {
        self.plan = plan
        self.data = data
        self.options = options
        self.excluded = excluded
    }

    func failure(_ error: EvalError, rep: Int?, period: Period, what: String) -> EvaluationFailure {
        let who = rep.map { "rep \(data.repIDs[$0])" } ?? "the group stage"
        return EvaluationFailure(
            diagnostic: Diagnostic(
                .error, EvalCode.ruleFailed, "\(error.failure.words) while computing \(what) for \(who) in \(period)", at: error.range,
                file: plan.plan.file,
                help: error.failure == .divisionByZero ? "guard the division, e.g. `if x > 0 then a / x else 0`, or use divide(a, x, 0)" : nil))
    }

    mutating func run(_ period: Period) throws(EvaluationFailure) -> EvaluationResult {
        let slotCount = plan.slots.count
        let repCount = data.repCount
        // Evaluate exactly the periods this plan reads, even when the data
        // was read for more (one read serving two plans in a what-if).
        let wanted: Set<Int>
        switch Evaluator.periods(for: plan, running: period) {
        case .success(let list): wanted = Set(list.map(\.ordinal))
        case .failure(let d): throw EvaluationFailure(diagnostic: d)
        }
        for (k, pd) in data.periods.enumerated() where wanted.contains(pd.period.ordinal) {
            let isCurrent = pd.period == period
            guard let state = PeriodState(period: pd.period, dataIndex: k, repCount: repCount, stored: plan.storedSlots(history: !isCurrent)) else {
                throw EvaluationFailure(
                    diagnostic: Diagnostic(
                        .error, EvalCode.outOfMemory, "not enough memory for the \(slotCount) values of \(repCount) reps in \(pd.period)", at: nil,
                        file: plan.plan.file, help: "run on a machine with more memory"))
            }
            let previous = states.last
            let yearStates = states.filter { $0.period.year == pd.period.year }
            if isCurrent, case let store = TraceStore(repCount: repCount, traced: options.trace, encoder: options.traceEncoder), !store.isEmpty {
                state.traces = store
            }
            try state.values.withUnsafeMutableBufferPointer { (buffer) throws(EvaluationFailure) in
                var context = Context(
                    plan: plan, data: data, periodData: pd, state: state, previous: previous, yearStates: yearStates, values: buffer, group: nil)
                if state.traces != nil {
                    context.sources = ExprPrinter(plan).all()
                    context.factsOnly = options.traceEncoder != nil
                }
                try population(context, isCurrent: isCurrent)
                PhaseTimer.shared.mark("  \(pd.period) population")
                try evaluateNodes(context, history: !isCurrent)
            }
            if !isCurrent, let recorded = options.recordedHistory { recorded(state) }
            states.append(state)
        }
        guard let current = states.last else {
            throw EvaluationFailure(diagnostic: Diagnostic(.error, EvalCode.noPeriod, "no period to evaluate", at: nil, file: plan.plan.file))
        }
        guard current.period == period else {
            throw EvaluationFailure(
                diagnostic: Diagnostic(.error, EvalCode.noPeriod, "the data was not read for \(period)", at: nil, file: plan.plan.file))
        }
        var traces: [Int: RepTrace] = [:]
        let partial = EvaluationResult(
            plan: plan, data: data, period: period, states: states, problems: problems, skipped: [], traces: [:], options: options)
        if case .reps(let wanted) = options.trace {
            for rep in current.population where wanted.contains(rep) { traces[rep] = partial.trace(rep) }
        }
        let skippedList = skipped.keys.sorted { CodePoint.less(data.repIDs[$0], data.repIDs[$1]) }.map {
            SkippedRep(repID: data.repIDs[$0], reasons: skipped[$0]!)
        }
        var result = partial
        result.skipped = skippedList
        result.traces = traces
        return result
    }

    // MARK: - Population

    /// Whether a rep is in the period's population, and whether it meets
    /// every requirement (without explaining why not: that is done only for
    /// the few that fail).
    static func membership(_ rep: Int, _ c: Context, _ plan: CompiledPlan, _ data: DataSet) -> (member: Bool, ok: Bool) {
        var member: Bool
        if let when = plan.populationWhen {
            // A condition on a missing target is not decidable: not a member.
            member = (try? ExpressionEvaluator.truth(try ExpressionEvaluator.eval(when, rep, c), nil)) ?? false
        } else {
            member = data.activeDays(rep, c.period) > 0
        }
        guard member else { return (false, false) }
        if plan.checked.readsTargets && (rep >= c.targetRows.count || c.targetRows[rep] < 0) { return (true, false) }
        for (expr, _, _) in plan.populationRequire {
            let holds = (try? ExpressionEvaluator.truth(try ExpressionEvaluator.eval(expr, rep, c), nil)) ?? false
            if !holds { return (true, false) }
        }
        return (true, true)
    }

    mutating func population(_ c: Context, isCurrent: Bool) throws(EvaluationFailure) {
        let state = c.state
        let period = state.period
        let targetSpec = plan.plan.data.targets
        let order = data.repOrder
        let excluded = excluded
        let plan = plan
        let data = data
        let statuses = Parallel.map(order.count, threads: options.threads) { i in
            excluded.contains(order[i]) ? (member: false, ok: false) : EvaluationRun.membership(order[i], c, plan, data)
        }
        // No member has a target row for the period at all: one error for
        // the period (likely the wrong period, or the wrong targets file),
        // not one per rep.
        if isCurrent && !options.skipInvalid && plan.checked.readsTargets {
            let members = order.indices.filter { statuses[$0].member }
            if members.count > 1 && members.allSatisfy({ data.targetRow(order[$0], period) == nil }) {
                let here = SourceRange(at: SourceLocation(file: data.targets.path, line: 1, column: 0))
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, DataCode.noTargetsForPeriod,
                            "\(targetSpec.file) has no row for \(period): none of the \(members.count) reps active in it has a target",
                            at: here, file: data.targets.path, help: "check the period, and that the targets file is the one for \(period)"),
                        rep: nil))
                return
            }
        }
        // data.repOrder is in rep_id order, so the population is too.
        for (i, rep) in order.enumerated() where statuses[i].member {
            if statuses[i].ok {
                state.inPopulation[rep] = true
                state.population.append(rep)
                continue
            }
            var reasons: [(String, Diagnostic)] = []
            let repLine = SourceRange(at: SourceLocation(file: data.reps.path, line: data.reps.lines[rep], column: 0))
            let targetRow = data.targetRow(rep, period)
            if plan.checked.readsTargets && targetRow == nil {
                let text = "rep \(data.repIDs[rep]) is in the \(period) population but has no row in \(targetSpec.file) for \(period)"
                reasons.append(("no target row for \(period)", Diagnostic(.error, DataCode.noTargetRow, text, at: repLine, file: data.reps.path)))
            } else {
                for (expr, source, _) in plan.populationRequire {
                    var holds = false
                    var shown = ""
                    do {
                        holds = try ExpressionEvaluator.truth(try ExpressionEvaluator.eval(expr, rep, c), nil)
                    } catch {
                        shown = "a value is missing"
                    }
                    if holds { continue }
                    // Spell the values out only for the message.
                    var ignored: [Step] = []
                    if shown.isEmpty, let (_, segments) = try? ExpressionEvaluator.explain(expr, rep, c, &ignored) {
                        shown = segments.map { s in
                            switch s {
                            case .text(let t): return t
                            case .value(let v): return v.description
                            }
                        }.joined()
                    }
                    let at =
                        targetRow.map { SourceRange(at: SourceLocation(file: data.targets.path, line: data.targets.lines[$0], column: 0)) } ?? repLine
                    let text = "rep \(data.repIDs[rep]): `\(source)` does not hold for \(period) (\(shown))"
                    reasons.append(
                        (
                            "`\(source)` does not hold for \(period)",
                            Diagnostic(.error, DataCode.populationCondition, text, at: at, file: at.start.file)
                        ))
                }
            }
            if isCurrent {
                if options.skipInvalid {
                    skipped[rep, default: []] += reasons.map(\.0)
                } else {
                    problems += reasons.map { DataProblem($0.1, rep: data.repIDs[rep]) }
                }
            } else {
                state.notEvaluated[rep] = reasons.map(\.0).joined(separator: "; ")
            }
        }
    }

    // MARK: - Stages

    func isPerRep(_ node: TreeNode) -> Bool { node.isPerRep }

    /// Runs the nodes in order; in an earlier (history) period only those a
    /// later period reads. Consecutive per-rep nodes form one parallel stage.
    func evaluateNodes(_ c: Context, history: Bool) throws(EvaluationFailure) {
        let needed = plan.neededInHistory
        let nodes = history ? plan.nodes.indices.filter { needed[$0] }.map { plan.nodes[$0] } : plan.nodes
        var i = 0
        while i < nodes.count {
            if isPerRep(nodes[i]) {
                var j = i
                while j < nodes.count && isPerRep(nodes[j]) { j += 1 }
                try perRepStage(Array(nodes[i..<j]), c)
                PhaseTimer.shared.mark("  \(c.period) per-rep stage of \(j - i) nodes")
                i = j
            } else {
                switch nodes[i] {
                case .rule(let rule):
                    try groupStage(rule, c)
                    PhaseTimer.shared.mark("  \(c.period) group stage \(rule.name)")
                case .population(let p):
                    try populationStage(p, c)
                    PhaseTimer.shared.mark("  \(c.period) aggregate over reps \(p.description)")
                case .metric, .total: break
                }
                i += 1
            }
        }
    }

    /// Per-rep nodes are independent across reps: the population is cut into
    /// chunks evaluated on all threads, each writing only its own reps' slots.
    func perRepStage(_ nodes: [TreeNode], _ c: Context) throws(EvaluationFailure) {
        let population = c.state.population
        let chunkCount = max(1, min(population.count / 256, options.threads * 4))
        let failures = FailureBox(count: chunkCount)
        let plan = self.plan
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let lo = population.count * chunk / chunkCount
            let stop = population.count * (chunk + 1) / chunkCount
            let found =
                plan.localCount > 0
                ? EvaluationRun.repByRep(nodes, population, lo..<stop, c) : EvaluationRun.nodeByNode(nodes, population, lo..<stop, c)
            if let found { failures.set(chunk, found) }
        }
        if let (p, error, what) = failures.first() {
            throw failure(error, rep: population[p], period: c.period, what: what)
        }
    }

    /// Node by node over a chunk's reps, so a node is unpacked once per
    /// chunk rather than once per rep. The failure kept is the one rep-major
    /// order meets first: the lowest rep, then the earliest node (a later
    /// node only runs below the failed rep).
    static func nodeByNode(_ nodes: [TreeNode], _ population: [Int], _ range: Range<Int>, _ c: Context) -> (Int, EvalError, String)? {
        var stop = range.upperBound
        var found: (Int, EvalError, String)?
        for node in nodes {
            if let (p, error) = evaluate(node, population, range.lowerBound..<stop, c) {
                stop = p
                found = (p, error, name(node, c.plan))
            }
        }
        return found
    }

    /// Rep by rep, every node for one rep before the next: the plan has
    /// local slots, which live in this thread's scratch row only while one
    /// rep is evaluated.
    static func repByRep(_ nodes: [TreeNode], _ population: [Int], _ range: Range<Int>, _ c: Context) -> (Int, EvalError, String)? {
        let scratch = UnsafeMutablePointer<Value>.allocate(capacity: c.plan.localCount)
        scratch.initialize(repeating: .missing, count: c.plan.localCount)
        defer {
            scratch.deinitialize(count: c.plan.localCount)
            scratch.deallocate()
        }
        var local = c
        local.scratch = scratch
        if c.state.traces != nil {
            for p in range {
                for node in nodes {
                    if let (at, error) = evaluate(node, population, p..<(p + 1), local) { return (at, error, name(node, c.plan)) }
                }
            }
            return nil
        }
        // Local metrics are the common node of such plans (a long chain):
        // evaluated inline; other nodes through `evaluateFast`.
        let localOf = nodes.map { node -> (Int, CExpr)? in
            guard case .metric(_, let slot, let expr) = node, c.plan.localIndex[slot] >= 0 else { return nil }
            return (c.plan.localIndex[slot], expr)
        }
        for p in range {
            let rep = population[p]
            for (k, node) in nodes.enumerated() {
                if let (i, expr) = localOf[k] {
                    do throws(EvalError) { scratch[i] = try ExpressionEvaluator.eval(expr, rep, local) } catch {
                        return (p, error, name(node, c.plan))
                    }
                } else if let (at, error) = evaluateFast(node, population, p..<(p + 1), local) {
                    return (at, error, name(node, c.plan))
                }
            }
        }
        return nil
    }

    static func name(_ node: TreeNode, _ plan: CompiledPlan) -> String {
        switch node {
        case .metric(let i, _, _): return "`\(plan.checked.metrics[i].name)`"
        case .rule(let r): return "rule `\(r.name)`"
        case .total: return "the total"
        case .population(let p): return "`\(p.description)`"
        }
    }

    /// Evaluates one node for the reps `population[range]`, writing their
    /// slots; stops at the first rep that fails and returns its position.
    static func evaluate(_ node: TreeNode, _ population: [Int], _ range: Range<Int>, _ c: Context) -> (Int, EvalError)? {
        if let store = c.state.traces { return evaluateTracing(node, population, range, c, store) }
        return evaluateFast(node, population, range, c)
    }

    /// The fast path: no explanation, nothing recorded.
    static func evaluateFast(_ node: TreeNode, _ population: [Int], _ range: Range<Int>, _ c: Context) -> (Int, EvalError)? {
        var none: [Step]? = nil
        let stride = c.repCount
        let values = c.values
        switch node {
        case .metric(_, let slot, let expr):
            if let scratch = c.scratch, case let local = c.plan.localIndex[slot], local >= 0 {
                for p in range {
                    do throws(EvalError) { scratch[local] = try ExpressionEvaluator.eval(expr, population[p], c) } catch { return (p, error) }
                }
                return nil
            }
            for p in range {
                let rep = population[p]
                do throws(EvalError) { values[slot * stride + rep] = try ExpressionEvaluator.eval(expr, rep, c) } catch { return (p, error) }
            }
        case .rule(let r):
            guard let runnable = c.runnable(r) else { return range.isEmpty ? nil : (range.lowerBound, notRunnable(r)) }
            for p in range {
                var scope = RuleScope(rep: population[p], rule: r, context: c, trace: nil)
                do throws(EvalError) { try runnable.evaluate(&scope) } catch { return (p, error) }
            }
        case .total(let t):
            for p in range {
                let rep = population[p]
                do throws(EvalError) {
                    try TotalEvaluator.total(t, rep, c, &none) { slot, v in values[slot * stride + rep] = v }
                } catch { return (p, error) }
            }
        case .population:
            // A group stage of its own (`populationStage`), never per rep.
            break
        }
        return nil
    }

    /// `evaluate` when explanations are wanted: the traced reps are
    /// evaluated with a recorder (the same walk, writing the same values),
    /// and their explanation entries written as they go.
    static func evaluateTracing(_ node: TreeNode, _ population: [Int], _ range: Range<Int>, _ c: Context, _ store: TraceStore) -> (Int, EvalError)? {
        var p = range.lowerBound
        while p < range.upperBound {
            // A run of untraced reps takes the fast path.
            var end = p
            while end < range.upperBound && !store.isTraced(population[end]) { end += 1 }
            if end > p, let failure = evaluateFast(node, population, p..<end, c) { return failure }
            guard end < range.upperBound else { break }
            do throws(EvalError) { store.append(population[end], try tracedEntry(node, population[end], c)) } catch { return (end, error) }
            p = end + 1
        }
        return nil
    }

    /// One node for one traced rep: its value written, its explanation returned.
    static func tracedEntry(_ node: TreeNode, _ rep: Int, _ c: Context) throws(EvalError) -> TraceEntry {
        let plan = c.plan
        switch node {
        case .metric(let i, let slot, let expr):
            var steps: [Step] = []
            let (v, segments, shows) = try ExpressionEvaluator.explainFormula(expr, rep, c, &steps)
            if let scratch = c.scratch, case let local = plan.localIndex[slot], local >= 0 {
                scratch[local] = v
            } else {
                c.values[slot * c.repCount + rep] = v
            }
            if shows || steps.isEmpty {
                steps.append(.formula(name: nil, source: ExpressionEvaluator.render(expr, c), substituted: segments, result: v))
            }
            let m = plan.checked.metrics[i]
            return TraceEntry(name: m.name, labels: m.definition.labels, kind: .metric, ruleKind: nil, isFlag: false, value: v, steps: steps)
        case .rule(let r):
            guard let runnable = c.runnable(r) else { throw notRunnable(r) }
            var scope = RuleScope(rep: rep, rule: r, context: c, trace: [])
            try runnable.evaluate(&scope)
            return TraceEntry(
                name: r.name, labels: r.labels, kind: .rule, ruleKind: r.kindName, isFlag: r.isFlag, value: c.slot(r.slots.main, rep),
                steps: scope.trace ?? [])
        case .total(let t):
            var steps: [Step]? = []
            try TotalEvaluator.total(t, rep, c, &steps) { slot, v in c.values[slot * c.repCount + rep] = v }
            return TraceEntry(
                name: "total", labels: plan.slots[t.totalSlot].labels, kind: .total, ruleKind: nil, isFlag: false,
                value: c.slot(t.totalSlot, rep), steps: steps ?? [])
        case .population(let p):
            throw EvalError(.invalid("internal error: `\(p.description)` is not evaluated per rep"), p.range)
        }
    }

    static func notRunnable(_ r: CompiledRule) -> EvalError {
        EvalError(.invalid("internal error: rule kind `\(r.kindName)` cannot run"), r.range)
    }

    /// A group rule: its per-rep part on all threads, then its group part.
    func groupStage(_ rule: CompiledRule, _ c: Context) throws(EvaluationFailure) {
        guard let runnable = rule.body as? any RunnableRule else {
            throw failure(EvaluationRun.notRunnable(rule), rep: nil, period: c.period, what: "rule `\(rule.name)`")
        }
        if runnable.hasPerRepPart { try perRepStage([.rule(rule)], c) }
        do throws(EvalError) {
            try runnable.evaluateGroup(GroupRun(rule: rule, context: c, threads: options.threads))
        } catch {
            throw failure(error, rep: nil, period: c.period, what: "rule `\(rule.name)`")
        }
        guard let store = c.state.traces else { return }
        for rep in c.state.population where store.isTraced(rep) {
            store.finishGroup(
                rep,
                {
                    TraceEntry(
                        name: rule.name, labels: rule.labels, kind: .rule, ruleKind: rule.kindName, isFlag: rule.isFlag, value: .missing, steps: [])
                },
                value: c.slot(rule.slots.main, rep), hasPerRepPart: runnable.hasPerRepPart)
        }
    }
}

/// Collects the first failure of each chunk of a parallel stage, so the
/// reported failure is the same whatever the thread count.
final class FailureBox: @unchecked Sendable {
    private var slots: [(Int, EvalError, String)?]
    private let lock = NSLockLike()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ chunk: Int, _ value: (Int, EvalError, String)) {
        lock.withLock { slots[chunk] = value }
    }

    func first() -> (Int, EvalError, String)? {
        lock.withLock { slots.compactMap { $0 }.min { $0.0 < $1.0 } }
    }
}

/// A minimal mutex on pthreads (Foundation's NSLock is avoided to keep this
/// stage free of Foundation).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

/// Evaluates the plan's output columns for the run period's population.
public enum OutputEvaluator {
    /// One row per population rep (in rep_id order), one value per column.
    /// A column that cannot be computed is missing (printed empty); the
    /// payout columns themselves were computed by the run.
    public static func rows(_ result: EvaluationResult) -> [[Value]] {
        let state = result.current
        let previous = result.states.count > 1 ? result.states[result.states.count - 2] : nil
        return state.values.withUnsafeMutableBufferPointer { buffer in
            let c = Context(
                plan: result.plan, data: result.data, periodData: result.data.periods[state.dataIndex], state: state, previous: previous,
                yearStates: result.states.dropLast().filter { $0.period.year == state.period.year }, values: buffer, group: nil)
            let population = state.population
            return Parallel.map(population.count, threads: Parallel.processorCount) { i in
                result.plan.output.map { column in (try? ExpressionEvaluator.eval(column.expr, population[i], c)) ?? .missing }
            }
        }
    }
}
