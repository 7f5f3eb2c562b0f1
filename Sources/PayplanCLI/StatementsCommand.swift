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
            atomically; a run with bad data writes nothing (exit 3).
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .long, help: ArgumentHelp("The folder to write the pages to (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Language: zh or en (default: the plan's locale, then LANG).", valueName: "lang"))
    var lang: String?

    @OptionGroup var ledger: LedgerOption

    func validate() throws {
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            let loaded = try Session.plan(plan)
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
            if FileReader.exists(out) && !FileReader.isDirectory(out) {
                Console.error("error: \(out) exists and is not a folder\n")
                throw Stop(code: Exit.usage)
            }
            if !FileReader.isDirectory(out) && mkdir(out, 0o755) != 0 {
                Console.error("error: cannot create the folder \(out): \(String(cString: strerror(errno)))\n")
                throw Stop(code: Exit.usage)
            }
            let pages = Parallel.map(book.facts.count, threads: options.threads ?? Parallel.processorCount, grain: 16) { i in
                (StatementBook.fileName(book.facts[i].trace.repID), book.statement(book.facts[i]))
            }
            do {
                for (name, html) in pages + [("index.html", book.index())] {
                    try AtomicFileWriter.write(html, to: out + "/" + name)
                }
            } catch {
                Console.error("error: cannot write \(error)\n")
                throw Stop(code: Exit.usage)
            }
            // Statements show the period's own pay; adjustments are listed here.
            Console.error(LedgerSession.describe(try ledger.adjustments(loaded, period, options), loaded, language: language))
            Console.error(
                "\(pages.count) statements and index.html written to \(out) (\(language.rawValue)); plan fingerprint \(loaded.fingerprint)\n")
        }
    }
}
