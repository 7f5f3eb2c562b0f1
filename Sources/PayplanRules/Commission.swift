import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// A tiered commission on transactions: each transaction rated alone, or as
/// the increase of the running total, or the period's total rated once.
///
///     commission:
///       kind: commission
///       amount: tx.amount
///       rate_on: total
///       tiers: {method: marginal, rows: [{from: 0, rate: 1%}, {from: 50000, rate: 2%}]}
struct CommissionKind: RuleKind {
    let codes: [any DiagnosticCode] = CommissionCode.allCases
    let name = "commission"
    let keys = ["amount", "where", "rate_on", "tiers", "shape"] + PlanParser.limiterKeys
    let outputs = [RuleOutput("", .money, .payout)]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let amount = f.require("amount", &c, help: "e.g. `amount: tx.amount`").flatMap { c.formula($0, p.key("amount"), "the commissionable amount") }
        let filter = f.take("where").flatMap { c.formula($0, p.key("where"), "a condition on a transaction") }
        let rateOn =
            f.take("rate_on").flatMap { c.choice($0, p.key("rate_on"), "`rate_on`", Commission.RateOn.self) } ?? Located(.total, node.range)
        let shape = PlanParser.readShapeUse(&f, node, p, &c, defaultInputs: [], what: what, allowed: ["tiers"])
        let limiters = PlanParser.readLimiters(&f, p, &c)
        guard let amount, let shape else { return nil }
        return Commission(amount: amount, filter: filter, rateOn: rateOn, shape: shape, limiters: limiters)
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let b = rule.body as? Commission, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let amount = c.x.check(b.amount, .transaction)
        if let a = amount, !(a.type.base.isNumeric) {
            c.error(CheckCode.wrongType, "the commissionable amount must be money or a number, found \(a.type)", at: a.range)
        }
        var filter: TExpr?
        if let f = b.filter {
            filter = c.x.check(f, .transaction)
            if let ft = filter, ft.type.base != .bool {
                c.error(CheckCode.notACondition, "`where` must be a condition, found \(ft.type)", at: ft.range)
                filter = nil
            }
        }
        let index = tiers(b.shape, owner: rule.name.value, &c)
        let lim = c.limiters(b.limiters, symbol: me)
        guard let amount, let index else { return nil }
        return Commission.Checked(amount: amount, filter: filter, rateOn: b.rateOn.value, shape: index, limiters: lim)
    }

    /// The tier table rating the amounts: named or written in place. It
    /// rates transaction amounts, which exist only while data is read, so it
    /// takes no rep-level input here.
    func tiers(_ use: ShapeUse, owner: String, _ c: inout CheckRun) -> Int? {
        var index: Int?
        switch use.target {
        case .named(let n):
            index = c.x.shapeIndex[n.value]
            if index == nil {
                c.error(
                    CheckCode.unknownShape, "unknown shape `\(n.value)`", at: n.range, help: Suggest.didYouMean(n.value, among: c.x.shapeIndex.keys))
            }
        case .inline(let s):
            if let cs = c.checkShape(s, name: "\(owner).tiers", labels: Labels(), range: use.range) {
                index = c.shapes.count
                c.shapes.append(cs)
                c.x.shapeArity.append(1)
                c.x.shapeKinds.append(s.kindName)
            }
        }
        if let i = index, case .tiers = c.shapes[i].kind { return i }
        if let i = index {
            c.error(CommissionCode.commissionShape, "a commission rates with tiers; `\(c.shapes[i].name)` is a \(c.x.shapeKinds[i])", at: use.range)
        }
        return nil
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? Commission.Checked else { return nil }
        return Commission.Compiled(
            list: c.registerList(value: b.amount, filter: b.filter), rateOn: b.rateOn, shape: b.shape, limits: c.limits(b.limiters))
    }
}

/// The syntax of a commission.
struct Commission: RuleBodySyntax {
    enum RateOn: String, Sendable, CaseIterable {
        /// Each transaction rated alone.
        case each
        /// Each transaction rated as the increment of the running total.
        case running
        /// The period's total rated once.
        case total
    }

    var amount: Expr
    var filter: Expr?
    var rateOn: Located<RateOn>
    var shape: ShapeUse
    var limiters: Limiters

    var canonicalFields: [(String, String)] {
        [
            ("amount", amount.description), ("where", filter?.description ?? "-"), ("rate_on", rateOn.value.rawValue),
            ("shape", CanonicalText.shapeUse(shape)),
        ] + CanonicalText.limiters(limiters)
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".amount", "\(l) amount", amount, owner: owner)
        s.formula(k + ".where", "\(l) counts transactions where", filter, owner: owner)
        s.add(k + ".rate_on", "\(l) rates", rateOn.value.rawValue, nil, rateOn.range, owner: owner)
        s.shapeUse(shape, key: k, label: l, owner: owner)
        s.limiters(limiters, k, l, owner: owner)
    }

    struct Checked: CheckedRuleBody {
        var amount: TExpr
        var filter: TExpr?
        var rateOn: RateOn
        var shape: Int
        var limiters: CheckedLimiters

        var expressions: [TExpr] { limiters.all }
        var transactionExpressions: [TExpr] { [amount] + [filter].compactMap { $0 } }
        var shapesUsed: [Int] { [shape] }
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var list: Int
        var rateOn: RateOn
        var shape: Int
        var limits: CompiledLimiters

        var isGroupStage: Bool { false }
        var expressions: [CExpr] { limits.all }
        var lists: [Int] { [list] }

        func remapped(lists: [Int]) -> any CompiledRuleBody {
            var copy = self
            copy.list = lists[list]
            return copy
        }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            ["rate list#\(list) with \(plan.shapes[shape].name), on \(rateOn.rawValue)"] + limits.treeLines(r)
        }

        func evaluate(_ s: inout RuleScope) throws(EvalError) {
            let entries = s.entries(list: list)
            let table = s.plan.shapes[shape]
            func rate(_ x: Exact) throws(EvalError) -> Exact {
                do throws(EvalFailure) { return try ShapeEvaluator.evaluate(table, [x], detail: false).0 } catch {
                    throw EvalError(error, table.range)
                }
            }
            var total = Exact.zero
            var lines: [Commission.Line] = []
            switch rateOn {
            case .each:
                for e in entries {
                    let pay = try rate(e.value)
                    let t = total
                    total = try s.arithmetic { () throws(ArithmeticError) in try t + pay }
                    if s.tracing { lines.append(.init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pay)) }
                }
            case .running:
                var running = Exact.zero
                var paidSoFar = Exact.zero
                for e in entries {
                    let before = running
                    let after = try s.arithmetic { () throws(ArithmeticError) in try before + e.value }
                    let upTo = try rate(after)
                    let pay = try s.arithmetic { () throws(ArithmeticError) in try upTo - paidSoFar }
                    paidSoFar = upTo
                    running = after
                    if s.tracing { lines.append(.init(date: e.date, deal: e.deal, amount: e.value, before: before, pay: pay)) }
                }
                total = paidSoFar
            case .total:
                var sum = Exact.zero
                for e in entries {
                    let s0 = sum
                    sum = try s.arithmetic { () throws(ArithmeticError) in try s0 + e.value }
                }
                total = try rate(sum)
                if s.tracing { for e in entries { lines.append(.init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: .zero)) } }
            }
            if s.tracing {
                let amounts = lines.map(\.amount)
                let at = rateOn == .each ? (amounts.max() ?? .zero) : amounts.reduce(Exact.zero) { (try? $0 + $1) ?? $0 }
                s.step(
                    .rule(
                        Commission.RatingStep(rateOn: rateOn, lines: Array(lines.prefix(200)), count: lines.count, total: total, shape: shape, at: at)
                    ))
                if rateOn == .total, let detail = try? ShapeEvaluator.evaluate(table, [entries.reduce(Exact.zero) { (try? $0 + $1.value) ?? $0 }]) {
                    s.step(.shape(index: shape, name: table.name, labels: table.labels, inputs: [], detail: detail.1, result: detail.0))
                }
            }
            let limited = try s.limit(total, limits)
            s.emit(0, .number(try s.round(limited)))
        }
    }

    struct Line: Sendable {
        var date: CivilDate
        var deal: String
        var amount: Exact
        var before: Exact?
        var pay: Exact
    }

    /// How the transactions were rated, line by line (the first 200).
    struct RatingStep: RuleStep, TierFacts {
        var rateOn: RateOn
        /// The first 200 lines.
        var lines: [Line]
        /// How many transactions were rated in all.
        var count: Int
        var total: Exact
        var shape: Int
        /// Where the tier chart marks the rep: the period's total, or the largest deal when each is rated alone.
        var at: Exact

        var measureWords: (en: String, zh: String) { rateOn == .each ? ("largest deal", "最大单笔") : ("total of the period", "本期合计") }

        func lines(_ w: Words) -> [String] {
            let zh = w.zh
            var out: [String] = []
            let how: String
            switch rateOn {
            case .each: how = zh ? "每笔交易单独计提" : "each transaction rated alone"
            case .running: how = zh ? "按累计额逐笔增量计提" : "each transaction rated as the increase of the running total"
            case .total: how = zh ? "本期合计一次计提" : "the period's total rated once"
            }
            out.append("\(how):")
            for l in lines {
                let before = l.before.map { zh ? "（此前累计 \(w.n($0))）" : " (running total before: \(w.n($0)))" } ?? ""
                out.append("  \(l.date) \(l.deal): \(w.n(l.amount))\(before)\(rateOn == .total ? "" : " → \(w.n(l.pay))")")
            }
            if count > lines.count { out.append(zh ? "  …（共 \(count) 笔）" : "  … (\(count) in all)") }
            out.append(zh ? "合计 \(w.n(total))" : "total \(w.n(total))")
            return out
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "commission")
            j.field("rate_on", rateOn.rawValue)
            j.key("transactions")
            j.beginArray()
            for l in lines {
                j.beginObject()
                j.field("date", l.date.description)
                j.field("deal", l.deal)
                j.field("amount", l.amount)
                j.field("pay", l.pay)
                j.endObject()
            }
            j.endArray()
            j.field("total", total)
        }
    }
}

/// The diagnostics only this kind raises.
enum CommissionCode: String, DiagnosticCode {
    case commissionShape = "C448"

    var title: String {
        switch self {
        case .commissionShape: "a commission rated on a shape that is not tiers"
        }
    }

    var severity: Severity { .error }
}
