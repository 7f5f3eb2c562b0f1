import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// 新产品突破奖励: an award at a threshold, a rate above it, a cap, and a
/// prize for the first N to break through (ordered by the date and deal at
/// which their running total reached the threshold, then rep_id).
///
///     np_award:
///       kind: product_award
///       measure: np_revenue
///       threshold: 50000
///       award: 2000
///       rate_above: 0.05
///       cap: 20000
///       first_movers: {count: 3, award: 1000, running_total: sum(tx.amount where new_product)}
struct ProductAwardKind: RuleKind {
    let codes: [any DiagnosticCode] = ProductAwardCode.allCases
    let name = "product_award"
    let keys = ["measure", "threshold", "at_threshold", "award", "rate_above", "first_movers"] + PlanParser.limiterKeys
    let outputs = [
        RuleOutput("", .money, .payout), RuleOutput("breakthrough", .bool),
        RuleOutput("first_mover", .money, .payout, labels: Labels([("zh", "先行者奖"), ("en", "first-mover prize")])),
        RuleOutput("reached_on", ValueType(.date, optional: true)), RuleOutput("rank", ValueType(.count, optional: true)),
    ]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let measure = f.require("measure", &c).flatMap { c.formula($0, p.key("measure"), "the measure") }
        let threshold = f.require("threshold", &c).flatMap { c.formula($0, p.key("threshold"), "the threshold") }
        var inclusive = Located(true, node.range)
        if let at = f.take("at_threshold"), let t = c.text(at, p.key("at_threshold"), "`counts` or `does_not_count`") {
            switch t.value {
            case "counts": inclusive = Located(true, t.range)
            case "does_not_count": inclusive = Located(false, t.range)
            default:
                c.error(
                    PlanCode.unknownChoice,
                    "unknown `at_threshold` value `\(t.value)`; expected `counts` (reaching it is enough) or `does_not_count` (it must be exceeded)",
                    at: t.range, help: Suggest.didYouMean(t.value, among: ["counts", "does_not_count"]))
            }
        }
        let award = f.require("award", &c).flatMap { c.formula($0, p.key("award"), "the award") }
        let rate = f.take("rate_above").flatMap { c.formula($0, p.key("rate_above"), "the rate above the threshold") }
        let limiters = PlanParser.readLimiters(&f, p, &c)
        let firstMovers = f.take("first_movers").flatMap { readFirstMovers($0, p.key("first_movers"), &c) }
        guard let measure, let threshold, let award else { return nil }
        return ProductAward(
            measure: measure, threshold: threshold, inclusive: inclusive, award: award, rateAbove: rate, limiters: limiters,
            firstMovers: firstMovers)
    }

    func readFirstMovers(_ fmNode: YAMLNode, _ fp: Path, _ c: inout ReadContext) -> ProductAward.FirstMovers? {
        guard var ff = Fields(fmNode, "`first_movers`", known: ["count", "award", "running_total"], context: &c) else { return nil }
        let count = ff.require("count", &c).flatMap { c.integer($0, fp.key("count"), "the number of first movers", range: 1...1_000_000) }
        let fmAward = ff.require("award", &c).flatMap { c.formula($0, fp.key("award"), "the first-mover award") }
        let running = ff.require("running_total", &c, help: "e.g. `running_total: sum(tx.amount where new_product)`").flatMap {
            c.formula($0, fp.key("running_total"), "the running total")
        }
        ff.finish(&c)
        guard let count, let fmAward, let running else { return nil }
        var value = running
        var filter: Expr?
        if case .call(let fn, let args, let w) = running.kind, fn.text == "sum", args.count == 1 {
            value = args[0]
            filter = w
        } else {
            c.error(
                ProductAwardCode.runningTotal, "`running_total` must be a sum over transactions, e.g. `sum(tx.amount where new_product)`",
                at: running.range)
        }
        return ProductAward.FirstMovers(count: count, award: fmAward, running: value, filter: filter, range: fmNode.range)
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let p = rule.body as? ProductAward, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let name = rule.name.value
        let measure = c.rep(p.measure, nil, "the measure", symbol: me)
        var threshold: TExpr?
        if let measure {
            guard measure.type.base.isNumeric else {
                c.error(CheckCode.wrongType, "the measure of \(name) must be a number or money, found \(measure.type)", at: measure.range)
                return nil
            }
            threshold = c.rep(p.threshold, measure.type.base, "the threshold", symbol: me)
        }
        let award = c.rep(p.award, .money, "the award", symbol: me)
        let rate = c.rep(p.rateAbove, .number, "the rate above the threshold", symbol: me)
        let lim = c.limiters(p.limiters, symbol: me)
        let fm = p.firstMovers.flatMap { checkFirstMovers($0, measure: measure, me: me, &c) }
        if let th = threshold?.constantValue, th <= .zero {
            c.warning(ProductAwardCode.thresholdAlwaysMet, "the threshold \(th) is reached by every rep", at: threshold!.range)
        }
        if let a = award?.constantValue, let cap = lim.cap, let k = cap.constantValue, k < a {
            c.warning(
                ProductAwardCode.capBelowAward, "the cap \(k) is below the award at the threshold \(a): the rate above the threshold never pays",
                at: cap.range)
        }
        guard let measure, let threshold, let award else { return nil }
        return ProductAward.Checked(
            measure: measure, threshold: threshold, inclusive: p.inclusive.value, award: award, rateAbove: rate, limiters: lim, firstMovers: fm)
    }

    func checkFirstMovers(_ f: ProductAward.FirstMovers, measure: TExpr?, me: Symbol, _ c: inout CheckRun) -> ProductAward.CheckedFirstMovers? {
        let running = c.x.check(f.running, .transaction)
        var filter: TExpr?
        if let fe = f.filter {
            filter = c.x.check(fe, .transaction)
            if let t = filter, t.type.base != .bool {
                c.error(CheckCode.notACondition, "a `where` clause must be a condition, found \(t.type)", at: t.range)
                filter = nil
            }
        }
        let fmAward = c.rep(f.award, .money, "the first-mover award", symbol: me)
        var checked: ProductAward.CheckedFirstMovers?
        if let running, let fmAward {
            if running.type.base.isNumeric || running.type.literal {
                checked = .init(count: f.count.value, award: fmAward, running: running, filter: filter)
            } else {
                c.error(CheckCode.aggregateValueType, "the running total must add up numbers or money, found \(running.type)", at: running.range)
            }
        } else {
            c.failed = true
        }
        if let m = measure, let running, m.type.base != running.type.base, !running.type.literal {
            c.error(
                ProductAwardCode.runningTotalType, "the running total adds \(running.type.base.words) but the measure is \(m.type.base.words)",
                at: running.range)
        }
        return checked
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? ProductAward.Checked else { return nil }
        let first = b.firstMovers.map { fm in
            ProductAward.CompiledFirstMovers(count: fm.count, award: c.compile(fm.award), list: c.registerList(value: fm.running, filter: fm.filter))
        }
        return ProductAward.Compiled(
            measure: c.compile(b.measure), threshold: c.compile(b.threshold), inclusive: b.inclusive, award: c.compile(b.award),
            rateAbove: b.rateAbove.map { c.compile($0) }, limits: c.limits(b.limiters), firstMovers: first)
    }
}

/// The syntax of a product award.
struct ProductAward: RuleBodySyntax {
    struct FirstMovers: Sendable {
        var count: Located<Int>
        var award: Expr
        /// The per-transaction value whose running total dates the breakthrough.
        var running: Expr
        /// Which transactions count toward the running total.
        var filter: Expr?
        var range: SourceRange
    }

    var measure: Expr
    var threshold: Expr
    /// Whether reaching the threshold exactly counts (`>=`) or not (`>`).
    var inclusive: Located<Bool>
    var award: Expr
    var rateAbove: Expr?
    var limiters: Limiters
    var firstMovers: FirstMovers?

    var canonicalFields: [(String, String)] {
        var out = [
            ("measure", measure.description), ("threshold", threshold.description), ("at_threshold", inclusive.value ? "counts" : "does_not_count"),
            ("award", award.description), ("rate_above", rateAbove?.description ?? "-"),
        ]
        out += CanonicalText.limiters(limiters)
        if let f = firstMovers {
            out.append(("first_movers", "count=\(f.count.value) award=\(f.award) running=\(f.running) where=\(f.filter?.description ?? "-")"))
        }
        return out
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".measure", "\(l) measure", measure, owner: owner)
        s.formula(k + ".threshold", "\(l) threshold", threshold, owner: owner)
        s.add(
            k + ".at_threshold", "\(l) reaching the threshold exactly", inclusive.value ? "counts" : "does not count", nil, inclusive.range,
            owner: owner)
        s.formula(k + ".award", "\(l) award", award, owner: owner)
        s.formula(k + ".rate_above", "\(l) rate above the threshold", rateAbove, owner: owner)
        s.limiters(limiters, k, l, owner: owner)
        if let fm = firstMovers {
            s.add(k + ".first_movers.count", "\(l) first movers", String(fm.count.value), nil, fm.count.range, owner: owner)
            s.formula(k + ".first_movers.award", "\(l) first-mover award", fm.award, owner: owner)
            s.add(
                k + ".first_movers.running_total", "\(l) first movers' running total",
                "sum(\(s.text(fm.running))\(fm.filter.map { " where " + s.text($0) } ?? ""))", nil, fm.range, owner: owner)
        }
    }

    struct CheckedFirstMovers: Sendable {
        var count: Int
        var award: TExpr
        var running: TExpr
        var filter: TExpr?
    }

    struct Checked: CheckedRuleBody {
        var measure: TExpr
        var threshold: TExpr
        var inclusive: Bool
        var award: TExpr
        var rateAbove: TExpr?
        var limiters: CheckedLimiters
        var firstMovers: CheckedFirstMovers?

        var expressions: [TExpr] {
            [measure, threshold, award] + [rateAbove].compactMap { $0 } + limiters.all + [firstMovers?.award].compactMap { $0 }
        }
        var transactionExpressions: [TExpr] { firstMovers.map { [$0.running] + [$0.filter].compactMap { $0 } } ?? [] }
    }

    struct CompiledFirstMovers: Sendable {
        var count: Int
        var award: CExpr
        var list: Int
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var measure: CExpr
        var threshold: CExpr
        var inclusive: Bool
        var award: CExpr
        var rateAbove: CExpr?
        var limits: CompiledLimiters
        var firstMovers: CompiledFirstMovers?

        /// The award itself is per rep; only the first movers need everyone.
        var isGroupStage: Bool { firstMovers != nil }
        var expressions: [CExpr] { [measure, threshold, award] + [rateAbove, firstMovers?.award].compactMap { $0 } + limits.all }
        var lists: [Int] { firstMovers.map { [$0.list] } ?? [] }

        func remapped(lists: [Int]) -> any CompiledRuleBody {
            var copy = self
            if let fm = firstMovers { copy.firstMovers = CompiledFirstMovers(count: fm.count, award: fm.award, list: lists[fm.list]) }
            return copy
        }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            var out =
                [
                    "measure \(r(measure)) \(inclusive ? ">=" : ">") \(r(threshold))",
                    "award \(r(award))" + (rateAbove.map { " + \(r($0)) × (measure − threshold)" } ?? ""),
                ] + limits.treeLines(r)
            if let fm = firstMovers { out.append("first \(fm.count) to reach via list#\(fm.list) win \(r(fm.award)) [group]") }
            return out
        }

        func evaluate(_ s: inout RuleScope) throws(EvalError) {
            let m = try s.number(measure, "measure")
            let t = try s.number(threshold, "threshold")
            let reached = inclusive ? m >= t : m > t
            s.step(.rule(ThresholdStep(measure: m, threshold: t, inclusive: inclusive, reached: reached)))
            var amount = Exact.zero
            if reached {
                let a = try s.number(award, "award")
                var rate: Exact?
                var above = Exact.zero
                amount = a
                if let rateAbove {
                    let rr = try s.number(rateAbove, "rate above the threshold")
                    rate = rr
                    above = try s.arithmetic { () throws(ArithmeticError) in try m - t }
                    let extra = try s.arithmetic { () throws(ArithmeticError) in try rr * (m - t) }
                    amount = try s.arithmetic { () throws(ArithmeticError) in try a + extra }
                }
                s.step(.rule(AwardStep(award: a, rate: rate, above: above, result: amount)))
                amount = try s.limit(amount, limits)
            }
            s.emit(0, .number(try s.round(amount)))
            s.emit(1, .bool(reached))
        }

        /// First movers: every breakthrough rep's breakthrough point, ordered
        /// by (date, deal id, rep id); the first `count` win.
        func evaluateGroup(_ g: GroupRun) throws(EvalError) {
            guard let fm = firstMovers else { return }
            var contenders: [(rep: Int, entry: TxEntry, running: Exact)] = []
            var unreached: Set<Int> = []
            for rep in g.population {
                g.write(2, rep, .number(.zero))
                guard g.result(1, rep) == .bool(true) else { continue }
                let t = try g.number(threshold, rep)
                let r = ExpressionEvaluator.reach(g.entries(list: fm.list, rep: rep), t, date: true, inclusive: inclusive)
                if let e = r.entry, let running = r.running {
                    contenders.append((rep, e, running))
                    g.write(3, rep, .date(e.date))
                } else {
                    unreached.insert(rep)
                }
            }
            contenders.sort { a, b in
                if a.entry.date != b.entry.date { return a.entry.date < b.entry.date }
                if !CodePoint.equal(a.entry.deal, b.entry.deal) { return CodePoint.less(a.entry.deal, b.entry.deal) }
                return CodePoint.less(g.repID(a.rep), g.repID(b.rep))
            }
            // Reps reaching on each date, for "also reached on the same date".
            var byDate: [CivilDate: [Int]] = [:]
            if g.tracing { for x in contenders { byDate[x.entry.date, default: []].append(x.rep) } }
            var ranked: Set<Int> = []
            for (i, x) in contenders.enumerated() {
                ranked.insert(x.rep)
                g.write(4, x.rep, .number(Exact(i + 1)))
                var prize = Exact.zero
                if i < fm.count {
                    prize = try g.round(try ExpressionEvaluator.number(try g.value(fm.award, x.rep), g.rule.range))
                    g.write(2, x.rep, .number(prize))
                }
                if g.isTraced(x.rep) {
                    let sameDay = (byDate[x.entry.date] ?? []).filter { $0 != x.rep }.map(g.repID)
                    g.note(
                        x.rep,
                        .rule(
                            FirstMoverStep(
                                breakthrough: true, reachedOn: x.entry.date, deal: x.entry.deal, runningTotal: x.running, position: i + 1,
                                contenders: contenders.count, winners: fm.count, award: prize, sameDay: sameDay)))
                }
            }
            for rep in g.population where g.isTraced(rep) && !ranked.contains(rep) {
                g.note(
                    rep,
                    .rule(
                        FirstMoverStep(
                            breakthrough: unreached.contains(rep), reachedOn: nil, deal: nil, runningTotal: nil, position: nil,
                            contenders: contenders.count, winners: fm.count, award: .zero, sameDay: [])))
            }
        }
    }

    struct ThresholdStep: RuleStep, ThresholdFacts {
        var measure: Exact
        var threshold: Exact
        var inclusive: Bool
        var reached: Bool

        func lines(_ w: Words) -> [String] {
            let op = inclusive ? "≥" : ">"
            return w.zh
                ? ["\(w.n(measure)) \(reached ? "" : "未")达到门槛（\(op) \(w.n(threshold))）"]
                : ["\(w.n(measure)) \(reached ? "reaches" : "does not reach") the threshold (\(op) \(w.n(threshold)))"]
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "threshold")
            j.field("measure", measure)
            j.field("threshold", threshold)
            j.field("inclusive", inclusive)
            j.field("reached", reached)
        }
    }

    struct AwardStep: RuleStep {
        var award: Exact
        var rate: Exact?
        var above: Exact
        var result: Exact

        func lines(_ w: Words) -> [String] {
            if let rate { return ["\(w.n(award)) + \(w.n(rate)) × \(w.n(above)) = \(w.n(result))"] }
            return w.zh ? ["奖励 \(w.n(award))"] : ["award \(w.n(award))"]
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "award")
            j.field("award", award)
            j.field("rate", rate)
            j.field("above", above)
            j.field("result", result)
        }
    }

    struct FirstMoverStep: RuleStep {
        var breakthrough: Bool
        var reachedOn: CivilDate?
        var deal: String?
        var runningTotal: Exact?
        var position: Int?
        var contenders: Int
        var winners: Int
        var award: Exact
        /// Reps that reached on the same day, for "crossed on the same date" stories.
        var sameDay: [String]

        func lines(_ w: Words) -> [String] {
            let zh = w.zh
            guard let date = reachedOn, let position else {
                if breakthrough {
                    return zh
                        ? ["突破但累计额未在排序中达到门槛，不参与先行者排名"]
                        : ["broke through, but the running total never reached the threshold: not in the first-mover race"]
                }
                return zh ? ["未突破，不参与先行者奖励"] : ["did not break through: no first-mover prize"]
            }
            var out: [String] = []
            out.append(
                zh
                    ? "于 \(date) 以交易 \(deal ?? "") 累计达到门槛（累计 \(runningTotal.map(w.n) ?? "")），在 \(contenders) 位突破者中排\(w.ordinal(position))（按日期、交易号、业务员编号排序）"
                    : "reached the threshold on \(date) with deal \(deal ?? "") (running total \(runningTotal.map(w.n) ?? "")): \(w.ordinal(position)) of \(contenders) reps who broke through, ordered by (date, deal id, rep id)"
            )
            if !sameDay.isEmpty {
                out.append(
                    zh
                        ? "同日达到的还有：\(sameDay.joined(separator: "、"))，以交易号先后排序"
                        : "also reached on the same date: \(sameDay.joined(separator: ", ")); the deal id decides the order")
            }
            out.append(
                position <= winners
                    ? (zh ? "前 \(winners) 名获先行者奖 \(w.n(award))" : "the first \(winners) win the first-mover prize: \(w.n(award))")
                    : (zh ? "只有前 \(winners) 名获奖，本项为 0" : "only the first \(winners) win a prize: 0"))
            return out
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "first_mover")
            j.field("breakthrough", breakthrough)
            j.field("reached_on", reachedOn?.description)
            j.field("deal", deal)
            j.field("position", position)
            j.field("contenders", contenders)
            j.field("winners", winners)
            j.field("award", award)
        }
    }
}

/// The diagnostics only this kind raises.
enum ProductAwardCode: String, DiagnosticCode {
    case runningTotalType = "C446"
    case capBelowAward = "L505"
    case thresholdAlwaysMet = "L506"
    case runningTotal = "P327"

    var title: String {
        switch self {
        case .runningTotalType: "a running total of another type than its measure"
        case .capBelowAward: "a cap below the award at the threshold"
        case .thresholdAlwaysMet: "a threshold every rep reaches"
        case .runningTotal: "a running total that is not a sum over transactions"
        }
    }

    var severity: Severity { self == .capBelowAward || self == .thresholdAlwaysMet ? .warning : .error }
}
