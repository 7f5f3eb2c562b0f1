import PayplanCompare
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

extension JSON {
    var text: String? {
        if case .string(let s) = self { return s }
        if case .number(let s) = self { return s }
        return nil
    }

    var integer: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    var items: [JSON] {
        if case .array(let a) = self { return a }
        return []
    }
}

/// The effect of a candidate, as the page shows it: rendered from the same
/// JSON the API returns, so the page and scripts never disagree.
struct Panel {
    let plan: Plan
    let language: Language
    let changes: [Override]

    func t(_ en: String, _ zh: String) -> String { language == .zh ? zh : en }

    func money(_ text: String?) -> String {
        guard let text, let x = Exact(decimal: text) else { return text ?? "—" }
        return Formatter(plan: plan).money(x)
    }

    func signed(_ text: String?) -> String {
        guard let text, let x = Exact(decimal: text) else { return text ?? "—" }
        return (x.isPositive ? "+" : "") + Formatter(plan: plan).money(x)
    }

    func tone(_ text: String?) -> String {
        guard let text, let x = Exact(decimal: text) else { return "" }
        return x.isPositive ? "up" : x.isNegative ? "down" : ""
    }

    var downloadLink: String {
        "/api/candidate.yaml" + (changes.isEmpty ? "" : "?" + changes.map { "set=" + Query.encode("\($0.path)=\($0.value)") }.joined(separator: "&"))
    }

    func render(_ a: JSON) -> String {
        var m = Markup()
        let period = a["period"]?.text ?? ""
        m.element("div", [("class", "cards")]) { m in
            card(&m, t("Cost under the plan in force", "现行方案成本"), money(a["base_total"]?.text), id: "base-total", value: a["base_total"]?.text)
            card(
                &m, t("Cost under the candidate", "候选方案成本"), money(a["candidate_total"]?.text), id: "candidate-total",
                value: a["candidate_total"]?.text)
            let pct = a["delta_percent"]?.text.map { " (\($0.hasPrefix("-") ? "" : "+")\($0)%)" } ?? ""
            card(&m, t("Change", "变化"), signed(a["delta"]?.text) + pct, id: "delta", value: a["delta"]?.text, cls: tone(a["delta"]?.text))
            let reps =
                "\(a["reps_up"]?.integer ?? 0) \(t("up", "升")) · \(a["reps_down"]?.integer ?? 0) \(t("down", "降")) · \(a["reps_unchanged"]?.integer ?? 0) \(t("unchanged", "不变"))"
            card(&m, t("Reps", "人员"), reps, id: "reps", value: nil)
        }
        m.element("p", [("class", "meta")]) { m in
            m.raw(WebPage.escape(t("Candidate fingerprint ", "候选方案指纹 ")))
            m.element("code", [("id", "candidate-fingerprint")], text: a["candidate_fingerprint"]?.text ?? "")
            m.raw(" · ")
            m.element("a", [("id", "download"), ("href", downloadLink), ("download", "")], text: t("Download candidate plan", "下载候选方案"))
            m.raw(WebPage.escape(" · \(t("answered in", "用时")) \(a["elapsed_ms"]?.integer ?? 0) ms"))
        }
        m.element("h2", text: t("Changes in meaning", "语义变化"))
        let diff = a["changes"]?.items ?? []
        if diff.isEmpty {
            m.element("p", [("id", "changes")], text: t("No change: this is the plan in force.", "无变化：即现行方案。"))
        } else {
            m.element("ul", [("id", "changes")]) { m in
                for c in diff { m.element("li", text: c["text"]?.text ?? "") }
            }
        }
        reps(&m, t("Largest gains", "增幅最大"), a["largest_gains"]?.items ?? [], id: "gains", period: period)
        reps(&m, t("Largest losses", "降幅最大"), a["largest_losses"]?.items ?? [], id: "losses", period: period)
        teams(&m, a)
        m.element("h2", text: t("Distribution of changes", "变化分布"))
        m.raw(a["charts"]?["distribution"]?.text ?? "")
        return m.text
    }

    func card(_ m: inout Markup, _ label: String, _ shown: String, id: String, value: String?, cls: String = "") {
        m.element("div", [("class", "card")]) { m in
            m.element("div", [("class", "value \(cls)"), ("id", id)] + (value.map { [("data-value", $0)] } ?? []), text: shown)
            m.element("div", [("class", "label")], text: label)
        }
    }

    func reps(_ m: inout Markup, _ title: String, _ rows: [JSON], id: String, period: String) {
        m.element("h2", text: title)
        guard !rows.isEmpty else {
            m.element("p", [("id", id)], text: t("Nobody.", "无。"))
            return
        }
        m.element("table", [("id", id)]) { m in
            m.element("thead") { m in
                m.element("tr") { m in
                    for (h, num) in [
                        (t("Rep", "人员"), false), (t("Team", "团队"), false), (t("Now", "现行"), true), (t("Candidate", "候选"), true),
                        (t("Change", "变化"), true),
                    ] {
                        m.element("th", num ? [("class", "num")] : [], text: h)
                    }
                }
            }
            m.element("tbody") { m in
                for r in rows {
                    let repID = r["rep_id"]?.text ?? ""
                    m.element("tr") { m in
                        m.element("td") { m in
                            m.element(
                                "a", [("href", "/periods/\(period)/\(language.rawValue)/\(StatementBook.fileName(repID))")],
                                text: "\(repID) \(r["name"]?.text ?? "")")
                        }
                        m.element("td", text: r["team"]?.text ?? "")
                        m.element("td", [("class", "num")], text: money(r["base"]?.text))
                        m.element("td", [("class", "num")], text: money(r["candidate"]?.text))
                        m.element("td", [("class", "num \(tone(r["delta"]?.text))")], text: signed(r["delta"]?.text))
                    }
                }
            }
        }
    }

    func teams(_ m: inout Markup, _ a: JSON) {
        m.element("h2", text: t("Effect by team", "各团队影响"))
        m.element("table", [("id", "teams")]) { m in
            m.element("thead") { m in
                m.element("tr") { m in
                    for (h, num) in [
                        (t("Team", "团队"), false), (t("Reps", "人数"), true), (t("Now", "现行"), true), (t("Candidate", "候选"), true),
                        (t("Change", "变化"), true),
                    ] {
                        m.element("th", num ? [("class", "num")] : [], text: h)
                    }
                }
            }
            m.element("tbody") { m in
                for r in a["teams"]?.items ?? [] {
                    m.element("tr") { m in
                        m.element("td", text: r["team"]?.text ?? "")
                        m.element("td", [("class", "num")], text: "\(r["reps"]?.integer ?? 0)")
                        m.element("td", [("class", "num")], text: money(r["base"]?.text))
                        m.element("td", [("class", "num")], text: money(r["candidate"]?.text))
                        m.element("td", [("class", "num \(tone(r["delta"]?.text))")], text: signed(r["delta"]?.text))
                    }
                }
            }
        }
        m.raw(a["charts"]?["teams"]?.text ?? "")
        let ranking = a["team_changes"]?.items ?? []
        if !ranking.isEmpty {
            m.element("h2", text: t("Team ranking", "团队排名"))
            m.element("ul", [("id", "ranking")]) { m in
                for r in ranking {
                    let line =
                        "\(r["rule"]?.text ?? ""): \(r["group"]?.text ?? "") \(t("rank", "名次")) \(r["base_rank"]?.integer.map(String.init) ?? "—") → \(r["candidate_rank"]?.integer.map(String.init) ?? "—"), \(t("prize", "奖金")) \(money(r["base_prize"]?.text)) → \(money(r["candidate_prize"]?.text))"
                    m.element("li", text: line)
                }
            }
        }
        let flags = a["flag_changes"]?.items ?? []
        if !flags.isEmpty {
            m.element("h2", text: t("Review flags changing", "考核标记变化"))
            m.element("ul", [("id", "flags")]) { m in
                for f in flags {
                    m.element("li", text: "\(f["rep_id"]?.text ?? "") \(f["from"]?.text ?? "") → \(f["to"]?.text ?? "")")
                }
            }
        }
    }

    /// A problem in place of the effect: the message, the path, the help and
    /// the checker's diagnostics with their snippets.
    static func problem(_ p: ServeProblem, sources: SourceTexts) -> String {
        var m = Markup()
        m.element("div", [("class", "problem"), ("id", "problem"), ("data-code", p.code)]) { m in
            m.element("strong", text: p.message)
            if let help = p.help { m.element("p", text: help) }
            if !p.diagnostics.isEmpty { m.element("pre", text: DiagnosticRenderer(sources: sources).text(p.diagnostics)) }
            m.element("p", [("class", "note")], text: "\(p.code)\(p.path.map { " · \($0)" } ?? "")")
        }
        return m.text
    }
}
