import ArgumentParser
import Foundation
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

    @Option(
        name: .long,
        help: ArgumentHelp("The period to pay: 2026-Q3, 2026-07, 2026, 2026-H2 or 2026-07-H1, matching the plan's period.", valueName: "period"))
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
            throw ValidationError("'\(period)' is not a period; write 2026-Q3, 2026-07, 2026, 2026-H2 or 2026-07-H1")
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
        let missingFolder = result.problems.contains { $0.diagnostic.is(DataCode.noFolder) || $0.diagnostic.is(DataCode.cannotRead) }
        guard let data = result.data, !missingFolder else {
            Console.error(render(result.problems.map { folderSuggestion($0.diagnostic, options.data) }, sources))
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
                Console.error(stopped(all, skipInvalid: options.skipInvalid))
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

    /// A data folder that does not exist, with the closest folder beside it
    /// (`exmaples` → `examples`).
    static func folderSuggestion(_ d: Diagnostic, _ folder: String) -> Diagnostic {
        guard d.is(DataCode.noFolder), d.help == nil, !FileReader.exists(folder) else { return d }
        let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let slash = trimmed.lastIndex(of: "/")
        let parent = slash.map { String(trimmed[...$0]) } ?? ""
        let name = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.isEmpty ? "." : parent)) ?? []
        let folders = entries.filter { FileReader.isDirectory(parent + $0) && !$0.hasPrefix(".") }
        guard let near = Suggest.closest(to: name, among: folders) else { return d }
        var copy = d
        copy.help = "did you mean `\(parent + near)`?"
        return copy
    }

    /// Why a rep has no payout in a run, in the words of the rule that left
    /// it out: `--skip-invalid` and the problem, a failed requirement, or no
    /// active day in the period (with the dates that decide it).
    static func whyNotPaid(_ id: String, _ rep: Int, _ data: DataSet, _ result: EvaluationResult, _ period: Period) -> String {
        if let skipped = result.skipped.first(where: { CodePoint.equal($0.repID, id) }) {
            return "rep \(id) was left out of \(period) by --skip-invalid: \(skipped.reasons.joined(separator: "; "))"
        }
        if data.invalidReps.contains(rep) { return "rep \(id) is never paid: its row in \(data.reps.path) cannot be read" }
        if let reason = result.current.notEvaluated[rep] { return "rep \(id) is not in the \(period) population (\(reason))" }
        guard data.activeDays(rep, period) == 0 else { return "rep \(id) is not in the \(period) population" }
        let left = data.exit[rep].map { ", left \($0)" } ?? ""
        return "rep \(id) is not in the \(period) population: not active on any day of \(period) (hired \(data.hire[rep])\(left))"
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
            Console.error(stopped(result.problems, skipInvalid: options.skipInvalid))
            throw Stop(code: Exit.badData)
        }
        result.skipped = skipped + result.skipped
        if result.current.population.isEmpty {
            if !result.skipped.isEmpty {
                let n = result.skipped.count
                let ids = result.skipped.map(\.repID)
                let shown =
                    n > 6 ? ids.prefix(3).joined(separator: ", ") + ", … " + ids.suffix(2).joined(separator: ", ") : ids.joined(separator: ", ")
                let reasons = Set(result.skipped.flatMap(\.reasons)).sorted()
                let why = reasons.count == 1 ? ": \(reasons[0])" : ""
                Console.error(
                    "error: --skip-invalid would leave out every rep of \(period), \(n) rep\(n == 1 ? "" : "s") (\(shown))\(why): there is nobody left to pay; nothing was written. Fix the data, or check the period.\n"
                )
                throw Stop(code: Exit.badData)
            }
            Console.error(emptyPeriod(period, data))
        }
        return result
    }

    /// The last line of a run stopped by bad data. `--skip-invalid` is
    /// offered only when it can act: when every problem names a rep and some
    /// rep would be left to pay; with it given, the problems it cannot skip
    /// are named, with why.
    static func stopped(_ problems: [DataProblem], skipInvalid: Bool) -> String {
        let errors = problems.filter { $0.diagnostic.severity == .error }
        let n = errors.count
        let head = "\(n) data problem\(n == 1 ? "" : "s"): nothing was written."
        // A note that stopped the reading (a file not read) names no rep either.
        let unskippable = problems.filter { $0.repID == nil }
        if unskippable.isEmpty {
            return skipInvalid
                ? "\(head) Fix the data.\n" : "\(head) Fix the data, or pass --skip-invalid to leave the reps named above out of this run.\n"
        }
        guard skipInvalid else { return "\(head) Fix the data.\n" }
        let places = unskippable.map { d -> String in
            let file = d.diagnostic.range?.start.file ?? d.diagnostic.file ?? ""
            let line = d.diagnostic.range.map { ":\($0.start.line)" } ?? ""
            return "\(file)\(line) [\(d.diagnostic.code)]"
        }
        let k = unskippable.count
        return """
            \(head) --skip-invalid cannot skip \(k >= n ? (k == 1 ? "it" : "any of them") : "\(k) of them") (\(places.joined(separator: ", "))): \
            \(k == 1 ? "it names" : "they name") no rep that could be left out (a whole file, a column, a product, a rep that is not in reps.csv, or the whole period), \
            so paying the others would still pay on bad data. Fix the data.

            """
    }

    /// A period nobody is active in: a warning, with the periods the
    /// targets file does cover (most likely a mistyped period).
    static func emptyPeriod(_ period: Period, _ data: DataSet) -> String {
        var covered: [String] = []
        if let column = data.targets.columnIndex("period") {
            covered = Set((0..<data.targets.count).map { data.targets.text(column, $0) }).sorted()
        }
        let cover =
            covered.isEmpty
            ? ""
            : "; \(data.targets.path) has targets for \(covered.count > 8 ? covered.prefix(4).joined(separator: ", ") + " … " + covered.suffix(4).joined(separator: ", ") : covered.joined(separator: ", "))"
        return "warning: no rep is active in \(period): nobody is paid\(cover). Check the period.\n"
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
