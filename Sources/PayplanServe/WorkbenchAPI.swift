import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

extension Workbench {
    /// `--lang`, else the plan's language (its `locale`), else English.
    public var defaultLanguage: Language { options.language ?? Language.choose(flag: nil, plan: base.plan, environment: nil) }

    /// The data folder as it is now (read again if a file changed).
    func overview() async throws(ServeProblem) -> (summary: LoadedDataSummary, fingerprint: String) {
        try await lane { w throws(ServeProblem) in
            let d = w.data()
            return (d.summary, d.fingerprint.short)
        }
    }

    /// `GET /api/periods`: the plan, the data folder, the periods offered and
    /// where their pages are; the ledger's closed periods once it lands.
    public func periodsJSON() async throws(ServeProblem) -> JSON {
        let (summary, fingerprint) = try await overview()
        let language = defaultLanguage.rawValue
        var data: [(String, JSON)] = [
            ("folder", .string(options.data)), ("fingerprint", .string(fingerprint)), ("reps", .int(summary.reps)),
            ("transactions", .int(summary.transactions)),
        ]
        if !summary.problems.isEmpty {
            data.append(("problems", DiagnosticRenderer(sources: SourceTexts()).json(summary.problems)))
        }
        return .object([
            (
                "plan",
                .object([
                    ("file", .string(base.file)), ("name", .string(base.plan.name.value)),
                    ("version", base.plan.version.map { .string($0.value) } ?? .null),
                    ("fingerprint", .string(base.fingerprint)), ("currency", .string(base.plan.currency.value)),
                ])
            ),
            ("data", .object(data)),
            (
                "periods",
                .array(
                    summary.periods.map { p in
                        .object([
                            ("period", .string(p.description)), ("start", .string(p.start.description)), ("end", .string(p.end.description)),
                            ("closed", .bool(false)), ("report", .string("/periods/\(p)/\(language)/index.html")),
                        ])
                    })
            ),
            ("default", summary.periods.last.map { .string($0.description) } ?? .null),
            ("ledger", .object([("file", options.ledger.map { .string($0) } ?? .null), ("available", .bool(false))])),
        ])
    }

    /// `GET /api/parameters`: every value the workbench edits, by rule.
    public func parametersJSON(_ language: Language) -> JSON {
        .array(
            EditableParameters.groups(base.compiled, language: language.rawValue).map { g in
                .object([
                    ("group", .string(g.key)), ("title", .string(g.title)),
                    (
                        "parameters",
                        .array(
                            g.parameters.map { p in
                                .object([
                                    ("path", .string(p.path)), ("label", .string(p.label)), ("kind", .string(p.kind.rawValue)),
                                    ("value", .string(p.text)),
                                    ("line", .int(p.line)),
                                ])
                            })
                    ),
                ])
            })
    }
}
