import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// Turns a rep's trace into plain sentences, in English or Chinese.
///
/// A class: it holds the whole compiled plan, and as a struct every helper
/// call copied it (retain/release of each of its arrays was ~10 % of
/// `run --explain`, perf).
public final class ExplanationRenderer: Sendable {
    public let language: Language
    public let formatter: Formatter
    public let words: Words
    public let plan: CompiledPlan
    /// Each rule's label in `language`, if it has one.
    let ruleLabels: [String: String?]
    /// The label of each metric and rule, by name.
    let entryLabels: [String: String]

    public init(plan: CompiledPlan, language: Language) {
        self.plan = plan
        self.language = language
        formatter = Formatter(plan: plan.plan)
        words = Words(language: language, formatter: formatter)
        var labels: [String: String?] = [:]
        for case .rule(let r) in plan.nodes where labels[r.name] == nil {
            labels[r.name] = r.labels.entries.first { $0.language == language.rawValue }?.text ?? r.labels.entries.first { $0.language == "" }?.text
        }
        ruleLabels = labels
        // Every trace entry is labelled: the labels of metrics, rules and
        // the total are worked out once.
        // A name two of them share with different labels is left out (and
        // labelled entry by entry).
        var entries: [String: (labels: Labels, text: String)] = [:]
        var shared: Set<String> = []
        var named = plan.checked.metrics.map { ($0.name, $0.definition.labels) }
        for case .rule(let r) in plan.nodes { named.append((r.name, r.labels)) }
        for (name, labels) in named {
            if let known = entries[name], known.labels != labels { shared.insert(name) }
            entries[name] = (labels, ExplanationRenderer.label(name, labels, language))
        }
        entryLabels = entries.filter { !shared.contains($0.key) }.mapValues(\.text)
    }

    var zh: Bool { language == .zh }

    func label(_ name: String, _ labels: Labels) -> String {
        entryLabels[name] ?? ExplanationRenderer.label(name, labels, language)
    }

    static func label(_ name: String, _ labels: Labels, _ language: Language) -> String {
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
            if let output = outputLabel(rule: parts[0], output: parts[1]) { return output }
            return "\(l ?? parts[0]) \(parts[1])"
        }
        return name
    }

    /// The label a rule's kind gives one of its results (`first-mover prize`).
    func outputLabel(rule: String, output: String) -> String? {
        for case .rule(let r) in plan.nodes where r.name == rule {
            let labels = r.outputs.first { $0.name == output }?.labels
            return labels?.entries.first { $0.language == language.rawValue }?.text
        }
        return nil
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
        for e in trace.entries where e.isFlag {
            out.append("\(label(e.name, e.labels)): \(v(e.value))")
            out.append(zh ? "  标记只提示复核与辅导，不代表解聘决定。" : "  A flag calls for a review and a conversation; it is not a dismissal decision.")
        }
        out.append("")
        out.append(zh ? "每个数字的计算过程" : "How each number was worked out")
        var index = 1
        for e in trace.entries where e.kind != .total {
            let shown = e.value.number.map { e.kind == .rule && !e.isFlag ? m($0) : n($0) } ?? v(e.value)
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
        case .formula(let name, let formula, let substituted, let result):
            let source = name.map { "\($0) = \(formula)" } ?? formula
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
        case .shape(let index, let name, let labels, let inputs, let detail, let result):
            return shapeLines(label(name, labels), index, inputs, detail, result)
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
        case .total(let components, let sum, let cap, let floor, let total, let capped):
            // No components (every paying rule left out): say so, not a bare "= ¥0.00".
            var out =
                components.isEmpty
                ? [zh ? "没有计入合计的奖金项：合计 \(m(sum))" : "no payout is part of the total: \(m(sum))"]
                : [components.map { "\(componentLabel($0.0)) \(m($0.1))" }.joined(separator: " + ") + " = \(m(sum))"]
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
        case .rule(let step):
            return step.lines(words)
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

    func shapeLines(_ name: String, _ index: Int, _ inputs: [Exact], _ detail: ShapeDetail, _ result: Exact) -> [String] {
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
            var rows: [String] = []
            if index < plan.shapes.count, case .band(let b, _) = plan.shapes[index].kind { rows = b.rows.map(\.test.canonical) }
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
}
