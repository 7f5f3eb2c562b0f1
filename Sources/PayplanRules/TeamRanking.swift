import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// 团队排名奖励: groups ranked by a score, prizes by position (tied groups
/// share their positions' prizes), each group's prize split to its members.
///
///     team_prize:
///       kind: team_ranking
///       group_by: rep.team
///       score: sum(revenue) / sum(target)
///       eligible: score >= 1.00 and members >= 3
///       prizes: [30000, 20000, 10000]
///       ties: share
///       split: {pro_rata: max(revenue, 0), exclude: elimination.flag != "none"}
struct TeamRankingKind: RuleKind {
    let codes: [any DiagnosticCode] = TeamRankingCode.allCases
    let name = "team_ranking"
    let keys = ["group_by", "members", "score", "eligible", "order", "pot", "prizes", "unclaimed", "ties", "split"]
    let outputs = [
        RuleOutput("", .money, .payout), RuleOutput("group", .text, .group), RuleOutput("score", ValueType(.number, optional: true)),
        RuleOutput("rank", ValueType(.count, optional: true), .rank), RuleOutput("prize", .money, .prize), RuleOutput("eligible", .bool),
    ]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let groupBy = f.require("group_by", &c, help: "e.g. `group_by: rep.team`").flatMap { c.formula($0, p.key("group_by"), "the grouping") }
        let members = f.take("members").flatMap { c.formula($0, p.key("members"), "a membership condition") }
        let score = f.require("score", &c, help: "e.g. `score: sum(revenue) / sum(target)`").flatMap { c.formula($0, p.key("score"), "the score") }
        let eligible = f.take("eligible").flatMap { c.formula($0, p.key("eligible"), "an eligibility condition") }
        let order = f.take("order").flatMap { c.choice($0, p.key("order"), "order", SortOrder.self) } ?? Located(.descending, node.range)
        var prizes: [Expr] = []
        if let prizesNode = f.require("prizes", &c, help: "e.g. `prizes: [30000, 20000, 10000]`") {
            if let items = prizesNode.sequence {
                for (i, item) in items.enumerated() {
                    if let e = c.formula(item, p.key("prizes").index(i), "a prize") { prizes.append(e) }
                }
                if items.isEmpty { c.error(PlanCode.emptyShape, "`prizes` needs at least one prize", at: prizesNode.range) }
            } else {
                c.error(PlanCode.wrongKind, "expected `prizes` as a list [1st, 2nd, ...], found \(prizesNode.kindDescription)", at: prizesNode.range)
            }
        }
        let pot = f.take("pot").flatMap { c.formula($0, p.key("pot"), "the pot") }
        let unclaimed = f.take("unclaimed").flatMap {
            c.choice($0, p.key("unclaimed"), "what happens to unclaimed prizes", TeamRanking.Unclaimed.self)
        }
        let ties = f.take("ties").map { readTies($0, p.key("ties"), &c) } ?? .share(node.range)
        let split = f.require("split", &c, help: "e.g. `split: {pro_rata: max(revenue, 0)}`").flatMap { readSplit($0, p.key("split"), &c) }
        guard let groupBy, let score, let split, !prizes.isEmpty else { return nil }
        return TeamRanking(
            groupBy: groupBy, members: members, score: score, eligible: eligible, order: order, pot: pot, prizes: prizes, unclaimed: unclaimed,
            ties: ties, split: split)
    }

    func readTies(_ tiesNode: YAMLNode, _ tp: Path, _ c: inout ReadContext) -> TeamRanking.TiePolicy {
        if tiesNode.scalar != nil {
            if let t = c.text(tiesNode, tp, "a tie policy") {
                if t.value == "share" { return .share(t.range) }
                c.error(
                    PlanCode.unknownChoice, "unknown tie policy `\(t.value)`; expected `share` or `{break_by: [...]}`", at: t.range,
                    help: Suggest.didYouMean(t.value, among: ["share"]))
            }
            return .share(tiesNode.range)
        }
        guard var tf = Fields(tiesNode, "`ties`", known: ["break_by", "then"], context: &c) else { return .share(tiesNode.range) }
        var breakers: [TeamRanking.TieBreaker] = []
        if let bn = tf.require("break_by", &c) {
            let items = bn.sequence ?? [bn]
            for (i, item) in items.enumerated() {
                let bp = bn.sequence == nil ? tp.key("break_by") : tp.key("break_by").index(i)
                if item.mapping != nil {
                    guard var bf = Fields(item, "a tie-breaker", known: ["by", "order"], context: &c) else { continue }
                    let by = bf.require("by", &c).flatMap { c.formula($0, bp.key("by"), "a tie-breaker") }
                    let o = bf.take("order").flatMap { c.choice($0, bp.key("order"), "order", SortOrder.self) }
                    bf.finish(&c)
                    if let by { breakers.append(.init(expr: by, order: o ?? Located(.descending, item.range))) }
                } else if let by = c.formula(item, bp, "a tie-breaker") {
                    breakers.append(.init(expr: by, order: Located(.descending, item.range)))
                }
            }
        }
        if let thenNode = tf.take("then"), let t = c.text(thenNode, tp.key("then"), "what remaining ties do"), t.value != "share" {
            c.error(PlanCode.unknownChoice, "groups still tied after the tie-breakers share; `then` can only be `share`", at: t.range)
        }
        tf.finish(&c)
        return .breakBy(breakers, tiesNode.range)
    }

    func readSplit(_ splitNode: YAMLNode, _ sp: Path, _ c: inout ReadContext) -> TeamRanking.Split? {
        if let s = splitNode.scalar, s == "equal" {
            c.register(sp, splitNode)
            return .init(method: .equal, exclude: nil, range: splitNode.range)
        }
        guard var sf = Fields(splitNode, "`split`", known: ["pro_rata", "equal", "to_role", "exclude"], context: &c) else { return nil }
        let methods = ["pro_rata", "equal", "to_role"].filter { sf.has($0) }
        var method: TeamRanking.SplitMethod?
        if methods.count != 1 {
            c.error(
                TeamRankingCode.splitMethod, "`split` needs exactly one of `pro_rata: WEIGHT`, `equal: true`, `to_role: ROLE`", at: splitNode.range)
            for m in methods { _ = sf.take(m) }
        } else if let w = sf.take("pro_rata") {
            method = c.formula(w, sp.key("pro_rata"), "a weight").map { .proRata($0) }
        } else if let e = sf.take("equal") {
            if let b = c.bool(e, sp.key("equal"), "`equal`"), b.value {
                method = .equal
            } else {
                c.error(TeamRankingCode.splitMethod, "`equal: false` splits nothing; use `pro_rata` or `to_role`", at: e.range)
            }
        } else if let r = sf.take("to_role") {
            method = c.text(r, sp.key("to_role"), "a role").map { .role($0.value) }
        }
        let exclude = sf.take("exclude").flatMap { c.formula($0, sp.key("exclude"), "an exclusion condition") }
        sf.finish(&c)
        return method.map { .init(method: $0, exclude: exclude, range: splitNode.range) }
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let t = rule.body as? TeamRanking, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let groupBy = c.rep(t.groupBy, nil, "the grouping", symbol: me)
        if let g = groupBy, g.type.base != .text {
            c.error(CheckCode.wrongType, "`group_by` must be text (a rep attribute such as rep.team), found \(g.type)", at: g.range)
        }
        let members = c.rep(t.members, .bool, "the membership condition", symbol: me)
        let score = c.x.check(t.score, .group(scoreVisible: false))
        if let s = score, !(s.type.base.isNumeric) {
            c.error(CheckCode.wrongType, "a score must be a number, found \(s.type)", at: s.range)
        }
        var eligible: TExpr?
        if let e = t.eligible {
            eligible = c.x.check(e, .group(scoreVisible: true))
            if let el = eligible, el.type.base != .bool {
                c.error(CheckCode.wrongType, "`eligible` must be a condition, found \(el.type)", at: el.range)
                eligible = nil
            }
        }
        var pot: TExpr?
        if let e = t.pot {
            if let typed = c.x.check(e, .ranking(potVisible: false), selfSymbol: me) { pot = c.expect(typed, .money, "the pot") }
            if pot == nil { c.failed = true }
        }
        let prizes = checkPrizes(t.prizes, potDeclared: t.pot != nil, symbol: me, &c)
        checkUnclaimed(t, prizes, &c)
        var breakers: [(TExpr, SortOrder)] = []
        if case .breakBy(let list, _) = t.ties {
            for b in list {
                guard let e = c.x.check(b.expr, .group(scoreVisible: true)) else { continue }
                if e.type.base.isNumeric {
                    breakers.append((e, b.order.value))
                } else {
                    c.error(CheckCode.wrongType, "a tie-breaker must be a number, found \(e.type)", at: e.range)
                }
            }
        }
        var split: TeamRanking.CheckedSplit?
        switch t.split.method {
        case .equal: split = .equal
        case .role(let r): split = .role(r)
        case .proRata(let w):
            if let weight = c.rep(w, nil, "a split weight", symbol: me) {
                if weight.type.base.isNumeric || weight.type.literal {
                    split = .proRata(weight)
                } else {
                    c.error(CheckCode.wrongType, "a split weight must be a number or money, found \(weight.type)", at: weight.range)
                }
            }
        }
        let exclude = c.rep(t.split.exclude, .bool, "the exclusion condition", symbol: me)
        guard let groupBy, let score, let split, !prizes.isEmpty, prizes.count == t.prizes.count else { return nil }
        return TeamRanking.Checked(
            groupBy: groupBy, members: members, score: score, eligible: eligible, order: t.order.value, pot: pot, prizes: prizes,
            unclaimed: t.unclaimed?.value, breakers: breakers, split: split, exclude: exclude)
    }

    /// Prizes given by formulas (a pot and shares of it) leave open what
    /// happens to the prizes no eligible group reaches: the plan must say.
    /// A pot no prize reads is a mistake.
    func checkUnclaimed(_ t: TeamRanking, _ prizes: [TExpr], _ c: inout CheckRun) {
        if t.unclaimed == nil, let formula = prizes.first(where: { $0.constantValue == nil }) {
            c.error(
                TeamRankingCode.unclaimedNotDeclared, "prizes given by formulas need `unclaimed:`: what happens to a prize no eligible group reaches",
                at: formula.range,
                help:
                    "add `unclaimed: not_paid` (such prizes are not paid) or `unclaimed: rolls_down` (they go to the groups paid, in proportion to their prizes)"
            )
        }
        if let pot = t.pot, !prizes.isEmpty,
            !prizes.contains(where: { p in
                var reads = false
                p.visit { if case .groupPot = $0.kind { reads = true } }
                return reads
            })
        {
            c.warning(
                TeamRankingCode.potUnused, "no prize reads the pot", at: pot.range,
                help: "write prizes as shares of it, e.g. `prizes: [50% * pot, 30% * pot]`")
        }
    }

    /// Money, not below zero: a constant written to the cent, or a formula
    /// over the whole ranking (`50% * pot`, `1% * sum(revenue)`); a prize
    /// larger than the one before it is a warning.
    func checkPrizes(_ list: [Expr], potDeclared: Bool, symbol: Symbol, _ c: inout CheckRun) -> [TExpr] {
        var prizes: [TExpr] = []
        for p in list {
            if p.constantNumber == nil {
                guard let typed = c.x.check(p, .ranking(potVisible: potDeclared), selfSymbol: symbol), let money = c.expect(typed, .money, "a prize")
                else {
                    c.failed = true
                    continue
                }
                prizes.append(money)
                continue
            }
            if p.isPercentLiteral, let v = p.constantNumber {
                c.x.percentAsMoney(TExpr(.number(v), ValueType(.number, literal: true, percent: true), p.range), "a prize must be money")
                c.failed = true
                continue
            }
            guard
                let v = c.constantNumber(
                    p, "a prize",
                    help: "prizes are amounts fixed by the plan, one per place (`prizes: [30000, 20000, 10000]`); a metric cannot set them")
            else {
                c.failed = true
                continue
            }
            guard c.moneyDigitsFit(v) else { continue }
            if let k = v.constantValue, k < .zero { c.error(TeamRankingCode.negativePrize, "a prize cannot be negative", at: v.range) }
            prizes.append(c.x.adapt(v, to: .money))
        }
        for k in prizes.indices.dropFirst() {
            if let a = prizes[k - 1].constantValue, let b = prizes[k].constantValue, b > a {
                c.warning(TeamRankingCode.prizesNotDecreasing, "prize \(k + 1) (\(b)) is larger than prize \(k) (\(a))", at: prizes[k].range)
            }
        }
        return prizes
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? TeamRanking.Checked else { return nil }
        let split: TeamRanking.CompiledSplit
        switch b.split {
        case .equal: split = .equal
        case .role(let role): split = .role(role)
        case .proRata(let w): split = .proRata(c.compile(w))
        }
        let prizes: [TeamRanking.Prize] = b.prizes.map { p in p.constantValue.map { .constant($0) } ?? .formula(c.compile(p)) }
        return TeamRanking.Compiled(
            groupBy: c.compile(b.groupBy), members: b.members.map { c.compile($0) }, score: c.compile(b.score),
            eligible: b.eligible.map { c.compile($0) }, order: b.order, pot: b.pot.map { c.compile($0) }, prizes: prizes, unclaimed: b.unclaimed,
            breakers: b.breakers.map { (c.compile($0.0), $0.1) }, split: split, exclude: b.exclude.map { c.compile($0) })
    }
}

/// The syntax of a team ranking.
struct TeamRanking: RuleBodySyntax {
    struct TieBreaker: Sendable {
        var expr: Expr
        var order: Located<SortOrder>
    }

    enum TiePolicy: Sendable {
        /// Tied groups take consecutive positions and share their prizes equally.
        case share(SourceRange)
        /// Ties are broken by these group values in turn; groups still tied share.
        case breakBy([TieBreaker], SourceRange)
    }

    enum SplitMethod: Sendable {
        case equal
        case proRata(Expr)
        /// Equally among members whose `rep.role` is this value.
        case role(String)
    }

    struct Split: Sendable {
        var method: SplitMethod
        /// Members for whom this holds get nothing (weight 0).
        var exclude: Expr?
        var range: SourceRange
    }

    /// What happens to the prizes no eligible group reaches.
    enum Unclaimed: String, Sendable, CaseIterable {
        /// They are not paid.
        case notPaid = "not_paid"
        /// They go to the groups that are paid, in proportion to their prizes.
        case rollsDown = "rolls_down"
    }

    var groupBy: Expr
    /// Which population reps are members; all when omitted.
    var members: Expr?
    var score: Expr
    var eligible: Expr?
    var order: Located<SortOrder>
    /// Money over every member of the ranking, read by prizes as `pot`.
    var pot: Expr?
    var prizes: [Expr]
    var unclaimed: Located<Unclaimed>?
    var ties: TiePolicy
    var split: Split

    var canonicalFields: [(String, String)] {
        let tieText: String
        switch ties {
        case .share: tieText = "share"
        case .breakBy(let b, _): tieText = "break_by " + b.map { "\($0.expr) \($0.order.value.rawValue)" }.joined(separator: ", ")
        }
        let splitText: String
        switch split.method {
        case .equal: splitText = "equal"
        case .proRata(let w): splitText = "pro_rata \(w)"
        case .role(let r): splitText = "to_role \(CanonicalText.quoted(r))"
        }
        return [
            ("group_by", groupBy.description), ("members", members?.description ?? "-"), ("score", score.description),
            ("eligible", eligible?.description ?? "-"), ("order", order.value.rawValue),
            ("prizes", prizes.map(\.description).joined(separator: ", ")),
            ("ties", tieText), ("split", splitText), ("exclude", split.exclude?.description ?? "-"),
        ] + (pot.map { [("pot", $0.description)] } ?? []) + (unclaimed.map { [("unclaimed", $0.value.rawValue)] } ?? [])
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".group_by", "\(l) groups by", groupBy, owner: owner)
        s.formula(k + ".members", "\(l) members", members, owner: owner)
        s.formula(k + ".score", "\(l) score", score, owner: owner)
        s.formula(k + ".eligible", "\(l) eligible when", eligible, owner: owner)
        s.add(k + ".order", "\(l) ranks", order.value.rawValue, nil, order.range, owner: owner)
        s.formula(k + ".pot", "\(l) pot", pot, owner: owner)
        if let u = unclaimed { s.add(k + ".unclaimed", "\(l) prizes no eligible group reaches", u.value.rawValue, nil, u.range, owner: owner) }
        for (i, prize) in prizes.enumerated() {
            s.item(k + ".prizes", i + 1, "\(l) prize") { e in e.formula(k + ".prizes[\(i + 1)]", "\(l) prize \(i + 1)", prize, owner: owner) }
        }
        switch ties {
        case .share(let range): s.add(k + ".ties", "\(l) ties", "share", nil, range, owner: owner)
        case .breakBy(let list, let range):
            let text = list.map { "\(s.text($0.expr))\($0.order.value == .ascending ? " ascending" : "")" }.joined(separator: ", ")
            s.add(k + ".ties", "\(l) ties", "tie-break by " + text, nil, range, owner: owner)
        }
        let splitText: String
        switch split.method {
        case .equal: splitText = "equal shares"
        case .proRata(let w): splitText = "pro rata \(s.text(w))"
        case .role(let role): splitText = "to role \(role)"
        }
        s.add(k + ".split", "\(l) split", splitText, nil, split.range, owner: owner)
        s.formula(k + ".split.exclude", "\(l) excluded from the split", split.exclude, owner: owner)
    }

    enum CheckedSplit: Sendable {
        case equal
        case proRata(TExpr)
        case role(String)
    }

    struct Checked: CheckedRuleBody {
        var groupBy: TExpr
        var members: TExpr?
        var score: TExpr
        var eligible: TExpr?
        var order: SortOrder
        var pot: TExpr?
        var prizes: [TExpr]
        var unclaimed: Unclaimed?
        var breakers: [(TExpr, SortOrder)]
        var split: CheckedSplit
        var exclude: TExpr?

        var expressions: [TExpr] {
            var list = [groupBy, score] + [members, eligible, exclude].compactMap { $0 } + prizes + breakers.map(\.0) + [pot].compactMap { $0 }
            if case .proRata(let w) = split { list.append(w) }
            return list
        }
    }

    enum CompiledSplit: Sendable {
        case equal
        case proRata(CExpr)
        case role(String)
    }

    /// A prize: money written in the plan, or a formula computed once per period.
    enum Prize: Sendable {
        case constant(Exact)
        case formula(CExpr)
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var groupBy: CExpr
        var members: CExpr?
        var score: CExpr
        var eligible: CExpr?
        var order: SortOrder
        var pot: CExpr?
        var prizes: [Prize]
        var unclaimed: Unclaimed?
        var breakers: [(CExpr, SortOrder)]
        var split: CompiledSplit
        var exclude: CExpr?

        var isGroupStage: Bool { true }
        var hasPerRepPart: Bool { false }
        var expressions: [CExpr] {
            var list = [groupBy, score] + [members, eligible, exclude].compactMap { $0 } + breakers.map(\.0) + [pot].compactMap { $0 }
            for case .formula(let e) in prizes { list.append(e) }
            if case .proRata(let w) = split { list.append(w) }
            return list
        }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            var splitText: String
            switch split {
            case .equal: splitText = "equal"
            case .proRata(let w): splitText = "pro rata \(r(w))"
            case .role(let role): splitText = "to role \(role)"
            }
            if let exclude { splitText += ", excluding \(r(exclude))" }
            let prizeText = prizes.map { p in
                switch p {
                case .constant(let v): v.description
                case .formula(let e): r(e)
                }
            }
            return [
                "group by \(r(groupBy)); score \(r(score)) \(order.rawValue)", "eligible \(eligible.map(r) ?? "always")",
            ] + (pot.map { ["pot \(r($0)), rounded to the cent"] } ?? []) + [
                "prizes \(prizeText.joined(separator: ", "))"
            ] + (unclaimed.map { ["prizes no eligible group reaches: \($0.rawValue)"] } ?? []) + [
                "split \(splitText); cents by largest remainder"
            ]
        }

        func evaluateGroup(_ g: GroupRun) throws(EvalError) {
            var run = TeamRankingRun(rule: self, g: g)
            try run.run()
        }
    }

    /// One rep's place in the ranking and share of the prize.
    /// A rep the rule's `members` condition leaves out.
    struct NotAMemberStep: RuleStep {
        func lines(_ w: Words) -> [String] {
            [w.zh ? "不属于本规则的任何团队：成员条件不成立" : "not a member of any group of this rule: its `members` condition is false"]
        }

        func json(_ j: inout JSONStream) { j.field("type", "not_a_member") }
    }

    struct TeamStep: RuleStep, GroupFacts {
        var group: String
        var members: Int
        var score: Exact?
        var eligible: Bool
        var eligibility: String?
        var rank: Int?
        var tiedWith: [String]
        var pool: Exact
        var teamPrize: Exact
        var weight: Exact
        var totalWeight: Exact
        var excluded: Bool
        /// The condition that excluded the rep, as written in the plan.
        var exclusion: String?
        var exactShare: Exact
        var floorShare: Exact
        var extraCent: Bool
        var share: Exact
        /// A pot, prizes by formula, unclaimed prizes (absent otherwise).
        var extra: PotFacts?

        func lines(_ w: Words) -> [String] {
            let zh = w.zh
            var out: [String] = []
            out.append(
                zh ? "团队 \(group)（\(members) 人），团队得分 \(score.map(w.n) ?? "—")" : "team \(group) (\(members) members), score \(score.map(w.n) ?? "—")")
            if let extra { out += extra.lines(w) }
            if !eligible {
                out.append(
                    zh ? "团队未达到参评条件（\(eligibility ?? "")），无团队奖" : "the team is not eligible (`\(eligibility ?? "")` is false): no team prize")
                return out
            }
            if let rank {
                if tiedWith.isEmpty {
                    out.append(
                        zh
                            ? "合格团队中排\(w.ordinal(rank))，团队奖金 \(w.m(teamPrize))"
                            : "ranked \(w.ordinal(rank)) among eligible teams: team prize \(w.m(teamPrize))")
                } else {
                    out.append(
                        zh
                            ? "与 \(tiedWith.joined(separator: "、")) 得分完全相同，并列\(w.ordinal(rank))，平分所占名次奖金合计 \(w.m(pool))，本队 \(w.m(teamPrize))"
                            : "tied with \(tiedWith.joined(separator: ", ")) at rank \(rank): the tied teams share the prizes of their positions (\(w.m(pool))), this team gets \(w.m(teamPrize))"
                    )
                }
            }
            if teamPrize.isZero { return out }
            if excluded {
                let why = exclusion.map { zh ? "（\($0) 成立）" : " because `\($0)` holds" } ?? ""
                out.append(zh ? "本人被排除在分配之外\(why)，权重为 0，分得 0" : "excluded from the split\(why): weight 0, so the share is 0")
                return out
            }
            if totalWeight.isZero {
                out.append(zh ? "全体成员权重为 0，奖金不发放" : "every member's weight is 0, so the prize is not paid")
                return out
            }
            out.append(
                zh
                    ? "按权重分配：\(w.m(teamPrize)) × \(w.n(weight)) ÷ \(w.n(totalWeight)) = \(w.n(exactShare))，先舍到分：\(w.m(floorShare))"
                    : "split by weight: \(w.m(teamPrize)) × \(w.n(weight)) ÷ \(w.n(totalWeight)) = \(w.n(exactShare)), rounded down to \(w.m(floorShare))"
            )
            if extraCent { out.append(zh ? "按最大余数法补 1 分：\(w.m(share))" : "plus one cent by largest remainder: \(w.m(share))") }
            return out
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "team")
            j.field("group", group)
            j.field("members", members)
            j.field("score", score)
            j.field("eligible", eligible)
            j.field("rank", rank)
            j.key("tied_with")
            j.beginArray()
            for t in tiedWith { j.string(t) }
            j.endArray()
            j.field("team_prize", teamPrize)
            j.field("weight", weight)
            j.field("total_weight", totalWeight)
            j.field("excluded", excluded)
            j.field("largest_remainder_cent", extraCent)
            j.field("share", share)
            if let extra {
                j.field("pot", extra.pot)
                j.field("unclaimed", extra.unclaimed)
                j.field("rolled_down", extra.rolled)
            }
        }
    }

    /// The period's pot and prizes by formula, and the prizes no eligible
    /// group reached: the same for every member of every group.
    struct PotFacts: Sendable {
        var potFormula: String?
        var potExact: Exact?
        var pot: Exact?
        /// Each place's prize, when prizes are formulas.
        var prizes: [Exact]?
        var unclaimed: Exact
        var policy: Unclaimed?
        /// What rolled down to this group.
        var rolled: Exact

        func lines(_ w: Words) -> [String] {
            var out: [String] = []
            if let potFormula, let potExact, let pot {
                let rounded = potExact == pot ? "" : w.t(", rounded to \(w.m(pot))", "，舍入到分：\(w.m(pot))")
                out.append(w.t("pot = \(potFormula) = \(w.n(potExact))\(rounded)", "奖金池 = \(potFormula) = \(w.n(potExact))\(rounded)"))
            }
            if let prizes {
                let list = prizes.enumerated().map { "\(w.ordinal($0.offset + 1)) \(w.m($0.element))" }.joined(separator: w.t(", ", "，"))
                out.append(w.t("prizes by place: \(list)", "各名次奖金：\(list)"))
            }
            if unclaimed.isPositive {
                switch policy {
                case .rollsDown?:
                    out.append(
                        w.t(
                            "prizes no eligible team reached (\(w.m(unclaimed))) roll down to the teams paid, in proportion to their prizes: this team gets \(w.m(rolled)) more",
                            "无合格团队获得的名次奖金（\(w.m(unclaimed))）按各获奖团队奖金比例顺延分配：本队增加 \(w.m(rolled))"))
                default:
                    out.append(w.t("prizes no eligible team reached (\(w.m(unclaimed))) are not paid", "无合格团队获得的名次奖金（\(w.m(unclaimed))）不发放"))
                }
            }
            return out
        }
    }
}

/// One period of a team ranking: every member's inputs in parallel, then the
/// groups' scores, the ranking and the prizes, then each group's split.
struct TeamRankingRun {
    typealias Rule = TeamRanking.Compiled

    struct Input {
        var key: Value
        var member: Bool
        var excluded: Bool
        var weight: Exact
    }

    struct Group {
        var key: String
        var members: [Int]
        var score: Exact?
        var eligible: Bool
        var breakers: [Exact]
        var rank: Int?
        var prize: Exact = .zero
        var pool: Exact = .zero
        var tied: [String] = []
        /// What `unclaimed: rolls_down` added to the prize.
        var rolled: Exact = .zero
    }

    /// The period's pot and prizes, computed once before the ranking.
    struct Amounts {
        var potExact: Exact?
        var pot: Exact?
        var prizes: [Exact]
        /// The prizes no eligible group reached, and what became of them.
        var unclaimed: Exact = .zero
    }

    let rule: Rule
    let g: GroupRun
    var inputs: [Int: Input] = [:]
    var amounts = Amounts(prizes: [])

    init(rule: Rule, g: GroupRun) {
        self.rule = rule
        self.g = g
    }

    mutating func run() throws(EvalError) {
        try readInputs()
        var groups = try scoreGroups()
        amounts = try computeAmounts(groups)
        try rank(&groups)
        try settleUnclaimed(&groups)
        var rows: [GroupBoard.Row] = []
        for group in groups { rows.append(try split(group)) }
        g.board(GroupBoard(rows: rows))
    }

    /// Each population rep's group, membership, exclusion and weight.
    mutating func readInputs() throws(EvalError) {
        let rule = self.rule
        let g = self.g
        let list = try g.perRep { (rep: Int) throws(EvalError) -> Input in
            g.write(0, rep, .number(.zero))
            g.write(4, rep, .number(.zero))
            g.write(5, rep, .bool(false))
            let key = try g.value(rule.groupBy, rep)
            g.write(1, rep, key)
            let member = try rule.members.map { e throws(EvalError) in try g.truth(e, rep) } ?? true
            let out = try rule.exclude.map { e throws(EvalError) in try g.truth(e, rep) } ?? false
            var w: Exact
            switch rule.split {
            case .equal: w = .one
            case .role(let role): w = g.repText("role", rep).map { CodePoint.equal($0, role) } == true ? .one : .zero
            case .proRata(let e):
                w = try g.number(e, rep)
                if w.isNegative { throw EvalError(.negativeWeight, g.rule.range) }
            }
            return Input(key: key, member: member, excluded: out, weight: out ? .zero : w)
        }
        inputs.reserveCapacity(list.count)
        for (rep, input) in zip(g.population, list) { inputs[rep] = input }
    }

    /// The groups, by name, with their score, eligibility and tie-breakers.
    func scoreGroups() throws(EvalError) -> [Group] {
        var members: [TextKey: [Int]] = [:]
        for rep in g.population {
            guard let input = inputs[rep] else { continue }
            guard input.member else {
                // Why: the membership condition, with this rep's values.
                g.note(rep, .rule(TeamRanking.NotAMemberStep()))
                if let why = rule.members.flatMap({ g.formulaStep($0, rep, name: "members") }) { g.note(rep, why) }
                continue
            }
            guard case .text(let k) = input.key else { continue }
            members[TextKey(k), default: []].append(rep)
        }
        var all: [Group] = []
        for key in members.keys.sorted() {
            let m = members[key]!  // in rep_id order, as the population is
            let s = try ExpressionEvaluator.number(try g.groupValue(rule.score, members: m, score: nil, key: key.text), g.rule.range)
            let ok =
                try rule.eligible.map { e throws(EvalError) in
                    try ExpressionEvaluator.truth(try g.groupValue(e, members: m, score: .number(s), key: key.text), g.rule.range)
                } ?? true
            var b: [Exact] = []
            for (expr, _) in rule.breakers {
                b.append(try ExpressionEvaluator.number(try g.groupValue(expr, members: m, score: .number(s), key: key.text), g.rule.range))
            }
            all.append(Group(key: key.text, members: m, score: s, eligible: ok, breakers: b))
        }
        return all
    }

    /// Order of two groups by score, then tie-breakers: <0 when `a` ranks first.
    func compare(_ a: Group, _ b: Group) -> Int {
        var c0 = Exact.compare(a.score!, b.score!)
        if rule.order == .descending { c0 = -c0 }
        if c0 != 0 { return c0 }
        for (i, (_, o)) in rule.breakers.enumerated() {
            var ci = Exact.compare(a.breakers[i], b.breakers[i])
            if o == .descending { ci = -ci }
            if ci != 0 { return ci }
        }
        return 0
    }

    /// The pot (rounded to the cent as the rule rounds, before any prize is
    /// taken from it) and each prize, over every member of every group.
    /// Prizes written as numbers are used as written.
    func computeAmounts(_ groups: [Group]) throws(EvalError) -> Amounts {
        let isMember = Set(groups.flatMap(\.members))
        let everyone = g.population.filter { isMember.contains($0) }
        var out = Amounts(prizes: [])
        if let e = rule.pot, !everyone.isEmpty {
            let exact = try ExpressionEvaluator.number(try g.groupValue(e, members: everyone, score: nil, key: ""), g.rule.range)
            let rounding = g.rule.rounding ?? g.rounding
            let pot = try g.arithmetic { () throws(ArithmeticError) in try exact.rounded(scale: rounding.scale, mode: rounding.mode) }
            if pot.isNegative { throw EvalError(.invalid("the pot is \(exact), below zero: prizes cannot take money"), g.rule.range) }
            out.potExact = exact
            out.pot = pot
        }
        for (place, prize) in rule.prizes.enumerated() {
            switch prize {
            case .constant(let v): out.prizes.append(v)
            case .formula(let e):
                guard !everyone.isEmpty else {
                    out.prizes.append(.zero)
                    continue
                }
                let v = try ExpressionEvaluator.number(
                    try g.groupValue(e, members: everyone, score: nil, key: "", pot: out.pot.map { .number($0) }), g.rule.range)
                let rounded = try g.arithmetic { () throws(ArithmeticError) in try v.rounded(scale: g.rounding.scale, mode: g.rounding.mode) }
                if rounded.isNegative {
                    throw EvalError(.invalid("prize \(place + 1) is \(v), below zero: a prize cannot take money"), g.rule.range)
                }
                out.prizes.append(rounded)
            }
        }
        return out
    }

    /// The prizes of the places no eligible group reached: not paid, or
    /// rolled down to the groups paid in proportion to their prizes (to the
    /// cent by largest remainder, leftover cents by place, then name).
    /// Prizes written as numbers are not paid when the rule does not say (as
    /// before `unclaimed:` existed; the explanation says so); prizes by
    /// formula must say (the checker's C475), and are stopped if they do not.
    mutating func settleUnclaimed(_ all: inout [Group]) throws(EvalError) {
        let reached = all.filter { $0.rank != nil }.count
        var left = Exact.zero
        var places: [Int] = []
        for p in reached..<max(reached, amounts.prizes.count) where !amounts.prizes[p].isZero {
            left = try g.arithmetic { () throws(ArithmeticError) in try left + amounts.prizes[p] }
            places.append(p + 1)
        }
        amounts.unclaimed = left
        guard !left.isZero else { return }
        let numbered = !rule.prizes.contains { if case .formula = $0 { return true } else { return false } }
        guard let policy = rule.unclaimed ?? (numbered ? .notPaid : nil) else {
            throw EvalError(
                .invalid(
                    "only \(reached) group\(reached == 1 ? "" : "s") \(reached == 1 ? "is" : "are") eligible for \(amounts.prizes.count) prizes, and the rule does not say what happens to prize\(places.count == 1 ? "" : "s") \(places.map(String.init).joined(separator: ", ")) (add `unclaimed: not_paid` or `unclaimed: rolls_down`)"
                ), g.rule.range)
        }
        guard policy == .rollsDown else { return }
        let paid = all.indices.filter { all[$0].rank != nil }.sorted { a, b in
            all[a].rank! != all[b].rank! ? all[a].rank! < all[b].rank! : CodePoint.less(all[a].key, all[b].key)
        }
        let scale = g.rounding.scale
        let order = paid.indices.map { String(repeating: "0", count: 10 - String($0).count) + String($0) }
        let split = try Splitting.largestRemainder(try Splitting.units(left, scale), weights: paid.map { all[$0].prize }, order: order)
        for (k, i) in paid.enumerated() {
            let extra = Exact(units: split.shares[k], scale: scale)
            all[i].rolled = extra
            all[i].prize = try g.arithmetic { () throws(ArithmeticError) in try all[i].prize + extra }
        }
    }

    /// Ranks eligible groups; tied groups take consecutive positions and
    /// share the sum of those positions' prizes, to the cent by largest
    /// remainder (leftover cents to the tied groups in name order).
    func rank(_ all: inout [Group]) throws(EvalError) {
        let scale = g.rounding.scale
        var ranked = all.indices.filter { all[$0].eligible }
        ranked.sort { x, y in
            let r = compare(all[x], all[y])
            return r != 0 ? r < 0 : CodePoint.less(all[x].key, all[y].key)
        }
        var position = 0
        while position < ranked.count {
            var end = position
            while end + 1 < ranked.count && compare(all[ranked[position]], all[ranked[end + 1]]) == 0 { end += 1 }
            var pool = Exact.zero
            for p in position...end where p < amounts.prizes.count {
                pool = try g.arithmetic { () throws(ArithmeticError) in try pool + amounts.prizes[p] }
            }
            let tiedIndexes = Array(ranked[position...end])
            let names = tiedIndexes.map { all[$0].key }
            let poolUnits = try g.arithmetic { () throws(ArithmeticError) in try pool.roundedUnits(scale: scale, mode: g.rounding.mode) }
            let split = try Splitting.largestRemainder(poolUnits, weights: tiedIndexes.map { _ in .one }, order: names)
            for (k, i) in tiedIndexes.enumerated() {
                all[i].rank = position + 1
                all[i].prize = Exact(units: split.shares[k], scale: scale)
                all[i].pool = pool
                all[i].tied = names.filter { $0 != all[i].key }
            }
            position = end + 1
        }
    }

    /// What a pot, prizes by formula and unclaimed prizes add to a step
    /// (nil for a ranking that uses none of them).
    func extraFacts(_ group: Group) -> TeamRanking.PotFacts? {
        let formulas = rule.prizes.contains { if case .formula = $0 { return true } else { return false } }
        guard rule.pot != nil || formulas || !amounts.unclaimed.isZero else { return nil }
        return TeamRanking.PotFacts(
            potFormula: rule.pot.map(g.render), potExact: amounts.potExact, pot: amounts.pot, prizes: formulas ? amounts.prizes : nil,
            unclaimed: amounts.unclaimed, policy: rule.unclaimed, rolled: group.rolled)
    }

    /// Splits a group's prize among its members by weight, to the cent by
    /// largest remainder (ties by rep_id), and explains each member's share.
    func split(_ group: Group) throws(EvalError) -> GroupBoard.Row {
        let scale = g.rounding.scale
        let unit = Exact(units: 1, scale: scale)
        var weights: [Exact] = []
        var excluded: [Bool] = []
        for rep in group.members {
            g.write(2, rep, group.score.map { .number($0) } ?? .missing)
            g.write(3, rep, group.rank.map { .number(Exact($0)) } ?? .missing)
            g.write(4, rep, .number(group.prize))
            g.write(5, rep, .bool(group.eligible))
            let input = inputs[rep]!
            excluded.append(input.excluded)
            weights.append(input.weight)
        }
        let shares = try Splitting.largestRemainder(
            try Splitting.units(group.prize, scale), weights: weights, order: group.members.map(g.repID))
        var totalWeight = Exact.zero
        for w in weights {
            let t = totalWeight
            totalWeight = try g.arithmetic { () throws(ArithmeticError) in try t + w }
        }
        var paid: [(rep: Int, share: Exact)] = []
        for (k, rep) in group.members.enumerated() {
            let share = Exact(units: shares.shares[k], scale: scale)
            g.write(0, rep, .number(share))
            paid.append((rep, share))
            guard g.isTraced(rep) else { continue }
            let step = TeamRanking.TeamStep(
                group: group.key, members: group.members.count, score: group.score, eligible: group.eligible,
                eligibility: !group.eligible ? rule.eligible.map(g.render) : nil, rank: group.rank, tiedWith: group.tied, pool: group.pool,
                teamPrize: group.prize, weight: weights[k], totalWeight: totalWeight, excluded: excluded[k], exclusion: rule.exclude.map(g.render),
                exactShare: try g.arithmetic { () throws(ArithmeticError) in try shares.exact[k] * unit },
                floorShare: Exact(units: shares.shares[k] - (shares.extra[k] ? 1 : 0), scale: scale), extraCent: shares.extra[k], share: share,
                extra: extraFacts(group))
            g.note(rep, .rule(step))
        }
        return GroupBoard.Row(
            group: group.key, members: group.members.count, score: group.score, eligible: group.eligible, rank: group.rank, prize: group.prize,
            shares: paid)
    }
}

/// The diagnostics only this kind raises.
enum TeamRankingCode: String, DiagnosticCode {
    case negativePrize = "C447"
    case unclaimedNotDeclared = "C475"
    case prizesNotDecreasing = "L508"
    case potUnused = "L520"
    case splitMethod = "P328"

    var title: String {
        switch self {
        case .negativePrize: "a negative prize"
        case .unclaimedNotDeclared: "prizes by formula without `unclaimed:`"
        case .prizesNotDecreasing: "a prize larger than the one before it"
        case .potUnused: "a ranking's pot that no prize reads"
        case .splitMethod: "a split without exactly one method"
        }
    }

    var severity: Severity { self == .prizesNotDecreasing || self == .potUnused ? .warning : .error }
}
