import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

public enum Language: String, Sendable, CaseIterable {
    case en, zh

    /// `--lang`, then the plan's locale, then LANG, then English.
    public static func choose(flag: String?, plan: Plan, environment: String?) -> Language {
        if let flag, let l = Language(rawValue: flag) { return l }
        if let l = plan.locale.flatMap({ Language(rawValue: $0.value) }) { return l }
        if let env = environment, env.lowercased().hasPrefix("zh") { return .zh }
        return .en
    }
}

/// Turns a rep's trace into plain sentences, in English or Chinese.
///
/// A class: it holds the whole compiled plan, and as a struct every helper
/// call copied it (retain/release of each of its arrays was ~10 % of
/// `run --explain`, perf).
public final class ExplanationRenderer {
    public let language: Language
    public let formatter: Formatter
    public let plan: CompiledPlan
    /// Each rule's label in `language`, if it has one.
    let ruleLabels: [String: String?]

    public init(plan: CompiledPlan, language: Language) {
        self.plan = plan
        self.language = language
        formatter = Formatter(plan: plan.plan)
        var labels: [String: String?] = [:]
        for case .rule(let r) in plan.nodes where labels[r.name] == nil {
            labels[r.name] = r.labels.entries.first { $0.language == language.rawValue }?.text ?? r.labels.entries.first { $0.language == "" }?.text
        }
        ruleLabels = labels
    }

    var zh: Bool { language == .zh }

    func label(_ name: String, _ labels: Labels) -> String {
        let l = labels.entries.first { $0.language == language.rawValue }?.text ?? labels.entries.first { $0.language == "" }?.text
        guard let l, l != name else { return name }
        return "\(l) (\(name))"
    }

    /// A payout's words: the rule's label, or the label of the rule a
    /// sub-result belongs to (`np_award.first_mover`).
    func componentLabel(_ name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if let l = ruleLabels[parts[0]] {
            if parts.count == 1 { return l ?? name }
            if parts[1] == "first_mover" { return zh ? "先行者奖" : "first-mover prize" }
            return "\(l ?? parts[0]) \(parts[1])"
        }
        return name
    }

    func n(_ x: Exact) -> String { formatter.number(x) }
    func m(_ x: Exact) -> String { formatter.money(x) }
    func v(_ x: Value) -> String { formatter.value(x) }

    func segments(_ s: [Segment]) -> String {
        s.map { seg in
            switch seg {
            case .text(let t): return t
            case .value(let x):
                if case .text(let t) = x { return "\"\(t)\"" }
                return v(x)
            }
        }.joined()
    }

    // MARK: - Whole explanation

    public func text(_ trace: RepTrace, fingerprint: String) -> String {
        var out: [String] = []
        let p = plan.plan
        let version = p.version.map { zh ? "（版本 \($0.value)）" : " (version \($0.value))" } ?? ""
        let planName = p.labels.text(language.rawValue) ?? p.name.value
        out.append("\(planName)\(version) · \(trace.period) · \(zh ? "方案指纹" : "fingerprint") \(fingerprint.prefix(16))")
        out.append("\(trace.repID) \(trace.name) · \(zh ? "团队" : "team") \(trace.team)")
        out.append("")
        if let total = trace.entries.first(where: { $0.kind == .total }) {
            out.append("\(zh ? "应发合计" : "Total paid"): \(total.value.number.map(m) ?? v(total.value))")
            for step in total.steps { out += lines(step).map { "  " + $0 } }
        }
        for e in trace.entries where e.ruleKind == .elimination {
            out.append("\(label(e.name, e.labels)): \(v(e.value))")
            out.append(zh ? "  标记只提示复核与辅导，不代表解聘决定。" : "  A flag calls for a review and a conversation; it is not a dismissal decision.")
        }
        out.append("")
        out.append(zh ? "每个数字的计算过程" : "How each number was worked out")
        var index = 1
        for e in trace.entries where e.kind != .total {
            let shown = e.value.number.map { e.kind == .rule && e.ruleKind != .elimination ? m($0) : n($0) } ?? v(e.value)
            out.append("\(index). \(label(e.name, e.labels)) = \(shown)")
            for step in e.steps { out += lines(step).map { "     " + $0 } }
            index += 1
        }
        // For a terminal: names, ids and labels are escaped line by line, so a
        // line break or an escape sequence in the data cannot draw a fake line.
        return out.map { TerminalText.escape($0) }.joined(separator: "\n") + "\n"
    }

    // MARK: - Steps

    func lines(_ step: Step) -> [String] {
        switch step {
        case .formula(let source, let substituted, let result):
            let filled = segments(substituted)
            let shown = v(result)
            if filled == shown { return ["\(source) = \(shown)"] }
            return ["\(source) = \(filled) = \(shown)"]
        case .aggregate(let description, let count, let result):
            return zh
                ? ["\(description)：本期 \(count) 笔交易，合计 \(v(result))"]
                : ["\(description) over \(count) transaction\(count == 1 ? "" : "s") in the period = \(v(result))"]
        case .branch(let condition, let taken):
            return zh
                ? ["条件 \(condition) \(taken ? "成立" : "不成立")，取\(taken ? "“则”" : "“否则”")分支"]
                : ["`\(condition)` is \(taken ? "true" : "false"), so the \(taken ? "`then`" : "`else`") value applies"]
        case .previous(let name, let period, let value):
            return zh ? ["上期（\(period)）\(name) = \(v(value))"] : ["\(name) in the previous period (\(period)) = \(v(value))"]
        case .shape(let name, let labels, let inputs, let detail, let result):
            return shapeLines(label(name, labels), inputs, detail, result)
        case .product(let factors, let result):
            let text = factors.map { n($0.1) }.joined(separator: " × ")
            return ["\(factors.map(\.0).joined(separator: " × ")) = \(text) = \(n(result))"]
        case .gate(let condition, let met):
            return zh
                ? ["门槛 \(condition) \(met ? "满足" : "未满足，本项为 0")"]
                : [met ? "gate `\(condition)` is met" : "gate `\(condition)` is not met: this rule pays 0"]
        case .floor(let before, let floor, let after):
            return zh ? ["保底 \(n(floor))：\(n(before)) 提高到 \(n(after))"] : ["floor \(n(floor)): \(n(before)) raised to \(n(after))"]
        case .cap(let before, let cap, let after):
            return zh ? ["封顶 \(n(cap))：\(n(before)) 降为 \(n(after))"] : ["cap \(n(cap)): \(n(before)) cut to \(n(after))"]
        case .round(let before, let after, let r):
            let mode = zh ? modeZH(r.mode) : r.mode.rawValue.replacingAll("_", with: " ")
            return zh
                ? ["按\(mode)保留 \(r.scale) 位小数：\(n(before)) → \(n(after))"]
                : ["rounded to \(r.scale) decimal place\(r.scale == 1 ? "" : "s"), \(mode): \(n(before)) → \(n(after))"]
        case .threshold(let measure, let threshold, let inclusive, let reached):
            let op = inclusive ? "≥" : ">"
            return zh
                ? ["\(n(measure)) \(reached ? "" : "未")达到门槛（\(op) \(n(threshold))）"]
                : ["\(n(measure)) \(reached ? "reaches" : "does not reach") the threshold (\(op) \(n(threshold)))"]
        case .award(let award, let rate, let above, let result):
            if let rate {
                return ["\(n(award)) + \(n(rate)) × \(n(above)) = \(n(result))"]
            }
            return zh ? ["奖励 \(n(award))"] : ["award \(n(award))"]
        case .firstMover(let d): return firstMoverLines(d)
        case .team(let d): return teamLines(d)
        case .elimination(let d): return eliminationLines(d)
        case .commission(let rateOn, let lines, let shown, let total):
            var out: [String] = []
            let how: String
            switch rateOn {
            case .each: how = zh ? "每笔交易单独计提" : "each transaction rated alone"
            case .running: how = zh ? "按累计额逐笔增量计提" : "each transaction rated as the increase of the running total"
            case .total: how = zh ? "本期合计一次计提" : "the period's total rated once"
            }
            out.append("\(how):")
            for l in lines {
                let before = l.before.map { zh ? "（此前累计 \(n($0))）" : " (running total before: \(n($0)))" } ?? ""
                out.append("  \(l.date) \(l.deal): \(n(l.amount))\(before)\(rateOn == .total ? "" : " → \(n(l.pay))")")
            }
            if shown < lines.count { out.append("  …") }
            out.append(zh ? "合计 \(n(total))" : "total \(n(total))")
            return out
        case .total(let components, let sum, let cap, let floor, let total, let capped):
            var out = [components.map { "\(componentLabel($0.0)) \(m($0.1))" }.joined(separator: " + ") + " = \(m(sum))"]
            if let cap {
                if capped.isPositive {
                    out.append(zh ? "超过封顶 \(m(cap))，封顶扣减 \(m(capped))" : "above the cap of \(m(cap)): \(m(capped)) cut by the cap")
                } else {
                    out.append(zh ? "未超过封顶 \(m(cap))" : "the cap of \(m(cap)) is not reached")
                }
            }
            if let floor, total == floor, sum < floor { out.append(zh ? "保底 \(m(floor))" : "raised to the floor of \(m(floor))") }
            _ = total
            return out
        case .note(let text):
            return [text]
        }
    }

    func modeZH(_ mode: RoundingMode) -> String {
        switch mode {
        case .halfAwayFromZero: "四舍五入"
        case .halfEven: "银行家舍入（四舍六入五成双）"
        case .halfTowardZero: "五舍"
        case .towardZero: "截尾"
        case .awayFromZero: "进位"
        case .floor: "向下取整"
        case .ceiling: "向上取整"
        }
    }

    func shapeLines(_ name: String, _ inputs: [Exact], _ detail: ShapeDetail, _ result: Exact) -> [String] {
        let x = inputs.first.map(n) ?? "?"
        switch detail {
        case .curve(let region, let x0, let y0, let x1, let y1, let below, _):
            switch region {
            case .below:
                if below == .zero {
                    return zh
                        ? ["\(name)：\(x) 低于曲线起点 \(x0.map(n) ?? "")，系数为 0（门槛）"]
                        : ["\(name): \(x) is below the curve's first point \(x0.map(n) ?? ""), so the factor is 0 (the gate)"]
                }
                return zh ? ["\(name)：\(x) 低于曲线起点，取 \(n(result))"] : ["\(name): \(x) is below the first point: \(n(result))"]
            case .above:
                if let x1, let y1, let x0, let y0 {
                    return [
                        "\(name): \(x) \(zh ? "超过末点，沿末段延伸" : "is beyond the last point; the last segment extends"): \(n(y0)) + (\(x) − \(n(x0))) × (\(n(y1)) − \(n(y0))) ÷ (\(n(x1)) − \(n(x0))) = \(n(result))"
                    ]
                }
                return zh
                    ? ["\(name)：\(x) 达到或超过曲线末点 \(x0.map(n) ?? "")，封顶取 \(n(result))"]
                    : ["\(name): \(x) is at or beyond the curve's last point \(x0.map(n) ?? ""), so it holds at \(n(result))"]
            case .segment:
                guard let x0, let y0, let x1, let y1 else { return ["\(name): \(n(result))"] }
                return [
                    zh
                        ? "\(name)：\(x) 位于曲线 (\(n(x0)), \(n(y0))) 与 (\(n(x1)), \(n(y1))) 之间，线性插值："
                        : "\(name): \(x) lies between the points (\(n(x0)), \(n(y0))) and (\(n(x1)), \(n(y1))), interpolated:",
                    "  \(n(y0)) + (\(x) − \(n(x0))) × (\(n(y1)) − \(n(y0))) ÷ (\(n(x1)) − \(n(x0))) = \(n(result))",
                ]
            case .single:
                return ["\(name): \(n(result))"]
            }
        case .band(let matched, let hit):
            guard let first = matched.first else {
                return zh ? ["\(name)：\(x) 不符合任何一行，取 0"] : ["\(name): \(x) matches no row, so 0"]
            }
            let rows = shapeRows(name: name)
            let testText = first < rows.count ? rows[first] : ""
            let policy = zh ? hitZH(hit) : hit.rawValue.replacingAll("_", with: " ")
            if matched.count > 1 {
                return zh
                    ? ["\(name)：\(x) 符合第 \(matched.map { String($0 + 1) }.joined(separator: "、")) 行（\(policy)），得 \(n(result))"]
                    : ["\(name): \(x) matches rows \(matched.map { String($0 + 1) }.joined(separator: ", ")) (hit policy \(policy)): \(n(result))"]
            }
            return zh
                ? ["\(name)：\(x) 符合第 \(first + 1) 行（\(testText)，\(policy)），系数 \(n(result))"]
                : ["\(name): \(x) matches row \(first + 1) (\(testText); hit policy \(policy)): \(n(result))"]
        case .tiers(let method, let slices, let tier):
            if method == .marginal {
                var out = [zh ? "\(name)（超额累进，每段按本段费率）：" : "\(name) (marginal: each slice at its own tier's rate):"]
                for s in slices {
                    let range = "\(n(s.from)) – \(s.to.map(n) ?? "∞")"
                    if let r = s.rate {
                        out.append(
                            zh
                                ? "  第 \(s.tier + 1) 档 \(range)：\(n(s.portion)) × \(n(r)) = \(n(s.pay))"
                                : "  tier \(s.tier + 1) \(range): \(n(s.portion)) × \(n(r)) = \(n(s.pay))")
                    } else if let a = s.amount {
                        out.append(
                            zh
                                ? "  第 \(s.tier + 1) 档 \(range)：\(n(a)) × \(n(s.portion)) ÷ 档宽 = \(n(s.pay))"
                                : "  tier \(s.tier + 1) \(range): \(n(a)) × \(n(s.portion)) of the tier's width = \(n(s.pay))")
                    }
                }
                if slices.isEmpty { out.append(zh ? "  未达到第一档：0" : "  below the first tier: 0") }
                out.append(zh ? "  合计 \(n(result))" : "  in all \(n(result))")
                return out
            }
            guard let t = tier, let s = slices.first else {
                return zh ? ["\(name)：\(x) 不在任何一档，取 0"] : ["\(name): \(x) falls in no tier, so 0"]
            }
            let range = "\(n(s.from)) – \(s.to.map(n) ?? "∞")"
            if let r = s.rate {
                return zh
                    ? ["\(name)（全额累进）：\(x) 落在第 \(t + 1) 档 \(range)，全额按 \(n(r))：\(x) × \(n(r)) = \(n(result))"]
                    : [
                        "\(name) (retroactive: the whole amount at the reached tier's rate): \(x) falls in tier \(t + 1) \(range): \(x) × \(n(r)) = \(n(result))"
                    ]
            }
            return zh
                ? ["\(name)：\(x) 落在第 \(t + 1) 档 \(range)，奖励 \(n(result))"]
                : ["\(name): \(x) falls in tier \(t + 1) \(range), which pays \(n(result))"]
        case .matrix(let row, let column):
            let y = inputs.count > 1 ? n(inputs[1]) : "?"
            guard let row, let column else {
                return zh ? ["\(name)：(\(x), \(y)) 不在矩阵任何格内，取 0"] : ["\(name): (\(x), \(y)) falls in no cell, so 0"]
            }
            return zh
                ? ["\(name)：\(x) 属于第 \(row + 1) 行档，\(y) 属于第 \(column + 1) 列档，系数 \(n(result))"]
                : ["\(name): \(x) is in row band \(row + 1), \(y) in column band \(column + 1): \(n(result))"]
        }
    }

    func hitZH(_ hit: HitPolicy) -> String {
        switch hit {
        case .first: "取第一个符合的行"
        case .unique: "唯一匹配"
        case .collectSum: "符合的行相加"
        case .max: "取最大值"
        }
    }

    /// The test text of each row of the band called `name`.
    func shapeRows(name: String) -> [String] {
        for s in plan.shapes {
            if case .band(let b, _) = s.kind, s.name == name || name.hasSuffix("(\(s.name))") { return b.rows.map(\.test.canonical) }
        }
        for case .rule(let r) in plan.nodes {
            if case .attainmentBonus(_, _, _, _, let ms, _) = r.body {
                for m in ms where m.name == name || name.hasSuffix("(\(m.name))") {
                    if let i = m.shape, case .band(let b, _) = plan.shapes[i].kind { return b.rows.map(\.test.canonical) }
                }
            }
        }
        return []
    }

    func ordinal(_ k: Int) -> String {
        if zh { return "第 \(k) 名" }
        let suffix: String
        switch (k % 10, k % 100) {
        case (1, let t) where t != 11: suffix = "st"
        case (2, let t) where t != 12: suffix = "nd"
        case (3, let t) where t != 13: suffix = "rd"
        default: suffix = "th"
        }
        return "\(k)\(suffix)"
    }

    func firstMoverLines(_ d: FirstMoverDetail) -> [String] {
        guard let date = d.reachedOn, let position = d.position else {
            if d.breakthrough {
                return zh
                    ? ["突破但累计额未在排序中达到门槛，不参与先行者排名"] : ["broke through, but the running total never reached the threshold: not in the first-mover race"]
            }
            return zh ? ["未突破，不参与先行者奖励"] : ["did not break through: no first-mover prize"]
        }
        var out: [String] = []
        out.append(
            zh
                ? "于 \(date) 以交易 \(d.deal ?? "") 累计达到门槛（累计 \(d.runningTotal.map(n) ?? "")），在 \(d.contenders) 位突破者中排\(ordinal(position))（按日期、交易号、业务员编号排序）"
                : "reached the threshold on \(date) with deal \(d.deal ?? "") (running total \(d.runningTotal.map(n) ?? "")): \(ordinal(position)) of \(d.contenders) reps who broke through, ordered by (date, deal id, rep id)"
        )
        if !d.sameDay.isEmpty {
            out.append(
                zh
                    ? "同日达到的还有：\(d.sameDay.joined(separator: "、"))，以交易号先后排序"
                    : "also reached on the same date: \(d.sameDay.joined(separator: ", ")); the deal id decides the order")
        }
        out.append(
            position <= d.winners
                ? (zh ? "前 \(d.winners) 名获先行者奖 \(n(d.award))" : "the first \(d.winners) win the first-mover prize: \(n(d.award))")
                : (zh ? "只有前 \(d.winners) 名获奖，本项为 0" : "only the first \(d.winners) win a prize: 0"))
        return out
    }

    func teamLines(_ d: TeamDetail) -> [String] {
        var out: [String] = []
        out.append(
            zh
                ? "团队 \(d.group)（\(d.members) 人），团队得分 \(d.score.map(n) ?? "—")"
                : "team \(d.group) (\(d.members) members), score \(d.score.map(n) ?? "—")")
        if !d.eligible {
            out.append(zh ? "团队未达到参评条件（\(d.eligibility ?? "")），无团队奖" : "the team is not eligible (`\(d.eligibility ?? "")` is false): no team prize")
            return out
        }
        if let rank = d.rank {
            if d.tiedWith.isEmpty {
                out.append(
                    zh
                        ? "合格团队中排\(ordinal(rank))，团队奖金 \(m(d.teamPrize))"
                        : "ranked \(ordinal(rank)) among eligible teams: team prize \(m(d.teamPrize))")
            } else {
                out.append(
                    zh
                        ? "与 \(d.tiedWith.joined(separator: "、")) 得分完全相同，并列\(ordinal(rank))，平分所占名次奖金合计 \(m(d.pool))，本队 \(m(d.teamPrize))"
                        : "tied with \(d.tiedWith.joined(separator: ", ")) at rank \(rank): the tied teams share the prizes of their positions (\(m(d.pool))), this team gets \(m(d.teamPrize))"
                )
            }
        }
        if d.teamPrize.isZero { return out }
        if d.excluded {
            let why = d.exclusion.map { zh ? "（\($0) 成立）" : " because `\($0)` holds" } ?? ""
            out.append(zh ? "本人被排除在分配之外\(why)，权重为 0，分得 0" : "excluded from the split\(why): weight 0, so the share is 0")
            return out
        }
        if d.totalWeight.isZero {
            out.append(zh ? "全体成员权重为 0，奖金不发放" : "every member's weight is 0, so the prize is not paid")
            return out
        }
        out.append(
            zh
                ? "按权重分配：\(m(d.teamPrize)) × \(n(d.weight)) ÷ \(n(d.totalWeight)) = \(n(d.exactShare))，先舍到分：\(m(d.floorShare))"
                : "split by weight: \(m(d.teamPrize)) × \(n(d.weight)) ÷ \(n(d.totalWeight)) = \(n(d.exactShare)), rounded down to \(m(d.floorShare))"
        )
        if d.extraCent {
            out.append(zh ? "按最大余数法补 1 分：\(m(d.share))" : "plus one cent by largest remainder: \(m(d.share))")
        }
        return out
    }

    func eliminationLines(_ d: EliminationDetail) -> [String] {
        if d.exempt {
            return zh ? ["豁免（如入职未满期限），不参与标记"] : ["exempt (for example, new in the role): never flagged"]
        }
        var out: [String] = []
        if let below = d.below, let measure = d.measure {
            out.append(
                zh
                    ? "\(n(measure)) \(d.belowHit ? "低于" : "不低于")标准 \(n(below))"
                    : "\(n(measure)) is \(d.belowHit ? "below" : "not below") the threshold \(n(below))")
        }
        if d.bottomCount > 0, let position = d.position {
            out.append(
                zh
                    ? "参评 \(d.population) 人，末位 \(d.bottomCount) 人（界线 \(d.cutoff.map(n) ?? "")，并列者一并计入）；本人排名倒数第 \(position)\(d.bottomHit ? "，在末位内" : "")"
                    : "\(d.population) reps ranked, the bottom \(d.bottomCount) (cut-off \(d.cutoff.map(n) ?? ""), ties included) are flagged; position \(position) from the bottom\(d.bottomHit ? ": in the bottom group" : "")"
            )
        } else if d.bottomCount == 0 {
            out.append(zh ? "参评 \(d.population) 人，末位比例对应 0 人" : "\(d.population) reps ranked: the bottom share is 0 reps")
        }
        if d.flagged {
            out.append(
                zh ? "连续 \(d.consecutive) 期被标记 → \(d.level)" : "flagged \(d.consecutive) period\(d.consecutive == 1 ? "" : "s") in a row → \(d.level)"
            )
        } else {
            out.append(zh ? "未被标记" : "not flagged")
        }
        return out
    }
}
