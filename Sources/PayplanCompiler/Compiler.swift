import PayplanChecker
import PayplanCore
import PayplanLanguage

/// Turns a checked plan into the evaluation tree: slots for every metric and
/// rule result, formulas compiled with constants folded, and the
/// transaction scan planned (each distinct aggregate computed once).
public enum Compiler {
    public static func compile(_ checked: CheckedPlan) -> (CompiledPlan?, [Diagnostic]) {
        var c = CompileRun(checked: checked)
        let plan = c.run()
        return (c.diagnostics.isEmpty ? plan : nil, c.diagnostics)
    }
}

/// One compilation of one plan. Rule kinds compile their bodies through it:
/// formulas into the arena, transaction lists into the scan plan.
public struct CompileRun {
    let checked: CheckedPlan
    let arena = ExprArena()
    var diagnostics: [Diagnostic] = []
    var slots: [SlotInfo] = []
    var symbolSlots: [Symbol: Int] = [:]
    var scan: ScanPlan
    var accumulatorKeys: [String: Int] = [:]
    var listKeys: [String: Int] = [:]
    var filterKeys: [String: Int] = [:]
    var populationKeys: [String: Int] = [:]
    var populations: [CompiledPopulation] = []
    /// Aggregates over reps compiled since the last node was placed: their
    /// nodes go right before the node that reads them first.
    var pendingPopulations: [Int] = []

    init(checked: CheckedPlan) {
        self.checked = checked
        scan = ScanPlan(
            txColumns: checked.plan.data.transactions.columns, accumulators: [], lists: [], filters: [])
    }

    var data: DataSpec { checked.plan.data }

    mutating func run() -> CompiledPlan? {
        for (i, m) in checked.metrics.enumerated() {
            symbolSlots[.metric(i)] = slots.count
            slots.append(SlotInfo(name: m.name, type: m.type, labels: m.definition.labels))
        }
        let ruleIndexes = Dictionary(uniqueKeysWithValues: checked.plan.rules.enumerated().map { ($0.element.name.value, $0.offset) })
        for r in checked.rules {
            guard let i = ruleIndexes[r.name] else { continue }
            for (o, output) in r.outputs.enumerated() {
                symbolSlots[.rule(i, o)] = slots.count
                let name = output.isMain ? r.name : "\(r.name).\(output.name)"
                slots.append(SlotInfo(name: name, type: output.type, labels: output.isMain ? r.rule.labels : Labels()))
            }
        }
        if checked.total != nil {
            symbolSlots[.total] = slots.count
            slots.append(SlotInfo(name: "total", type: .money, labels: Labels([("zh", "应发合计"), ("en", "total")])))
            symbolSlots[.capped] = slots.count
            slots.append(SlotInfo(name: "capped", type: .money, labels: Labels([("zh", "封顶扣减"), ("en", "cut by the cap")])))
        }

        var nodes: [TreeNode] = []
        for symbol in checked.order {
            var node: TreeNode?
            switch symbol {
            case .metric(let i):
                let m = checked.metrics[i]
                node = .metric(index: i, slot: symbolSlots[.metric(i)]!, expr: compile(m.expr))
            case .rule(let i, _):
                guard let r = checked.rules.first(where: { $0.name == checked.plan.rules[i].name.value }) else { continue }
                node = compileRule(r, index: i).map { .rule($0) }
            default:
                break
            }
            placePopulations(&nodes)
            if let node { nodes.append(node) }
        }
        if let t = checked.total {
            let total = CompiledTotal(
                components: t.components.map { (symbolSlots[$0.0]!, $0.1) }, cap: t.cap.map { compile($0) },
                floor: t.floor.map { compile($0) }, rounding: t.rounding, totalSlot: symbolSlots[.total]!,
                cappedSlot: symbolSlots[.capped]!)
            placePopulations(&nodes)
            nodes.append(.total(total))
        }
        let output = checked.output.map { CompiledColumn(header: $0.header, expr: compile($0.expr), type: $0.expr.type, decimals: $0.decimals) }
        let populationWhen = checked.populationWhen.map { compile($0) }
        let require = checked.populationRequire.map { (compile($0), $0.description, $0.range) }
        placePopulations(&nodes)
        let plan = CompiledPlan(
            checked: checked, arena: arena, slots: slots, symbolSlots: symbolSlots, nodes: nodes, scan: scan, shapes: checked.shapes,
            output: output, populationWhen: populationWhen, populationRequire: require, rounding: checked.plan.rounding)
        plan.populations = populations
        plan.neededInHistory = CompileRun.historyNeeds(nodes, arena)
        (plan.localIndex, plan.localCount) = CompileRun.localSlots(plan)
        arena.localize(plan.localIndex)
        return plan
    }

    /// Which nodes earlier periods must evaluate: those whose slots a later
    /// period reads, rules that read their own earlier results (escalation reads their own earlier
    /// flags), and everything those read in their own period.
    static func historyNeeds(_ nodes: [TreeNode], _ arena: ExprArena) -> [Bool] {
        var writes: [Int: Int] = [:]
        var reads: [Set<Int>] = []
        var earlierSlots: Set<Int> = []
        for (i, node) in nodes.enumerated() {
            var same: Set<Int> = []
            var earlier: Set<Int> = []
            for e in expressions(node) { arena.slotsRead(e, sameTime: &same, earlier: &earlier) }
            if case .total(let t) = node { for c in t.components { same.insert(c.slot) } }
            reads.append(same)
            earlierSlots.formUnion(earlier)
            switch node {
            case .metric(_, let slot, _): writes[slot] = i
            case .rule(let r):
                for slot in r.slots.values { writes[slot] = i }
                if r.body.readsOwnHistory { earlierSlots.formUnion(r.slots.values) }
            case .total(let t):
                writes[t.totalSlot] = i
                writes[t.cappedSlot] = i
            case .population(let p): writes[p.slot] = i
            }
        }
        var needed = [Bool](repeating: false, count: nodes.count)
        var stack = earlierSlots.compactMap { writes[$0] }
        while let n = stack.popLast() {
            if needed[n] { continue }
            needed[n] = true
            stack += reads[n].compactMap { writes[$0] }
        }
        return needed
    }

    /// Metrics read only by later nodes of their own per-rep stage (and not
    /// by output columns, group rules or a later period): these live in a
    /// per-thread scratch row while a rep is evaluated, not in the period's
    /// table, so memory grows with the slots read after the stage, not with
    /// the length of a chain of metrics.
    static func localSlots(_ plan: CompiledPlan) -> ([Int], Int) {
        let arena = plan.arena
        var stageOf = [Int](repeating: 0, count: plan.nodes.count)
        var writer: [Int: Int] = [:]
        var stage = 0
        var previousPerRep = false
        for (i, node) in plan.nodes.enumerated() {
            if !(node.isPerRep && previousPerRep) { stage += 1 }
            previousPerRep = node.isPerRep
            stageOf[i] = stage
            for s in node.slotsWritten { writer[s] = i }
        }
        var shared = Set<Int>()
        var earlier = Set<Int>()
        for (i, node) in plan.nodes.enumerated() {
            var same = Set<Int>()
            for e in expressions(node) { arena.slotsRead(e, sameTime: &same, earlier: &earlier) }
            for s in same where !node.isPerRep || writer[s].map({ stageOf[$0] != stageOf[i] }) ?? true { shared.insert(s) }
        }
        var sameOut = Set<Int>()
        for e in plan.output.map(\.expr) + [plan.populationWhen].compactMap({ $0 }) + plan.populationRequire.map(\.0) {
            arena.slotsRead(e, sameTime: &sameOut, earlier: &earlier)
        }
        var index = [Int](repeating: -1, count: plan.slots.count)
        var count = 0
        for case .metric(_, let slot, _) in plan.nodes where !shared.contains(slot) && !sameOut.contains(slot) && !earlier.contains(slot) {
            index[slot] = count
            count += 1
        }
        return (index, count)
    }

    static func expressions(_ node: TreeNode) -> [CExpr] {
        switch node {
        case .metric(_, _, let e): return [e]
        case .total(let t): return [t.cap, t.floor].compactMap { $0 }
        case .rule(let r): return r.body.expressions
        case .population(let p): return p.expressions
        }
    }

    /// The nodes of the aggregates over reps compiled since the last node,
    /// placed before the node that reads them first: everything they read
    /// comes before that node (dependency order), so before them too.
    mutating func placePopulations(_ nodes: inout [TreeNode]) {
        for i in pendingPopulations { nodes.append(.population(populations[i])) }
        pendingPopulations = []
    }

    /// An aggregate over reps: compiled once (by its canonical text), with a
    /// slot of its own holding each rep's group's value.
    mutating func population(_ a: PopulationAggregate, _ type: ValueType, _ range: SourceRange) -> CExpr {
        if let i = populationKeys[a.key] { return arena.add(.population(index: i, slot: populations[i].slot)) }
        let slot = slots.count
        slots.append(SlotInfo(name: a.key, type: type, labels: Labels()))
        let p = CompiledPopulation(
            index: populations.count, kind: a.kind, value: a.value.map { compile($0) }, group: a.group.map { compile($0) },
            filter: a.filter.map { compile($0) }, slot: slot, description: a.key, range: range)
        populationKeys[a.key] = p.index
        populations.append(p)
        pendingPopulations.append(p.index)
        return arena.add(.population(index: p.index, slot: slot))
    }

    // MARK: - Rules

    public mutating func limits(_ l: CheckedLimiters) -> CompiledLimiters {
        CompiledLimiters(gate: l.gate.map { compile($0) }, floor: l.floor.map { compile($0) }, cap: l.cap.map { compile($0) })
    }

    mutating func compileRule(_ r: CheckedRule, index: Int) -> CompiledRule? {
        guard let kind = r.kind as? any RuleKindCompiling, let body = kind.compile(r, &self) else {
            diagnostics.append(
                .error(CompileCode.internalError, "internal error: rule kind `\(r.rule.kind.value)` cannot be compiled", at: r.rule.kind.range))
            return nil
        }
        let outputSlots = r.outputs.indices.map { symbolSlots[.rule(index, $0)] }
        return CompiledRule(
            index: index, name: r.name, labels: r.rule.labels, kindName: kind.name, body: body, rounding: r.rounding, outputs: r.outputs,
            slots: RuleSlots(outputSlots), isGroupStage: body.isGroupStage, range: r.rule.range)
    }

    // MARK: - Scan plan

    mutating func registerFilter(_ e: TExpr) -> Int {
        let key = e.description
        if let i = filterKeys[key] { return i }
        scan.filters.append(RowFilter(name: key, expr: compileRow(e)))
        filterKeys[key] = scan.filters.count - 1
        return scan.filters.count - 1
    }

    mutating func rowValue(_ e: TExpr) -> RowValue {
        if case .txColumn(let name) = e.kind, let i = scan.txColumnIndex(name) { return .column(i) }
        return .expr(compileRow(e))
    }

    mutating func registerAccumulator(_ a: Aggregate) -> Int {
        if let i = accumulatorKeys[a.key] { return i }
        let filter = a.filter.map { registerFilter($0) }
        scan.accumulators.append(Accumulator(kind: a.kind, value: a.value.map { rowValue($0) }, filter: filter, description: a.key))
        accumulatorKeys[a.key] = scan.accumulators.count - 1
        return scan.accumulators.count - 1
    }

    /// A list of (date, deal, value) per rep, kept by the scan, for running totals.
    public mutating func registerList(value: TExpr, filter: TExpr?) -> Int {
        let key = value.description + (filter.map { " where " + $0.description } ?? "")
        if let i = listKeys[key] { return i }
        let f = filter.map { registerFilter($0) }
        scan.lists.append(TransactionList(value: rowValue(value), filter: f, description: key))
        listKeys[key] = scan.lists.count - 1
        return scan.lists.count - 1
    }

    // MARK: - Formulas

    func repColumn(_ name: String) -> Int { data.reps.columns.firstIndex { $0.name == name } ?? 0 }
    func targetColumn(_ name: String) -> Int { data.targets.columns.firstIndex { $0.name == name } ?? 0 }
    func productColumn(_ name: String) -> Int { data.products.columns.firstIndex { $0.name == name } ?? 0 }

    public mutating func compile(_ e: TExpr) -> CExpr {
        let a = arena
        func constant(_ x: CExpr) -> Value? { a.constantValue(x) }
        switch e.kind {
        case .number(let v): return a.constant(.number(v))
        case .text(let t): return a.constant(.text(t))
        case .bool(let b): return a.constant(.bool(b))
        case .date(let d): return a.constant(.date(d))
        case .symbol(let s, _): return a.add(.slot(symbolSlots[s] ?? 0))
        case .repColumn(let name): return a.add(.repColumn(repColumn(name)))
        case .targetColumn(let name): return a.add(.targetColumn(targetColumn(name)))
        case .txColumn, .productColumn, .filter:
            // Only reachable inside transaction formulas, compiled by compileRow.
            return a.constant(.missing)
        case .period(let f): return a.add(.period(f))
        case .activeDays: return a.add(.activeDays)
        case .unary(.negate, let x):
            let c = compile(x)
            // Fold constants now; a constant that fails (1 / 0) stays for the
            // evaluator to report at its location.
            if let v = constant(c), let r = try? Semantics.negate(v) { return a.constant(r) }
            return a.add(.negate(c, range: a.range(e.range)))
        case .unary(.not, let x):
            let c = compile(x)
            if let v = constant(c), let r = try? Semantics.not(v) { return a.constant(r) }
            return a.add(.not(c))
        case .binary(.and, let l, let r), .binary(.or, let l, let r):
            let x = compile(l)
            let y = compile(r)
            let isAnd = { if case .binary(.and, _, _) = e.kind { return true } else { return false } }()
            if case .bool(let p)? = constant(x), case .bool(let q)? = constant(y) { return a.constant(.bool(isAnd ? p && q : p || q)) }
            return a.add(isAnd ? .and(x, y) : .or(x, y))
        case .binary(let op, let l, let r):
            let x = compile(l)
            let y = compile(r)
            if let p = constant(x), let q = constant(y), let v = try? Semantics.binary(op, p, q) { return a.constant(v) }
            return a.add(.binary(op, x, y, range: a.range(e.range)))
        case .conditional(let c, let t, let f):
            let cc = compile(c)
            if case .bool(let b)? = constant(cc) { return b ? compile(t) : compile(f) }
            return a.add(.conditional(cc, compile(t), compile(f)))
        case .function(.coalesce, let args): return a.add(.coalesce(compile(args[0]), compile(args[1])))
        case .function(let f, let args):
            let compiled = args.map { compile($0) }
            if f != .round, !f.readsRep, compiled.allSatisfy({ constant($0) != nil }),
                let v = try? Semantics.function(f, compiled.compactMap { constant($0) }, rounding: checked.plan.rounding)
            {
                return a.constant(v)
            }
            let (first, count) = a.arguments(compiled)
            return a.add(.function(f, first: first, count: count, range: a.range(e.range)))
        case .aggregate(let agg):
            switch agg.kind {
            case .reachDate, .reachDeal:
                let list = registerList(value: agg.value!, filter: agg.filter)
                return a.add(.reach(list: list, date: agg.kind == .reachDate, threshold: compile(agg.threshold!)))
            default:
                return a.add(.aggregate(registerAccumulator(agg)))
            }
        case .groupAggregate(let k, let x): return a.add(.groupAggregate(k, compile(x)))
        case .groupMembers: return a.add(.groupMembers)
        case .groupScore: return a.add(.groupScore)
        case .groupKey: return a.add(.groupKey)
        case .groupPot: return a.add(.groupPot)
        case .population(let agg): return population(agg, e.type, e.range)
        case .previous(let sym, _, let d): return a.add(.previous(slot: symbolSlots[sym] ?? 0, fallback: d.map { compile($0) }))
        case .yearToDate(let sym, _): return a.add(.yearToDate(slot: symbolSlots[sym] ?? 0))
        case .shape(let i, _, let args):
            let (first, count) = a.arguments(args.map { compile($0) })
            return a.add(.shape(i, first: first, count: count))
        }
    }

    mutating func compileRow(_ e: TExpr) -> RowExpr {
        switch e.kind {
        case .number(let v): return .constant(.number(v))
        case .text(let s): return .constant(.text(s))
        case .bool(let b): return .constant(.bool(b))
        case .date(let d): return .constant(.date(d))
        case .txColumn(let name): return .txColumn(scan.txColumnIndex(name) ?? 0)
        case .productColumn(let name): return .productColumn(productColumn(name))
        case .repColumn(let name): return .repColumn(repColumn(name))
        case .period(let f): return .period(f)
        case .filter(_, _, let inner): return compileRow(inner)
        case .unary(.negate, let x): return .negate(compileRow(x))
        case .unary(.not, let x): return .not(compileRow(x))
        case .binary(.and, let a, let b): return .and(compileRow(a), compileRow(b))
        case .binary(.or, let a, let b): return .or(compileRow(a), compileRow(b))
        case .binary(let op, let a, let b):
            let x = compileRow(a)
            let y = compileRow(b)
            if case .constant(let p) = x, case .constant(let q) = y, let v = try? Semantics.binary(op, p, q) { return .constant(v) }
            return .binary(op, x, y)
        case .conditional(let c, let t, let f): return .conditional(compileRow(c), compileRow(t), compileRow(f))
        case .function(.coalesce, let args): return .coalesce(compileRow(args[0]), compileRow(args[1]))
        case .function(let f, let args): return .function(f, args.map { compileRow($0) })
        default:
            return .constant(.missing)
        }
    }
}
