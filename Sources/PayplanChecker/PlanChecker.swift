import PayplanCore
import PayplanLanguage

/// Checks a parsed plan: resolves every name, types every formula, orders
/// metrics and rules by dependency (reporting a cycle as its path of names),
/// and lints the tables. Reports all problems of the plan at once.
public enum PlanChecker {
    public static func check(_ plan: Plan, limits: Limits = .default) -> (CheckedPlan?, [Diagnostic]) {
        var run = CheckRun(plan: plan, limits: limits)
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

struct CheckRun {
    let plan: Plan
    let limits: Limits
    var x: ExpressionChecker
    var shapes: [CheckedShape] = []
    var failed = false

    init(plan: Plan, limits: Limits) {
        self.plan = plan
        self.limits = limits
        x = ExpressionChecker(plan: plan)
    }

    mutating func error(_ code: String, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil) {
        x.error(code, message, at: range, notes: notes, help: help)
    }

    mutating func warning(_ code: String, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil) {
        x.diagnostics.append(.warning(code, message, at: range, notes: notes, help: help))
    }

    // MARK: - Names

    mutating func registerNames() {
        var seen: [String: (String, SourceRange)] = [:]
        let functionNames = Set(Function.allCases.map(\.rawValue) + ExpressionChecker.aggregateNames + ExpressionChecker.specialFunctions)
        func claim(_ name: Located<String>, _ what: String, _ checker: inout ExpressionChecker) -> Bool {
            if ExpressionChecker.reservedNames.contains(name.value) {
                checker.error("C441", "`\(name.value)` is a built-in name and cannot name \(what)", at: name.range)
                return false
            }
            if let (kind, first) = seen[name.value] {
                checker.error(
                    "C442", "`\(name.value)` is already the name of \(kind)", at: name.range,
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
                x.error("C441", "`\(s.name.value)` is a function name and cannot name a shape", at: s.name.range)
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

    mutating func checkShape(_ shape: Shape, name: String, labels: Labels, range: SourceRange) -> CheckedShape? {
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
        case .tiers(let t):
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
            return CheckedShape(name: name, labels: labels, kind: .tiers(t, rates: rates, amounts: amounts), range: range)
        case .matrix(let m):
            lintAxis(m.rowTests, hit: m.hit.value, what: "the row bands of \(name)")
            lintAxis(m.columnTests, hit: m.hit.value, what: "the column bands of \(name)")
            return CheckedShape(name: name, labels: labels, kind: .matrix(m), range: range)
        }
    }

    mutating func constantNumber(_ e: Expr, _ what: String) -> TExpr? {
        guard let v = e.constantNumber else {
            error(
                "C443", "\(what) must be a constant number, found `\(e)`", at: e.range,
                help: "tables hold constants; compute per-rep values in a metric")
            return nil
        }
        return TExpr(.number(v), .number, e.range)
    }

    /// An inline shape is named after its rule and kind: `attainment_bonus.curve`.
    static func inlineName(_ u: ShapeUse) -> String {
        if case .inline(let s) = u.target { return s.kindName }
        return "shape"
    }

    mutating func use(_ u: ShapeUse, owner: String, defaultName: String) -> CheckedShapeUse? {
        var index: Int
        switch u.target {
        case .named(let n):
            guard let i = x.shapeIndex[n.value] else {
                error("C444", "unknown shape `\(n.value)`", at: n.range, help: Suggest.didYouMean(n.value, among: x.shapeIndex.keys))
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
                "C425",
                "shape `\(shapes[index].name)` takes \(shapes[index].arity) input\(shapes[index].arity == 1 ? "" : "s"), given \(u.inputs.count)",
                at: u.range)
            return nil
        }
        var inputs: [TExpr] = []
        for i in u.inputs {
            guard let t = x.check(i, .rep), x.requireValue(t) else { return nil }
            guard t.type.base.isNumeric || t.type.literal else {
                error("C426", "a shape looks up a number, found \(t.type)", at: t.range)
                return nil
            }
            inputs.append(t)
        }
        return CheckedShapeUse(shape: index, inputs: inputs)
    }

    // MARK: - Typed parameters

    mutating func rep(_ e: Expr?, _ want: BaseType?, _ what: String, symbol: Symbol? = nil) -> TExpr? {
        guard let e else { return nil }
        guard let t = x.check(e, .rep, selfSymbol: symbol) else {
            failed = true
            return nil
        }
        return expect(t, want, what)
    }

    mutating func expect(_ t: TExpr, _ want: BaseType?, _ what: String) -> TExpr? {
        guard x.requireValue(t) else {
            failed = true
            return nil
        }
        guard let want else { return t }
        if t.type.literal && want.isNumeric {
            if want == .money, x.exponentLiterals.contains(t.range) {
                error("C414", "`\(t)` is written with an exponent and is not accepted as money", at: t.range, help: "write money as plain digits")
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
        error("C445", "\(what) must be \(want.words), found \(t.type)", at: t.range, help: help)
        failed = true
        return nil
    }

    /// Money written in the plan has no more decimals than the plan pays
    /// in: a prize of `30000.005` would otherwise be rounded without a word.
    mutating func moneyDigitsFit(_ t: TExpr) -> Bool {
        guard let v = t.constantValue else { return true }
        let scale = plan.rounding.scale
        guard let units = try? v * Exact(integer: Exact.powerOfTen(scale)), !units.isInteger else { return true }
        error(
            "C462", "`\(v)` has more decimals than the plan pays in (rounding scale \(scale))", at: t.range,
            help:
                "write the amount to \(scale == 2 ? "the cent" : "\(scale) decimals"), e.g. \((try? v.rounded(scale: scale, mode: .halfAwayFromZero))?.description ?? "")"
        )
        return false
    }

    mutating func limiters(_ l: Limiters, symbol: Symbol) -> CheckedLimiters {
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
                "C463", "the cap \(c) is below zero: it would take money from every rep", at: cap.range,
                help: "a cap limits pay from above; write 0 or more")
            failed = true
        }
        if let floor, let cap, let f = floor.constantValue, let c = cap.constantValue, f > c {
            let paid = capApplies == .last ? "the cap, \(c)" : "the floor, \(f)"
            warning(
                "L511", "the floor \(f) is above the cap \(c): every rep is paid \(paid)", at: floor.range,
                notes: [.init("the cap", at: cap.range)])
        }
    }

    mutating func rounding(_ choice: RoundingChoice) -> Rounding? {
        switch choice {
        case .plan: plan.rounding
        case .none: nil
        case .custom(let r): r
        }
    }

    // MARK: - Rules

    mutating func checkRule(_ i: Int) -> CheckedRule? {
        let rule = plan.rules[i]
        let name = rule.name.value
        let me = Symbol.rule(i, .main)
        var body: CheckedRuleBody?
        switch rule.body {
        case .attainmentBonus(let b):
            let base = rep(b.base, .money, "the base of \(name)", symbol: me)
            let measure = rep(b.measure, nil, "the measure", symbol: me)
            if let m = measure, !(m.type.base.isNumeric || m.type.literal) {
                error("C445", "the measure of \(name) must be a number, found \(m.type)", at: m.range)
            }
            let shape = use(b.shape, owner: name, defaultName: CheckRun.inlineName(b.shape))
            var multipliers: [CheckedMultiplier] = []
            for (k, m) in b.multipliers.enumerated() {
                let mname = m.name?.value ?? "multiplier \(k + 1)"
                if let factor = m.factor {
                    if let f = rep(factor, .number, "a multiplier", symbol: me) {
                        multipliers.append(CheckedMultiplier(name: mname, labels: m.labels, shape: nil, factor: f))
                    }
                } else if let su = m.shape, let u = use(su, owner: name, defaultName: m.name?.value ?? "multiplier\(k + 1)") {
                    multipliers.append(CheckedMultiplier(name: mname, labels: m.labels, shape: u, factor: nil))
                } else {
                    failed = true
                }
            }
            let lim = limiters(b.limiters, symbol: me)
            if let base, let measure, let shape {
                body = .attainmentBonus(base: base, measure: measure, shape: shape, multipliers: multipliers, limiters: lim)
            }
        case .productAward(let p):
            let measure = rep(p.measure, nil, "the measure", symbol: me)
            var threshold: TExpr?
            if let measure {
                guard measure.type.base.isNumeric else {
                    error("C445", "the measure of \(name) must be a number or money, found \(measure.type)", at: measure.range)
                    return nil
                }
                threshold = rep(p.threshold, measure.type.base, "the threshold", symbol: me)
            }
            let award = rep(p.award, .money, "the award", symbol: me)
            let rate = rep(p.rateAbove, .number, "the rate above the threshold", symbol: me)
            let lim = limiters(p.limiters, symbol: me)
            var fm: CheckedFirstMovers?
            if let f = p.firstMovers {
                let running = x.check(f.running, .transaction)
                var filter: TExpr?
                if let fe = f.filter {
                    filter = x.check(fe, .transaction)
                    if let t = filter, t.type.base != .bool {
                        error("C403", "a `where` clause must be a condition, found \(t.type)", at: t.range)
                        filter = nil
                    }
                }
                let fmAward = rep(f.award, .money, "the first-mover award", symbol: me)
                if let running, let fmAward {
                    if running.type.base.isNumeric || running.type.literal {
                        fm = CheckedFirstMovers(count: f.count.value, award: fmAward, running: running, filter: filter)
                    } else {
                        error("C434", "the running total must add up numbers or money, found \(running.type)", at: running.range)
                    }
                } else {
                    failed = true
                }
                if let m = measure, let running, m.type.base != running.type.base, !running.type.literal {
                    error(
                        "C446", "the running total adds \(running.type.base.words) but the measure is \(m.type.base.words)", at: running.range)
                }
            }
            if let th = threshold?.constantValue, th <= .zero {
                warning("L506", "the threshold \(th) is reached by every rep", at: threshold!.range)
            }
            if let a = award?.constantValue, let c = lim.cap?.constantValue, c < a {
                warning(
                    "L505", "the cap \(c) is below the award at the threshold \(a): the rate above the threshold never pays",
                    at: lim.cap!.range)
            }
            if let measure, let threshold, let award {
                body = .productAward(
                    measure: measure, threshold: threshold, inclusive: p.inclusive.value, award: award, rateAbove: rate,
                    limiters: lim, firstMovers: fm)
            }
        case .teamRanking(let t):
            let groupBy = rep(t.groupBy, nil, "the grouping", symbol: me)
            if let g = groupBy, g.type.base != .text {
                error("C445", "`group_by` must be text (a rep attribute such as rep.team), found \(g.type)", at: g.range)
            }
            let members = rep(t.members, .bool, "the membership condition", symbol: me)
            let score = x.check(t.score, .group(scoreVisible: false))
            if let s = score, !(s.type.base.isNumeric) {
                error("C445", "a score must be a number, found \(s.type)", at: s.range)
            }
            var eligible: TExpr?
            if let e = t.eligible {
                eligible = x.check(e, .group(scoreVisible: true))
                if let el = eligible, el.type.base != .bool {
                    error("C445", "`eligible` must be a condition, found \(el.type)", at: el.range)
                    eligible = nil
                }
            }
            var prizes: [TExpr] = []
            for p in t.prizes {
                if p.isPercentLiteral, let v = p.constantNumber {
                    x.percentAsMoney(TExpr(.number(v), ValueType(.number, literal: true, percent: true), p.range), "a prize must be money")
                    failed = true
                    continue
                }
                if let v = constantNumber(p, "a prize") {
                    guard moneyDigitsFit(v) else { continue }
                    if let c = v.constantValue, c < .zero {
                        error("C447", "a prize cannot be negative", at: v.range)
                    }
                    prizes.append(x.adapt(v, to: .money))
                } else {
                    failed = true
                }
            }
            for k in prizes.indices.dropFirst() {
                if let a = prizes[k - 1].constantValue, let b = prizes[k].constantValue, b > a {
                    warning("L508", "prize \(k + 1) (\(b)) is larger than prize \(k) (\(a))", at: prizes[k].range)
                }
            }
            var breakers: [(TExpr, SortOrder)] = []
            if case .breakBy(let list, _) = t.ties {
                for b in list {
                    if let e = x.check(b.expr, .group(scoreVisible: true)) {
                        if e.type.base.isNumeric {
                            breakers.append((e, b.order.value))
                        } else {
                            error("C445", "a tie-breaker must be a number, found \(e.type)", at: e.range)
                        }
                    }
                }
            }
            var split: CheckedSplit?
            switch t.split.method {
            case .equal: split = .equal
            case .role(let r): split = .role(r)
            case .proRata(let w):
                if let weight = rep(w, nil, "a split weight", symbol: me) {
                    if weight.type.base.isNumeric || weight.type.literal {
                        split = .proRata(weight)
                    } else {
                        error("C445", "a split weight must be a number or money, found \(weight.type)", at: weight.range)
                    }
                }
            }
            let exclude = rep(t.split.exclude, .bool, "the exclusion condition", symbol: me)
            if let groupBy, let score, let split, !prizes.isEmpty {
                body = .teamRanking(
                    groupBy: groupBy, members: members, score: score, eligible: eligible, order: t.order.value, prizes: prizes,
                    breakers: breakers, split: split, exclude: exclude)
            }
        case .elimination(let e):
            let measure = rep(e.measure, nil, "the measure", symbol: me)
            let among = rep(e.among, .bool, "who is ranked", symbol: me)
            let exempt = rep(e.exempt, .bool, "the exemption", symbol: me)
            var below: TExpr?
            if let measure {
                if !measure.type.base.isNumeric {
                    error("C445", "the measure of \(name) must be a number, found \(measure.type)", at: measure.range)
                }
                below = rep(e.below, measure.type.base, "the threshold", symbol: me)
            }
            var bottom: (CheckedBottomSize, Bottom.Rounding, Bool)?
            if let b = e.bottom {
                switch b.size {
                case .share(let s): bottom = (.share(s.value), b.rounding.value, b.includeTies.value)
                case .count(let k): bottom = (.count(k.value), b.rounding.value, b.includeTies.value)
                }
                if case .share(let s) = b.size, s.value.isZero, e.below == nil {
                    warning("L507", "a bottom share of 0% flags nobody", at: s.range)
                }
            }
            if let measure {
                body = .elimination(
                    measure: measure, among: among, exempt: exempt, below: below, bottom: bottom, levels: e.levels.map(\.value),
                    none: e.none.value)
            }
        case .commission(let c):
            let amount = x.check(c.amount, .transaction)
            if let a = amount, !(a.type.base.isNumeric) {
                error("C445", "the commissionable amount must be money or a number, found \(a.type)", at: a.range)
            }
            var filter: TExpr?
            if let f = c.filter {
                filter = x.check(f, .transaction)
                if let ft = filter, ft.type.base != .bool {
                    error("C403", "`where` must be a condition, found \(ft.type)", at: ft.range)
                    filter = nil
                }
            }
            // The tiers rate transaction amounts, which only exist while data
            // is read, so the shape takes no rep-level input here.
            let shapeUse = c.shape
            var index: Int?
            switch shapeUse.target {
            case .named(let n):
                index = x.shapeIndex[n.value]
                if index == nil {
                    error("C444", "unknown shape `\(n.value)`", at: n.range, help: Suggest.didYouMean(n.value, among: x.shapeIndex.keys))
                }
            case .inline(let s):
                if let cs = checkShape(s, name: "\(name).tiers", labels: Labels(), range: shapeUse.range) {
                    index = shapes.count
                    shapes.append(cs)
                    x.shapeArity.append(1)
                    x.shapeKinds.append(s.kindName)
                }
            }
            if let index, case .tiers = shapes[index].kind {
            } else if let index {
                error("C448", "a commission rates with tiers; `\(shapes[index].name)` is a \(x.shapeKinds[index])", at: shapeUse.range)
            }
            let lim = limiters(c.limiters, symbol: me)
            if let amount, let index {
                body = .commission(
                    amount: amount, filter: filter, rateOn: c.rateOn.value, shape: CheckedShapeUse(shape: index, inputs: []),
                    limiters: lim)
            }
        case .formula(let f):
            let value = rep(f.value, .money, "the value of \(name)", symbol: me)
            let lim = limiters(f.limiters, symbol: me)
            if let value { body = .formula(value: value, limiters: lim) }
        }
        guard let body else { return nil }
        return CheckedRule(name: name, rule: rule, body: body, rounding: rounding(rule.round))
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
                        "C449", "`\(c.value)` is not a rule", at: c.range,
                        help: Suggest.didYouMean(c.value, among: plan.rules.map(\.name.value)))
                    continue
                }
                let outputs = RuleOutput.outputs(of: plan.rules[ri].kind.value)
                let wanted = parts.count == 2 ? parts[1] : ""
                guard let (o, type) = outputs.first(where: { $0.0.rawValue == wanted }), type.base == .money, !type.optional else {
                    if plan.rules[ri].kind.value == .elimination {
                        error(
                            "C449", "`\(parts[0])` flags reps for review and pays nothing; it cannot be part of the total", at: c.range,
                            help: "list paying rules only; other rules read the flag, e.g. `exclude: \(parts[0]).flag != \"none\"`")
                    } else {
                        error("C449", "`\(c.value)` is not a payout (money) of rule `\(parts[0])`", at: c.range)
                    }
                    continue
                }
                if !seen.insert(c.value).inserted {
                    error("C449", "`\(c.value)` is listed twice in the total", at: c.range)
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
                    error("C450", "`decimals` applies to numbers; `\(c.header.value)` is \(t.type)", at: c.decimals!.range)
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
                "C451", "this carries a value from period to period, so the plan needs to say where it starts", at: at,
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
            let t = RuleOutput.outputs(of: r.rule.kind.value)[0].1
            cols.append(CheckedColumn(header: r.name, expr: TExpr(.symbol(.rule(i, .main), name: r.name), t, here), decimals: nil))
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
            case .aggregate(let a):
                if let t = a.threshold { stack.append(t) }
            default: break
            }
        }
        return out
    }

    static func ruleExpressions(_ r: CheckedRule) -> [TExpr] {
        func lim(_ l: CheckedLimiters) -> [TExpr] { [l.gate, l.floor, l.cap].compactMap { $0 } }
        switch r.body {
        case .attainmentBonus(let base, let measure, let shape, let multipliers, let limiters):
            return [base, measure] + shape.inputs + multipliers.flatMap { ($0.shape?.inputs ?? []) + [$0.factor].compactMap { $0 } }
                + lim(limiters)
        case .productAward(let measure, let threshold, _, let award, let rate, let limiters, let fm):
            return [measure, threshold, award] + [rate].compactMap { $0 } + lim(limiters) + [fm?.award].compactMap { $0 }
        case .teamRanking(let groupBy, let members, let score, let eligible, _, let prizes, let breakers, let split, let exclude):
            var list = [groupBy, score] + [members, eligible, exclude].compactMap { $0 } + prizes + breakers.map(\.0)
            if case .proRata(let w) = split { list.append(w) }
            return list
        case .elimination(let measure, let among, let exempt, let below, _, _, _):
            return [measure] + [among, exempt, below].compactMap { $0 }
        case .commission(_, _, _, _, let limiters):
            return lim(limiters)
        case .formula(let value, let limiters):
            return [value] + lim(limiters)
        }
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
            for e in CheckRun.ruleExpressions(r) { add(metricCount + i, e) }
        }
        for (from, range) in readsTotal {
            error(
                "C452", "`\(nodeName(from))` reads the total, but the total is computed from the rules", at: range,
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
            error("C401", "a cycle: \(names.joined(separator: " → "))", at: nodeRange(cycle[0]), notes: notes)
            return nil
        }
        return order.map { $0 < metricCount ? .metric($0) : .rule($0 - metricCount, .main) }
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
            exprs[.rule(i, .main)] = CheckRun.ruleExpressions(r)
            if case .elimination(_, _, _, _, _, let levels, _) = r.body { levelsNeeded = max(levelsNeeded, levels.count - 1) }
        }
        func key(_ s: Symbol) -> Symbol {
            if case .rule(let i, _) = s { return .rule(i, .main) }
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
            all += CheckRun.ruleExpressions(r)
            switch r.body {
            case .attainmentBonus(_, _, let s, let ms, _):
                usedShapes.insert(s.shape)
                for m in ms { if let u = m.shape { usedShapes.insert(u.shape) } }
            case .commission(let amount, let filter, _, let s, _):
                usedShapes.insert(s.shape)
                all.append(amount)
                if let filter { all.append(filter) }
            case .productAward(_, _, _, _, _, _, let fm):
                if let fm {
                    all.append(fm.running)
                    if let f = fm.filter { all.append(f) }
                }
            default: break
            }
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
            warning("L509", "metric `\(m.name.value)` is not used by any rule, the total or the output", at: m.name.range)
        }
        for (i, f) in plan.filters.enumerated() where !usedFilters.contains(i) {
            warning("L510", "filter `\(f.name.value)` is not used", at: f.name.range)
        }
        for s in plan.shapes {
            if let i = x.shapeIndex[s.name.value], !usedShapes.contains(i) {
                warning("L510", "shape `\(s.name.value)` is not used", at: s.name.range)
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
