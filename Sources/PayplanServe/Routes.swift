import HTTPTypes
import Hummingbird
import PayplanCompare
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// The routes, each a few lines calling the workbench. No route reads a
/// path from the request into the file system: pages are looked up by name
/// in memory, and the only files read are the plan and the data folder
/// given on the command line.
enum Routes {
    static func router(_ w: Workbench, _ settings: GateSettings) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let limit = settings.maxBodyBytes
        router.get("/") { request, _ in try await page(w, Query.pairs(request.uri.query)) }
        router.post("/panel") { request, _ in
            let body = try await Body.json(request, limit: limit)
            let (period, changes, language) = try whatIfRequest(w, body)
            do throws(ServeProblem) {
                let json = try await w.whatIf(period: period, changes: changes, language: language)
                return Reply.html(Panel(plan: w.base.plan, language: language, changes: changes).render(json))
            } catch {
                return Reply.html(Panel.problem(error, sources: sources(w, changes)), status: error.status)
            }
        }
        router.get("/periods/:period") { request, context in
            let period = context.parameters.get("period") ?? ""
            return Reply.redirect("/periods/\(Query.encode(period))/\(w.defaultLanguage.rawValue)/index.html")
        }
        router.get("/periods/:period/:lang") { _, context in
            let period = context.parameters.get("period") ?? ""
            let lang = Language(rawValue: context.parameters.get("lang") ?? "") ?? w.defaultLanguage
            return Reply.redirect("/periods/\(Query.encode(period))/\(lang.rawValue)/index.html")
        }
        router.get("/periods/:period/:lang/:page") { _, context in
            guard let lang = Language(rawValue: context.parameters.get("lang") ?? "") else { throw ServeProblem.notFound("language") }
            let html = try await w.periodPage(
                period: context.parameters.get("period") ?? "", page: context.parameters.get("page") ?? "", language: lang)
            return Reply.html(html)
        }
        router.get("/api/periods") { _, _ in Reply.json(try await w.periodsJSON()) }
        router.get("/api/parameters") { request, _ in
            let lang = Query.pairs(request.uri.query).last { $0.0 == "lang" }.flatMap { Language(rawValue: $0.1) } ?? w.defaultLanguage
            return Reply.json(w.parametersJSON(lang))
        }
        router.post("/api/whatif") { request, _ in
            let body = try await Body.json(request, limit: limit)
            let (period, changes, language) = try whatIfRequest(w, body)
            do throws(ServeProblem) {
                return Reply.json(try await w.whatIf(period: period, changes: changes, language: language))
            } catch {
                return Reply.json(error.json(sources: sources(w, changes)), status: error.status)
            }
        }
        router.get("/api/candidate.yaml") { request, _ in
            let changes = try Query.pairs(request.uri.query).filter { $0.0 == "set" }.map { pair throws(ServeProblem) -> Override in
                guard let o = Override(pair.1) else { throw .malformed("set takes PATH=VALUE, e.g. rules.np_award.threshold=40000") }
                return o
            }
            do throws(ServeProblem) {
                let (bytes, fingerprint) = try w.candidateFile(changes: changes)
                var headers = HTTPFields()
                headers[.contentDisposition] = "attachment; filename=\"\(candidateName(w.base.file))\""
                headers[HTTPField.Name("X-Payplan-Fingerprint")!] = fingerprint
                return Reply.bytes(200, bytes, type: "application/yaml; charset=utf-8", headers: headers)
            } catch {
                return Reply.json(error.json(sources: sources(w, changes)), status: error.status)
            }
        }
        // Browsers ask for it on every page; nothing to send.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/api/openapi.json") { _, _ in Reply.bytes(200, Array(OpenAPIDocument.text.utf8), type: "application/json") }
        return router
    }

    /// `{"period": "2026-Q3", "set": {"rules.np_award.threshold": "40000"}, "lang": "en"}`; values
    /// may be JSON strings or numbers (numbers are kept as written).
    static func whatIfRequest(_ w: Workbench, _ body: JSON) throws(ServeProblem) -> (String, [Override], Language) {
        guard case .object(let fields) = body else { throw .malformed("the body must be a JSON object") }
        for (key, _) in fields where !["period", "set", "lang"].contains(key) {
            throw .malformed("unknown field \"\(key)\"; the fields are period, set and lang")
        }
        guard let period = body["period"]?.text, case .string = body["period"]! else {
            throw .malformed("\"period\" must be text such as \"2026-Q3\"")
        }
        var changes: [Override] = []
        if let set = body["set"] {
            guard case .object(let pairs) = set else { throw .malformed("\"set\" must be an object of path → value") }
            for (path, value) in pairs {
                guard let text = value.text else { throw .malformed("the value of \"\(path)\" must be text or a number") }
                guard !path.isEmpty else { throw .malformed("an empty path in \"set\"") }
                changes.append(Override(path: path, value: text))
            }
        }
        var language = w.defaultLanguage
        if let lang = body["lang"] {
            guard let text = lang.text, let l = Language(rawValue: text) else { throw .malformed("\"lang\" is \"zh\" or \"en\"") }
            language = l
        }
        return (period, changes, language)
    }

    static func sources(_ w: Workbench, _ changes: [Override]) -> SourceTexts {
        var s = w.base.load.sources
        for c in changes { s.add(file: c.sourceName, text: c.value) }
        return s
    }

    /// `rules/reference-plan.yaml` → `reference-plan.candidate.yaml`, in safe characters.
    static func candidateName(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? "plan.yaml"
        let stem = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : base.hasSuffix(".yml") ? String(base.dropLast(4)) : base
        let safe = String(
            stem.unicodeScalars.map { s in
                s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_" || s == ".") ? Character(s) : "_"
            })
        return (safe.isEmpty ? "plan" : safe) + ".candidate.yaml"
    }

    /// The workbench page; the query names the period, the language and any
    /// changed values by path (what the form submits without script).
    static func page(_ w: Workbench, _ query: [(String, String)]) async throws -> Response {
        let language = query.last { $0.0 == "lang" }.flatMap { Language(rawValue: $0.1) } ?? w.defaultLanguage
        let parameters = w.base.plan.parameters
        // `period` and `lang` name the page; the plan's own `period` key is not
        // a number, so the editor never offers it.
        let reserved: Set<String> = ["period", "lang", "token"]
        let changes = query.filter { !reserved.contains($0.0) && parameters[$0.0] != nil && parameters[$0.0]!.text != $0.1 }.map {
            Override(path: $0.0, value: $0.1)
        }
        let state = try await w.overview()
        let asked = query.last { $0.0 == "period" }.flatMap { Period($0.1) }
        let period = asked.flatMap { state.summary.periods.contains($0) ? $0 : nil } ?? state.summary.periods.last
        var panel: String
        if !state.summary.problems.isEmpty {
            panel = Panel.problem(.dataProblems(state.summary.problems), sources: SourceTexts())
        } else if let period {
            do throws(ServeProblem) {
                let json = try await w.whatIf(period: period.description, changes: changes, language: language)
                panel = Panel(plan: w.base.plan, language: language, changes: changes).render(json)
            } catch {
                panel = Panel.problem(error, sources: sources(w, changes))
            }
        } else {
            panel = Panel.problem(.unknownPeriod(asked?.description ?? "", offered: []), sources: SourceTexts())
        }
        let html = WorkbenchPage(
            base: w.base, language: language, period: period, summary: state.summary, dataFolder: w.options.data, dataFingerprint: state.fingerprint,
            ledger: LedgerStatus(file: w.options.ledger, plan: w.base.plan.name.value),
            values: Dictionary(changes.map { ($0.path, $0.value) }, uniquingKeysWith: { _, b in b })
        ).render(panel: panel)
        return Reply.html(html)
    }
}
