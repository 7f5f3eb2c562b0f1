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
    /// The period ledger's hook: called right after each history period is
    /// evaluated, to replace what was recomputed (the carried slots, the
    /// population) with what was recorded when that period was closed.
    public var recordedHistory: (@Sendable (PeriodState) -> Void)?

    public init(
        threads: Int = DataLoader.processorCount, skipInvalid: Bool = false, trace: TraceSelection = .none,
        recordedHistory: (@Sendable (PeriodState) -> Void)? = nil
    ) {
        self.threads = threads
        self.skipInvalid = skipInvalid
        self.trace = trace
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

    /// Every population rep's trace, held in memory (small runs, tests);
    /// needs trace selection `.all`.
    public func allTraces() throws -> [Int: RepTrace] {
        var built: [RepTrace] = []
        try traceBlocks(current.population, threads: options.threads, { $0 }) { built += $0 }
        return Dictionary(uniqueKeysWithValues: zip(current.population, built))
    }

    /// Traces of `reps` (population reps of the run period, in the order
    /// given), a block at a time: blocks are traced and turned into `T` in
    /// parallel, then handed to `consume` in order. Only a few blocks live at
    /// once: holding every trace of 100k reps took 2.5 GB and made the run
    /// page. Group stages' explanations must have been recorded (trace
    /// selection `.all`, or `.reps` containing these reps).
    public func traceBlocks<T>(
        _ reps: [Int], threads: Int, blockSize: Int = 256, _ transform: ([RepTrace]) -> T, consume: (T) throws -> Void
    ) throws {
        let run = EvaluationRun(plan: plan, data: data, options: options, excluded: [])
        let blocks = (reps.count + blockSize - 1) / blockSize
        let perRound = max(1, threads) * 4
        let state = current
        let previous = states.count > 1 ? states[states.count - 2] : nil
        let yearStates = states.dropLast().filter { $0.period.year == state.period.year }
        try state.values.withUnsafeMutableBufferPointer { buffer in
            var context = Context(
                plan: plan, data: data, periodData: data.periods[state.dataIndex], state: state, previous: previous, yearStates: yearStates,
                values: buffer, group: nil)
            context.sources = ExpressionEvaluator.renderAll(context)
            var first = 0
            while first < blocks {
                let count = min(perRound, blocks - first)
                // Reads only: traces of different reps are independent.
                let outputs = try Parallel.map(count, threads: threads, grain: 1) { (k) throws(EvaluationFailure) -> T in
                    let lo = (first + k) * blockSize
                    var block: [RepTrace] = []
                    for rep in reps[lo..<min(reps.count, lo + blockSize)] { block.append(try run.trace(rep, context)) }
                    return transform(block)
                }
                for output in outputs { try consume(output) }
                first += count
            }
        }
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
                    .error, "E701", "the plan pays per \(p.period.value.rawValue); \(period) is a \(period.kind.rawValue)", at: p.period.range,
                    help:
                        "give a \(p.period.value.rawValue) such as \(Period(containing: CivilDate(year: 2026, month: 7, day: 1)!, kind: p.period.value))"
                ))
        }
        var start = period.ordinal - plan.checked.lookback
        if plan.checked.usesYearToDate { start = min(start, period.firstOfYear.ordinal) }
        if let from = p.effectiveFrom {
            let first = Period(containing: from.value, kind: period.kind).ordinal
            if period.ordinal < first {
                return .failure(Diagnostic(.error, "E702", "\(period) is before the plan takes effect (\(from.value))", at: from.range))
            }
            start = plan.checked.carriesState ? first : max(start, first)
        }
        if let to = p.effectiveTo, period.start > to.value {
            return .failure(Diagnostic(.error, "E703", "\(period) is after the plan ends (\(to.value))", at: to.range))
        }
        start = max(start, Period(kind: period.kind, year: 1, index: 1).ordinal)
        if period.ordinal - start + 1 > limits.historyPeriods {
            return .failure(
                Diagnostic(
                    .error, "E704",
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
        guard let state = PeriodState(period: period, dataIndex: index, repCount: data.repCount, slotCount: plan.slots.count) else { return [] }
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
        switch options.trace {
        case .none: traced = []
        case .reps(let s): traced = s
        case .all: traced = Set(0..<data.repCount)
        }
    }

    func failure(_ error: EvalError, rep: Int?, period: Period, what: String) -> EvaluationFailure {
        let who = rep.map { "rep \(data.repIDs[$0])" } ?? "the group stage"
        return EvaluationFailure(
            diagnostic: Diagnostic(
                .error, "E710", "\(error.failure.words) while computing \(what) for \(who) in \(period)", at: error.range,
                file: plan.plan.file,
                help: error.failure == .divisionByZero ? "guard the division, e.g. `if x > 0 then a / x else 0`, or use divide(a, x, 0)" : nil))
    }

    /// The reps whose explanations are wanted, computed once per run.
    let traced: Set<Int>

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
            guard let state = PeriodState(period: pd.period, dataIndex: k, repCount: repCount, slotCount: slotCount) else {
                throw EvaluationFailure(
                    diagnostic: Diagnostic(
                        .error, "E711", "not enough memory for the \(slotCount) values of \(repCount) reps in \(pd.period)", at: nil,
                        file: plan.plan.file, help: "run on a machine with more memory"))
            }
            let previous = states.last
            let yearStates = states.filter { $0.period.year == pd.period.year }
            try state.values.withUnsafeMutableBufferPointer { (buffer) throws(EvaluationFailure) in
                var context = Context(
                    plan: plan, data: data, periodData: pd, state: state, previous: previous, yearStates: yearStates, values: buffer, group: nil)
                if isCurrent && !traced.isEmpty { context.sources = ExpressionEvaluator.renderAll(context) }
                try population(context, isCurrent: isCurrent)
                PhaseTimer.shared.mark("  \(pd.period) population")
                try evaluateNodes(context, traced: isCurrent ? traced : [], history: !isCurrent)
            }
            if !isCurrent, let recorded = options.recordedHistory { recorded(state) }
            states.append(state)
        }
        guard let current = states.last else {
            throw EvaluationFailure(diagnostic: Diagnostic(.error, "E705", "no period to evaluate", at: nil, file: plan.plan.file))
        }
        guard current.period == period else {
            throw EvaluationFailure(diagnostic: Diagnostic(.error, "E705", "the data was not read for \(period)", at: nil, file: plan.plan.file))
        }
        let partial = EvaluationResult(
            plan: plan, data: data, period: period, states: states, problems: problems, skipped: [], traces: [:], options: options)
        var traces: [Int: RepTrace] = [:]
        // A few reps (`explain`): traced now. Every rep (`run --explain`):
        // left to `traceBlocks`, which streams them instead of holding them.
        if case .reps(let wanted) = options.trace, !wanted.isEmpty {
            let reps = current.population.filter { wanted.contains($0) }
            var built: [RepTrace] = []
            do {
                try partial.traceBlocks(reps, threads: options.threads, blockSize: 64, { $0 }) { built += $0 }
            } catch let failure as EvaluationFailure {
                throw failure
            } catch {
                // Only tracing can fail here; collecting into an array cannot.
            }
            for (rep, t) in zip(reps, built) { traces[rep] = t }
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
                            .error, "D652",
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
                reasons.append(("no target row for \(period)", Diagnostic(.error, "D650", text, at: repLine, file: data.reps.path)))
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
                    if shown.isEmpty, let (_, segments) = try? ExpressionEvaluator.explainValue(expr, rep, c) {
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
                    reasons.append(("`\(source)` does not hold for \(period)", Diagnostic(.error, "D651", text, at: at, file: at.start.file)))
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

    func isPerRep(_ node: TreeNode) -> Bool {
        switch node {
        case .metric, .total: return true
        case .rule(let r): return !r.isGroupStage
        }
    }

    /// Runs the nodes in order; in an earlier (history) period only those a
    /// later period reads. Consecutive per-rep nodes form one parallel stage.
    func evaluateNodes(_ c: Context, traced: Set<Int>, history: Bool) throws(EvaluationFailure) {
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
                guard case .rule(let rule) = nodes[i] else { continue }
                try groupStage(rule, c, traced: traced)
                PhaseTimer.shared.mark("  \(c.period) group stage \(rule.name)")
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
            var stop = population.count * (chunk + 1) / chunkCount
            // Node by node over the chunk's reps, so a node is unpacked once
            // per chunk rather than once per rep. The failure kept is the
            // one rep-major order meets first: the lowest rep, then the
            // earliest node (a later node only runs below the failed rep).
            var found: (Int, EvalError, String)?
            for node in nodes {
                if let (p, error) = EvaluationRun.evaluate(node, population, lo..<stop, c) {
                    stop = p
                    found = (p, error, EvaluationRun.name(node, plan))
                }
            }
            if let found { failures.set(chunk, found) }
        }
        if let (p, error, what) = failures.first() {
            throw failure(error, rep: population[p], period: c.period, what: what)
        }
    }

    static func name(_ node: TreeNode, _ plan: CompiledPlan) -> String {
        switch node {
        case .metric(let i, _, _): return "`\(plan.checked.metrics[i].name)`"
        case .rule(let r): return "rule `\(r.name)`"
        case .total: return "the total"
        }
    }

    /// Evaluates one node for the reps `population[range]`, writing their
    /// slots; stops at the first rep that fails and returns its position.
    static func evaluate(_ node: TreeNode, _ population: [Int], _ range: Range<Int>, _ c: Context) -> (Int, EvalError)? {
        var none: [Step]? = nil
        let stride = c.repCount
        let values = c.values
        switch node {
        case .metric(_, let slot, let expr):
            for p in range {
                let rep = population[p]
                do throws(EvalError) { values[slot * stride + rep] = try ExpressionEvaluator.eval(expr, rep, c) } catch { return (p, error) }
            }
        case .rule(let r):
            for p in range {
                let rep = population[p]
                do throws(EvalError) {
                    try RuleEvaluator.perRep(r, rep, c, &none) { slot, v in values[slot * stride + rep] = v }
                } catch { return (p, error) }
            }
        case .total(let t):
            for p in range {
                let rep = population[p]
                do throws(EvalError) {
                    try RuleEvaluator.total(t, rep, c, &none) { slot, v in values[slot * stride + rep] = v }
                } catch { return (p, error) }
            }
        }
        return nil
    }

    func groupStage(_ rule: CompiledRule, _ c: Context, traced: Set<Int>) throws(EvaluationFailure) {
        do throws(EvalError) {
            switch rule.body {
            case .teamRanking:
                try GroupStages.teamRanking(rule, c, traced, threads: options.threads)
            case .elimination:
                try GroupStages.elimination(rule, c, traced, threads: options.threads)
            case .productAward:
                break
            default:
                break
            }
        } catch {
            throw failure(error, rep: nil, period: c.period, what: "rule `\(rule.name)`")
        }
        guard case .productAward = rule.body else { return }
        // The award itself is per rep; only the first movers need everyone.
        try perRepStage([.rule(rule)], c)
        do throws(EvalError) {
            try GroupStages.firstMovers(rule, c, traced)
        } catch {
            throw failure(error, rep: nil, period: c.period, what: "rule `\(rule.name)`")
        }
    }

    // MARK: - Traces

    /// Re-walks the per-rep nodes for one rep with explanations on, and joins
    /// the group stages' notes. The values must equal those of the run.
    func trace(_ rep: Int, _ c: Context) throws(EvaluationFailure) -> RepTrace {
        var entries: [TraceEntry] = []
        for node in plan.nodes {
            var steps: [Step]? = []
            var value: Value = .missing
            var kind = TraceKind.metric
            var name = ""
            var labels = Labels()
            var ruleKind: RuleKind?
            do throws(EvalError) {
                switch node {
                case .metric(let i, let slot, let expr):
                    name = plan.checked.metrics[i].name
                    labels = plan.checked.metrics[i].definition.labels
                    var s: [Step] = []
                    let (v, segments) = try ExpressionEvaluator.explain(expr, rep, c, &s)
                    steps = s
                    if segments.count > 1 || s.isEmpty {
                        steps!.append(.formula(source: ExpressionEvaluator.render(expr, c), substituted: segments, result: v))
                    }
                    value = c.slot(slot, rep)
                    try check(v, value, name)
                case .rule(let r):
                    kind = .rule
                    name = r.name
                    labels = r.labels
                    ruleKind = r.kind
                    if !r.isGroupStage || r.kind == .productAward {
                        var outputs: [(Int, Value)] = []
                        try RuleEvaluator.perRep(r, rep, c, &steps) { outputs.append(($0, $1)) }
                        for (slot, v) in outputs { try check(v, c.slot(slot, rep), name) }
                    }
                    steps! += c.state.groupSteps[r.index]?[rep] ?? []
                    value = c.slot(r.slots[.main]!, rep)
                case .total(let t):
                    kind = .total
                    name = "total"
                    labels = plan.slots[t.totalSlot].labels
                    var outputs: [(Int, Value)] = []
                    try RuleEvaluator.total(t, rep, c, &steps) { outputs.append(($0, $1)) }
                    for (slot, v) in outputs { try check(v, c.slot(slot, rep), name) }
                    value = c.slot(t.totalSlot, rep)
                }
            } catch {
                throw failure(error, rep: rep, period: c.period, what: name)
            }
            entries.append(TraceEntry(name: name, labels: labels, kind: kind, ruleKind: ruleKind, value: value, steps: steps ?? []))
        }
        let nameColumn = data.reps.columnIndex("name")
        let teamColumn = data.reps.columnIndex("team")
        return RepTrace(
            repID: data.repIDs[rep], name: nameColumn.map { data.reps.text($0, rep) } ?? "",
            team: teamColumn.map { data.reps.text($0, rep) } ?? "", period: c.period, entries: entries)
    }

    func check(_ explained: Value, _ computed: Value, _ name: String) throws(EvalError) {
        if explained != computed {
            throw EvalError(.invalid("internal error: the explanation of \(name) gives \(explained) but the run computed \(computed)"), nil)
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
