import PayplanCompare
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// Markup written with every text and attribute escaped.
struct Markup {
    private(set) var text = ""

    mutating func open(_ name: String, _ attrs: [(String, String)] = []) {
        text += "<\(name)" + attrs.map { " \($0.0)=\"\(WebPage.escape($0.1))\"" }.joined() + ">"
    }

    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ attrs: [(String, String)] = [], _ body: (inout Markup) -> Void) {
        open(name, attrs)
        body(&self)
        close(name)
    }

    mutating func element(_ name: String, _ attrs: [(String, String)] = [], text content: String) {
        open(name, attrs)
        text += WebPage.escape(content)
        close(name)
    }

    /// Markup made by a trusted renderer (the SVG charts).
    mutating func raw(_ markup: String) { text += markup }
}

/// The workbench page: the plan's numbers by rule on the left, the effect
/// of the edits on the right (rendered by `Panel`, the same markup the page's
/// script fetches from `/panel`).
struct WorkbenchPage {
    let base: BasePlan
    let language: Language
    let period: Period?
    let summary: LoadedDataSummary
    let dataFolder: String
    let dataFingerprint: String
    let ledger: LedgerStatus
    let values: [String: String]

    func t(_ en: String, _ zh: String) -> String { language == .zh ? zh : en }

    func render(panel: String) -> String {
        var m = Markup()
        header(&m)
        m.element("main", [("class", "bench")]) { m in
            editor(&m)
            m.element("section", [("id", "panel"), ("aria-live", "polite"), ("data-status", "200")]) { m in m.raw(panel) }
        }
        return WebPage.document(
            title: "\(t("What-if workbench", "方案模拟")) · \(base.plan.name.value)", language: language, body: m.text, extraCSS: WorkbenchPage.css,
            script: WorkbenchScript.text)
    }

    func header(_ m: inout Markup) {
        let p = base.plan
        m.element("header") { m in
            m.element("h1", text: "\(t("What-if workbench", "方案模拟")) · \(p.labels.text(language.rawValue) ?? p.name.value)")
            m.element("div", [("class", "meta")]) { m in
                m.raw(WebPage.escape("\(t("plan", "方案")) \(base.file)\(p.version.map { " · \(t("version", "版本")) \($0.value)" } ?? "") · "))
                m.raw(WebPage.escape(t("fingerprint ", "指纹 ")))
                m.element("code", [("id", "base-fingerprint")], text: base.fingerprint)
            }
            m.element("div", [("class", "meta")]) { m in
                m.raw(
                    WebPage.escape(
                        "\(t("data", "数据")) \(dataFolder) · \(summary.reps) \(t("reps", "人")) · \(summary.transactions) \(t("transactions", "笔交易")) · \(t("data fingerprint", "数据指纹")) "
                    ))
                m.element("code", text: dataFingerprint)
            }
            m.element("nav", [("class", "periods")]) { m in
                m.raw(WebPage.escape(t("Period: ", "期间：")))
                for p in summary.periods {
                    let attrs: [(String, String)] =
                        [("href", "/?period=\(p)&lang=\(language.rawValue)")] + (p == period ? [("class", "current")] : [])
                    m.element("a", attrs, text: p.description)
                    m.raw(" ")
                }
                if let period {
                    m.raw(" · ")
                    m.element(
                        "a", [("id", "report-link"), ("href", "/periods/\(period)/\(language.rawValue)/index.html")],
                        text: t("Period report and statements", "期间报告与个人明细"))
                }
                m.raw(" · ")
                let other: Language = language == .zh ? .en : .zh
                m.element("a", [("href", "/?period=\(period?.description ?? "")&lang=\(other.rawValue)")], text: other == .zh ? "中文" : "English")
                m.raw(" · ")
                m.element("a", [("href", "/api/openapi.json")], text: "API")
            }
            if let words = ledger.words(language == .zh) { m.element("p", [("class", "note"), ("id", "ledger")], text: words) }
        }
    }

    func editor(_ m: inout Markup) {
        let attrs: [(String, String)] = [
            ("id", "editor"), ("method", "get"), ("action", "/"), ("data-period", period?.description ?? ""), ("data-lang", language.rawValue),
            ("autocomplete", "off"),
        ]
        m.element("form", attrs) { m in
            m.element("h2", text: t("The plan's numbers", "方案参数"))
            m.element(
                "p", [("class", "note")],
                text: t(
                    "Edit any number: the effect shows at once. Paths are those of payplan whatif --set.",
                    "修改任一数值，右侧立即显示影响。路径与 payplan whatif --set 相同。"))
            m.raw("<input type=\"hidden\" name=\"period\" value=\"\(WebPage.escape(period?.description ?? ""))\"/>")
            m.raw("<input type=\"hidden\" name=\"lang\" value=\"\(language.rawValue)\"/>")
            var n = 0
            for group in EditableParameters.groups(base.compiled, language: language.rawValue) {
                m.element("fieldset", [("data-group", group.key)]) { m in
                    m.element("legend", text: group.title)
                    for p in group.parameters {
                        n += 1
                        parameter(&m, p, id: "p\(n)")
                    }
                }
            }
            m.element("div", [("class", "actions")]) { m in
                m.element("button", [("type", "submit")], text: t("Show the effect", "查看影响"))
                m.element("button", [("type", "button"), ("data-reset", "*")], text: t("Reset all", "全部还原"))
            }
        }
    }

    func parameter(_ m: inout Markup, _ p: EditableParameter, id: String) {
        let current = values[p.path] ?? p.text
        m.element("div", [("class", "param")]) { m in
            m.element("label", [("for", id)], text: p.label)
            m.raw(
                "<input id=\"\(id)\" name=\"\(WebPage.escape(p.path))\" data-path=\"\(WebPage.escape(p.path))\" data-base=\"\(WebPage.escape(p.text))\" "
                    + "value=\"\(WebPage.escape(current))\" class=\"\(current == p.text ? "" : "changed")\" spellcheck=\"false\" "
                    + "\(p.kind == .number ? "inputmode=\"decimal\" " : "")/>")
            m.element("button", [("type", "button"), ("class", "reset"), ("data-reset", p.path), ("title", t("reset", "还原"))], text: "↺")
            m.element("code", [("class", "path")], text: "\(p.path) · \(t("line", "行")) \(p.line)")
        }
    }

    static let css = """

        main.bench { display: grid; grid-template-columns: minmax(300px, 380px) 1fr; gap: 24px; align-items: start; }
        body { max-width: 1280px; }
        form#editor fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 10px; padding: 6px 10px; }
        form#editor legend { font-weight: 600; padding: 0 4px; }
        .param { display: grid; grid-template-columns: 1fr 110px 22px; gap: 2px 6px; align-items: center; margin: 4px 0; }
        .param label { font-size: 13px; } .param .path { grid-column: 1 / 4; font-size: 10px; color: var(--muted); }
        .param input { font: inherit; font-variant-numeric: tabular-nums; text-align: right; padding: 2px 4px; border: 1px solid var(--line); border-radius: 4px; width: 110px; }
        .param input.changed { border-color: var(--accent); background: #eef5ff; font-weight: 600; }
        .param button.reset { border: none; background: none; cursor: pointer; color: var(--muted); padding: 0; }
        .actions { display: flex; gap: 8px; margin: 8px 0; }
        nav.periods a.current { font-weight: 700; text-decoration: underline; }
        #panel[aria-busy=true] { opacity: 0.6; }
        .up { color: var(--good); } .down { color: var(--bad); }
        .problem { border: 1px solid var(--bad); border-radius: 6px; padding: 8px 12px; background: #fff5f5; }
        .problem pre { white-space: pre-wrap; font-size: 12px; }
        @media (max-width: 900px) { main.bench { grid-template-columns: 1fr; } }
        """
}
