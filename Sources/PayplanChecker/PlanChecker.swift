import PayplanCore
import PayplanLanguage

/// Checks a parsed plan: resolves every name, types every formula, orders
/// metrics and rules by dependency (reporting a cycle as its path of names),
/// and lints the tables. Reports all problems of the plan at once.
public enum PlanChecker {
    public static func check(_ plan: Plan, kinds: RuleKindSet, limits: Limits = .default) -> (CheckedPlan?, [Diagnostic]) {
        var run = CheckRun(plan: plan, kinds: kinds, limits: limits)
        let checked = run.run()
        // One mistake read from two places (a measure that is also a shape's
        // input) is reported once.
        var seen: Set<Diagnostic> = []
        let unique = run.x.diagnostics.filter { seen.insert($0).inserted }
        let diagnostics = Diagnostic.sorted(unique)
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (checked, diagnostics)
    }
}

/// One check of one plan. Rule kinds check their bodies through it: it
/// types formulas in the scope they are read in, checks shapes and limiters,
/// and collects every diagnostic.
public struct CheckRun {
    public let plan: Plan
    let limits: Limits
    public var x: ExpressionChecker
    public var shapes: [CheckedShape] = []
    /// Set when a part of the plan could not be checked, so the plan is refused.
    public var failed = false
    /// Each plan rule's kind, by the rule's index (nil: an unknown kind, reported by the reader).
    let kindOf: [(any RuleKindChecking)?]

    init(plan: Plan, kinds: RuleKindSet, limits: Limits) {
        self.plan = plan
        self.limits = limits
        kindOf = plan.rules.map { kinds.named($0.kind.value) as? any RuleKindChecking }
        x = ExpressionChecker(plan: plan, ruleOutputs: kindOf.map { $0?.outputs ?? [] })
    }

    public mutating func error(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        x.error(code, message, at: range, notes: notes, help: help)
    }

    public mutating func warning(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        x.diagnostics.append(.warning(code, message, at: range, notes: notes, help: help))
    }

    // MARK: - Names

    mutating func registerNames() {
        var seen: [String: (String, SourceRange)] = [:]
        let functionNames = Set(Function.allCases.map(\.rawValue) + ExpressionChecker.aggregateNames + ExpressionChecker.specialFunctions)
        func claim(_ name: Located<String>, _ what: String, _ checker: inout ExpressionChecker) -> Bool {
            if ExpressionChecker.reservedNames.contains(name.value) {
                checker.error(CheckCode.reservedName, "`\(name.value)` is a built-in name and cannot name \(what)", at: name.range)
                return false
            }
            if let (kind, first) = seen[name.value] {
                checker.error(
                    CheckCode.nameTwice, "`\(name.value)` is already the name of \(kind)", at: name.range,
                    notes: [.init("first defined here", at: first)], help: "give each metric, rule, filter and shape its own name")
                return false
            }
            seen[name.value] = (what, name.range)
            return true
        }
        // A name claimed twice is an error, but each definition stays known in
        // its own kind, so later references do not pile up more errors.
        func own(_ name: Located<String>) -> Bool { !ExpressionChecker.reservedNames.contains(name.value) }
        for (i, f) in plan.filters.enumerated() where claim(f.name, "a filter", &x) || own(f.name) {
            if x.filterIndex[f.name.value] == nil { x.filterIndex[f.name.value] = i }
        }
        for (i, m) in plan.metrics.enumerated() where claim(m.name, "a metric", &x) || own(m.name) {
            if x.metricIndex[m.name.value] == nil { x.metricIndex[m.name.value] = i }
        }
        for (i, r) in plan.rules.enumerated() where claim(r.name, "a rule", &x) || own(r.name) {
            if x.ruleIndex[r.name.value] == nil { x.ruleIndex[r.name.value] = i }
        }
        for s in plan.shapes {
            if functionNames.contains(s.name.value) {
                x.error(CheckCode.reservedName, "`\(s.name.value)` is a function name and cannot name a shape", at: s.name.range)
                continue
            }
            guard claim(s.name, "a shape", &x) else { continue }
            x.shapeIndex[s.name.value] = shapes.count
            x.shapeArity.append(s.shape.arity)
            x.shapeKinds.append(s.shape.kindName)
            shapes.append(CheckedShape(name: s.name.value, labels: s.labels, kind: placeholderKind(s.shape), range: s.range))
        }
    }

    func placeholderKind(_ s: Shape) -> CheckedShapeKind {
        switch s {
        case .curve(let c): .curve(c)
        case .band(let b): .band(b, values: [])
        case .tiers(let t): .tiers(t, rates: [], amounts: [])
        case .matrix(let m): .matrix(m)
        }
    }

    // MARK: - Shapes

    public mutating func checkShape(_ shape: Shape, name: String, labels: Labels, range: SourceRange) -> CheckedShape? {
        switch shape {
        case .curve(let c):
            lintCurve(c, name)
            return CheckedShape(name: name, labels: labels, kind: .curve(c), range: range)
        case .band(let b):
            var values: [TExpr] = []
            for row in b.rows {
                guard let v = constantNumber(row.value, "a band value") else { return nil }
                values.append(v)
            }
            lintBand(b, name)
            return CheckedShape(name: name, labels: labels, kind: .band(b, values: values), range: range)
        case .tiers(let written):
            guard let t = expandPatterns(written, name) else { return nil }
            var rates: [TExpr?] = []
            var amounts: [TExpr?] = []
            for row in t.rows {
                if let r = row.rate {
                    guard let v = constantNumber(r, "a tier rate") else { return nil }
                    rates.append(v)
                } else {
                    rates.append(nil)
                }
                if let a = row.amount {
                    if a.isPercentLiteral, let v = a.constantNumber {
                        x.percentAsMoney(TExpr(.number(v), ValueType(.number, literal: true, percent: true), a.range), "a tier amount must be money")
                        return nil
                    }
                    guard let v = constantNumber(a, "a tier amount") else { return nil }
                    amounts.append(v)
                } else {
                    amounts.append(nil)
                }
            }
            lintTiers(t, name)
            var checked = CheckedShape(name: name, labels: labels, kind: .tiers(t, rates: rates, amounts: amounts), range: range)
            checked.generated = written.rows.contains { $0.pattern != nil }
            return checked
        case .matrix(let m):
            lintAxis(m.rowTests, hit: m.hit.value, what: "the row bands of \(name)")
            lintAxis(m.columnTests, hit: m.hit.value, what: "the column bands of \(name)")
            return CheckedShape(name: name, labels: labels, kind: .matrix(m), range: range)
        }
    }

    /// `help`: the fix where the place has a better one than the tables' (a
    /// prize cannot come from a metric at all).
    public mutating func constantNumber(_ e: Expr, _ what: String, help: String? = nil) -> TExpr? {
        guard let v = e.constantNumber else {
            error(
                CheckCode.constantExpected, "\(what) must be a constant number, found `\(e)`", at: e.range,
                help: help ?? "tables hold constants; compute per-rep values in a metric")
            return nil
        }
        return TExpr(.number(v), .number, e.range)
    }

    /// An inline shape is named after its rule and its kind of shape: `bonus.curve`.
    public static func inlineName(_ u: ShapeUse) -> String {
        if case .inline(let s) = u.target { return s.kindName }
        return "shape"
    }

    public mutating func use(_ u: ShapeUse, owner: String, defaultName: String) -> CheckedShapeUse? {
        var index: Int
        switch u.target {
        case .named(let n):
            guard let i = x.shapeIndex[n.value] else {
                error(CheckCode.unknownShape, "unknown shape `\(n.value)`", at: n.range, help: Suggest.didYouMean(n.value, among: x.shapeIndex.keys))
                return nil
            }
            index = i
        case .inline(let shape):
            guard let s = checkShape(shape, name: "\(owner).\(defaultName)", labels: Labels(), range: u.range) else { return nil }
            index = shapes.count
            shapes.append(s)
            x.shapeArity.append(s.arity)
            x.shapeKinds.append(shape.kindName)
        }
        if u.inputs.count != shapes[index].arity {
            error(
                CheckCode.shapeArity,
                "shape `\(shapes[index].name)` takes \(shapes[index].arity) input\(shapes[index].arity == 1 ? "" : "s"), given \(u.inputs.count)",
                at: u.range)
            return nil
        }
        var inputs: [TExpr] = []
        for i in u.inputs {
            guard let t = x.check(i, .rep), x.requireValue(t) else { return nil }
            guard t.type.base.isNumeric || t.type.literal else {
                error(CheckCode.shapeInputType, "a shape looks up a number, found \(t.type)", at: t.range)
                return nil
            }
            inputs.append(t)
        }
        return CheckedShapeUse(shape: index, inputs: inputs)
    }

    // MARK: - Typed parameters

    public mutating func rep(_ e: Expr?, _ want: BaseType?, _ what: String, symbol: Symbol? = nil) -> TExpr? {
        guard let e else { return nil }
        guard let t = x.check(e, .rep, selfSymbol: symbol) else {
            failed = true
            return nil
        }
        return expect(t, want, what)
    }

    public mutating func expect(_ t: TExpr, _ want: BaseType?, _ what: String) -> TExpr? {
        guard x.requireValue(t) else {
            failed = true
            return nil
        }
        guard let want else { return t }
        if t.type.literal && want.isNumeric {
            if want == .money, x.exponentLiterals.contains(t.range) {
                error(
                    CheckCode.exponentMoney, "`\(t)` is written with an exponent and is not accepted as money", at: t.range,
                    help: "write money as plain digits")
                failed = true
                return nil
            }
            if want == .money, t.type.percent {
                x.percentAsMoney(t, "\(what) must be money")
                failed = true
                return nil
            }
            if want == .money, !moneyDigitsFit(t) {
                failed = true
                return nil
            }
            return x.adapt(t, to: ValueType(want))
        }
        if t.type.base == want || (want == .number && t.type.base == .count) { return t }
        var help: String?
        if want == .money && t.type.base == .number { help = "multiply the ratio by an amount, e.g. rep.target_incentive * \(t)" }
        if want == .bool { help = "write a condition, e.g. `\(t) > 0`" }
        error(CheckCode.wrongType, "\(what) must be \(want.words), found \(t.type)", at: t.range, help: help)
        failed = true
        return nil
    }

    /// Money written in the plan has no more decimals than the plan pays
    /// in: a prize of `30000.005` would otherwise be rounded without a word.
    public mutating func moneyDigitsFit(_ t: TExpr) -> Bool {
        guard let v = t.constantValue else { return true }
        let scale = plan.rounding.scale
        guard let units = try? v * Exact(integer: Exact.powerOfTen(scale)), !units.isInteger else { return true }
        error(
            CheckCode.moneyTooPrecise, "`\(v)` has more decimals than the plan pays in (rounding scale \(scale))", at: t.range,
            help:
                "write the amount to \(scale == 2 ? "the cent" : "\(scale) decimals"), e.g. \((try? v.rounded(scale: scale, mode: .halfAwayFromZero))?.description ?? "")"
        )
        return false
    }

    public mutating func limiters(_ l: Limiters, symbol: Symbol) -> CheckedLimiters {
        let checked = CheckedLimiters(
            gate: rep(l.gate, .bool, "a gate", symbol: symbol),
            floor: rep(l.floor, .money, "a floor", symbol: symbol),
            cap: rep(l.cap, .money, "a cap", symbol: symbol))
        lintLimits(floor: checked.floor, cap: checked.cap, capApplies: .last)
        return checked
    }

    enum CapOrder { case first, last }

    /// A negative cap takes money away from every rep; a floor above the
    /// cap pays everyone the same (a rule applies its floor, then its cap;
    /// the total its cap, then its floor).
    mutating func lintLimits(floor: TExpr?, cap: TExpr?, capApplies: CapOrder) {
        if let cap, let c = cap.constantValue, c.isNegative {
            error(
                CheckCode.negativeCap, "the cap \(c) is below zero: it would take money from every rep", at: cap.range,
                help: "a cap limits pay from above; write 0 or more")
            failed = true
        }
        if let floor, let cap, let f = floor.constantValue, let c = cap.constantValue, f > c {
            let paid = capApplies == .last ? "the cap, \(c)" : "the floor, \(f)"
            warning(
                LintCode.floorAboveCap, "the floor \(f) is above the cap \(c): every rep is paid \(paid)", at: floor.range,
                notes: [.init("the cap", at: cap.range)])
        }
    }

    public mutating func rounding(_ choice: RoundingChoice) -> Rounding? {
        switch choice {
        case .plan: plan.rounding
        case .none: nil
        case .custom(let r): r
        }
    }

    // MARK: - Rules

    /// The rule's own symbol, for formulas that must not read the rule itself.
    public func symbol(ofRule name: String) -> Symbol? { x.ruleIndex[name].map { .rule($0, 0) } }

    mutating func checkRule(_ i: Int) -> CheckedRule? {
        let rule = plan.rules[i]
        guard let kind = kindOf[i], let body = kind.check(rule, &self) else { return nil }
        return CheckedRule(name: rule.name.value, rule: rule, kind: kind, body: body, rounding: rounding(rule.round))
    }

    // MARK: - Run

    mutating func run() -> CheckedPlan? {
        registerNames()
        for s in plan.shapes {
            guard let i = x.shapeIndex[s.name.value] else { continue }
            if let checked = checkShape(s.shape, name: s.name.value, labels: s.labels, range: s.range) {
                shapes[i] = checked
            } else {
                failed = true
            }
        }
        typeDefinitionsInOrder()
        var metrics: [CheckedMetric] = []
        for (i, m) in plan.metrics.enumerated() {
            if let t = x.metric(i) { metrics.append(CheckedMetric(name: m.name.value, definition: m, expr: t, type: t.type)) }
        }
        x.verifyAssumedTypes()
        var filters: [CheckedFilter] = []
        for (i, f) in plan.filters.enumerated() {
            if let t = x.filter(i) { filters.append(CheckedFilter(name: f.name.value, definition: f, expr: t)) }
        }
        var rules: [CheckedRule] = []
        for i in plan.rules.indices {
            if let r = checkRule(i) { rules.append(r) } else { failed = true }
        }
        var populationWhen: TExpr?
        if let w = plan.population.when {
            if let t = x.check(w, .data) { populationWhen = expect(t, .bool, "the population condition") }
        }
        var require: [TExpr] = []
        for r in plan.population.require {
            if let t = x.check(r, .data), let e = expect(t, .bool, "a population requirement") { require.append(e) }
        }
        var total: CheckedTotal?
        if let t = plan.total {
            var components: [(Symbol, String)] = []
            var seen: Set<String> = []
            for c in t.components {
                let parts = c.value.split(separator: ".").map(String.init)
                guard let ri = x.ruleIndex[parts[0]], parts.count <= 2 else {
                    error(
                        CheckCode.badTotalComponent, "`\(c.value)` is not a rule", at: c.range,
                        help: Suggest.didYouMean(c.value, among: plan.rules.map(\.name.value)))
                    continue
                }
                let outputs = kindOf[ri]?.outputs ?? []
                let wanted = parts.count == 2 ? parts[1] : ""
                guard let o = outputs.firstIndex(where: { $0.name == wanted }), outputs[o].type.base == .money, !outputs[o].type.optional else {
                    if outputs.first?.role == .flag {
                        error(
                            CheckCode.badTotalComponent, "`\(parts[0])` flags reps for review and pays nothing; it cannot be part of the total",
                            at: c.range,
                            help: "list paying rules only; other rules read the flag, e.g. `exclude: \(parts[0]).flag != \"none\"`")
                    } else {
                        let payouts = outputs.filter { $0.type.base == .money && !$0.type.optional }.map {
                            $0.name.isEmpty ? parts[0] : "\(parts[0]).\($0.name)"
                        }
                        error(
                            CheckCode.badTotalComponent, "`\(c.value)` is not a payout (money) of rule `\(parts[0])`", at: c.range,
                            help: Suggest.didYouMean(c.value, among: payouts)
                                ?? (payouts.isEmpty ? nil : "its payouts: " + payouts.map { "`\($0)`" }.joined(separator: ", ")))
                    }
                    continue
                }
                if !seen.insert(c.value).inserted {
                    error(CheckCode.badTotalComponent, "`\(c.value)` is listed twice in the total", at: c.range)
                    continue
                }
                components.append((.rule(ri, o), c.value))
            }
            let cap = rep(t.cap, .money, "the total's cap")
            let floor = rep(t.floor, .money, "the total's floor")
            lintLimits(floor: floor, cap: cap, capApplies: .first)
            total = CheckedTotal(components: components, cap: cap, floor: floor, rounding: rounding(t.round))
        }
        var output: [CheckedColumn] = []
        for c in plan.output {
            if let t = x.check(c.value, .rep) {
                if c.decimals != nil && !(t.type.base.isNumeric) {
                    error(CheckCode.decimalsOnNonNumber, "`decimals` applies to numbers; `\(c.header.value)` is \(t.type)", at: c.decimals!.range)
                }
                output.append(CheckedColumn(header: c.header.value, expr: t, decimals: c.decimals?.value))
            }
        }
        if plan.output.isEmpty { output = defaultOutput(rules) }

        if x.diagnostics.contains(where: { $0.severity == .error }) || failed { return nil }

        guard let order = dependencyOrder(metrics: metrics, rules: rules, total: total) else { return nil }
        lintUnused(metrics: metrics, rules: rules, total: total, output: output, populationExprs: require + [populationWhen].compactMap { $0 })
        let history = historyNeeds(metrics: metrics, rules: rules)
        if history.carriesState && plan.effectiveFrom == nil {
            let at = x.assumedSelfTypes.sorted { $0.key < $1.key }.first?.value.1 ?? plan.name.range
            error(
                CheckCode.stateWithoutStart, "this carries a value from period to period, so the plan needs to say where it starts", at: at,
                help: "add `effective: {from: DATE}` at the top level of the plan")
            return nil
        }
        return CheckedPlan(
            plan: plan, metrics: metrics, filters: filters, shapes: shapes, rules: rules, populationWhen: populationWhen,
            populationRequire: require, total: total, output: output, order: order, lookback: history.lookback,
            carriesState: history.carriesState, usesYearToDate: x.usesYearToDate, readsTargets: x.readsTargets)
    }

    func defaultOutput(_ rules: [CheckedRule]) -> [CheckedColumn] {
        let here = plan.range
        var cols: [CheckedColumn] = [
            CheckedColumn(header: "rep_id", expr: TExpr(.repColumn("rep_id"), .text, here), decimals: nil),
            CheckedColumn(header: "name", expr: TExpr(.repColumn("name"), .text, here), decimals: nil),
        ]
        for r in rules {
            guard let i = x.ruleIndex[r.name] else { continue }
            cols.append(CheckedColumn(header: r.name, expr: TExpr(.symbol(.rule(i, 0), name: r.name), r.outputs[0].type, here), decimals: nil))
        }
        if plan.total != nil {
            cols.append(CheckedColumn(header: "capped", expr: TExpr(.symbol(.capped, name: "capped"), .money, here), decimals: nil))
            cols.append(CheckedColumn(header: "total", expr: TExpr(.symbol(.total, name: "total"), .money, here), decimals: nil))
        }
        return cols
    }

    // MARK: - Dependencies

    static func sameTimeDependencies(_ e: TExpr) -> [Symbol] {
        var out: [Symbol] = []
        var stack = [e]
        while let n = stack.popLast() {
            switch n.kind {
            case .symbol(let s, _): out.append(s)
            case .previous(_, _, let d): if let d { stack.append(d) }
            case .yearToDate(let s, _): out.append(s)  // this period's value is part of the year to date
            case .filter(_, _, let inner): stack.append(inner)
            case .unary(_, let a): stack.append(a)
            case .binary(_, let a, let b): stack += [a, b]
            case .conditional(let a, let b, let c): stack += [a, b, c]
            case .function(_, let args), .shape(_, _, let args): stack += args
            case .groupAggregate(_, let a): stack.append(a)
            case .population(let a): stack += a.parts
            case .aggregate(let a):
                if let t = a.threshold { stack.append(t) }
            default: break
            }
        }
        return out
    }

    mutating func dependencyOrder(metrics: [CheckedMetric], rules: [CheckedRule], total: CheckedTotal?) -> [Symbol]? {
        // Nodes: metrics then rules, in definition order; rule outputs map to their rule.
        let metricCount = plan.metrics.count
        let nodeCount = metricCount + plan.rules.count
        func node(_ s: Symbol) -> Int? {
            switch s {
            case .metric(let i): return i
            case .rule(let i, _): return metricCount + i
            case .total, .capped: return nil
            }
        }
        var edges = [[Int]](repeating: [], count: nodeCount)
        var via = [[Int: SourceRange]](repeating: [:], count: nodeCount)
        var readsTotal: [Int: SourceRange] = [:]
        func add(_ from: Int, _ e: TExpr) {
            for dep in CheckRun.sameTimeDependencies(e) {
                if let d = node(dep), d != from {
                    edges[from].append(d)
                    if via[from][d] == nil { via[from][d] = e.range }
                } else if dep == .total || dep == .capped {
                    readsTotal[from] = e.range
                }
            }
        }
        for m in metrics {
            guard let i = x.metricIndex[m.name] else { continue }
            add(i, m.expr)
        }
        for r in rules {
            guard let i = x.ruleIndex[r.name] else { continue }
            for e in r.body.expressions { add(metricCount + i, e) }
        }
        for (from, range) in readsTotal {
            error(
                CheckCode.readsTotal, "`\(nodeName(from))` reads the total, but the total is computed from the rules", at: range,
                help: "read the total only in output columns")
            return nil
        }
        // Kahn's algorithm, always taking the earliest-defined ready node, so
        // the order is stable and follows the file where it can.
        var indegree = [Int](repeating: 0, count: nodeCount)
        var dependents = [[Int]](repeating: [], count: nodeCount)
        for n in 0..<nodeCount {
            for d in Set(edges[n]) {
                indegree[n] += 1
                dependents[d].append(n)
            }
        }
        var ready = (0..<nodeCount).filter { indegree[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            ready.sort()
            let n = ready.removeFirst()
            order.append(n)
            for m in dependents[n] {
                indegree[m] -= 1
                if indegree[m] == 0 { ready.append(m) }
            }
        }
        if order.count < nodeCount {
            // Report one cycle as its path of names.
            let remaining = Set((0..<nodeCount).filter { indegree[$0] > 0 })
            var path: [Int] = []
            var current = remaining.min()!
            var seen: [Int: Int] = [:]
            while seen[current] == nil {
                seen[current] = path.count
                path.append(current)
                current = edges[current].filter { remaining.contains($0) }.min()!
            }
            let cycle = Array(path[seen[current]!...]) + [current]
            let names = cycle.map(nodeName)
            var notes: [Diagnostic.Note] = []
            for k in 0..<(cycle.count - 1) {
                if let r = via[cycle[k]][cycle[k + 1]] {
                    notes.append(.init("`\(names[k])` reads `\(names[k + 1])` here", at: r))
                }
            }
            error(CheckCode.cycle, "a cycle: \(names.joined(separator: " → "))", at: nodeRange(cycle[0]), notes: notes)
            return nil
        }
        return order.map { $0 < metricCount ? .metric($0) : .rule($0 - metricCount, 0) }
    }

    func nodeName(_ n: Int) -> String {
        n < plan.metrics.count ? plan.metrics[n].name.value : plan.rules[n - plan.metrics.count].name.value
    }

    func nodeRange(_ n: Int) -> SourceRange {
        n < plan.metrics.count ? plan.metrics[n].name.range : plan.rules[n - plan.metrics.count].name.range
    }

    /// How far back in time the plan reads: previous(x) needs x one period
    /// back, and x's own previous() reads further. A chain that returns to
    /// itself (a carried balance) runs back to the effective start.
    func historyNeeds(metrics: [CheckedMetric], rules: [CheckedRule]) -> (lookback: Int, carriesState: Bool) {
        var exprs: [Symbol: [TExpr]] = [:]
        for m in metrics {
            if let i = x.metricIndex[m.name] { exprs[.metric(i)] = [m.expr] }
        }
        var levelsNeeded = 0
        for r in rules {
            guard let i = x.ruleIndex[r.name] else { continue }
            exprs[.rule(i, 0)] = r.body.expressions
            levelsNeeded = max(levelsNeeded, r.body.ownHistory)
        }
        func key(_ s: Symbol) -> Symbol {
            if case .rule(let i, _) = s { return .rule(i, 0) }
            return s
        }
        // depth(s): periods back that evaluating s in one period reads: the
        // heaviest path from s, where reading `previous` weighs one period.
        // A cycle (through `previous`: same-period cycles were refused
        // before) carries state from the effective start. Iterative: a chain
        // of 2,000 metrics must not exhaust the stack.
        func edges(_ k: Symbol) -> [(Symbol, Int)] {
            var out: [(Symbol, Int)] = []
            for e in exprs[k] ?? [] {
                e.visit { n in
                    switch n.kind {
                    case .symbol(let t, _), .yearToDate(let t, _): out.append((key(t), 0))
                    case .previous(let t, _, _): out.append((key(t), 1))
                    default: break
                    }
                }
            }
            return out
        }
        var memo: [Symbol: Int] = [:]
        var open: Set<Symbol> = []
        var infinite = false
        func depth(_ root: Symbol) -> Int {
            if let d = memo[root] { return d }
            var stack: [(node: Symbol, edges: [(Symbol, Int)], next: Int, depth: Int)] = [(root, edges(root), 0, 0)]
            open.insert(root)
            while !stack.isEmpty {
                let top = stack.count - 1
                guard stack[top].next < stack[top].edges.count else {
                    let done = stack.removeLast()
                    open.remove(done.node)
                    memo[done.node] = done.depth
                    continue
                }
                let (t, weight) = stack[top].edges[stack[top].next]
                stack[top].next += 1
                if let d = memo[t] {
                    stack[top].depth = max(stack[top].depth, weight + d)
                } else if open.contains(t) {
                    infinite = true
                    stack[top].depth = max(stack[top].depth, weight)
                } else {
                    // Visit t first, then take this edge again with t's depth known.
                    stack[top].next -= 1
                    open.insert(t)
                    stack.append((t, edges(t), 0, 0))
                }
            }
            return memo[root] ?? 0
        }
        var lookback = levelsNeeded
        for s in exprs.keys.sorted(by: { "\($0)" < "\($1)" }) { lookback = max(lookback, depth(s)) }
        return (min(lookback, limits.historyPeriods), infinite || x.previousOfSelf)
    }

    mutating func lintUnused(metrics: [CheckedMetric], rules: [CheckedRule], total: CheckedTotal?, output: [CheckedColumn], populationExprs: [TExpr])
    {
        var used: Set<String> = []
        var usedFilters: Set<Int> = []
        var usedShapes: Set<Int> = []
        var all: [TExpr] = metrics.map(\.expr) + output.map(\.expr) + populationExprs
        for r in rules {
            all += r.body.expressions + r.body.transactionExpressions
            usedShapes.formUnion(r.body.shapesUsed)
        }
        if let total {
            all += [total.cap, total.floor].compactMap { $0 }
            for (s, _) in total.components {
                if case .rule(let i, _) = s { used.insert(plan.rules[i].name.value) }
            }
        }
        for f in plan.filters.indices { if let t = x.filterTypes[f] { all.append(t) } }
        for e in all {
            e.visit { n in
                switch n.kind {
                case .symbol(let s, _), .previous(let s, _, _), .yearToDate(let s, _):
                    if case .metric(let i) = s { used.insert(plan.metrics[i].name.value) }
                    if case .rule(let i, _) = s { used.insert(plan.rules[i].name.value) }
                case .filter(let i, _, _): usedFilters.insert(i)
                case .shape(let i, _, _): usedShapes.insert(i)
                default: break
                }
            }
        }
        for m in plan.metrics where !used.contains(m.name.value) {
            // A metric that reads itself through previous() is used by itself only.
            warning(LintCode.unusedMetric, "metric `\(m.name.value)` is not used by any rule, the total or the output", at: m.name.range)
        }
        for (i, f) in plan.filters.enumerated() where !usedFilters.contains(i) {
            warning(LintCode.unusedDefinition, "filter `\(f.name.value)` is not used", at: f.name.range)
        }
        for s in plan.shapes {
            if let i = x.shapeIndex[s.name.value], !usedShapes.contains(i) {
                warning(LintCode.unusedDefinition, "shape `\(s.name.value)` is not used", at: s.name.range)
            }
        }
    }
}

extension TExpr {
    /// The value of a constant number, folded.
    public var constantValue: Exact? {
        switch kind {
        case .number(let v): return v
        case .unary(.negate, let e): return e.constantValue.flatMap { try? $0.negated() }
        default: return nil
        }
    }
}
