import PayplanCore
import PayplanEvaluator

/// Markup written as well-formed XHTML (every element closed, only the five
/// XML entities), so the statements parse with any XML parser: the tests
/// check their structure and their charts that way.
struct HTML {
    private(set) var text = ""

    /// Text as XML character data. Most text needs nothing escaped and is
    /// returned as it is (this ran per character, ~25 % of `statements`).
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { b in (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 })
        else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in XML.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    static func attributes(_ attrs: [(String, String)]) -> String {
        attrs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// `<name attrs>…</name>` around what `body` writes.
    mutating func element(_ name: String, _ attrs: [(String, String)] = [], _ body: (inout HTML) -> Void) {
        text += "<\(name)\(HTML.attributes(attrs))>"
        body(&self)
        text += "</\(name)>"
    }

    /// `<name attrs>text</name>`, the text escaped.
    mutating func element(_ name: String, _ attrs: [(String, String)] = [], text content: String) {
        text += "<\(name)\(HTML.attributes(attrs))>\(HTML.escape(content))</\(name)>"
    }

    /// `<name attrs/>`
    mutating func empty(_ name: String, _ attrs: [(String, String)] = []) {
        text += "<\(name)\(HTML.attributes(attrs))/>"
    }

    mutating func raw(_ markup: String) { text += markup }

    mutating func newline() { text += "\n" }
}

/// The page shell: inline CSS only (no network, no fonts, no scripts), laid
/// out for the screen and for A4 paper.
enum Page {
    // No quotes, `<` or `&` in the CSS: in an HTML parser a style element is
    // raw text, so nothing in it may need escaping.
    static let css = """
        :root { --ink: #1d2733; --muted: #5b6775; --line: #d8dee6; --accent: #1f6feb; --good: #1a7f37; --warn: #bf8700; --bad: #cf222e; }
        * { box-sizing: border-box; }
        body { font-family: Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Helvetica Neue, Arial, sans-serif; color: var(--ink);
               margin: 0 auto; max-width: 960px; padding: 24px; line-height: 1.5; font-size: 14px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 0 0 6px; }
        .meta { color: var(--muted); font-size: 12px; } .meta code { font-size: 11px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
        .card .value { font-size: 20px; font-weight: 600; } .card .label { color: var(--muted); font-size: 12px; } .card .card-note { color: var(--ink); font-size: 13px; font-weight: 600; max-width: 220px; }
        table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
        th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        section.rule { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 12px 0; page-break-inside: avoid; break-inside: avoid; }
        section.rule .amount { float: right; font-weight: 600; font-size: 16px; }
        ol.steps { margin: 6px 0; padding-left: 20px; } ol.steps li { margin: 2px 0; white-space: pre-wrap; } ol.steps li .more { padding-left: 1.5em; }
        .flag-none { color: var(--good); } .flag-warning { color: var(--warn); font-weight: 600; } .flag-eliminate { color: var(--bad); font-weight: 600; }
        .note { color: var(--muted); font-size: 12px; }
        svg { display: block; max-width: 100%; height: auto; margin: 8px 0; }
        svg text { font-size: 11px; fill: var(--muted); } svg .axis { stroke: #9aa5b1; stroke-width: 1; } svg .grid { stroke: #eef1f4; stroke-width: 1; }
        svg .curve { fill: none; stroke: var(--accent); stroke-width: 2.5; } svg .gate { stroke: var(--bad); stroke-dasharray: 4 3; stroke-width: 1.5; }
        svg .cap { stroke: var(--warn); stroke-dasharray: 4 3; stroke-width: 1.5; } svg .marker { fill: var(--bad); stroke: #fff; stroke-width: 2; }
        svg .bar { fill: #8fb8f7; } svg .bar.mine { fill: var(--accent); } svg .bar.cut { fill: #f3c6c9; } svg .point { fill: var(--accent); fill-opacity: 0.6; }
        svg text.strong { fill: var(--ink); font-weight: 600; }
        a { color: var(--accent); text-decoration: none; }
        @page { size: A4; margin: 14mm; }
        @media print { body { max-width: none; padding: 0; font-size: 11pt; } a { color: inherit; } .noprint { display: none; } h2 { break-after: avoid; } }
        """

    static func document(title: String, language: Language, body: String, extraCSS: String = "", script: String? = nil) -> String {
        var h = HTML()
        h.raw("<!DOCTYPE html>\n")
        h.element("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", language == .zh ? "zh-CN" : "en")]) { h in
            h.newline()
            h.element("head") { h in
                h.empty("meta", [("charset", "utf-8")])
                h.empty("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
                h.element("title", text: title)
                h.element("style", text: css + extraCSS)
                // A script is raw text to an HTML parser: the caller's script
                // must not contain `</`.
                if let script { h.raw("<script>\(script)</script>") }
            }
            h.newline()
            h.element("body") { h in h.raw(body) }
            h.newline()
        }
        h.newline()
        return h.text
    }
}

/// The page shell and escaping for other modules: the workbench of
/// `payplan serve` lays its pages out like the statements.
public enum WebPage {
    /// Text escaped for HTML text and attribute values.
    public static func escape(_ s: String) -> String { HTML.escape(s) }

    /// A complete page with the statements' CSS, plus `extraCSS` (no quotes,
    /// `<` or `&`) and an optional inline script (no `</`).
    public static func document(title: String, language: Language, body: String, extraCSS: String = "", script: String? = nil) -> String {
        Page.document(title: title, language: language, body: body, extraCSS: extraCSS, script: script)
    }
}
