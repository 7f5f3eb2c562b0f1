import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// A payout given by a formula (draws, SPIFFs, adjustments), gated, floored
/// and capped like every paying rule.
///
///     draw:
///       kind: formula
///       value: max(guarantee - earned, 0)
struct FormulaRuleKind: RuleKind {
    let name = "formula"
    let keys = ["value"] + PlanParser.limiterKeys
    let outputs = [RuleOutput("", .money, .payout)]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let value = f.require("value", &c).flatMap { c.formula($0, p.key("value"), "a formula") }
        let limiters = PlanParser.readLimiters(&f, p, &c)
        return value.map { FormulaRule(value: $0, limiters: limiters) }
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let b = rule.body as? FormulaRule, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let value = c.rep(b.value, .money, "the value of \(rule.name.value)", symbol: me)
        let lim = c.limiters(b.limiters, symbol: me)
        return value.map { FormulaRule.Checked(value: $0, limiters: lim) }
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? FormulaRule.Checked else { return nil }
        return FormulaRule.Compiled(value: c.compile(b.value), limits: c.limits(b.limiters))
    }
}

/// The syntax of a formula rule.
struct FormulaRule: RuleBodySyntax {
    var value: Expr
    var limiters: Limiters

    var canonicalFields: [(String, String)] { [("value", value.description)] + CanonicalText.limiters(limiters) }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".value", "\(l) value", value, owner: owner)
        s.limiters(limiters, k, l, owner: owner)
    }

    struct Checked: CheckedRuleBody {
        var value: TExpr
        var limiters: CheckedLimiters

        var expressions: [TExpr] { [value] + limiters.all }
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var value: CExpr
        var limits: CompiledLimiters

        var isGroupStage: Bool { false }
        var expressions: [CExpr] { [value] + limits.all }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] { ["value \(r(value))"] + limits.treeLines(r) }

        func evaluate(_ s: inout RuleScope) throws(EvalError) {
            let v = try s.number(value, s.rule.name)
            let limited = try s.limit(v, limits)
            s.emit(0, .number(try s.round(limited)))
        }
    }
}
