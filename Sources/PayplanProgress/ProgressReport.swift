import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// Progress as a table, CSV, JSON, or sentences a rep understands.
public struct ProgressReport {
    public var progress: PeriodProgress
    public var language: Language
    let formatter: Formatter

    public init(_ progress: PeriodProgress, language: Language) {
        self.progress = progress
        self.language = language
        formatter = Formatter(plan: progress.plan.plan)
    }

    var request: ProgressRequest { progress.request }
    var zh: Bool { language == .zh }

    // MARK: Numbers

    /// Money for files: plain digits at the plan's scale.
    func money(_ x: Exact?) -> String { x.map { formatter.plain(.number($0), type: .money) } ?? "" }
    /// Money for people: thousands separators.
    func grouped(_ x: Exact?) -> String { x.map { Formatter.grouped(money($0)) } ?? "" }
    func ratio(_ x: Exact?) -> String { x.map { formatter.plain(.number($0), type: .number) } ?? "" }
    func percent(_ x: Exact?, places: Int = 1) -> String {
        guard let x, let v = try? x * Exact(100) else { return "" }
        return Formatter.trimmed(v, places, .halfAwayFromZero) + " %"
    }

    /// A breakpoint's value as its measure is read: `100 %` for a ratio, `¥50,000.00` for money.
    func value(_ x: Exact, of measure: String?) -> String {
        let type = measure.flatMap { m in progress.plan.slots.first { $0.name == m }?.type.base }
        switch type {
        case .money?: return formatter.money(x)
        case .number?: return percent(x, places: 2)
        default: return formatter.number(x)
        }
    }

    func label(_ measure: String?) -> String? {
        guard let m = measure, let slot = progress.plan.slots.first(where: { $0.name == m }) else { return measure }
        return slot.labels.text(language.rawValue) ?? m
    }

    func ruleLabel(_ name: String) -> String {
        for case .rule(let r) in progress.plan.nodes where r.name == name { return r.labels.text(language.rawValue) ?? name }
        return name
    }

    /// What the breakpoint's value is, in words: its metric's label, else the
    /// shape's (a multiplier's) or the rated value's words, else the rule's.
    func valueWords(_ b: Breakpoint) -> String {
        if let m = b.measure { return label(m) ?? m }
        if let l = b.shapeLabels?.text(language.rawValue) { return l }
        if let w = b.measureWords { return zh ? w.zh : w.en }
        return ruleLabel(b.ruleName)
    }

    func kindWords(_ k: Breakpoint.Kind) -> String {
        switch k {
        case .curvePoint: zh ? "曲线节点" : "curve point"
        case .bandRow: zh ? "档位" : "band row"
        case .tier: zh ? "阶梯" : "tier"
        case .matrixBand: zh ? "矩阵档位" : "matrix band"
        case .threshold: zh ? "门槛" : "threshold"
        case .reviewLine: zh ? "预警线" : "review line"
        }
    }

    /// `attainment_bonus: attainment 1 (curve_point)`: the next step, for files.
    func stepText(_ s: NextStep) -> String {
        let b = s.breakpoint
        return "\(b.ruleName): \(b.measure ?? "value") \(ratio(b.at)) (\(b.kind.rawValue))"
    }

    // MARK: Formats

    public func table() -> String {
        var out = headline() + "\n"
        let header = [
            "rep_id", "name", "team", "target", "revenue", "attainment", "projected", "payout now", "projected payout", "next step", "needed",
            "gain",
        ]
        var t = TextTable(header: header, rightAligned: header.indices.map { $0 >= 3 && $0 != 9 })
        for r in progress.reps {
            t.rows.append([
                r.id, r.name, r.team, grouped(r.target), grouped(r.revenueToDate), percent(r.attainmentToDate), percent(r.projectedAttainment),
                grouped(r.payoutToDate), grouped(r.projectedPayout), r.next.map { shortStep($0) } ?? "—", grouped(r.next?.revenueNeeded),
                grouped(r.next?.gain),
            ])
        }
        out += t.render() + "\n" + teamTable()
        if let o = progress.opportunities { out += "\n" + opportunityTable(o) }
        return out
    }

    func shortStep(_ s: NextStep) -> String {
        "\(valueWords(s.breakpoint)) \(value(s.breakpoint.at, of: s.breakpoint.measure))"
    }

    func headline() -> String {
        let r = request
        return
            "progress \(r.period) as of \(r.asOf): day \(r.daysElapsed) of \(r.period.days); pace factor \(r.period.days)/\(r.daysElapsed) = \(formatter.number(r.pace, places: 4))\n"
    }

    func teamTable() -> String {
        let header = ["team", "reps", "target", "revenue", "attainment", "projected", "payout now", "projected payout"]
        var t = TextTable(header: header, rightAligned: header.indices.map { $0 >= 1 })
        for team in progress.teams {
            t.rows.append([
                team.team, String(team.reps), grouped(team.target), grouped(team.revenueToDate), percent(team.attainmentToDate),
                percent(team.projectedAttainment), grouped(team.payoutToDate), grouped(team.projectedPayout),
            ])
        }
        return t.render()
    }

    func factorText(_ f: OpportunityFactor, _ x: Exact?) -> String {
        guard let x else { return "" }
        if f.isRatio { return percent(x) }
        if f.isMoney { return grouped(x) }
        return formatter.number(x, places: 1)
    }

    func opportunityTable(_ o: Opportunities) -> String {
        let factors = OpportunityFactor.allCases
        let header = ["rep_id", "team"] + factors.map { $0.label(zh) }
        var t = TextTable(header: header, rightAligned: header.indices.map { $0 >= 2 })
        for r in progress.reps {
            guard let row = o.reps[r.rep] else { continue }
            t.rows.append(
                [r.id, r.team] + factors.map { f in "\(factorText(f, row.values[f])) (\(factorText(f, row.teamMedians[f])))" })
        }
        return (zh ? "销售过程指标（\(o.file)；括号内为团队中位数）\n" : "sales execution (\(o.file); team median in brackets)\n") + t.render()
    }

    public func csv(teams: Bool = false) -> String {
        if teams { return teamCSV() }
        var header = [
            "rep_id", "name", "team", "target", "revenue_to_date", "attainment_to_date", "projected_attainment", "payout_to_date",
            "projected_payout", "next_step", "revenue_to_next_step", "next_step_gain",
        ]
        if progress.opportunities != nil { for f in OpportunityFactor.allCases { header += [f.rawValue, "\(f.rawValue)_team_median"] } }
        var out = header.joined(separator: ",") + "\n"
        for r in progress.reps {
            var line = [
                r.id, r.name, r.team, money(r.target), money(r.revenueToDate), ratio(r.attainmentToDate), ratio(r.projectedAttainment),
                money(r.payoutToDate), money(r.projectedPayout), r.next.map(stepText) ?? "", money(r.next?.revenueNeeded), money(r.next?.gain),
            ]
            if let o = progress.opportunities {
                let row = o.reps[r.rep]
                for f in OpportunityFactor.allCases { line += [ratio(row?.values[f]), ratio(row?.teamMedians[f])] }
            }
            out += line.map(CSVText.quote).joined(separator: ",") + "\n"
        }
        return out
    }

    func teamCSV() -> String {
        var out = "team,reps,target,revenue_to_date,attainment_to_date,projected_attainment,payout_to_date,projected_payout\n"
        for t in progress.teams {
            let line = [
                t.team, String(t.reps), money(t.target), money(t.revenueToDate), ratio(t.attainmentToDate), ratio(t.projectedAttainment),
                money(t.payoutToDate), money(t.projectedPayout),
            ]
            out += line.map(CSVText.quote).joined(separator: ",") + "\n"
        }
        return out
    }

    public func json(fingerprint: String, sentences: Bool) -> JSON {
        func num(_ x: Exact?, _ money: Bool) -> JSON { x.map { .number(money ? self.money($0) : ratio($0)) } ?? .null }
        let reps: [JSON] = progress.reps.map { r in
            var fields: [(String, JSON)] = [
                ("rep_id", .string(r.id)), ("name", .string(r.name)), ("team", .string(r.team)), ("target", num(r.target, true)),
                ("revenue_to_date", num(r.revenueToDate, true)), ("attainment_to_date", num(r.attainmentToDate, false)),
                ("projected_attainment", num(r.projectedAttainment, false)), ("payout_to_date", num(r.payoutToDate, true)),
                ("projected_payout", num(r.projectedPayout, true)),
            ]
            fields.append(("next_step", r.next.map { stepJSON($0) } ?? .null))
            if let o = progress.opportunities, let row = o.reps[r.rep] {
                fields.append(
                    (
                        "opportunities",
                        .object(
                            OpportunityFactor.allCases.map { f in
                                (f.rawValue, .object([("value", num(row.values[f], false)), ("team_median", num(row.teamMedians[f], false))]))
                            })
                    ))
            }
            if sentences { fields.append(("sentence", .string(sentence(r)))) }
            return .object(fields)
        }
        let teams: [JSON] = progress.teams.map { t in
            .object([
                ("team", .string(t.team)), ("reps", .int(t.reps)), ("target", num(t.target, true)), ("revenue_to_date", num(t.revenueToDate, true)),
                ("attainment_to_date", num(t.attainmentToDate, false)), ("projected_attainment", num(t.projectedAttainment, false)),
                ("payout_to_date", num(t.payoutToDate, true)), ("projected_payout", num(t.projectedPayout, true)),
            ])
        }
        return .object([
            ("plan", .string(progress.plan.plan.name.value)), ("fingerprint", .string(fingerprint)), ("period", .string(request.period.description)),
            ("as_of", .string(request.asOf.description)), ("days_elapsed", .int(request.daysElapsed)), ("period_days", .int(request.period.days)),
            ("pace", .number(ratio(request.pace))), ("reps", .array(reps)), ("teams", .array(teams)),
        ])
    }

    func stepJSON(_ s: NextStep) -> JSON {
        let b = s.breakpoint
        return .object([
            ("rule", .string(b.ruleName)), ("measure", b.measure.map { .string($0) } ?? .null), ("kind", .string(b.kind.rawValue)),
            ("now", .number(ratio(b.now))), ("at", .number(ratio(b.at))), ("reached_at_value", .bool(b.reachedAt)),
            ("revenue_needed", .number(money(s.revenueNeeded))), ("payout_then", .number(money(s.payoutThen))), ("gain", .number(money(s.gain))),
            ("text", .string(stepText(s))),
        ])
    }
}
