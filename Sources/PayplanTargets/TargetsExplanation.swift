import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// `payplan targets --explain REP`: each step of one rep's decomposition in
/// words, in English or Chinese — the company target, the period's weight,
/// the group's share, the rep's share, and the whole-unit rounding at each.
public struct TargetsExplanation {
    public var decomposition: Decomposition
    public var language: Language

    public init(_ d: Decomposition, language: Language) {
        decomposition = d
        self.language = language
    }

    var checked: CheckedTargets { decomposition.checked }
    var zh: Bool { language == .zh }
    func m(_ x: Exact) -> String { "¥" + Formatting.amount(x) }
    /// Up to 4 decimals; `…` when the exact value has more.
    func n(_ x: Exact) -> String {
        let shown = Formatting.amount(x, places: 4)
        return x.decimalDigits(maxFractionDigits: 4).truncated ? shown + "…" : shown
    }
    func pct(_ x: Exact) -> String { Formatting.percent(x) }

    /// nil when the rep has no target in any period.
    public func text(rep id: String) -> String? {
        guard let rep = checked.history.index(of: id) else { return nil }
        let r = checked.history.reps[rep]
        let steps = decomposition.periods.compactMap { p -> (PeriodStep, GroupStep, RepStep)? in
            for g in p.groups { if let s = g.reps.first(where: { $0.rep == rep && $0.activity.weight.isPositive }) { return (p, g, s) } }
            return nil
        }
        guard !steps.isEmpty else { return nil }
        let plan = checked.plan
        var out =
            zh
            ? "\(r.id) \(r.name) · \(groupWord) \(r.group(by: checked.groupBy)) · \(plan.year.value) 年目标（\(plan.name.value)）\n\n"
            : "\(r.id) \(r.name) · \(checked.groupBy) \(r.group(by: checked.groupBy)) · targets for \(plan.year.value) (\(plan.name.value))\n\n"
        out += "1. " + companyLine() + "\n"
        out +=
            (zh
                ? "   每一层都按整单位 \(m(checked.unit)) 取整：先向下取整，剩余的单位按余数从大到小逐一分配（余数相同按名称、rep_id 的码点顺序），各部分之和恰好等于上一层。\n"
                : "   Every level is rounded to whole units of \(m(checked.unit)): each part is rounded down, then the units left over go one each to the largest remainders (equal remainders by name, then rep_id, in code-point order), so the parts add up exactly to their whole.\n")
        var total = Exact.zero
        for (k, (p, g, s)) in steps.enumerated() {
            out += "\n\(k + 2). \(p.period)\n"
            out += "   a. " + periodLine(p) + "\n"
            out += "   b. " + groupLine(p, g) + "\n"
            out += "   c. " + repLine(p, g, s, r) + "\n"
            total = (try? total + s.share.value) ?? total
        }
        let parts = steps.map { m($0.2.share.value) }.joined(separator: " + ")
        out +=
            zh
            ? "\n\(r.id) 的 \(plan.year.value) 年目标合计 \(parts) = \(m(total))。\n"
            : "\nTotal for \(plan.year.value): \(parts) = \(m(total)).\n"
        return out
    }

    /// Why a rep has no target: not in the history (with the closest id),
    /// or not active in the year.
    public func noTarget(rep id: String) -> String {
        let history = checked.history
        guard let i = history.index(of: id) else {
            let suggestion = Suggest.didYouMean(id, among: history.reps.map(\.id)).map { "; \($0)" } ?? ""
            return "rep \(id) has no target in this plan\(suggestion)"
        }
        let r = history.reps[i]
        let dates = "hire_date \(r.hire)" + (r.exit.map { ", exit_date \($0)" } ?? "")
        return "rep \(id) has no target in this plan (\(dates): not active in \(checked.plan.year.value))"
    }

    var groupWord: String { checked.groupBy == "region" ? (zh ? "区域" : "region") : (zh ? "团队" : "team") }

    func companyLine() -> String {
        let year = checked.plan.year.value
        switch checked.companySource {
        case .given:
            return zh ? "公司 \(year) 年目标：\(m(checked.company))（方案给定）。" : "Company target for \(year): \(m(checked.company)), as given."
        case .growth(let base, let revenue, let growth, let exact):
            return zh
                ? "公司 \(year) 年目标：\(base) 实际销售额 \(m(revenue)) × (1 + \(pct(growth))) = \(m(exact))，取整到 \(m(checked.unit)) 的整数倍：\(m(checked.company))。"
                : "Company target for \(year): \(base) actual revenue \(m(revenue)) × (1 + \(pct(growth))) = \(m(exact)), rounded to whole units of \(m(checked.unit)): \(m(checked.company))."
        }
    }

    func periodLine(_ p: PeriodStep) -> String {
        let s = p.share
        let why: String
        let exact: String
        switch checked.timeBasis {
        case .revenue(let base):
            let same = Period(kind: p.period.kind, year: base.year, index: p.period.index)
            why =
                zh
                ? "按 \(base) 的季节性，\(same) 销售额 \(m(s.weight))，占全年 \(m(s.totalWeight)) 的 \(pct(ratio(s)))"
                : "following \(base)'s seasonality, \(same) revenue \(m(s.weight)) of the year's \(m(s.totalWeight)) (\(pct(ratio(s))))"
            exact = "\(m(checked.company)) × \(n(s.weight)) ÷ \(n(s.totalWeight)) = \(n(s.exact))"
        default:
            why = zh ? "权重 \(pct(s.weight))（方案给定）" : "weight \(pct(s.weight)), as given"
            exact = "\(m(checked.company)) × \(pct(s.weight)) = \(n(s.exact))"
        }
        return (zh ? "\(p.period)：\(why)。\(exact)；" : "\(p.period): \(why). \(exact); ")
            + rounding(
                s, subject: p.period.description, siblings: decomposition.periods.map(\.share),
                names: decomposition.periods.map(\.period.description), ties: zh ? "余数相同按时间先后" : "ties by period order")
    }

    func groupLine(_ p: PeriodStep, _ g: GroupStep) -> String {
        let s = g.share
        let why: String
        var exact = "\(m(p.share.value)) × \(n(s.weight)) ÷ \(n(s.totalWeight)) = \(n(s.exact))"
        switch checked.groupBasis {
        case .revenue(let base):
            why =
                zh
                ? "\(groupWord) \(g.name)：按 \(base) 销售额占比，\(m(s.weight)) / \(m(s.totalWeight))（\(pct(ratio(s)))）"
                : "\(checked.groupBy.capitalizedFirst) \(g.name): by share of \(base) revenue, \(m(s.weight)) of \(m(s.totalWeight)) (\(pct(ratio(s))))"
        case .headcount:
            why =
                zh
                ? "\(groupWord) \(g.name)：按人数（按在岗天数和爬坡折算），\(n(s.weight)) / \(n(s.totalWeight)) 人（\(pct(ratio(s)))）"
                : "\(checked.groupBy.capitalizedFirst) \(g.name): by headcount (counted by days active and ramp), \(n(s.weight)) of \(n(s.totalWeight)) reps (\(pct(ratio(s))))"
        default:
            why =
                zh
                ? "\(groupWord) \(g.name)：权重 \(pct(s.weight))（方案给定）"
                : "\(checked.groupBy.capitalizedFirst) \(g.name): weight \(pct(s.weight)), as given"
            exact = "\(m(p.share.value)) × \(pct(s.weight)) = \(n(s.exact))"
        }
        return (zh ? "\(why)。\(exact)；" : "\(why). \(exact); ")
            + rounding(s, subject: g.name, siblings: p.groups.map(\.share), names: p.groups.map(\.name), ties: zh ? "余数相同按名称码点顺序" : "ties by name")
    }

    func repLine(_ p: PeriodStep, _ g: GroupStep, _ s: RepStep, _ r: HistoryRep) -> String {
        let carried = g.reps.filter { $0.activity.weight.isPositive }
        let allFull = carried.allSatisfy { $0.activity.weight == .one } && s.base == nil
        var why: String
        if let base = s.base, case .revenue(let period) = checked.repBasis {
            why = zh ? "\(r.id)：按 \(period) 个人销售额 \(m(base)) 占比" : "\(r.id): by share of \(period) revenue, \(m(base))"
        } else {
            why = zh ? "\(r.id)：在 \(g.name) 的 \(carried.count) 名销售中平均分配" : "\(r.id): an equal share among the \(carried.count) reps of \(g.name)"
        }
        let a = s.activity
        if a.activeDays < a.periodDays || a.rampDays > 0 {
            let factor = checked.plan.reps.ramp.map { pct($0.factor.value) } ?? "100 %"
            why +=
                zh
                ? "；本期 \(a.periodDays) 天中在岗 \(a.activeDays) 天，其中爬坡期 \(a.rampDays) 天按 \(factor) 计，权重 \(n(a.weight))"
                : "; active \(a.activeDays) of the period's \(a.periodDays) days, \(a.rampDays) of them in ramp at \(factor): weight \(n(a.weight))"
        }
        let exact =
            allFull
            ? "\(m(g.share.value)) ÷ \(carried.count) = \(n(s.share.exact))"
            : "\(m(g.share.value)) × \(n(s.share.weight)) ÷ \(n(s.share.totalWeight)) = \(n(s.share.exact))"
        return (zh ? "\(why)。\(exact)；" : "\(why). \(exact); ")
            + rounding(
                s.share, subject: r.id, siblings: g.reps.map(\.share), names: g.reps.map(\.id), ties: zh ? "余数相同按 rep_id 码点顺序" : "ties by rep_id")
    }

    func ratio(_ s: Share) -> Exact { (try? s.weight / s.totalWeight) ?? .zero }

    /// "rounded down to ¥595,000, remainder 768.6883; the 3 units left over
    /// went to North, South, West (largest remainders; ties by name): ¥596,000."
    func rounding(_ s: Share, subject: String, siblings: [Share], names: [String], ties: String) -> String {
        let down = (try? Exact(integer: s.units) * checked.unit) ?? .zero
        let winners = zip(siblings, names).filter { $0.0.extra }.map(\.1)
        if s.remainder.isZero && !s.extra {
            return zh ? "恰为整单位：\(m(s.value))。" : "a whole number of units: \(m(s.value))."
        }
        let k = winners.count
        if zh {
            let who = k == 0 ? "没有剩余单位" : "剩余 \(k) 个单位给余数最大的 \(winners.joined(separator: "、"))（\(ties)）"
            let mine = k == 0 ? "" : (s.extra ? "，\(subject) 得到一个" : "，\(subject) 没有")
            return "向下取整为 \(m(down))，余数 \(n(s.remainder))；\(who)\(mine)：\(m(s.value))。"
        }
        let who =
            k == 0
            ? "no unit is left over"
            : "the \(k) unit\(k == 1 ? "" : "s") left over went to \(winners.joined(separator: ", ")) (largest remainders; \(ties))"
        let mine = k == 0 ? "" : (s.extra ? "" : ", not to \(subject)")
        return "rounded down to \(m(down)), remainder \(n(s.remainder)); \(who)\(mine): \(m(s.value))."
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
