import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// The answer to a what-if: what the page shows and `POST /api/whatif`
/// returns. Money is decimal text at the plan's scale ("512029.90").
struct WhatIfAnswer: Sendable {
    var json: JSON
    var candidateTotal: String
}

extension Workbench {
    /// Evaluates the plan in force with `changes` for `period` against the
    /// plan as it is.
    public func whatIf(period text: String, changes: [Override], language: Language) async throws(ServeProblem) -> JSON {
        try await lane { w throws(ServeProblem) in try w.answer(period: text, changes: changes, language: language).json }
    }

    func answer(period text: String, changes: [Override], language: Language) throws(ServeProblem) -> WhatIfAnswer {
        let started = ContinuousClock.now
        let current = data()
        guard let period = Period(text), current.offered.contains(period) else {
            throw .unknownPeriod(text, offered: current.offered.map(\.description))
        }
        let candidate = try base.candidate(changes).get()
        let key = "\(period)|\(candidate.fingerprint)|\(language.rawValue)"
        if let hit = answers.first(where: { $0.0 == key }) { return hit.1 }
        let baseResult = try baseResult(period)
        let result: EvaluationResult
        if candidate.fingerprint == base.fingerprint {
            // The same meaning (no change, or a change back): nothing to evaluate.
            result = baseResult
        } else {
            let dataSet = try dataSet(for: candidate.compiled, period: period)
            do {
                result = try Workbench.evaluate(candidate.compiled, dataSet, period, threads: options.threads, trace: .none)
            } catch {
                throw .candidateFails(
                    changes.map(\.path).joined(separator: ", "),
                    error.diagnostics.first ?? Diagnostic(ServeCode.candidateFails, error.message, at: nil))
            }
        }
        let report = WhatIfReport(base: baseResult, candidate: result, baseFingerprint: base.fingerprint, candidateFingerprint: candidate.fingerprint)
        let diff = SemanticDiff.compare(base.plan, candidate.load.plan!)
        let elapsed = ContinuousClock.now - started
        let json = AnswerJSON(
            report: report, plan: base.plan, candidatePlan: candidate.load.plan!, language: language, dataFingerprint: current.fingerprint.short
        )
        .render(
            changes: diff, elapsedMilliseconds: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
        let answer = WhatIfAnswer(json: json, candidateTotal: AnswerJSON.money(report.candidateCost, Formatter(plan: candidate.load.plan!)))
        answers.append((key, answer))
        if answers.count > Workbench.keptAnswers { answers.removeFirst() }
        return answer
    }

    /// The candidate plan file: the plan's own bytes with only the changed
    /// values replaced, checked to read back to the candidate's fingerprint.
    public func candidateFile(changes: [Override]) throws(ServeProblem) -> (bytes: [UInt8], fingerprint: String) {
        let candidate = try base.candidate(changes).get()
        let bytes = try PlanSplice.candidate(
            original: base.bytes, file: base.file, plan: base.plan, changes: changes, fingerprint: candidate.fingerprint
        ).get()
        return (bytes, candidate.fingerprint)
    }
}

/// Turns a `WhatIfReport` into the API's JSON: totals, counts, the largest
/// gains and losses, the effect per team, the distribution, the semantic
/// diff, and the two charts drawn by the statements' chart renderer.
struct AnswerJSON {
    let report: WhatIfReport
    let plan: Plan
    /// Each side is written at its own plan's scale, differences at the finer.
    let candidatePlan: Plan
    let language: Language
    let dataFingerprint: String
    static let top = 5

    static func money(_ x: Exact, _ f: Formatter) -> String { f.plain(.number(x), type: .money) }
    var baseFormatter: Formatter { Formatter(plan: plan) }
    var candidateFormatter: Formatter { Formatter(plan: candidatePlan) }
    var deltaFormatter: Formatter {
        var f = baseFormatter
        f.rounding.scale = max(f.rounding.scale, candidateFormatter.rounding.scale)
        return f
    }
    func money(_ x: Exact) -> String { AnswerJSON.money(x, baseFormatter) }
    func candidateMoney(_ x: Exact) -> String { AnswerJSON.money(x, candidateFormatter) }
    func deltaMoney(_ x: Exact) -> String { AnswerJSON.money(x, deltaFormatter) }
    func t(_ en: String, _ zh: String) -> String { language == .zh ? zh : en }

    func percent(_ x: Exact?) -> JSON {
        guard let x, let text = try? x.formatted(scale: 2, mode: .halfAwayFromZero) else { return .null }
        return .string(text)
    }

    func rep(_ r: WhatIfReport.Row) -> JSON {
        .object([
            ("rep_id", .string(r.repID)), ("name", .string(r.name)), ("team", .string(r.team)), ("base", .string(money(r.base))),
            ("candidate", .string(candidateMoney(r.candidate))), ("delta", .string(deltaMoney(r.delta))), ("delta_percent", percent(r.percent)),
        ])
    }

    /// Per team (the reps' `team` column): reps, cost before and after.
    func teams() -> [(team: String, reps: Int, base: Exact, candidate: Exact, delta: Exact)] {
        var sums: [String: (Int, Exact, Exact)] = [:]
        for r in report.rows {
            let old = sums[r.team] ?? (0, .zero, .zero)
            sums[r.team] = (old.0 + 1, (try? old.1 + r.base) ?? old.1, (try? old.2 + r.candidate) ?? old.2)
        }
        return sums.keys.sorted { CodePoint.less($0, $1) }.map { k in
            let (n, b, c) = sums[k]!
            return (k, n, b, c, (try? c - b) ?? .zero)
        }
    }

    func render(changes: [PlanChange], elapsedMilliseconds: Int) -> JSON {
        let gains = report.rows.filter { $0.delta.isPositive }.prefix(AnswerJSON.top)
        let losses = report.rows.filter { $0.delta.isNegative }.prefix(AnswerJSON.top)
        let teamList = teams()
        let totalPercent: Exact? = report.baseCost.isZero ? nil : (try? report.delta / report.baseCost * Exact(100))
        return .object([
            ("period", .string(report.period.description)),
            ("base_fingerprint", .string(report.baseFingerprint)),
            ("candidate_fingerprint", .string(report.candidateFingerprint)),
            ("data_fingerprint", .string(dataFingerprint)),
            ("base_total", .string(money(report.baseCost))),
            ("candidate_total", .string(candidateMoney(report.candidateCost))),
            ("delta", .string(deltaMoney(report.delta))),
            ("delta_percent", percent(totalPercent)),
            ("reps", .int(report.rows.count)),
            ("reps_up", .int(report.up)),
            ("reps_down", .int(report.down)),
            ("reps_unchanged", .int(report.unchanged)),
            ("largest_gains", .array(gains.map(rep))),
            ("largest_losses", .array(losses.map(rep))),
            (
                "teams",
                .array(
                    teamList.map {
                        .object([
                            ("team", .string($0.team)), ("reps", .int($0.reps)), ("base", .string(money($0.base))),
                            ("candidate", .string(candidateMoney($0.candidate))), ("delta", .string(deltaMoney($0.delta))),
                        ])
                    })
            ),
            (
                "team_changes",
                .array(
                    report.teamChanges.map {
                        .object([
                            ("rule", .string($0.rule)), ("group", .string($0.group)), ("base_rank", $0.baseRank.map { .int($0) } ?? .null),
                            ("candidate_rank", $0.candidateRank.map { .int($0) } ?? .null), ("base_prize", .string(money($0.basePrize))),
                            ("candidate_prize", .string(candidateMoney($0.candidatePrize))),
                        ])
                    })
            ),
            (
                "flag_changes",
                .array(
                    report.flagChanges.map {
                        .object([("rep_id", .string($0.repID)), ("rule", .string($0.rule)), ("from", .string($0.from)), ("to", .string($0.to))])
                    })
            ),
            ("distribution", .array(report.distribution.map { .object([("bucket", .string($0.0)), ("reps", .int($0.1))]) })),
            (
                "changes",
                .array(changes.map { .object([("kind", .string($0.kind.rawValue)), ("path", .string($0.path)), ("text", .string($0.text))]) })
            ),
            ("charts", .object([("distribution", .string(distributionChart())), ("teams", .string(teamChart(teamList)))])),
            ("elapsed_ms", .int(elapsedMilliseconds)),
        ])
    }

    func distributionChart() -> String {
        SVGCharts.bars(
            report.distribution.map { (label: bucketLabel($0.0), value: Exact($0.1), mine: $0.0 == "unchanged", note: "\($0.1)") },
            title: t("Reps by change in pay", "按收入变化的人数"), format: { x in x.description })
    }

    func teamChart(_ teams: [(team: String, reps: Int, base: Exact, candidate: Exact, delta: Exact)]) -> String {
        SVGCharts.bars(
            teams.map { (label: $0.team, value: $0.delta, mine: false, note: signed($0.delta)) },
            title: t("Change in cost by team", "各团队成本变化"), format: signed)
    }

    func signed(_ x: Exact) -> String { (x.isPositive ? "+" : "") + deltaFormatter.money(x) }

    func bucketLabel(_ bucket: String) -> String {
        guard language == .zh else { return bucket }
        let words: [String: String] = [
            "fell more than 10%": "降幅超过 10%", "fell 1–10%": "降 1–10%", "fell under 1%": "降不足 1%", "unchanged": "不变",
            "rose under 1%": "升不足 1%", "rose 1–10%": "升 1–10%", "rose more than 10%": "升幅超过 10%",
        ]
        return words[bucket] ?? bucket
    }
}
