import ArgumentParser
import PayplanCore
import PayplanEvaluator
import PayplanReports

#if canImport(Glibc)
    import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compute every rep's payout for a period.",
        discussion: """
            One row per rep of the period's population, in rep_id order, with the plan's output columns. \
            A summary (reps, total paid, cut by caps, flags, plan fingerprint) goes to stderr. \
            Bad data stops the run with every problem listed and nothing written (exit 3). \
            Files are written atomically: a temporary file, then a rename (a named pipe or a terminal is written in \
            place). An output that is the plan or a data file, or two outputs on one file, stop the run before any \
            work (exit 2). In CSV, text cells starting with = + - @ tab or CR get a leading ' (--csv-raw: as they are).
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .long, help: "Output format: table, csv or json (default: from the --out file's extension, .csv or .json; else table).")
    var format: RunFormat?

    @Option(name: .long, help: ArgumentHelp("Write the payouts to this file instead of stdout.", valueName: "file"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Write every rep's explanation to this file as JSON Lines.", valueName: "file"))
    var explain: String?

    @Option(
        name: .long, help: ArgumentHelp("Language of explanations: zh or en (default: the plan's locale, then LANG).", valueName: "lang"),
        transform: { $0.lowercased() })
    var lang: String?

    @Flag(name: .long, help: "CSV text cells exactly as in the data, without the leading ' that stops a spreadsheet running them as formulas.")
    var csvRaw = false
    @OptionGroup var ledger: LedgerOption

    enum RunFormat: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    func validate() throws {
        _ = try FileFormats.choose(format, file: out, fallback: RunFormat.table)
    }

    var chosenFormat: RunFormat { (try? FileFormats.choose(format, file: out, fallback: RunFormat.table)) ?? .table }

    func run() throws {
        try exiting { () throws(Stop) in
            let timer = PhaseTimer.shared
            let outputs = CommandOutputs(files: [("--out", out), ("--explain", explain)], standardOutput: out == nil)
            try outputs.check(plans: [plan])
            let loaded = try Session.plan(plan)
            try outputs.check(plans: [plan], [loaded], data: options.data)
            timer.mark("plan")
            let (data, period, _, excluded, skipped) = try Session.data(loaded, options)
            timer.mark("data")
            // Explanations are written as JSON while the reps are evaluated.
            let renderer = explain.map { _ in ExplanationRenderer(plan: loaded.compiled, language: language(loaded)) }
            let result = try Session.evaluate(
                loaded, data, period, options, excluded: excluded, trace: explain == nil ? .none : .all, skipped: skipped,
                traceEncoder: renderer?.jsonLinesEncoder, history: try ledger.history(loaded, data, period))
            timer.mark("evaluate")
            var report = PayoutReport(result: result, fingerprint: loaded.fingerprint)
            let adjustments = try ledger.adjust(&report, loaded, data, period, options)
            timer.mark("output rows")
            let text: String
            switch chosenFormat {
            case .table: text = report.table()
            case .csv: text = report.csv(raw: csvRaw)
            case .json: text = report.json()
            }
            timer.mark("format")
            try writeFiles(text, result, loaded, renderer)
            if out == nil { try Console.out(text) }
            timer.mark("report")
            Console.error(LedgerSession.describe(adjustments, loaded, language: LedgerSession.language(lang, loaded)))
            Console.error(report.summary.text(Formatter(plan: loaded.compiled.plan)))
            Console.error(timer.report())
        }
    }

    /// The language of explanations: `--lang`, else the plan's locale, else LANG.
    func language(_ loaded: LoadedPlan) -> Language {
        Language.choose(flag: lang, plan: loaded.compiled.plan, environment: getenv("LANG").map { String(cString: $0) })
    }

    /// `--out` and `--explain`, committed together once both are complete.
    func writeFiles(_ text: String, _ result: EvaluationResult, _ loaded: LoadedPlan, _ renderer: ExplanationRenderer?) throws(Stop) {
        var writers: [AtomicFileWriter] = []
        do {
            if let out {
                let w = try AtomicFileWriter(path: out)
                writers.append(w)
                try w.write(text)
            }
            if let explain, let renderer {
                let w = try AtomicFileWriter(path: explain)
                writers.append(w)
                // Streamed: a few blocks of reps are traced and rendered at a time.
                try result.traceBlocks(
                    result.current.population, threads: options.threads ?? Parallel.processorCount,
                    { renderer.jsonLines($0, fingerprint: loaded.fingerprint) }, consume: w.write(bytes:))
            }
            for w in writers { try w.commit() }
        } catch let failure as EvaluationFailure {
            for w in writers { w.abandon() }
            Console.error(Session.render([failure.diagnostic], loaded.load.sources))
            throw Stop(code: Exit.evaluation)
        } catch let failure as FileError {
            for w in writers { w.abandon() }
            Console.cannotWrite(failure)
            throw Stop(code: Exit.usage)
        } catch {
            for w in writers { w.abandon() }
            Console.error("error: cannot write: \(error)\n")
            throw Stop(code: Exit.usage)
        }
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one rep's payout: every input, branch and step of arithmetic.",
        discussion: "Runs the period (group rules need every rep) and prints the rep's explanation in Chinese or English, or as JSON.")

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .long, help: ArgumentHelp("The rep to explain (rep_id).", valueName: "id"))
    var rep: String

    @Option(name: .long, help: "Output format: text or json.")
    var format: ExplainFormat = .text

    @Option(
        name: .long, help: ArgumentHelp("Language: zh or en (default: the plan's locale, then LANG).", valueName: "lang"),
        transform: { $0.lowercased() })
    var lang: String?

    @OptionGroup var ledger: LedgerOption

    enum ExplainFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func validate() throws {
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            let outputs = CommandOutputs(files: [], standardOutput: true)
            try outputs.check(plans: [plan])
            let loaded = try Session.plan(plan)
            try outputs.check(plans: [plan], [loaded], data: options.data)
            let (data, period, _, excluded, skipped) = try Session.data(loaded, options)
            guard let index = data.repIndex(rep) else {
                let suggestion = Suggest.didYouMean(rep, among: data.repIDs).map { "; \($0)" } ?? ""
                Console.error("error: no rep `\(rep)` in \(data.reps.path)\(suggestion)\n")
                throw Stop(code: Exit.usage)
            }
            let result = try Session.evaluate(
                loaded, data, period, options, excluded: excluded, trace: .reps([index]), skipped: skipped,
                history: try ledger.history(loaded, data, period))
            guard let trace = result.traces[index] else {
                Console.error("error: \(Session.whyNotPaid(rep, index, data, result, period)); there is no payout to explain\n")
                throw Stop(code: Exit.usage)
            }
            let language = Language.choose(flag: lang, plan: loaded.compiled.plan, environment: getenv("LANG").map { String(cString: $0) })
            let renderer = ExplanationRenderer(plan: loaded.compiled, language: language)
            switch format {
            case .text:
                try Console.out(renderer.text(trace, fingerprint: loaded.fingerprint))
                let adjustments = try ledger.adjustments(loaded, period, options).filter { $0.repID == rep }
                try Console.out(LedgerSession.describe(adjustments, loaded, language: language))
            case .json: try Console.out(renderer.json(trace, fingerprint: loaded.fingerprint))
            }
        }
    }
}
