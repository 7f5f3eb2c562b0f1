import ArgumentParser
import PayplanCore
import PayplanEvaluator
import PayplanReports

#if canImport(Glibc)
    import Glibc
#endif

struct StatementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statements",
        abstract: "Write an HTML pay statement per rep and the period report (index.html).",
        discussion: """
            Self-contained pages (no network, fonts or scripts) with inline SVG charts: where each rep stands on each \
            curve and tier table, the gate and the cap, the team ranking; the report adds cost by rule and team, the \
            attainment histogram, payout against attainment, flags and caps. Pages print to A4. Each file is written \
            atomically; a run with bad data writes nothing (exit 3). The folder keeps a manifest (.payplan-manifest) of the \
            files payplan wrote there: a new run removes the earlier pages it does not write again, and nothing else. \
            A folder that holds the plan or a data file is refused (exit 2).
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .long, help: ArgumentHelp("The folder to write the pages to (created if missing).", valueName: "dir"))
    var out: String

    @Option(
        name: .long, help: ArgumentHelp("Language: zh or en (default: the plan's locale, then LANG).", valueName: "lang"),
        transform: { $0.lowercased() })
    var lang: String?

    @OptionGroup var ledger: LedgerOption

    func validate() throws {
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            if FileReader.exists(out) && !FileReader.isDirectory(out) {
                Console.cannotWrite(FileError(path: out, reason: "exists and is not a folder"))
                throw Stop(code: Exit.usage)
            }
            let outputs = CommandOutputs(files: [], folder: ("--out", out), standardOutput: false)
            try outputs.check(plans: [plan])
            let loaded = try Session.plan(plan)
            try outputs.check(plans: [plan], [loaded], data: options.data)
            let (data, period, _, excluded, skipped) = try Session.data(loaded, options)
            let result = try Session.evaluate(
                loaded, data, period, options, excluded: excluded, trace: .all, skipped: skipped, history: try ledger.history(loaded, data, period))
            let language = Language.choose(flag: lang, plan: loaded.compiled.plan, environment: getenv("LANG").map { String(cString: $0) })
            let renderer = ExplanationRenderer(plan: loaded.compiled, language: language)
            // In population (rep_id) order.
            let traces: [RepTrace]
            do {
                let all = try result.allTraces()
                traces = result.current.population.compactMap { all[$0] }
            } catch let failure as EvaluationFailure {
                Console.error(Session.render([failure.diagnostic], loaded.load.sources))
                throw Stop(code: Exit.evaluation)
            } catch {
                throw Stop(code: Exit.evaluation)
            }
            let book = StatementBook(result: result, traces: traces, renderer: renderer, fingerprint: loaded.fingerprint)
            let pages = Parallel.map(book.facts.count, threads: options.threads ?? Parallel.processorCount, grain: 16) { i in
                (name: StatementBook.fileName(book.facts[i].trace.repID), html: book.statement(book.facts[i]))
            }
            let outcome = try write(pages + [(name: "index.html", html: book.index())])
            if !outcome.unlisted.isEmpty {
                let n = outcome.unlisted.count
                Console.error(
                    "note: \(out) holds \(n) file\(n == 1 ? "" : "s") named like a statement that this run did not write and payplan has no record of writing (\(outcome.unlisted.joined(separator: ", "))); left as \(n == 1 ? "it is" : "they are")\n"
                )
            }
            // Statements show the period's own pay; adjustments are listed here.
            Console.error(LedgerSession.describe(try ledger.adjustments(loaded, period, options), loaded, language: language))
            let removed =
                outcome.removed.isEmpty
                ? ""
                : "; \(outcome.removed.count) file\(outcome.removed.count == 1 ? "" : "s") of an earlier run removed (\(outcome.removed.joined(separator: ", ")))"
            Console.error(
                "\(pages.count) statements and index.html written to \(out) (\(language.rawValue))\(removed); plan fingerprint \(loaded.fingerprint)\n"
            )
        }
    }

    func write(_ pages: [(name: String, html: String)]) throws(Stop) -> StatementFolder.Outcome {
        do {
            return try StatementFolder(path: out).write(pages)
        } catch {
            switch error {
            case .file(let failure): Console.cannotWrite(failure)
            case .collision(let pages, let files):
                Console.error(
                    Session.render([
                        OutputCode.namesCollide.diagnostic(
                            "\(pages) statement files were written to \(out), but it holds only \(files) distinct files: some statements replaced others"
                        )
                    ]))
            }
            throw Stop(code: Exit.usage)
        }
    }
}
