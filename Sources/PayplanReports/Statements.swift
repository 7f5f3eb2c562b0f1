import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// One rep's numbers as the statements and the period report need them,
/// read from the rep's trace (the same facts `payplan explain` prints).
public struct StatementFacts: Sendable {
    public var trace: RepTrace
    public var region: String
    public var role: String
    public var total: Exact
    /// (component name, amount), in the total's order.
    public var components: [(String, Exact)]
    public var beforeCap: Exact
    public var cap: Exact?
    public var capped: Exact
    /// The first payout curve's measure (attainment in the reference plan).
    public var attainment: Exact?
    /// The review flags of flag rules, with their facts.
    public var flags: [(rule: String, facts: any FlagFacts)]
    /// The rep's group in each ranking rule.
    public var groups: [(rule: String, group: String)]

    init(trace: RepTrace, region: String, role: String) {
        self.trace = trace
        self.region = region
        self.role = role
        total = .zero
        components = []
        beforeCap = .zero
        capped = .zero
        flags = []
        groups = []
        for e in trace.entries {
            if e.kind == .total, let v = e.value.number { total = v }
            for step in e.steps {
                switch step {
                case .total(let c, let sum, let cap, _, _, let cut):
                    components = c
                    beforeCap = sum
                    self.cap = cap
                    capped = cut
                case .shape(_, _, _, let inputs, .curve, _) where attainment == nil && e.kind == .rule:
                    attainment = inputs.first
                case .rule(let step):
                    if let f = step as? any FlagFacts { flags.append((e.name, f)) }
                    if let g = step as? any GroupFacts { groups.append((e.name, g.group)) }
                default: break
                }
            }
        }
    }

    /// The facts the period report reads, without the trace's entries
    /// (which only the rep's own page shows).
    public var summary: StatementFacts {
        var s = self
        s.trace.entries = []
        return s
    }

    public var flagLevel: String? {
        flags.first { $0.facts.flagged }?.facts.level
    }
}

/// Self-contained HTML pay statements (one per rep) and the period report,
/// in Chinese or English: the words come from the explanation renderer, the
/// labels from the plan, the charts from the plan's shapes.
public struct StatementBook {
    public let renderer: ExplanationRenderer
    public let fingerprint: String
    public let period: Period
    let formatter: Formatter
    let repRows: RepColumns
    /// Every rep's facts without their traces' entries, for a book made
    /// with `init(streaming:…)` (empty otherwise: `index(_:)` takes them).
    public private(set) var periodFacts: [StatementFacts] = []
    /// Each ranking rule's groups, built once for the period (not per page).
    let boards: [(rule: CompiledRule, rows: [TeamRow])]

    public var language: Language { renderer.language }
    var zh: Bool { language == .zh }
    var plan: CompiledPlan { renderer.plan }

    /// The period-wide parts (the boards of ranking rules) are built here,
    /// once; pages are then made one rep at a time (`facts`, `statement`),
    /// in any order and on any thread, and the index from every rep's facts.
    public init(result: EvaluationResult, renderer: ExplanationRenderer, fingerprint: String) {
        self.renderer = renderer
        self.fingerprint = fingerprint
        period = result.period
        formatter = renderer.formatter
        repRows = RepColumns(result)
        boards = StatementBook.boards(result)
    }

    /// The rep's region and role, read from reps.csv by row.
    struct RepColumns {
        let result: EvaluationResult
        let region: Int?
        let role: Int?

        init(_ result: EvaluationResult) {
            self.result = result
            region = result.data.reps.columnIndex("region")
            role = result.data.reps.columnIndex("role")
        }

        func text(_ column: Int?, _ repID: String) -> String {
            guard let column, let row = result.data.repIndex(repID) else { return "" }
            return result.data.reps.text(column, row)
        }
    }

    /// One rep's numbers, read from the rep's trace.
    public func facts(_ trace: RepTrace) -> StatementFacts {
        StatementFacts(trace: trace, region: repRows.text(repRows.region, trace.repID), role: repRows.text(repRows.role, trace.repID))
    }

    /// The period-wide boards of group rules, in plan order.
    static func boards(_ result: EvaluationResult) -> [(rule: CompiledRule, rows: [TeamRow])] {
        let name = result.data.reps.columnIndex("name")
        var out: [(rule: CompiledRule, rows: [TeamRow])] = []
        for case .rule(let r) in result.plan.nodes {
            guard let board = result.current.boards[r.index] else { continue }
            let rows = board.rows.map { row in
                TeamRow(
                    group: row.group, members: row.members, score: row.score, eligible: row.eligible, rank: row.rank, prize: row.prize,
                    shares: row.shares.map { share in
                        (result.data.repIDs[share.rep], name.map { result.data.reps.text($0, share.rep) } ?? "", share.share)
                    })
            }
            out.append((r, rows))
        }
        return out
    }

    func t(_ en: String, _ zh: String) -> String { self.zh ? zh : en }
    func money(_ x: Exact) -> String { formatter.money(x) }
    /// An axis tick: whole amounts without cents (`¥80,000`, not `¥80,000.00`).
    func wholeMoney(_ x: Exact) -> String {
        let s = money(x)
        return s.hasSuffix(".00") ? String(s.dropLast(3)) : s
    }
    func number(_ x: Exact) -> String { formatter.number(x, places: 4) }
    func percent(_ x: Exact) -> String {
        let p = (try? (x * Exact(100)).formatted(scale: 1, mode: .halfEven)) ?? x.description
        return p + "%"
    }

    func wholePercent(_ x: Exact) -> String {
        ((try? (x * Exact(100)).formatted(scale: 0, mode: .halfEven)) ?? x.description) + "%"
    }

    /// `2026年7月1日` or `1 Jul 2026`.
    func date(_ d: CivilDate) -> String {
        let (y, m, day) = d.components
        if zh { return "\(y)年\(m)月\(day)日" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(day) \(months[m - 1]) \(y)"
    }

    var periodText: String { "\(period) (\(date(period.start)) – \(date(period.end)))" }

    var planTitle: String {
        let p = plan.plan
        return (p.labels.text(language.rawValue) ?? p.name.value) + (p.version.map { " · \(t("version", "版本")) \($0.value)" } ?? "")
    }

    /// A file name for a rep's statement: ASCII letters, digits and `-` as
    /// they are, every other byte of the id's UTF-8 as `_` and exactly two
    /// hex digits (`_` itself is `_5F`). Fixed width makes it injective: two
    /// ids never share a page (`"\u{1}A"` is `_01A`, `"\u{1A}"` is `_1A`).
    public static func fileName(_ repID: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = Array("statement-".utf8)
        for b in repID.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D {
                out.append(b)
            } else {
                out += [UInt8(ascii: "_"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out + Array(".html".utf8), as: UTF8.self)
    }

    // MARK: - Statement

    public func statement(_ f: StatementFacts) -> String {
        var h = HTML()
        let trace = f.trace
        h.element("header") { h in
            h.element("h1", text: "\(t("Pay statement", "薪酬明细")) · \(trace.name) (\(trace.repID))")
            h.element("div", [("class", "meta")]) { h in
                h.raw(HTML.escape("\(t("Team", "团队")) \(trace.team)"))
                if !f.region.isEmpty { h.raw(HTML.escape(" · \(t("Region", "区域")) \(f.region)")) }
                if !f.role.isEmpty { h.raw(HTML.escape(" · \(t("Role", "岗位")) \(f.role)")) }
                h.raw(HTML.escape(" · \(t("Period", "期间")) \(periodText)"))
            }
            h.element("div", [("class", "meta")]) { h in
                h.raw(HTML.escape("\(planTitle) · \(t("plan fingerprint", "方案指纹")) "))
                h.element("code", text: fingerprint)
            }
        }
        h.element("div", [("class", "cards")]) { h in
            card(&h, t("Total paid", "应发合计"), money(f.total), id: "total")
            for (name, amount) in f.components { card(&h, renderer.componentLabel(name), money(amount), id: nil) }
            if f.capped.isPositive { card(&h, t("Cut by the cap", "封顶扣减"), money(f.capped), id: nil) }
            // The flag and what it is not, equally visible: in the same card.
            if let level = f.flagLevel {
                card(
                    &h, t("Review flag", "考核标记"), level, id: "flag",
                    note: t("a call for a review and coaching, not a dismissal", "只提示复核与辅导，不代表解聘决定"))
            }
        }
        h.element("h2", text: t("Your total", "合计"))
        h.raw(totalChart(f))
        if let total = trace.entries.first(where: { $0.kind == .total }) { steps(&h, total.steps) }
        h.element("h2", text: t("How each payout was worked out", "每项奖金的计算过程"))
        for e in trace.entries where e.kind == .rule {
            h.element("section", [("class", "rule"), ("id", "rule-\(e.name)")]) { h in
                let shown = e.value.number.map { e.isFlag ? number($0) : money($0) } ?? renderer.formatter.value(e.value)
                h.element("span", [("class", e.isFlag ? "amount flag-\(shown)" : "amount")], text: shown)
                h.element("h3", text: renderer.label(e.name, e.labels))
                for chart in charts(e, f) { h.raw(chart) }
                steps(&h, e.steps)
                if e.isFlag {
                    h.element(
                        "p", [("class", "note")],
                        text: t(
                            "A flag calls for a review and a conversation; it is not a dismissal decision.", "标记只提示复核与辅导，不代表解聘决定。"))
                }
            }
        }
        h.element("h2", text: t("Your numbers", "您的各项指标"))
        h.element("table") { h in
            h.element("thead") { h in
                h.element("tr") { h in
                    h.element("th", text: t("Metric", "指标"))
                    h.element("th", [("class", "num")], text: t("Value", "数值"))
                    h.element("th", text: t("How", "计算"))
                }
            }
            h.element("tbody") { h in
                for e in trace.entries where e.kind == .metric {
                    h.element("tr") { h in
                        h.element("td", text: renderer.label(e.name, e.labels))
                        h.element("td", [("class", "num")], text: e.value.number.map(number) ?? renderer.formatter.value(e.value))
                        h.element("td", text: e.steps.flatMap { renderer.lines($0) }.joined(separator: "\n"))
                    }
                }
            }
        }
        h.element(
            "p", [("class", "note")],
            text: t(
                "Every number above is computed from the plan file with this fingerprint and the period's data; `payplan explain` prints the same explanation.",
                "以上每个数字均由该指纹对应的方案文件与本期数据计算得出；`payplan explain` 输出相同的解释。"))
        h.element("p", [("class", "noprint")]) { h in h.element("a", [("href", "index.html")], text: t("← Period report", "← 期间报告")) }
        return Page.document(title: "\(t("Pay statement", "薪酬明细")) \(trace.repID) \(period)", language: language, body: h.text)
    }

    func card(_ h: inout HTML, _ label: String, _ value: String, id: String?, note: String? = nil) {
        h.element("div", [("class", "card")] + (id.map { [("id", $0)] } ?? [])) { h in
            h.element("div", [("class", "value")], text: value)
            h.element("div", [("class", "label")], text: label)
            if let note { h.element("div", [("class", "card-note")], text: note) }
        }
    }

    /// One numbered item per step; a step's further lines (a curve's
    /// interpolation) stay inside its item instead of being numbered.
    func steps(_ h: inout HTML, _ steps: [Step]) {
        let groups = steps.map { renderer.lines($0) }.filter { !$0.isEmpty }
        guard !groups.isEmpty else { return }
        h.element("ol", [("class", "steps")]) { h in
            for lines in groups {
                h.element("li") { h in
                    h.raw(HTML.escape(lines[0]))
                    for more in lines.dropFirst() { h.element("div", [("class", "more")], text: String(more.drop { $0 == " " })) }
                }
            }
        }
    }

    /// Components stacked against the cap.
    func totalChart(_ f: StatementFacts) -> String {
        var items = f.components.map { (label: renderer.componentLabel($0.0), value: $0.1, mine: false, note: money($0.1)) }
        items.append((label: t("Before the cap", "封顶前合计"), value: f.beforeCap, mine: false, note: money(f.beforeCap)))
        items.append((label: t("Paid", "实发"), value: f.total, mine: true, note: money(f.total)))
        let reference = f.cap.map { (value: $0, label: "\(t("cap", "封顶")) \(money($0))") }
        return Chart.bars(items, reference: reference, title: t("Components and cap", "各项与封顶"), format: money)
    }

    func words(_ measure: String) -> ChartWords {
        ChartWords(
            measure: measure, factor: t("factor", "系数"), rate: t("rate", "费率"), gate: t("gate", "门槛"), cap: t("cap", "封顶"),
            you: t("you", "您"), curveTitle: t("Payout curve and where you are on it", "奖金曲线与您的位置"),
            tiersTitle: t("Tiers and where you are", "阶梯与您的位置"))
    }

    /// The charts of one rule: each curve or tier shape it used, a product
    /// award's threshold, a ranking prize's team board.
    func charts(_ e: TraceEntry, _ f: StatementFacts) -> [String] {
        var out: [String] = []
        for step in e.steps {
            switch step {
            case .shape(let index, let name, let labels, let inputs, let detail, let result):
                guard index < plan.shapes.count, let x = inputs.first else { continue }
                let shape = plan.shapes[index]
                let measure = measureLabel(rule: e.name) ?? renderer.label(name, labels)
                switch (shape.kind, detail) {
                case (.tiers, .tiers):
                    if let chart = tierChart(shape, at: x, measure: measure) { out.append(chart) }
                case (.curve(let c), .curve):
                    out.append(
                        Chart.curve(
                            points: c.points.map { ($0.x.value, $0.y.value) }, below: c.below.value, above: c.above.value, at: x, value: result,
                            words: words(measure), format: number))
                default: break
                }
            case .rule(let step):
                if let d = step as? any ThresholdFacts {
                    out.append(
                        Chart.bars(
                            [(label: renderer.label(e.name, e.labels), value: d.measure, mine: d.reached, note: number(d.measure))],
                            reference: (value: d.threshold, label: "\(t("threshold", "门槛")) \(number(d.threshold))"),
                            title: t("Your measure against the threshold", "您的业绩与门槛"), format: number))
                }
                if let d = step as? any GroupFacts { out.append(teamBoard(rule: e.name, mine: d.group)) }
                // A tier table, with the period's total (or the largest deal) marked.
                if let d = step as? any TierFacts, d.shape < plan.shapes.count,
                    let chart = tierChart(plan.shapes[d.shape], at: d.at, measure: t(d.measureWords.en, d.measureWords.zh))
                {
                    out.append(chart)
                }
            default: break
            }
        }
        return out
    }

    /// A tier table drawn as steps of its rates (or amounts), when they are
    /// constants: a rate given by a formula has no single height to draw.
    func tierChart(_ shape: CheckedShape, at x: Exact, measure: String) -> String? {
        guard case .tiers(let tiers, let rates, let amounts) = shape.kind else { return nil }
        var rows: [(from: Exact, to: Exact?, rate: Exact)] = []
        for (i, r) in tiers.rows.enumerated() {
            guard let value = StatementBook.constant(rates[i]) ?? StatementBook.constant(amounts[i]) else { return nil }
            // A tier without `to` ends where the next one starts.
            let next = i + 1 < tiers.rows.count ? tiers.rows[i + 1].from.value : nil
            rows.append((r.from.value, r.to?.value ?? next, value))
        }
        return rows.isEmpty ? nil : Chart.tiers(rows: rows, at: x, words: words(measure), format: number)
    }

    /// The label of the metric a rule measures (an attainment bonus), for its chart's x axis.
    func measureLabel(rule: String) -> String? {
        for case .rule(let r) in plan.nodes where r.name == rule {
            guard let measured = r.body as? any MeasuredRuleBody, case .slot(let s) = plan.arena[measured.measure] else { return nil }
            return renderer.label(plan.slots[s].name, plan.slots[s].labels)
        }
        return nil
    }

    static let tenth = (try? Exact(numerator: 1, denominator: 10)) ?? .one

    static func constant(_ e: TExpr?) -> Exact? {
        if case .number(let x)? = e?.kind { return x }
        return nil
    }

    // MARK: - Teams

    struct TeamRow {
        var group: String
        var members: Int
        var score: Exact?
        var eligible: Bool
        var rank: Int?
        var prize: Exact
        var shares: [(String, String, Exact)]
    }

    /// Every group of a ranking rule, best rank first, then unranked groups by name.
    func teams(rule: String) -> [TeamRow] {
        boards.first { $0.rule.name == rule }?.rows ?? []
    }

    func teamBoard(rule: String, mine: String) -> String {
        let rows = teams(rule: rule).prefix(15)
        let items = rows.map { r in
            (
                label: r.group, value: r.score ?? .zero, mine: r.group == mine,
                note: "\(r.rank.map { "#\($0)" } ?? "—") · \(r.score.map(percent) ?? "—")\(r.prize.isPositive ? " · \(money(r.prize))" : "")"
            )
        }
        return Chart.bars(Array(items), title: t("Team ranking", "团队排名"), format: percent)
    }

    // MARK: - Period report

    /// The period report, from every rep's facts (in rep_id order; their
    /// traces' entries are not read, and may have been dropped).
    public func index(_ facts: [StatementFacts]) -> String {
        var h = HTML()
        let totalPaid = facts.reduce(Exact.zero) { (try? $0 + $1.total) ?? $0 }
        let totalCapped = facts.reduce(Exact.zero) { (try? $0 + $1.capped) ?? $0 }
        h.element("header") { h in
            h.element("h1", text: "\(t("Period report", "期间报告")) · \(period)")
            h.element("div", [("class", "meta")]) { h in
                h.raw(HTML.escape("\(planTitle) · \(periodText) · \(t("plan fingerprint", "方案指纹")) "))
                h.element("code", text: fingerprint)
            }
        }
        let flagged = facts.filter { $0.flagLevel != nil }
        h.element("div", [("class", "cards")]) { h in
            // Reps in the period, and how many of them are paid anything: "20 reps, 17 paid".
            let paid = facts.filter { $0.total.isPositive }.count
            card(&h, t("reps, \(paid) paid", "人，其中 \(paid) 人获发"), "\(facts.count)", id: "reps")
            card(&h, t("Total paid", "发放总额"), money(totalPaid), id: "total")
            card(&h, t("Cut by caps", "封顶扣减"), money(totalCapped), id: "capped")
            card(&h, t("Flagged for review", "考核标记"), "\(flagged.count)", id: "flagged")
        }
        // Cost by rule.
        var byRule: [(String, Exact)] = []
        for f in facts {
            for (name, amount) in f.components {
                if let i = byRule.firstIndex(where: { $0.0 == name }) {
                    byRule[i].1 = (try? byRule[i].1 + amount) ?? byRule[i].1
                } else {
                    byRule.append((name, amount))
                }
            }
        }
        if totalCapped.isPositive { byRule.append((t("cut by caps", "封顶扣减"), (try? Exact.zero - totalCapped) ?? .zero)) }
        h.element("h2", text: t("Cost by rule", "按规则的成本"))
        h.raw(
            Chart.bars(
                byRule.map { (label: renderer.componentLabel($0.0), value: $0.1, mine: false, note: money($0.1)) },
                title: t("Cost by rule", "按规则的成本"), format: money))
        // Cost by team.
        var byTeam: [String: (Int, Exact)] = [:]
        for f in facts {
            let old = byTeam[f.trace.team] ?? (0, .zero)
            byTeam[f.trace.team] = (old.0 + 1, (try? old.1 + f.total) ?? old.1)
        }
        let teamsSorted = byTeam.keys.sorted { CodePoint.less($0, $1) }
        h.element("h2", text: t("Cost by team", "按团队的成本"))
        h.raw(
            Chart.bars(
                teamsSorted.map {
                    (label: $0, value: byTeam[$0]!.1, mine: false, note: "\(money(byTeam[$0]!.1)) · \(byTeam[$0]!.0) \(t("reps", "人"))")
                }, title: t("Cost by team", "按团队的成本"), format: money))
        // Attainment.
        let attained = facts.compactMap { f in f.attainment.map { ($0, f.total) } }
        let attainedNames = facts.filter { $0.attainment != nil }.map { "\($0.trace.repID) \($0.trace.name)" }
        if !attained.isEmpty {
            h.element("h2", text: t("Attainment distribution", "目标完成率分布"))
            h.raw(
                Chart.histogram(
                    attained.map(\.0), bucket: StatementBook.tenth, title: t("Reps per 10 points of attainment", "每 10 个百分点的人数"),
                    words: words(t("attainment", "完成率")), format: wholePercent))
            h.element("h2", text: t("Payout against attainment", "奖金与完成率"))
            h.raw(
                Chart.scatter(
                    attained, names: attainedNames, title: t("Total paid against attainment", "实发合计与完成率"), xLabel: t("attainment", "完成率"),
                    yLabel: t("total paid", "实发"), formatX: percent, formatY: money, formatYTick: wholeMoney))
        }
        rankingTables(&h)
        flagsAndCaps(&h, facts, flagged: flagged)
        // Statements.
        h.element("h2", text: t("Pay statements", "个人薪酬明细"))
        table(&h, [t("Rep", "人员"), t("Team", "团队"), t("Total paid", "实发合计"), t("Flag", "标记")], numeric: [2]) { h in
            for f in facts {
                h.element("tr") { h in
                    h.element("td") { h in h.element("a", [("href", StatementBook.fileName(f.trace.repID))], text: "\(f.trace.repID) \(f.trace.name)")
                    }
                    h.element("td", text: f.trace.team)
                    h.element("td", [("class", "num")], text: money(f.total))
                    h.element("td", text: f.flagLevel ?? "")
                }
            }
        }
        return Page.document(title: "\(t("Period report", "期间报告")) \(period)", language: language, body: h.text)
    }

    /// The team rankings of the period: each group's rank, score, prize and split.
    func rankingTables(_ h: inout HTML) {
        for rule in boards.map(\.rule) {
            h.element("h2", text: renderer.label(rule.name, rule.labels))
            h.element("table", [("class", "ranking")]) { h in
                h.element("thead") { h in
                    h.element("tr") { h in
                        for (head, numeric) in [
                            (t("Rank", "名次"), true), (t("Team", "团队"), false), (t("Members", "人数"), true), (t("Score", "得分"), true),
                            (t("Prize", "奖金"), true), (t("Split", "分配"), false),
                        ] {
                            h.element("th", numeric ? [("class", "num")] : [], text: head)
                        }
                    }
                }
                h.element("tbody") { h in
                    for row in teams(rule: rule.name) {
                        h.element("tr") { h in
                            h.element("td", [("class", "num")], text: row.rank.map { "\($0)" } ?? (row.eligible ? "—" : t("not eligible", "不合格")))
                            h.element("td", text: row.group)
                            h.element("td", [("class", "num")], text: "\(row.members)")
                            h.element("td", [("class", "num")], text: row.score.map(percent) ?? "—")
                            h.element("td", [("class", "num")], text: money(row.prize))
                            h.element(
                                "td",
                                text: row.prize.isPositive
                                    ? row.shares.sorted { CodePoint.less($0.0, $1.0) }.map { "\($0.1) \(money($0.2))" }.joined(separator: ", ") : "")
                        }
                    }
                }
            }
        }
    }

    /// The flagged reps (with the note that a flag is not a dismissal) and the reps cut by a cap.
    func flagsAndCaps(_ h: inout HTML, _ facts: [StatementFacts], flagged: [StatementFacts]) {
        // Flags.
        h.element("h2", text: t("Flagged reps", "被标记人员"))
        if flagged.isEmpty {
            h.element("p", text: t("Nobody is flagged.", "无人被标记。"))
        } else {
            table(&h, [t("Rep", "人员"), t("Team", "团队"), t("Measure", "指标"), t("Reason", "原因"), t("Level", "级别")], numeric: [2]) { h in
                for f in flagged {
                    for (_, d) in f.flags where d.flagged {
                        h.element("tr") { h in
                            h.element("td") { h in
                                h.element("a", [("href", StatementBook.fileName(f.trace.repID))], text: "\(f.trace.repID) \(f.trace.name)")
                            }
                            h.element("td", text: f.trace.team)
                            h.element("td", [("class", "num")], text: d.measure.map(number) ?? "—")
                            h.element("td", text: d.reason(renderer.words))
                            h.element("td", [("class", "flag-\(d.level)")], text: d.level)
                        }
                    }
                }
            }
            h.element(
                "p", [("class", "note")],
                text: t("A flag calls for a review and a conversation; it is not a dismissal decision.", "标记只提示复核与辅导，不代表解聘决定。"))
        }
        // Caps.
        let capped = facts.filter { $0.capped.isPositive }
        h.element("h2", text: t("Reps cut by a cap", "被封顶的人员"))
        if capped.isEmpty {
            h.element("p", text: t("No total reached its cap.", "无人达到封顶。"))
        } else {
            table(&h, [t("Rep", "人员"), t("Before the cap", "封顶前"), t("Cap", "封顶"), t("Paid", "实发"), t("Cut", "扣减")], numeric: [1, 2, 3, 4]) { h in
                for f in capped {
                    h.element("tr") { h in
                        h.element("td") { h in
                            h.element("a", [("href", StatementBook.fileName(f.trace.repID))], text: "\(f.trace.repID) \(f.trace.name)")
                        }
                        h.element("td", [("class", "num")], text: money(f.beforeCap))
                        h.element("td", [("class", "num")], text: f.cap.map(money) ?? "—")
                        h.element("td", [("class", "num")], text: money(f.total))
                        h.element("td", [("class", "num")], text: money(f.capped))
                    }
                }
            }
        }
    }

    func table(_ h: inout HTML, _ headers: [String], numeric: Set<Int>, _ rows: (inout HTML) -> Void) {
        h.element("table") { h in
            h.element("thead") { h in
                h.element("tr") { h in
                    for (i, head) in headers.enumerated() { h.element("th", numeric.contains(i) ? [("class", "num")] : [], text: head) }
                }
            }
            h.element("tbody") { h in rows(&h) }
        }
    }
}

// MARK: - Served pages

extension StatementBook {
    /// The book of a period for a server (`payplan serve`): every rep's facts
    /// read from the traces a block at a time, each kept without its trace's
    /// entries (the period report reads only the facts), so a large period
    /// never holds every trace at once. `statement(for:)` makes one rep's page
    /// from its full trace. Needs a result evaluated with trace selection `.all`.
    public init(streaming result: EvaluationResult, renderer: ExplanationRenderer, fingerprint: String, threads: Int) throws {
        self.init(result: result, renderer: renderer, fingerprint: fingerprint)
        let book = self
        var facts: [StatementFacts] = []
        try result.traceBlocks(result.current.population, threads: threads, { block in block.map { book.facts($0).summary } }) { facts += $0 }
        periodFacts = facts
    }

    /// The period report of the facts gathered by `init(streaming:…)`.
    public func index() -> String { index(periodFacts) }

    /// One rep's statement page from the rep's full trace.
    public func statement(for trace: RepTrace, region: String, role: String) -> String {
        statement(StatementFacts(trace: trace, region: region, role: role))
    }
}
