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
    let keys = ["amount", "where", "rate_on", "tiers", "shape", "rates", "credits"] + PlanParser.limiterKeys
    let outputs = [RuleOutput("", .money, .payout)]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let amount = f.require("amount", &c, help: "e.g. `amount: tx.amount`").flatMap { c.formula($0, p.key("amount"), "the commissionable amount") }
        let filter = f.take("where").flatMap { c.formula($0, p.key("where"), "a condition on a transaction") }
        let rateOnNode = f.take("rate_on")
        let rateOn = rateOnNode.flatMap { c.choice($0, p.key("rate_on"), "`rate_on`", Commission.RateOn.self) }
        let credits = f.take("credits").flatMap { c.choice($0, p.key("credits"), "how credits are rated", Commission.Credits.self) }
        var rating: Commission.Rating?
        if let table = f.take("rates") {
            if let k = credits {
                c.error(
                    CommissionCode.creditsWhere, "a rate table rates a credit at its row's rate already; `credits` is for tiers", at: k.range,
                    help: "leave `credits` out")
            }
            if f.has("tiers") || f.has("shape") {
                _ = f.take("tiers")
                _ = f.take("shape")
                c.error(PlanCode.shapeKind, "\(what) has `rates` and tiers; give one: a rate table or a tier table", at: table.range)
            } else if let rows = readRates(table, p.key("rates"), &c) {
                rating = .table(rows, table.range)
            }
            if let r = rateOn, r.value != .each {
                c.error(
                    CommissionCode.tableRatesEachLine, "a rate table rates each line on its own; `rate_on` can only be `each`", at: r.range,
                    help: "leave `rate_on` out, or rate the running or total amount with `tiers`")
            }
        } else {
            rating = PlanParser.readShapeUse(&f, node, p, &c, defaultInputs: [], what: what, allowed: ["tiers"]).map { .tiers($0) }
        }
        let limiters = PlanParser.readLimiters(&f, p, &c)
        guard let amount, let rating else { return nil }
        var defaultRateOn = Commission.RateOn.total
        if case .table = rating { defaultRateOn = .each }
        let on = rateOn ?? Located(defaultRateOn, node.range)
        if let k = credits, k.value == .reverse, on.value != .each {
            c.error(
                CommissionCode.creditsWhere, "`credits: reverse` reverses a credit line at the rate of its deal's sale; it needs `rate_on: each`",
                at: k.range, help: "with `rate_on: \(on.value.rawValue)` credits are netted as they are; write `credits: net`")
        }
        return Commission(amount: amount, filter: filter, rateOn: on, rating: rating, limiters: limiters, credits: credits)
    }

    /// A rate table: rows `{when: CONDITION, rate: R}` or `{when: …,
    /// amount: A}` (a fixed amount per line), the first row that holds for
    /// a transaction rating it; `when: else` holds for every transaction.
    func readRates(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [Commission.RateRow]? {
        guard let items = node.sequence, !items.isEmpty else {
            c.error(
                PlanCode.wrongKind, "expected `rates` as a list of rows [{when: CONDITION, rate: R}, ...], found \(node.kindDescription)",
                at: node.range)
            return nil
        }
        if items.count > c.limits.shapeRows {
            c.error(
                PlanCode.shapeTooLarge, "the rate table has \(items.count) rows, over the limit of \(c.limits.shapeRows) (Limits.shapeRows)",
                at: node.range)
            return nil
        }
        var rows: [Commission.RateRow] = []
        var failed = false
        for (i, item) in items.enumerated() {
            let rp = p.index(i)
            guard var rf = Fields(item, "a rate table row", known: ["when", "rate", "amount"], context: &c) else {
                failed = true
                continue
            }
            var when: Expr?
            var isElse = false
            if let w = rf.require("when", &c, help: "e.g. `when: product.category == \"hardware\"`, or `when: else` for every other line") {
                if let text = w.scalar, ["else", "*"].contains(text.filter { !$0.isWhitespace }) {
                    c.register(rp.key("when"), w)
                    isElse = true
                } else {
                    when = c.formula(w, rp.key("when"), "a condition on a transaction")
                }
            }
            let rate = rf.take("rate").flatMap { c.formula($0, rp.key("rate"), "a rate") }
            let amount = rf.take("amount").flatMap { c.formula($0, rp.key("amount"), "an amount per line") }
            if rf.has("rate") == rf.has("amount") {
                c.error(
                    CommissionCode.rateOrAmount,
                    "a rate table row pays either a `rate` (of the line's amount) or an `amount` (per line); give exactly one",
                    at: item.range)
                failed = true
            }
            rf.finish(&c)
            guard when != nil || isElse, rate != nil || amount != nil else {
                failed = true
                continue
            }
            rows.append(Commission.RateRow(when: when, rate: rate, amount: amount, range: item.range))
        }
        return failed ? nil : rows
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
        var rating: Commission.CheckedRating?
        switch b.rating {
        case .tiers(let use): rating = tiers(use, owner: rule.name.value, &c).map { .tiers($0) }
        case .table(let rows, _): rating = table(rows, &c).map { .table($0) }
        }
        let lim = c.limiters(b.limiters, symbol: me)
        guard let amount, let rating else { return nil }
        var checked = Commission.Checked(amount: amount, filter: filter, rateOn: b.rateOn.value, rating: rating, limiters: lim)
        checked.credits = b.credits?.value
        if case .tiers(let i) = rating, case .tiers(let t, _, _) = c.shapes[i].kind, let lowest = t.rows.map(\.from.value).min() {
            checked.negativesPayZero = !lowest.isNegative
        }
        if checked.negativesPayZero, checked.rateOn == .each, b.credits == nil, !CommissionKind.excludesCredits(filter, amount) {
            c.warning(
                CommissionCode.creditsUnrated,
                "a credit (a negative amount) rated alone on tiers that start at 0 pays 0: a refunded sale would keep its commission",
                at: amount.range,
                help:
                    "declare `credits: reverse` (a credit pays back at the rate of its deal's sale) or `credits: net` (a deal's lines are netted before rating), or rate sales only: `where: \(amount) > 0`"
            )
        }
        return checked
    }

    /// Whether `filter` keeps only lines whose `amount` is 0 or more (one of
    /// its `and`-ed conditions is `amount > N` or `amount >= N`, N ≥ 0).
    static func excludesCredits(_ filter: TExpr?, _ amount: TExpr) -> Bool {
        guard let filter else { return false }
        if case .binary(let op, let l, let r) = filter.kind {
            if op == .and { return excludesCredits(l, amount) || excludesCredits(r, amount) }
            if op == .greater || op == .greaterEqual, l.description == amount.description, case .number(let n) = r.kind {
                return !n.isNegative
            }
        }
        return false
    }

    /// A rate table's rows: each condition typed per transaction, each rate
    /// or amount a constant. A row after a catch-all can never be used; a
    /// table without one pays nothing on the lines no row matches.
    func table(_ rows: [Commission.RateRow], _ c: inout CheckRun) -> [Commission.CheckedRateRow]? {
        var out: [Commission.CheckedRateRow] = []
        var failed = false
        var catchAll: Int?
        for (i, row) in rows.enumerated() {
            var condition: TExpr?
            if let w = row.when {
                guard let t = c.x.check(w, .transaction), c.x.requireValue(t) else {
                    failed = true
                    continue
                }
                guard t.type.base == .bool else {
                    c.error(CheckCode.notACondition, "`when` must be a condition on a transaction, found \(t.type)", at: t.range)
                    failed = true
                    continue
                }
                condition = t
            }
            if let k = catchAll {
                c.warning(
                    CommissionCode.unreachableRateRow, "row \(i + 1) of the rate table can never be used: row \(k + 1) above it takes every line",
                    at: row.range, help: "the first row that holds rates a line; put `when: else` last")
            }
            if catchAll == nil, condition.map({ if case .bool(true) = $0.kind { return true } else { return false } }) ?? true { catchAll = i }
            var rate: Exact?
            var amount: Exact?
            if let r = row.rate {
                rate = c.constantNumber(r, "a rate")?.constantValue
                if rate == nil { failed = true }
            } else if let a = row.amount {
                if a.isPercentLiteral, let v = a.constantNumber {
                    c.x.percentAsMoney(
                        TExpr(.number(v), ValueType(.number, literal: true, percent: true), a.range), "an amount per line must be money")
                    failed = true
                } else if let v = c.constantNumber(a, "an amount per line"), c.moneyDigitsFit(v) {
                    amount = v.constantValue
                } else {
                    failed = true
                }
            }
            out.append(Commission.CheckedRateRow(condition: condition, text: row.when?.description ?? "else", rate: rate, amount: amount))
        }
        if catchAll == nil, let last = rows.last {
            c.warning(
                CommissionCode.rateTableGap, "no row of the rate table holds for every line: a line no row matches earns nothing", at: last.range,
                help: "end the table with `{when: else, rate: ...}` to say what other lines earn")
        }
        return failed ? nil : out
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
        switch b.rating {
        case .tiers(let shape):
            var compiled = Commission.Compiled(
                list: c.registerList(value: b.amount, filter: b.filter), rateOn: b.rateOn, shape: shape, table: nil, limits: c.limits(b.limiters))
            compiled.credits = b.credits
            compiled.negativesPayZero = b.negativesPayZero
            return compiled
        case .table(let rows):
            // Row k rates the lines where it holds and no row before it does.
            var compiled: [Commission.CompiledRateRow] = []
            var earlier: [TExpr] = []
            for row in rows {
                var parts = [b.filter].compactMap { $0 } + [row.condition].compactMap { $0 }
                parts += earlier.map { TExpr(.unary(.not, $0), .bool, $0.range) }
                let condition = parts.dropFirst().reduce(parts.first) { a, x in a.map { TExpr(.binary(.and, $0, x), .bool, x.range) } }
                compiled.append(
                    Commission.CompiledRateRow(
                        list: c.registerList(value: b.amount, filter: condition), text: row.text, rate: row.rate, amount: row.amount))
                earlier.append(row.condition ?? TExpr(.bool(true), .bool, b.amount.range))
            }
            return Commission.Compiled(list: compiled[0].list, rateOn: .each, shape: 0, table: compiled, limits: c.limits(b.limiters))
        }
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

    /// How a credit (a line with a negative amount) is rated.
    enum Credits: String, Sendable, CaseIterable {
        /// A credit pays back at the rate its deal's sale earned in the
        /// period (a credit carries the deal_id of the deal it reverses).
        case reverse
        /// A deal's lines are netted before they are rated.
        case net
    }

    /// How the lines are rated: on a tier table, or by a rate table.
    enum Rating: Sendable {
        case tiers(ShapeUse)
        case table([RateRow], SourceRange)
    }

    /// A row of a rate table; `when` nil for `when: else`.
    struct RateRow: Sendable {
        var when: Expr?
        var rate: Expr?
        var amount: Expr?
        var range: SourceRange
    }

    var amount: Expr
    var filter: Expr?
    var rateOn: Located<RateOn>
    var rating: Rating
    var limiters: Limiters
    var credits: Located<Credits>? = nil

    var canonicalFields: [(String, String)] {
        let rated: (String, String)
        switch rating {
        case .tiers(let shape): rated = ("shape", CanonicalText.shapeUse(shape))
        case .table(let rows, _):
            rated = (
                "rates",
                rows.map { "when=\($0.when?.description ?? "else") rate=\($0.rate?.description ?? "-") amount=\($0.amount?.description ?? "-")" }
                    .joined(separator: "; ")
            )
        }
        // `credits` only when written: plans without it keep their fingerprints.
        return [("amount", amount.description), ("where", filter?.description ?? "-"), ("rate_on", rateOn.value.rawValue), rated]
            + (credits.map { [("credits", $0.value.rawValue)] } ?? []) + CanonicalText.limiters(limiters)
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".amount", "\(l) amount", amount, owner: owner)
        s.formula(k + ".where", "\(l) counts transactions where", filter, owner: owner)
        s.add(k + ".rate_on", "\(l) rates", rateOn.value.rawValue, nil, rateOn.range, owner: owner)
        if let credits { s.add(k + ".credits", "\(l) rates credits", credits.value.rawValue, nil, credits.range, owner: owner) }
        switch rating {
        case .tiers(let shape): s.shapeUse(shape, key: k, label: l, owner: owner)
        case .table(let rows, _):
            for (i, row) in rows.enumerated() {
                let rk = "\(k).rates[\(i + 1)]"
                s.item(k + ".rates", i + 1, "\(l) rate table row") { e in
                    if let w = row.when {
                        e.formula(rk + ".when", "\(l) rate table row \(i + 1) when", w, owner: owner)
                    } else {
                        e.add(rk + ".when", "\(l) rate table row \(i + 1) when", "else", nil, row.range, owner: owner)
                    }
                    e.formula(rk + ".rate", "\(l) rate table row \(i + 1) rate", row.rate, owner: owner)
                    e.formula(rk + ".amount", "\(l) rate table row \(i + 1) amount per line", row.amount, owner: owner)
                }
            }
        }
        s.limiters(limiters, k, l, owner: owner)
    }

    /// A rate table row, checked: its condition (nil: every line) and what it pays.
    struct CheckedRateRow: Sendable {
        var condition: TExpr?
        /// The condition as the plan writes it (`else` for none).
        var text: String
        var rate: Exact?
        var amount: Exact?
    }

    enum CheckedRating: Sendable {
        case tiers(Int)
        case table([CheckedRateRow])
    }

    struct Checked: CheckedRuleBody {
        var amount: TExpr
        var filter: TExpr?
        var rateOn: RateOn
        var rating: CheckedRating
        var limiters: CheckedLimiters
        var credits: Credits? = nil
        /// The tiers start at 0 or above: a negative amount rated alone pays 0.
        var negativesPayZero = false

        var expressions: [TExpr] { limiters.all }
        var transactionExpressions: [TExpr] {
            var list = [amount] + [filter].compactMap { $0 }
            if case .table(let rows) = rating { list += rows.compactMap(\.condition) }
            return list
        }
        var shapesUsed: [Int] {
            if case .tiers(let shape) = rating { return [shape] }
            return []
        }
    }

    /// A rate table row, compiled: the transactions it rates (those it is
    /// the first row to hold for) kept in a list of their own.
    struct CompiledRateRow: Sendable {
        var list: Int
        var text: String
        var rate: Exact?
        var amount: Exact?
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var list: Int
        var rateOn: RateOn
        /// The tier table (when there is no rate table).
        var shape: Int
        var table: [CompiledRateRow]?
        var limits: CompiledLimiters
        var credits: Credits? = nil
        var negativesPayZero = false

        var isGroupStage: Bool { false }
        var expressions: [CExpr] { limits.all }
        var lists: [Int] { table.map { $0.map(\.list) } ?? [list] }

        func remapped(lists: [Int]) -> any CompiledRuleBody {
            var copy = self
            copy.list = lists[list]
            if let rows = table { copy.table = rows.map { r in CompiledRateRow(list: lists[r.list], text: r.text, rate: r.rate, amount: r.amount) } }
            return copy
        }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            guard let table else {
                let credited = credits.map { ", credits \($0.rawValue)" } ?? ""
                return ["rate list#\(list) with \(plan.shapes[shape].name), on \(rateOn.rawValue)\(credited)"] + limits.treeLines(r)
            }
            return ["rate table, the first row that holds rates each line:"]
                + table.enumerated().map { i, row in
                    "  row \(i + 1) when \(row.text): \(row.rate.map { "rate \($0)" } ?? row.amount.map { "amount \($0) per line" } ?? "") (list#\(row.list))"
                } + limits.treeLines(r)
        }

        func evaluate(_ s: inout RuleScope) throws(EvalError) {
            if let table { return try evaluateTable(table, &s) }
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
                let rated = try rateEach(entries, &s, rate)
                total = rated.total
                lines = rated.lines
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
                        Commission.RatingStep(
                            rateOn: rateOn, lines: Array(lines.prefix(200)), count: lines.count, total: total, shape: shape, at: at, credits: credits)
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
        /// The rate table row that rated the line (0-based).
        var row: Int? = nil
        /// Its line in the transactions file (orders lines of one deal).
        var line = 0
        /// How a credit was rated (nil for a sale).
        var credit: CreditRating? = nil
    }

    /// How one credit line (or a deal's negative net) was rated.
    enum CreditRating: Sendable {
        /// At the effective rate of its deal's sales in the period.
        case reversed(rate: Exact)
        /// Its deal has no sale in the period: at the rate a sale of its size earns.
        case asSale(size: Exact)
        /// A deal's lines netted (how many).
        case netted(lines: Int)

        func words(_ deal: String, _ w: Words) -> String {
            switch self {
            case .reversed(let rate):
                return w.t(" (a credit: reverses \(deal) at the rate its sale earned, \(w.n(rate)))", "（退款：按 \(deal) 销售所得费率 \(w.n(rate)) 冲回）")
            case .asSale(let size):
                return w.t(
                    " (a credit whose sale is not in this period: paid back at the rate a sale of \(w.n(size)) earns)",
                    "（退款，原销售不在本期：按 \(w.n(size)) 销售的费率冲回）")
            case .netted(let n):
                return w.t(" (the net of \(n) lines of \(deal))", "（\(deal) 的 \(n) 笔净额）")
            }
        }
    }

    /// Each line of a rate table commission and the row that rated it.
    struct TableStep: RuleStep {
        struct Row: Sendable {
            var condition: String
            var rate: Exact?
            var amount: Exact?
        }

        var rows: [Row]
        /// The first 200 lines, in (date, deal) order.
        var lines: [Line]
        var count: Int
        var total: Exact

        func pays(_ row: Row, _ w: Words) -> String {
            if let rate = row.rate { return w.t("rate \(w.n(rate))", "费率 \(w.n(rate))") }
            return w.t("\(w.m(row.amount ?? .zero)) per line", "每笔 \(w.m(row.amount ?? .zero))")
        }

        func lines(_ w: Words) -> [String] {
            var out = [w.t("each line rated by the first row of the rate table that holds for it:", "每笔交易按费率表中第一条成立的行计提：")]
            for l in lines {
                guard let k = l.row else { continue }
                let row = rows[k]
                let condition = row.condition == "else" ? w.t("every other line", "其余交易") : row.condition
                out.append(
                    w.t(
                        "  \(l.date) \(l.deal): \(w.n(l.amount)), row \(k + 1) (\(condition); \(pays(row, w))) → \(w.n(l.pay))",
                        "  \(l.date) \(l.deal)：\(w.n(l.amount))，第 \(k + 1) 行（\(condition)；\(pays(row, w))）→ \(w.n(l.pay))"))
            }
            if count > lines.count { out.append(w.t("  … (\(count) in all)", "  …（共 \(count) 笔）")) }
            if count == 0 { out.append(w.t("  no transaction in the period", "  本期无交易")) }
            out.append(w.t("total \(w.n(total))", "合计 \(w.n(total))"))
            return out
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "rate_table")
            j.key("transactions")
            j.beginArray()
            for l in lines {
                j.beginObject()
                j.field("date", l.date.description)
                j.field("deal", l.deal)
                j.field("amount", l.amount)
                j.field("row", (l.row ?? 0) + 1)
                j.field("pay", l.pay)
                j.endObject()
            }
            j.endArray()
            j.field("total", total)
        }
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
        var credits: Credits? = nil

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
            switch credits {
            case .reverse?:
                out.append(
                    w.t(
                        "a credit pays back at the rate its deal's sale earned", "退款按其所属成交所得费率冲回"))
            case .net?: out.append(w.t("each deal's lines are netted before they are rated", "同一成交的各笔先轧差再计提"))
            case nil: break
            }
            for l in lines {
                let before = l.before.map { zh ? "（此前累计 \(w.n($0))）" : " (running total before: \(w.n($0)))" } ?? ""
                let note = l.credit.map { $0.words(l.deal, w) } ?? ""
                out.append("  \(l.date) \(l.deal): \(w.n(l.amount))\(before)\(rateOn == .total ? "" : " → \(w.n(l.pay))")\(note)")
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

extension Commission.Compiled {
    /// `rate_on: each`: every line rated alone, credits as the rule declares.
    /// Without `credits:`, a credit on tiers that pay it 0 stops the run at
    /// its line of the transactions file (the plan was warned, L523).
    func rateEach(
        _ entries: [TxEntry], _ s: inout RuleScope, _ rate: (Exact) throws(EvalError) -> Exact
    ) throws(EvalError) -> (total: Exact, lines: [Commission.Line]) {
        var lines: [Commission.Line] = []
        func add(_ l: Commission.Line) { lines.append(l) }
        switch credits {
        case nil:
            for e in entries {
                if e.value.isNegative && negativesPayZero {
                    throw EvalError(
                        .invalid(
                            "\(s.plan.plan.data.transactions.file):\(e.line): deal \(e.deal) is a credit of \(e.value) rated alone on tiers that start at 0: it would pay 0 and its sale keep its commission; declare `credits: reverse` or `credits: net` in the rule, or rate sales only (`where: tx.amount > 0`)"
                        ), s.rule.range)
                }
                add(.init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: try rate(e.value), line: e.line))
            }
        case .reverse?:
            // Sales first: each deal's amount and pay in the period.
            var sold: [String: (amount: Exact, pay: Exact)] = [:]
            var pays: [Exact] = []
            for e in entries {
                guard !e.value.isNegative else {
                    pays.append(.zero)
                    continue
                }
                let pay = try rate(e.value)
                pays.append(pay)
                let before = sold[e.deal] ?? (.zero, .zero)
                sold[e.deal] = try s.arithmetic { () throws(ArithmeticError) in (try before.amount + e.value, try before.pay + pay) }
            }
            for (k, e) in entries.enumerated() {
                guard e.value.isNegative else {
                    add(.init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pays[k], line: e.line))
                    continue
                }
                if let sale = sold[e.deal], sale.amount.isPositive {
                    let r = try s.arithmetic { () throws(ArithmeticError) in try sale.pay / sale.amount }
                    let pay = try s.arithmetic { () throws(ArithmeticError) in try e.value * r }
                    add(.init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pay, line: e.line, credit: .reversed(rate: r)))
                } else {
                    add(try asSale(e, &s, rate))
                }
            }
        case .net?:
            // One line per deal, at its first line's date, in (date, deal) order.
            var order: [String] = []
            var net: [String: (first: TxEntry, amount: Exact, count: Int)] = [:]
            for e in entries {
                guard let n = net[e.deal] else {
                    order.append(e.deal)
                    net[e.deal] = (e, e.value, 1)
                    continue
                }
                net[e.deal] = (n.first, try s.arithmetic { () throws(ArithmeticError) in try n.amount + e.value }, n.count + 1)
            }
            for deal in order {
                let n = net[deal]!
                var line = n.first
                line.value = n.amount
                var l =
                    line.value.isNegative
                    ? try asSale(line, &s, rate)
                    : .init(date: line.date, deal: deal, amount: n.amount, before: nil, pay: try rate(n.amount), line: line.line)
                if n.count > 1 { l.credit = .netted(lines: n.count) }
                add(l)
            }
        }
        var total = Exact.zero
        for l in lines { total = try s.arithmetic { () throws(ArithmeticError) in try total + l.pay } }
        return (total, s.tracing ? lines : [])
    }

    /// A credit (or a deal's negative net) with no sale in the period to
    /// reverse: paid back at the rate a sale of its size earns.
    func asSale(_ e: TxEntry, _ s: inout RuleScope, _ rate: (Exact) throws(EvalError) -> Exact) throws(EvalError) -> Commission.Line {
        let size = try s.arithmetic { () throws(ArithmeticError) in try e.value.negated() }
        let earned = try rate(size)
        let pay = try s.arithmetic { () throws(ArithmeticError) in try earned.negated() }
        return .init(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pay, line: e.line, credit: .asSale(size: size))
    }

    /// A rate table: each line by the first row that holds for it.
    func evaluateTable(_ table: [Commission.CompiledRateRow], _ s: inout RuleScope) throws(EvalError) {
        var total = Exact.zero
        var lines: [Commission.Line] = []
        for (k, row) in table.enumerated() {
            for e in s.entries(list: row.list) {
                var pay = Exact.zero
                if let rate = row.rate { pay = try s.arithmetic { () throws(ArithmeticError) in try e.value * rate } }
                if let amount = row.amount { pay = amount }
                let t = total
                total = try s.arithmetic { () throws(ArithmeticError) in try t + pay }
                if s.tracing {
                    lines.append(Commission.Line(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pay, row: k, line: e.line))
                }
            }
        }
        if s.tracing {
            lines.sort { a, b in
                if a.date != b.date { return a.date < b.date }
                if !CodePoint.equal(a.deal, b.deal) { return CodePoint.less(a.deal, b.deal) }
                return a.line < b.line
            }
            let rows = table.map { Commission.TableStep.Row(condition: $0.text, rate: $0.rate, amount: $0.amount) }
            s.step(.rule(Commission.TableStep(rows: rows, lines: Array(lines.prefix(200)), count: lines.count, total: total)))
        }
        let limited = try s.limit(total, limits)
        s.emit(0, .number(try s.round(limited)))
    }
}

/// The diagnostics only this kind raises.
enum CommissionCode: String, DiagnosticCode {
    case commissionShape = "C448"
    case tableRatesEachLine = "C476"
    case creditsWhere = "C477"
    case creditsUnrated = "L523"
    case unreachableRateRow = "L521"
    case rateTableGap = "L522"
    case rateOrAmount = "P342"

    var title: String {
        switch self {
        case .commissionShape: "a commission rated on a shape that is not tiers"
        case .tableRatesEachLine: "a rate table with `rate_on` other than `each`"
        case .creditsWhere: "`credits` where it does not apply (a rate table; `reverse` without `rate_on: each`)"
        case .creditsUnrated: "credits rated alone on tiers that pay them 0"
        case .unreachableRateRow: "a rate table row after a row that takes every line"
        case .rateTableGap: "a rate table without a row for every line"
        case .rateOrAmount: "a rate table row without exactly one of `rate` and `amount`"
        }
    }

    var severity: Severity {
        switch self {
        case .unreachableRateRow, .rateTableGap, .creditsUnrated: .warning
        default: .error
        }
    }
}
