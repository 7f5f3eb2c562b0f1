import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// A pool: a pot given by a formula over the pool's members (2 % of their
/// revenue), rounded to the cent, then divided among the members who
/// qualify — equally or pro rata — with the leftover cents by largest
/// remainder (ties by rep_id). One pool for the whole population, or one
/// per group (`group_by`).
///
///     sales_pool:
///       kind: pool
///       pot: 2% * sum(revenue)
///       qualifies: attainment >= 1.00
///       split: equal
struct PoolKind: RuleKind {
    let codes: [any DiagnosticCode] = PoolCode.allCases
    let name = "pool"
    let keys = ["pot", "group_by", "members", "qualifies", "split"]
    let outputs = [
        RuleOutput("", .money, .payout), RuleOutput("pot", .money, .prize), RuleOutput("qualified", .bool), RuleOutput("group", .text, .group),
    ]

    /// The group of a pool without `group_by`.
    static let wholePopulation = "company"

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let pot = f.require("pot", &c, help: "e.g. `pot: 2% * sum(revenue)`").flatMap { c.formula($0, p.key("pot"), "the pot") }
        let groupBy = f.take("group_by").flatMap { c.formula($0, p.key("group_by"), "the grouping") }
        let members = f.take("members").flatMap { c.formula($0, p.key("members"), "a membership condition") }
        let qualifies = f.take("qualifies").flatMap { c.formula($0, p.key("qualifies"), "a qualifying condition") }
        let split = f.require("split", &c, help: "`split: equal` or `split: {pro_rata: revenue}`").flatMap { readSplit($0, p.key("split"), &c) }
        guard let pot, let split else { return nil }
        return Pool(pot: pot, groupBy: groupBy, members: members, qualifies: qualifies, split: split)
    }

    func readSplit(_ node: YAMLNode, _ sp: Path, _ c: inout ReadContext) -> Pool.Split? {
        if let s = node.scalar {
            c.register(sp, node)
            if s == "equal" { return .init(method: .equal, range: node.range) }
            c.error(
                PoolCode.splitMethod, "unknown split `\(s)`; expected `equal` or `{pro_rata: WEIGHT}`", at: node.range,
                help: Suggest.didYouMean(s, among: ["equal"]))
            return nil
        }
        guard var sf = Fields(node, "`split`", known: ["equal", "pro_rata"], context: &c) else { return nil }
        defer { sf.finish(&c) }
        guard sf.has("equal") != sf.has("pro_rata") else {
            _ = sf.take("equal")
            _ = sf.take("pro_rata")
            c.error(PoolCode.splitMethod, "`split` needs exactly one of `equal: true` and `pro_rata: WEIGHT`", at: node.range)
            return nil
        }
        if let w = sf.take("pro_rata") {
            return c.formula(w, sp.key("pro_rata"), "a weight").map { .init(method: .proRata($0), range: node.range) }
        }
        guard let e = sf.take("equal"), let b = c.bool(e, sp.key("equal"), "`equal`") else { return nil }
        guard b.value else {
            c.error(PoolCode.splitMethod, "`equal: false` splits nothing; use `pro_rata: WEIGHT`", at: e.range)
            return nil
        }
        return .init(method: .equal, range: node.range)
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let b = rule.body as? Pool, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        var groupBy = c.rep(b.groupBy, nil, "the grouping", symbol: me)
        if let g = groupBy, g.type.base != .text {
            c.error(CheckCode.wrongType, "`group_by` must be text (a rep attribute such as rep.team), found \(g.type)", at: g.range)
            groupBy = nil
            c.failed = true
        }
        let members = c.rep(b.members, .bool, "the membership condition", symbol: me)
        let qualifies = c.rep(b.qualifies, .bool, "the qualifying condition", symbol: me)
        var pot: TExpr?
        if let t = c.x.check(b.pot, .group(scoreVisible: false), selfSymbol: me) {
            pot = c.expect(t, .money, "the pot")
        } else {
            c.failed = true
        }
        var split: Pool.CheckedSplit?
        switch b.split.method {
        case .equal: split = .equal
        case .proRata(let w):
            if let weight = c.rep(w, nil, "a split weight", symbol: me) {
                if weight.type.base.isNumeric || weight.type.literal {
                    split = .proRata(weight)
                } else {
                    c.error(CheckCode.wrongType, "a split weight must be a number or money, found \(weight.type)", at: weight.range)
                }
            }
        }
        guard let pot, let split else { return nil }
        return Pool.Checked(pot: pot, groupBy: groupBy, members: members, qualifies: qualifies, split: split)
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? Pool.Checked else { return nil }
        let split: Pool.CompiledSplit
        switch b.split {
        case .equal: split = .equal
        case .proRata(let w): split = .proRata(c.compile(w))
        }
        return Pool.Compiled(
            pot: c.compile(b.pot), groupBy: b.groupBy.map { c.compile($0) }, members: b.members.map { c.compile($0) },
            qualifies: b.qualifies.map { c.compile($0) }, split: split)
    }
}

/// The syntax of a pool.
struct Pool: RuleBodySyntax {
    enum SplitMethod: Sendable {
        case equal
        case proRata(Expr)
    }

    struct Split: Sendable {
        var method: SplitMethod
        var range: SourceRange
    }

    /// Money, over the pool's members (a group formula).
    var pot: Expr
    /// One pool per value (`rep.team`); one for the whole population when nil.
    var groupBy: Expr?
    /// Who is in the pool (counted by the pot); every population rep when nil.
    var members: Expr?
    /// Who shares the pot; every member when nil.
    var qualifies: Expr?
    var split: Split

    var splitText: String {
        switch split.method {
        case .equal: "equal"
        case .proRata(let w): "pro_rata \(w)"
        }
    }

    var canonicalFields: [(String, String)] {
        [
            ("pot", pot.description), ("group_by", groupBy?.description ?? "-"), ("members", members?.description ?? "-"),
            ("qualifies", qualifies?.description ?? "-"), ("split", splitText),
        ]
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".pot", "\(l) pot", pot, owner: owner)
        s.formula(k + ".group_by", "\(l) one pool per", groupBy, owner: owner)
        s.formula(k + ".members", "\(l) members", members, owner: owner)
        s.formula(k + ".qualifies", "\(l) qualifies when", qualifies, owner: owner)
        switch split.method {
        case .equal: s.add(k + ".split", "\(l) split", "equal shares", nil, split.range, owner: owner)
        case .proRata(let w): s.add(k + ".split", "\(l) split", "pro rata \(s.text(w))", nil, split.range, owner: owner)
        }
    }

    enum CheckedSplit: Sendable {
        case equal
        case proRata(TExpr)
    }

    struct Checked: CheckedRuleBody {
        var pot: TExpr
        var groupBy: TExpr?
        var members: TExpr?
        var qualifies: TExpr?
        var split: CheckedSplit

        var expressions: [TExpr] {
            var list = [pot] + [groupBy, members, qualifies].compactMap { $0 }
            if case .proRata(let w) = split { list.append(w) }
            return list
        }
    }

    enum CompiledSplit: Sendable {
        case equal
        case proRata(CExpr)
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var pot: CExpr
        var groupBy: CExpr?
        var members: CExpr?
        var qualifies: CExpr?
        var split: CompiledSplit

        var isGroupStage: Bool { true }
        var hasPerRepPart: Bool { false }
        var expressions: [CExpr] {
            var list = [pot] + [groupBy, members, qualifies].compactMap { $0 }
            if case .proRata(let w) = split { list.append(w) }
            return list
        }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            let splitText: String
            switch split {
            case .equal: splitText = "equal"
            case .proRata(let w): splitText = "pro rata \(r(w))"
            }
            return [
                "one pool \(groupBy.map { "per \(r($0))" } ?? "for the whole population")\(members.map { ", members \(r($0))" } ?? "")",
                "pot \(r(pot)), rounded to the cent before it is divided", "qualifies \(qualifies.map(r) ?? "always")",
                "split \(splitText); cents by largest remainder",
            ]
        }

        func evaluateGroup(_ g: GroupRun) throws(EvalError) {
            var run = PoolRun(rule: self, g: g)
            try run.run()
        }
    }

    /// One rep's share of a pool, and how the pot was found and divided.
    struct PoolStep: RuleStep {
        /// nil for a pool of the whole population.
        var group: String?
        var members: Int
        var member: Bool
        var potFormula: String
        var potExact: Exact
        var pot: Exact
        var qualified: Bool
        var condition: String?
        var qualifiers: Int
        var proRata: String?
        var weight: Exact
        var totalWeight: Exact
        var exactShare: Exact
        var floorShare: Exact
        var extraCent: Bool
        var share: Exact

        func lines(_ w: Words) -> [String] {
            let zh = w.zh
            if !member { return [w.t("not a member of this pool", "不在本奖池内")] }
            var out: [String] = []
            if let group {
                out.append(w.t("the pool of group \(group) (\(members) members)", "\(group) 组奖池（\(members) 人）"))
            } else {
                out.append(w.t("one pool for the whole population (\(members) members)", "全员奖池（\(members) 人）"))
            }
            let rounded = potExact == pot ? "" : w.t(", rounded to \(w.m(pot)) before it is divided", "，分配前先舍入到分：\(w.m(pot))")
            out.append(w.t("pot = \(potFormula) = \(w.n(potExact))\(rounded)", "奖池 = \(potFormula) = \(w.n(potExact))\(rounded)"))
            if let condition {
                out.append(
                    qualified
                        ? w.t("`\(condition)` holds: shares the pot", "满足分配条件 \(condition)，参与分配")
                        : w.t("`\(condition)` does not hold: no share", "不满足分配条件 \(condition)，不参与分配"))
            }
            if qualifiers == 0 {
                out.append(w.t("nobody qualifies, so the pot is not paid", "无人满足条件，奖池不发放"))
                return out
            }
            guard qualified else { return out }
            if totalWeight.isZero {
                out.append(w.t("every qualifying member's weight is 0, so the pot is not paid", "全部合格成员权重为 0，奖池不发放"))
                return out
            }
            if let proRata {
                out.append(
                    zh
                        ? "按 \(proRata) 比例分配（\(qualifiers) 人合格）：\(w.m(pot)) × \(w.n(weight)) ÷ \(w.n(totalWeight)) = \(w.n(exactShare))，先舍到分：\(w.m(floorShare))"
                        : "\(qualifiers) qualify; split pro rata \(proRata): \(w.m(pot)) × \(w.n(weight)) ÷ \(w.n(totalWeight)) = \(w.n(exactShare)), rounded down to \(w.m(floorShare))"
                )
            } else {
                out.append(
                    zh
                        ? "\(qualifiers) 人合格，平均分配：\(w.m(pot)) ÷ \(qualifiers) = \(w.n(exactShare))，先舍到分：\(w.m(floorShare))"
                        : "\(qualifiers) qualify; split equally: \(w.m(pot)) ÷ \(qualifiers) = \(w.n(exactShare)), rounded down to \(w.m(floorShare))"
                )
            }
            if extraCent {
                out.append(w.t("plus one cent by largest remainder (ties by rep_id): \(w.m(share))", "按最大余数法补 1 分（余数相同按 rep_id）：\(w.m(share))"))
            }
            return out
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "pool")
            j.field("group", group)
            j.field("members", members)
            j.field("member", member)
            j.field("pot_exact", potExact)
            j.field("pot", pot)
            j.field("qualified", qualified)
            j.field("qualifiers", qualifiers)
            j.field("weight", weight)
            j.field("total_weight", totalWeight)
            j.field("largest_remainder_cent", extraCent)
            j.field("share", share)
        }
    }
}

/// One period of a pool: every rep's group, membership, qualification and
/// weight in parallel, then each group's pot, rounded, then its split.
struct PoolRun {
    struct Input {
        var key: String
        var member: Bool
        var qualified: Bool
        var weight: Exact
    }

    /// Results by output index.
    enum Out {
        static let share = 0
        static let pot = 1
        static let qualified = 2
        static let group = 3
    }

    let rule: Pool.Compiled
    let g: GroupRun
    var inputs: [Int: Input] = [:]

    init(rule: Pool.Compiled, g: GroupRun) {
        self.rule = rule
        self.g = g
    }

    mutating func run() throws(EvalError) {
        try readInputs()
        var groups: [TextKey: [Int]] = [:]
        for rep in g.population {
            guard let input = inputs[rep] else { continue }
            if input.member {
                groups[TextKey(input.key), default: []].append(rep)
            } else if g.isTraced(rep) {
                g.note(rep, .rule(step(rep, group: nil, members: [], pot: (.zero, .zero), qualifiers: [], shares: nil)))
            }
        }
        var rows: [GroupBoard.Row] = []
        for key in groups.keys.sorted() { rows.append(try split(key.text, groups[key]!)) }
        g.board(GroupBoard(rows: rows))
    }

    /// Each population rep's group, membership, qualification and weight
    /// (read only for those who qualify).
    mutating func readInputs() throws(EvalError) {
        let rule = self.rule
        let g = self.g
        let list = try g.perRep { (rep: Int) throws(EvalError) -> Input in
            let key: String
            if let e = rule.groupBy {
                guard case .text(let k) = try g.value(e, rep) else { throw EvalError(.typeMismatch("expected a group name"), g.rule.range) }
                key = k
            } else {
                key = PoolKind.wholePopulation
            }
            g.write(PoolRun.Out.share, rep, .number(.zero))
            g.write(PoolRun.Out.pot, rep, .number(.zero))
            g.write(PoolRun.Out.qualified, rep, .bool(false))
            g.write(PoolRun.Out.group, rep, .text(key))
            let member = try rule.members.map { e throws(EvalError) in try g.truth(e, rep) } ?? true
            guard member else { return Input(key: key, member: false, qualified: false, weight: .zero) }
            let qualified = try rule.qualifies.map { e throws(EvalError) in try g.truth(e, rep) } ?? true
            var weight = Exact.zero
            if qualified {
                switch rule.split {
                case .equal: weight = .one
                case .proRata(let e):
                    weight = try g.number(e, rep)
                    if weight.isNegative { throw EvalError(.negativeWeight, g.rule.range) }
                }
            }
            return Input(key: key, member: true, qualified: qualified, weight: weight)
        }
        inputs.reserveCapacity(list.count)
        for (rep, input) in zip(g.population, list) { inputs[rep] = input }
    }

    /// The pot of one group, rounded to the cent as the rule rounds (the
    /// plan's rounding by default), before anything is divided.
    func pot(_ key: String, _ members: [Int]) throws(EvalError) -> (exact: Exact, rounded: Exact) {
        let exact = try ExpressionEvaluator.number(
            try g.groupValue(rule.pot, members: members, score: nil, key: key == PoolKind.wholePopulation && rule.groupBy == nil ? "" : key),
            g.rule.range)
        let rounding = g.rule.rounding ?? g.rounding
        let rounded = try g.arithmetic { () throws(ArithmeticError) in try exact.rounded(scale: rounding.scale, mode: rounding.mode) }
        if rounded.isNegative {
            throw EvalError(
                .invalid("the pot of the pool\(rule.groupBy == nil ? "" : " of group \(key)") is \(exact), below zero: a pool cannot take money"),
                g.rule.range)
        }
        return (exact, rounded)
    }

    /// Divides one group's pot among its qualifying members and explains it.
    func split(_ key: String, _ members: [Int]) throws(EvalError) -> GroupBoard.Row {
        let rounding = g.rule.rounding ?? g.rounding
        let p = try pot(key, members)
        let qualifiers = members.filter { inputs[$0]!.qualified }
        let weights = qualifiers.map { inputs[$0]!.weight }
        let units = try g.arithmetic { () throws(ArithmeticError) in try p.rounded.roundedUnits(scale: rounding.scale, mode: .floor) }
        let shares = try Splitting.largestRemainder(units, weights: weights, order: qualifiers.map(g.repID))
        var paid: [(rep: Int, share: Exact)] = []
        for rep in members { g.write(PoolRun.Out.pot, rep, .number(p.rounded)) }
        for (k, rep) in qualifiers.enumerated() {
            let share = Exact(units: shares.shares[k], scale: rounding.scale)
            g.write(PoolRun.Out.share, rep, .number(share))
            g.write(PoolRun.Out.qualified, rep, .bool(true))
            paid.append((rep, share))
        }
        for rep in members where g.isTraced(rep) {
            g.note(rep, .rule(step(rep, group: key, members: members, pot: p, qualifiers: qualifiers, shares: (shares, weights, rounding.scale))))
        }
        return GroupBoard.Row(
            group: key, members: members.count, score: nil, eligible: !qualifiers.isEmpty, rank: nil, prize: p.rounded, shares: paid)
    }

    typealias Shares = (split: (shares: [Int128], exact: [Exact], extra: [Bool]), weights: [Exact], scale: Int)

    /// The explanation of one rep's part in a pool (`group` nil: not a member).
    func step(_ rep: Int, group: String?, members: [Int], pot: (exact: Exact, rounded: Exact), qualifiers: [Int], shares: Shares?) -> Pool.PoolStep {
        let input = inputs[rep]
        let k = qualifiers.firstIndex(of: rep)
        var total = Exact.zero
        for w in shares?.weights ?? [] { total = (try? total + w) ?? total }
        var exact = Exact.zero
        var floor = Exact.zero
        var share = Exact.zero
        var extra = false
        if let k, let s = shares {
            let unit = Exact(units: 1, scale: s.scale)
            exact = (try? s.split.exact[k] * unit) ?? .zero
            floor = Exact(units: s.split.shares[k] - (s.split.extra[k] ? 1 : 0), scale: s.scale)
            share = Exact(units: s.split.shares[k], scale: s.scale)
            extra = s.split.extra[k]
        }
        var proRata: String?
        if case .proRata(let w) = rule.split { proRata = g.render(w) }
        return Pool.PoolStep(
            group: rule.groupBy == nil ? nil : group, members: members.count, member: group != nil, potFormula: g.render(rule.pot),
            potExact: pot.exact, pot: pot.rounded, qualified: k != nil, condition: rule.qualifies.map(g.render), qualifiers: qualifiers.count,
            proRata: proRata, weight: input?.weight ?? .zero, totalWeight: total, exactShare: exact, floorShare: floor, extraCent: extra,
            share: share)
    }
}

/// The diagnostics only this kind raises.
enum PoolCode: String, DiagnosticCode {
    case splitMethod = "P341"

    var title: String {
        switch self {
        case .splitMethod: "a pool's split that is neither `equal` nor `pro_rata`"
        }
    }

    var severity: Severity { .error }
}
