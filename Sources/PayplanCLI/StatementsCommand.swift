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
            let book = StatementBook(result: result, renderer: renderer, fingerprint: loaded.fingerprint)
            let outcome = try write(book, result, threads: options.threads ?? Parallel.processorCount)
            let pageCount = outcome.written - 1
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
                "\(pageCount) statements and index.html written to \(out) (\(language.rawValue))\(removed); plan fingerprint \(loaded.fingerprint)\n"
            )
        }
    }

    /// Pages are rendered and written in parallel, a block of reps at a
    /// time, each rep's explanation dropped once its page is written; only
    /// the facts the period report needs are kept, and the index is written last.
    func write(_ book: StatementBook, _ result: EvaluationResult, threads: Int) throws(Stop) -> StatementFolder.Outcome {
        let folder = StatementFolder(path: out)
        let population = result.current.population
        do {
            let run = try folder.begin(population.map { StatementBook.fileName(result.data.repIDs[$0]) } + ["index.html"])
            var summaries: [StatementFacts] = []
            summaries.reserveCapacity(population.count)
            // 40 pages a block: each thread holds at most that many temporary files.
            try result.traceBlocks(population, threads: threads, blockSize: 40, releasing: true) { traces in
                Result { () throws(FileError) -> [StatementFacts] in
                    let facts = traces.map(book.facts)
                    try folder.writeBlock(facts.map { (name: StatementBook.fileName($0.trace.repID), html: book.statement($0)) })
                    return facts.map(\.summary)
                }
            } consume: { block in
                summaries += try block.get()
            }
            try folder.write("index.html", book.index(summaries))
            return try folder.finish(run)
        } catch let failure as StatementFolder.Failure {
            switch failure {
            case .file(let failure): Console.cannotWrite(failure)
            case .collision(let pages, let files):
                Console.error(
                    Session.render([
                        OutputCode.namesCollide.diagnostic(
                            "\(pages) statement files were written to \(out), but it holds only \(files) distinct files: some statements replaced others"
                        )
                    ]))
            }
        } catch let failure as FileError {
            Console.cannotWrite(failure)
        } catch {
            Console.error("error: cannot write: \(error)\n")
        }
        throw Stop(code: Exit.usage)
    }
}
