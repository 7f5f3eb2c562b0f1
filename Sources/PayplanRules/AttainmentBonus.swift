import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// 业绩达成奖金: base × shape(measure) × multipliers, gated, floored, capped.
///
///     attainment_bonus:
///       kind: attainment_bonus
///       base: rep.target_incentive * proration
///       measure: attainment
///       curve: {points: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]], below: zero, above: flat}
///       multipliers: [{name: collection_factor, input: collection_rate, band: {...}}]
struct AttainmentBonusKind: RuleKind {
    let codes: [any DiagnosticCode] = AttainmentBonusCode.allCases
    let name = "attainment_bonus"
    let keys = ["base", "measure", "multipliers", "input"] + PlanParser.shapeKinds + ["shape"] + PlanParser.limiterKeys
    let outputs = [
        RuleOutput("", .money, .payout), RuleOutput("base", .money), RuleOutput("factor", .number), RuleOutput("multiplier", .number),
    ]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let base = f.require("base", &c, help: "e.g. `base: rep.target_incentive * proration`").flatMap {
            c.formula($0, p.key("base"), "the base amount")
        }
        let measure = f.require("measure", &c, help: "e.g. `measure: attainment`").flatMap { c.formula($0, p.key("measure"), "the measure") }
        let shape = PlanParser.readShapeUse(&f, node, p, &c, defaultInputs: measure.map { [$0] } ?? [], what: what)
        var multipliers: [AttainmentBonus.Multiplier] = []
        if let mNode = f.take("multipliers") {
            guard let items = mNode.sequence else {
                c.error(PlanCode.wrongKind, "expected a list of multipliers, found \(mNode.kindDescription)", at: mNode.range)
                return nil
            }
            for (i, item) in items.enumerated() {
                if let m = readMultiplier(item, p.key("multipliers").index(i), &c) { multipliers.append(m) }
            }
        }
        let limiters = PlanParser.readLimiters(&f, p, &c)
        guard let base, let measure, let shape else { return nil }
        return AttainmentBonus(base: base, measure: measure, shape: shape, multipliers: multipliers, limiters: limiters)
    }

    func readMultiplier(_ item: YAMLNode, _ mp: Path, _ c: inout ReadContext) -> AttainmentBonus.Multiplier? {
        let known = ["name", "label", "factor", "input", "inputs", "shape"] + PlanParser.shapeKinds
        guard var mf = Fields(item, "a multiplier", known: known, context: &c) else { return nil }
        let mname = mf.take("name").flatMap { n -> Located<String>? in PlanParser.checkName(n, &c, "a multiplier") }
        if let n = mname { c.register(mp.key("name"), YAMLNode(kind: .scalar(n.value, .plain), range: n.range)) }
        let labels = mf.take("label").map { c.labels($0, mp.key("label")) } ?? Labels()
        if let factorNode = mf.take("factor") {
            let factor = c.formula(factorNode, mp.key("factor"), "a factor")
            mf.finish(&c)
            return factor.map { AttainmentBonus.Multiplier(name: mname, labels: labels, shape: nil, factor: $0, range: item.range) }
        }
        let use = PlanParser.readShapeUse(&mf, item, mp, &c, defaultInputs: [], what: "a multiplier")
        mf.finish(&c)
        guard let use else { return nil }
        if use.inputs.isEmpty {
            c.error(AttainmentBonusCode.multiplierInput, "a multiplier's shape needs `input: FORMULA` (the value it looks up)", at: item.range)
            return nil
        }
        return AttainmentBonus.Multiplier(name: mname, labels: labels, shape: use, factor: nil, range: item.range)
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let b = rule.body as? AttainmentBonus, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let name = rule.name.value
        let base = c.rep(b.base, .money, "the base of \(name)", symbol: me)
        let measure = c.rep(b.measure, nil, "the measure", symbol: me)
        if let m = measure, !(m.type.base.isNumeric || m.type.literal) {
            c.error(CheckCode.wrongType, "the measure of \(name) must be a number, found \(m.type)", at: m.range)
        }
        let shape = c.use(b.shape, owner: name, defaultName: CheckRun.inlineName(b.shape))
        var multipliers: [AttainmentBonus.CheckedMultiplier] = []
        for (k, m) in b.multipliers.enumerated() {
            let mname = m.name?.value ?? "multiplier \(k + 1)"
            if let factor = m.factor {
                if let f = c.rep(factor, .number, "a multiplier", symbol: me) {
                    multipliers.append(.init(name: mname, labels: m.labels, shape: nil, factor: f))
                }
            } else if let su = m.shape, let u = c.use(su, owner: name, defaultName: m.name?.value ?? "multiplier\(k + 1)") {
                multipliers.append(.init(name: mname, labels: m.labels, shape: u, factor: nil))
            } else {
                c.failed = true
            }
        }
        let limiters = c.limiters(b.limiters, symbol: me)
        guard let base, let measure, let shape else { return nil }
        return AttainmentBonus.Checked(base: base, measure: measure, shape: shape, multipliers: multipliers, limiters: limiters)
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? AttainmentBonus.Checked else { return nil }
        return AttainmentBonus.Compiled(
            base: c.compile(b.base), measure: c.compile(b.measure), shape: b.shape.shape, inputs: b.shape.inputs.map { c.compile($0) },
            multipliers: b.multipliers.map { m in
                .init(
                    name: m.name, labels: m.labels, shape: m.shape?.shape, inputs: (m.shape?.inputs ?? []).map { c.compile($0) },
                    factor: m.factor.map { c.compile($0) })
            }, limits: c.limits(b.limiters))
    }
}

/// The syntax of an attainment bonus.
struct AttainmentBonus: RuleBodySyntax {
    struct Multiplier: Sendable {
        var name: Located<String>?
        var labels: Labels
        /// Either a shape applied to an input, or a plain factor formula.
        var shape: ShapeUse?
        var factor: Expr?
        var range: SourceRange
    }

    var base: Expr
    var measure: Expr
    var shape: ShapeUse
    var multipliers: [Multiplier]
    var limiters: Limiters

    var canonicalFields: [(String, String)] {
        var out = [("base", base.description), ("measure", measure.description), ("shape", CanonicalText.shapeUse(shape))]
        for (i, m) in multipliers.enumerated() {
            let what = m.shape.map(CanonicalText.shapeUse) ?? (m.factor?.description ?? "-")
            out.append(("multiplier \(i + 1) \(m.name?.value ?? "") \(CanonicalText.labels(m.labels))", what))
        }
        return out + CanonicalText.limiters(limiters)
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".base", "\(l) base", base, owner: owner)
        s.formula(k + ".measure", "\(l) measure", measure, owner: owner)
        s.shapeUse(shape, key: k, label: l, owner: owner)
        for (i, m) in multipliers.enumerated() {
            let mk = "\(k).multipliers[\(i + 1)]"
            let ml = "\(l) multiplier \(m.name?.value ?? String(i + 1))"
            if let u = m.shape { s.shapeUse(u, key: mk, label: ml, owner: owner + " multiplier \(i + 1)") }
            s.formula(mk + ".factor", "\(ml) factor", m.factor, owner: owner + " multiplier \(i + 1)")
        }
        s.limiters(limiters, k, l, owner: owner)
    }

    struct CheckedMultiplier: Sendable {
        var name: String
        var labels: Labels
        var shape: CheckedShapeUse?
        var factor: TExpr?
    }

    struct Checked: CheckedRuleBody {
        var base: TExpr
        var measure: TExpr
        var shape: CheckedShapeUse
        var multipliers: [CheckedMultiplier]
        var limiters: CheckedLimiters

        var expressions: [TExpr] {
            [base, measure] + shape.inputs + multipliers.flatMap { ($0.shape?.inputs ?? []) + [$0.factor].compactMap { $0 } } + limiters.all
        }
        var shapesUsed: [Int] { [shape.shape] + multipliers.compactMap { $0.shape?.shape } }
    }

    struct CompiledMultiplier: Sendable {
        var name: String
        var labels: Labels
        var shape: Int?
        var inputs: [CExpr]
        var factor: CExpr?
    }

    struct Compiled: CompiledRuleBody, RunnableRule, MeasuredRuleBody {
        var base: CExpr
        var measure: CExpr
        var shape: Int
        var inputs: [CExpr]
        var multipliers: [CompiledMultiplier]
        var limits: CompiledLimiters

        var isGroupStage: Bool { false }
        var expressions: [CExpr] { [base, measure] + inputs + multipliers.flatMap { $0.inputs + [$0.factor].compactMap { $0 } } + limits.all }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            ["base \(r(base))", "measure \(r(measure))", "shape \(plan.shapes[shape].name)"]
                + multipliers.map { m in
                    "× \(m.name) " + (m.shape.map { "\(plan.shapes[$0].name)(\(m.inputs.map(r).joined(separator: ", ")))" } ?? m.factor.map(r) ?? "")
                } + limits.treeLines(r)
        }

        func evaluate(_ s: inout RuleScope) throws(EvalError) {
            let b = try s.number(base, "base")
            let factor = try s.shape(shape, inputs)
            var product = try s.arithmetic { () throws(ArithmeticError) in try b * factor }
            // The list of factors is for explanations only.
            var factors: [(String, Exact)] = s.tracing ? [("base", b), (s.plan.shapes[shape].name, factor)] : []
            var multiplier = Exact.one
            for m in multipliers {
                let f: Exact
                if let i = m.shape {
                    f = try s.shape(i, m.inputs, label: m.labels, name: m.name)
                } else if let e = m.factor {
                    f = try s.number(e, m.name)
                } else {
                    f = .one
                }
                if s.tracing { factors.append((m.name, f)) }
                let p = product
                let mm = multiplier
                product = try s.arithmetic { () throws(ArithmeticError) in try p * f }
                multiplier = try s.arithmetic { () throws(ArithmeticError) in try mm * f }
            }
            s.step(.rule(ProductStep(factors: factors, result: product)))
            let limited = try s.limit(product, limits)
            s.emit(0, .number(try s.round(limited)))
            s.emit(1, .number(b))
            s.emit(2, .number(factor))
            s.emit(3, .number(multiplier))
        }
    }

    /// base × factor × multipliers.
    struct ProductStep: RuleStep {
        var factors: [(String, Exact)]
        var result: Exact

        func lines(_ w: Words) -> [String] {
            ["\(factors.map(\.0).joined(separator: " × ")) = \(factors.map { w.n($0.1) }.joined(separator: " × ")) = \(w.n(result))"]
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "product")
            j.key("factors")
            j.beginObject()
            for (name, x) in factors { j.field(name, x) }
            j.endObject()
            j.field("result", result)
        }
    }
}

/// The diagnostics only this kind raises.
enum AttainmentBonusCode: String, DiagnosticCode {
    case multiplierInput = "P326"

    var title: String {
        switch self {
        case .multiplierInput: "a multiplier shape without `input`"
        }
    }

    var severity: Severity { .error }
}
