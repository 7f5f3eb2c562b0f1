import ArgumentParser
import PayplanChecker
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports
import PayplanRules
import PayplanYAML

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes to the standard streams with plain write(2): unbuffered, so the
/// summary on stderr and the table on stdout never interleave mid-line.
///
/// Text for people (stderr, `check`'s and `diff`'s text) has the characters
/// that steer a terminal escaped (`\u{1B}`); results (CSV, JSON, tables that
/// escaped their own cells) go out as they are. A failed write of results is
/// an error (exit 2, O811), never a success.
enum Console {
    static func error(_ text: String) { _ = write(2, TerminalText.escape(text, keeping: [.newlines, .tabs])) }

    /// Results on standard output, byte for byte, unless standard output is
    /// a terminal: then CSV and JSON are shown with steering characters
    /// escaped too (a terminal shows, it does not store).
    static func out(_ text: String) throws(Stop) {
        let shown = isatty(1) == 1 ? TerminalText.escape(text, keeping: [.newlines, .tabs]) : text
        guard let failure = write(1, shown) else { return }
        let reason = String(cString: strerror(failure))
        let help =
            failure == EPIPE
            ? "the program reading payplan's output closed it before the end; nothing more was written" : nil
        error(Session.render([OutputCode.standardOutput.diagnostic("cannot write the results to standard output: \(reason)", help: help)]))
        throw Stop(code: Exit.usage)
    }

    /// Text for people on standard output, escaped like stderr.
    static func text(_ text: String) throws(Stop) {
        try out(TerminalText.escape(text, keeping: [.newlines, .tabs]))
    }

    /// Writes all of `text`; the errno of a failure, nil on success.
    static func write(_ fd: Int32, _ text: String) -> Int32? {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    // A non-blocking stream handed to us: wait until it takes more.
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, -1)
                    continue
                }
                return errno
            }
            if n == 0 { return EIO }
            offset += n
        }
        return nil
    }

    /// A file that could not be written (O810).
    static func cannotWrite(_ error: FileError) {
        Console.error(Session.render([OutputCode.cannotWrite.diagnostic("cannot write \(error.path): \(error.reason)")]))
    }
}

/// A failed step, carrying the exit code to leave with.
struct Stop: Error {
    var code: Int32
}

/// Shared flags for commands that evaluate a plan on data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder holding reps.csv, targets.csv, transactions.csv, products.csv.", valueName: "dir"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The period to pay: 2026-Q3, 2026-07 or 2026, matching the plan's period.", valueName: "period"))
    var period: String

    @Option(name: .long, help: ArgumentHelp("Threads for reading and evaluating (default: all cores). Results do not depend on it.", valueName: "n"))
    var threads: Int?

    @Flag(name: .long, help: "Leave out reps with bad data instead of stopping, and list them. Problems that name no rep still stop the run.")
    var skipInvalid = false

    @Flag(
        name: .long,
        help: "Remove blanks around ids and other keys (rep_id, team, region, role, deal_id, product, category, period) instead of stopping on them."
    )
    var trimKeys = false

    func validate() throws {
        if Period(period) == nil {
            throw ValidationError("'\(period)' is not a period; write 2026-Q3, 2026-07 or 2026")
        }
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads takes a number from 1 to 256")
        }
    }
}

/// A plan compiled and ready to run, with what diagnostics need.
struct LoadedPlan {
    var load: PlanLoad
    var compiled: CompiledPlan
    var fingerprint: String
}

enum Session {
    static func render(_ diagnostics: [Diagnostic], _ sources: SourceTexts = SourceTexts()) -> String {
        DiagnosticRenderer(sources: sources).text(diagnostics)
    }

    /// Loads, checks and compiles a plan; prints its problems to stderr.
    static func plan(_ file: String, limits: Limits = .default) throws(Stop) -> LoadedPlan {
        let load = PlanPipeline.load(file: file, limits: limits)
        return try compile(load)
    }

    static func compile(_ load: PlanLoad) throws(Stop) -> LoadedPlan {
        let errors = load.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty || load.checked == nil {
            Console.error(render(load.diagnostics, load.sources))
            let unreadable = load.diagnostics.contains { $0.is(YAMLCode.cannotRead) }
            Console.error("\(load.file): \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was computed\n")
            throw Stop(code: unreadable ? Exit.usage : Exit.planProblems)
        }
        let (compiled, compileDiagnostics) = Compiler.compile(load.checked!)
        guard let compiled else {
            Console.error(render(compileDiagnostics, load.sources))
            throw Stop(code: Exit.planProblems)
        }
        return LoadedPlan(load: load, compiled: compiled, fingerprint: Canonical.fingerprint(load.plan!))
    }

    /// The periods a plan must evaluate to run `options.period`.
    static func periods(_ plan: LoadedPlan, _ options: DataOptions, limits: Limits = .default) throws(Stop) -> (Period, [Period]) {
        let period = Period(options.period)!
        switch Evaluator.periods(for: plan.compiled, running: period, limits: limits) {
        case .success(let p): return (period, p)
        case .failure(let d):
            Console.error(render([d], plan.load.sources))
            throw Stop(code: Exit.usage)
        }
    }

    /// Reads the data for a run; prints every problem and stops on bad data
    /// unless `--skip-invalid` can leave the offending reps out.
    /// `asOf`: transactions dated after it are left out (`payplan progress`).
    static func data(_ plan: LoadedPlan, _ options: DataOptions, limits: Limits = .default, asOf: CivilDate? = nil) throws(Stop) -> (
        DataSet, Period, [Period], Set<Int>, [SkippedRep]
    ) {
        let (period, periods) = try Session.periods(plan, options, limits: limits)
        let (data, excluded, skipped) = try read(plan.compiled, periods: periods, period: period, options, limits: limits, asOf: asOf)
        return (data, period, periods, excluded, skipped)
    }

    static func read(
        _ compiled: CompiledPlan, periods: [Period], period: Period, _ options: DataOptions, limits: Limits = .default, asOf: CivilDate? = nil
    ) throws(Stop) -> (DataSet, Set<Int>, [SkippedRep]) {
        let result = DataLoader.load(
            directory: options.data, plan: compiled, periods: periods, limits: limits, threads: options.threads,
            keys: options.trimKeys ? .trim : .strict, asOf: asOf)
        let sources = SourceTexts()
        if !result.warnings.isEmpty {
            Console.error(render(Diagnostic.sorted(result.warnings), sources))
        }
        let missingFolder = result.problems.contains { $0.diagnostic.code == "D600" || $0.diagnostic.code == "D601" }
        guard let data = result.data, !missingFolder else {
            Console.error(render(result.problems.map(\.diagnostic), sources))
            throw Stop(code: missingFolder ? Exit.usage : Exit.badData)
        }
        var excluded: Set<Int> = []
        var skipped: [String: [String]] = [:]
        if !result.problems.isEmpty {
            let fatal = result.problems.filter { $0.repID == nil }
            if !options.skipInvalid || !fatal.isEmpty {
                // Report the population's problems in the same pass.
                let all = result.problems + Evaluator.populationProblems(plan: compiled, data: data, period: period)
                Console.error(render(Diagnostic.sorted(all.map(\.diagnostic)), sources))
                let n = all.filter { $0.diagnostic.severity == .error }.count
                Console.error(
                    "\(n) data problem\(n == 1 ? "" : "s"): nothing was written. Fix the data\(fatal.isEmpty ? ", or pass --skip-invalid to leave the reps named above out of this run" : "").\n"
                )
                throw Stop(code: Exit.badData)
            }
            for p in result.problems {
                guard let id = p.repID else { continue }
                skipped[id, default: []].append(p.diagnostic.description)
                if let r = data.repIndex(id) { excluded.insert(r) }
            }
        }
        let skippedReps = skipped.keys.sorted { CodePoint.less($0, $1) }.map { SkippedRep(repID: $0, reasons: skipped[$0]!) }
        return (data, excluded, skippedReps)
    }

    static func evaluate(
        _ plan: LoadedPlan, _ data: DataSet, _ period: Period, _ options: DataOptions, excluded: Set<Int>, trace: TraceSelection,
        skipped: [SkippedRep], traceEncoder: (any TraceEncoder)? = nil, history: (@Sendable (PeriodState) -> Void)? = nil
    ) throws(Stop) -> EvaluationResult {
        var result: EvaluationResult
        do {
            result = try Evaluator.evaluate(
                plan: plan.compiled, data: data, period: period,
                options: EvaluationOptions(
                    threads: options.threads ?? DataLoader.processorCount, skipInvalid: options.skipInvalid, trace: trace,
                    traceEncoder: traceEncoder, recordedHistory: history),
                excluded: excluded)
        } catch {
            Console.error(render([error.diagnostic], plan.load.sources))
            Console.error("nothing was written\n")
            throw Stop(code: Exit.evaluation)
        }
        if !result.problems.isEmpty {
            Console.error(render(Diagnostic.sorted(result.problems.map(\.diagnostic)), SourceTexts()))
            let n = result.problems.count
            Console.error(
                "\(n) data problem\(n == 1 ? "" : "s"): nothing was written. Fix the data, or pass --skip-invalid to leave the reps named above out of this run.\n"
            )
            throw Stop(code: Exit.badData)
        }
        result.skipped = skipped + result.skipped
        return result
    }
}

extension ParsableCommand {
    /// Runs a body that stops with an exit code.
    func exiting(_ body: () throws(Stop) -> Void) throws {
        do {
            try body()
        } catch {
            throw ExitCode(error.code)
        }
    }
}
