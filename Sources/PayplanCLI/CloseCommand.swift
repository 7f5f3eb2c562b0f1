import ArgumentParser
import PayplanCompare
import PayplanCore
import PayplanEvaluator
import PayplanLedger
import PayplanReports

#if canImport(Glibc)
    import Glibc
#endif

struct CloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a period: run it and record what is paid in the period ledger.",
        discussion: """
            Runs the period as `run --ledger` does (history of closed periods from the ledger, prior-period adjustments \
            paid) and records, in one SQLite transaction: the plan's text, canonical form and fingerprint, the SHA-256 of \
            each data file, every rep's output row, components, flags and carried state, the adjustments paid, every \
            rep's explanation, who, when and the payplan version. The ledger file is created when missing. Periods are \
            closed in order; closing a closed period exits 1 naming when and by whom. Bad data records nothing (exit 3).
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .long, help: ArgumentHelp("The ledger file (SQLite; created when missing).", valueName: "file"))
    var ledger: String

    @Option(name: .long, help: ArgumentHelp("Who closes the period (default: the login name).", valueName: "name"))
    var by: String?

    @Option(name: .long, help: ArgumentHelp("A note kept with the close.", valueName: "text"))
    var note: String = ""

    @Flag(name: .long, help: "Do not record the explanations (a smaller, faster close; `ledger show --explain` then has none).")
    var noTraces = false

    @Option(name: .long, help: ArgumentHelp("Language of the adjustment lines printed: zh or en.", valueName: "lang"))
    var lang: String?

    func run() throws {
        try exiting { () throws(Stop) in
            let loaded = try Session.plan(plan)
            let period = Period(options.period)!
            let name = loaded.compiled.plan.name.value
            // Refused before any work when out of order or already closed;
            // a new ledger is created only when there is a close to record.
            if FileReader.exists(ledger) {
                let existing = try LedgerSession.open(ledger, mode: .write)
                try LedgerSession.check { () throws(LedgerProblem) in try LedgerClose.checkOrder(existing, plan: name, period: period) }
            }
            let timer = PhaseTimer.shared
            timer.mark("plan, ledger checked")
            let (data, _, _, excluded, skipped) = try Session.data(loaded, options)
            timer.mark("data")
            let existing = LedgerOption(ledger: FileReader.exists(ledger) ? ledger : nil)
            let history = try existing.history(loaded, data, period)
            let result = try Session.evaluate(
                loaded, data, period, options, excluded: excluded, trace: noTraces ? .none : .all, skipped: skipped, history: history)
            timer.mark("evaluate")
            let adjustments = try existing.adjustments(loaded, period, options)
            timer.mark("adjustments")
            var report = PayoutReport(result: result, fingerprint: loaded.fingerprint)
            AdjustedReport.apply(&report, adjustments, data: data)
            timer.mark("output rows")
            let language = LedgerSession.language(lang, loaded)
            let request = CloseRequest(
                planFile: plan, planSource: loaded.load.document?.text ?? "", canonical: Canonical.text(loaded.load.plan!),
                fingerprint: loaded.fingerprint, dataDirectory: options.data, period: period, by: LedgerSession.who(by), note: note,
                payplanVersion: PayplanVersion.current, traces: !noTraces, threads: options.threads ?? Parallel.processorCount,
                at: LedgerSession.now())
            let store = try LedgerSession.open(ledger, mode: .create)
            let outcome: CloseOutcome
            do {
                outcome = try LedgerClose.record(
                    store, request, result: result, report: report, adjustments: adjustments,
                    renderer: ExplanationRenderer(plan: loaded.compiled, language: language))
            } catch let problem as LedgerProblem {
                Console.error(problem.description + "\n")
                throw Stop(code: problem.exitCode)
            } catch {
                Console.error("error: the close was not recorded: \(error)\n")
                throw Stop(code: Exit.usage)
            }
            Console.error(LedgerSession.describe(adjustments, loaded, language: language))
            let f = Formatter(plan: loaded.compiled.plan)
            Console.error(report.summary.text(f))
            Console.error(
                """
                closed \(name) \(period) (version \(outcome.version)) in \(ledger): \(outcome.repCount) reps, \
                total paid \(f.money(outcome.totalPaid)) + adjustments \(f.money(outcome.adjustmentsPaid)), \
                by \(request.by) at \(request.at)
                ledger chain \(outcome.chainHash)

                """)
            Console.error(timer.report())
        }
    }
}

extension LedgerOption {
    init(ledger: String?) {
        self.init()
        self.ledger = ledger
    }
}
