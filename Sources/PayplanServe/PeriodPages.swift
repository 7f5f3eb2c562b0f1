import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLedger
import PayplanReports

/// A period's served pages: the period report and each rep's statement as
/// `payplan statements` writes them (the same renderer, the same relative
/// links: `index.html`, `statement-R01.html`), and each rep's explanation.
/// Built once per period and language, from the plan in force evaluated with
/// explanations.
struct PeriodPages {
    var result: EvaluationResult
    var book: StatementBook
    var renderer: ExplanationRenderer
    /// Page name (`statement-R01.html`, `explanation-R01.html`) → rep index.
    var reps: [String: Int]

    static func explanationName(_ repID: String) -> String {
        "explanation-" + StatementBook.fileName(repID).dropFirst("statement-".count)
    }
}

/// Which periods the ledger (`--ledger`) holds as closed, read when a page
/// or `/api/periods` is made (a period may be closed while the workbench
/// runs). Opened read-only: the workbench never writes the ledger. A ledger
/// that cannot be read is said on every page, not hidden.
public struct LedgerStatus: Sendable {
    public var file: String?
    /// The closes of the plan in force (every plan's when none has its name), in period order.
    public var closes: [CloseInfo] = []
    /// Why the ledger could not be read.
    public var problem: String?

    public init(file: String?, plan: String = "") {
        self.file = file
        guard let file else { return }
        do throws(LedgerProblem) {
            let all = try LedgerStore.open(file, mode: .read).closes()
            let own = all.filter { $0.plan == plan }
            closes = (own.isEmpty ? all : own).sorted { ($0.plan, $0.periodOrdinal, $0.version) < ($1.plan, $1.periodOrdinal, $1.version) }
        } catch {
            problem = error.description
        }
    }

    public var available: Bool { file != nil && problem == nil }

    /// The closed period (the version in force) of `period`, if any.
    public func closed(_ period: String) -> CloseInfo? { closes.last { $0.period == period && $0.inForce } }

    public func words(_ zh: Bool) -> String? {
        guard let file else { return nil }
        if let problem { return zh ? "账本 \(file) 无法读取：\(problem)" : "ledger \(file) cannot be read: \(problem)" }
        let inForce = closes.filter(\.inForce)
        if inForce.isEmpty { return zh ? "账本 \(file)：尚无已结账期间" : "ledger \(file): no period is closed yet" }
        let list = inForce.map { c in
            zh
                ? "\(c.period)（第 \(c.version) 版，\(c.repCount) 人，实发 \(c.totalPaid) + 前期调整 \(c.adjustmentsPaid) \(c.currency)，\(c.closedBy) 于 \(c.closedAt) 结账）"
                : "\(c.period) (version \(c.version), \(c.repCount) reps, paid \(c.totalPaid) + adjustments \(c.adjustmentsPaid) \(c.currency), closed by \(c.closedBy) at \(c.closedAt))"
        }
        return zh ? "账本 \(file) 已结账：" + list.joined(separator: "；") : "ledger \(file), closed: " + list.joined(separator: "; ")
    }

    /// The ledger as `/api/periods` reports it.
    public var json: JSON {
        var fields: [(String, JSON)] = [("file", file.map { .string($0) } ?? .null), ("available", .bool(available))]
        if let problem { fields.append(("problem", .string(problem))) }
        fields.append(
            (
                "closed",
                .array(
                    closes.map { c in
                        .object([
                            ("period", .string(c.period)), ("version", .int(c.version)), ("in_force", .bool(c.inForce)),
                            ("reps", .int(c.repCount)), ("total_paid", .string(c.totalPaid)), ("adjustments", .string(c.adjustmentsPaid)),
                            ("fingerprint", .string(c.fingerprint)), ("closed_by", .string(c.closedBy)), ("closed_at", .string(c.closedAt)),
                        ])
                    })
            ))
        return .object(fields)
    }
}

extension Workbench {
    func periodPages(_ period: Period, _ language: Language) throws(ServeProblem) -> PeriodPages {
        let current = data()
        guard current.offered.contains(period) else { throw .unknownPeriod(period.description, offered: current.offered.map(\.description)) }
        let key = "\(period)|\(language.rawValue)"
        if let hit = pages.first(where: { $0.0 == key }) { return hit.1 }
        let result = try Workbench.evaluate(base.compiled, current.dataSet(), period, threads: options.threads, trace: .all)
        let renderer = ExplanationRenderer(plan: base.compiled, language: language)
        let book: StatementBook
        do {
            book = try StatementBook(streaming: result, renderer: renderer, fingerprint: base.fingerprint, threads: options.threads)
        } catch let failure as EvaluationFailure {
            throw .baseFails(failure.diagnostic)
        } catch {
            throw .baseFails(Diagnostic(ServeCode.baseFails, "\(error)", at: nil))
        }
        var reps: [String: Int] = [:]
        for rep in result.current.population {
            let id = result.data.repIDs[rep]
            reps[StatementBook.fileName(id)] = rep
            reps[PeriodPages.explanationName(id)] = rep
        }
        let built = PeriodPages(result: result, book: book, renderer: renderer, reps: reps)
        pages.append((key, built))
        if pages.count > Workbench.keptPages { pages.removeFirst() }
        return built
    }

    /// `index.html`, `statement-….html` or `explanation-….html` of a period.
    public func periodPage(period text: String, page: String, language: Language) async throws(ServeProblem) -> String {
        guard let period = Period(text) else { throw .notFound("period \(text)") }
        return try await lane { w throws(ServeProblem) in
            let pages = try w.periodPages(period, language)
            let nav = PeriodNavigation(language: language, period: period, ledger: LedgerStatus(file: w.options.ledger, plan: w.base.plan.name.value))
            if page == "index.html" { return nav.inject(pages.book.index(), explanation: nil) }
            guard let rep = pages.reps[page] else { throw .notFound("page \(page)") }
            let trace = try w.trace(pages, rep)
            let reps = pages.result.data.reps
            let region = reps.columnIndex("region").map { reps.text($0, rep) } ?? ""
            let role = reps.columnIndex("role").map { reps.text($0, rep) } ?? ""
            if page.hasPrefix("statement-") {
                return nav.inject(pages.book.statement(for: trace, region: region, role: role), explanation: PeriodPages.explanationName(trace.repID))
            }
            let text = pages.renderer.text(trace, fingerprint: w.base.fingerprint)
            return nav.explanationPage(text, repID: trace.repID, name: trace.name)
        }
    }

    func trace(_ pages: PeriodPages, _ rep: Int) throws(ServeProblem) -> RepTrace { pages.result.trace(rep) }
}

/// The strip of links the server adds at the top of a served statement page
/// (back to the workbench, to the report, to the explanation): the page
/// itself is exactly what `payplan statements` writes.
struct PeriodNavigation {
    var language: Language
    var period: Period
    var ledger: LedgerStatus

    var zh: Bool { language == .zh }
    func t(_ en: String, _ zh: String) -> String { self.zh ? zh : en }

    func bar(explanation: String?) -> String {
        var links = [
            "<a href=\"/?period=\(period)&amp;lang=\(language.rawValue)\">\(WebPage.escape(t("← What-if workbench", "← 方案模拟")))</a>",
            "<a href=\"index.html\">\(WebPage.escape(t("Period report", "期间报告")))</a>",
        ]
        if let explanation { links.append("<a href=\"\(WebPage.escape(explanation))\">\(WebPage.escape(t("Explanation", "计算说明")))</a>") }
        let other = language == .zh ? "en" : "zh"
        links.append("<a href=\"../\(other)/\">\(other == "zh" ? "中文" : "English")</a>")
        var out = "<nav class=\"noprint workbench-nav\">" + links.joined(separator: " · ")
        if let words = ledger.words(zh) { out += "<div class=\"note\">\(WebPage.escape(words))</div>" }
        return out + "</nav>"
    }

    /// The page with the navigation strip as the first thing in its body.
    func inject(_ page: String, explanation: String?) -> String {
        guard let body = page.firstRange(of: "<body>") else { return page }
        var out = page
        out.replaceSubrange(body, with: "<body>" + bar(explanation: explanation))
        return out
    }

    func explanationPage(_ text: String, repID: String, name: String) -> String {
        let body =
            bar(explanation: nil) + "<h1>\(WebPage.escape(t("Explanation", "计算说明"))) · \(WebPage.escape(name)) (\(WebPage.escape(repID)))</h1>"
            + "<pre class=\"explanation\">\(WebPage.escape(text))</pre>"
        return WebPage.document(
            title: "\(t("Explanation", "计算说明")) \(repID) \(period)", language: language, body: body,
            extraCSS: " pre.explanation { white-space: pre-wrap; font-size: 13px; }")
    }
}
