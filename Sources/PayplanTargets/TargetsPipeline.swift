import PayplanCore
import PayplanYAML

/// The whole of `payplan targets` as one call: load and parse the plan, read
/// the history, check, decompose, run the SMART checks and the bottom-up
/// reconciliation. Stops at the first stage with errors, having reported
/// every problem of that stage.
public struct TargetsRun: Sendable {
    public enum Failure: Sendable, Equatable {
        /// The plan file or the history folder cannot be read.
        case unreadable
        /// The plan has errors (exit 1).
        case plan
        /// The history or the commitments file holds bad data (exit 3).
        case data
        /// A number exceeded the exact range (exit 4).
        case arithmetic
    }

    public var plan: TargetPlan?
    public var diagnostics: [Diagnostic] = []
    public var sources = SourceTexts()
    public var decomposition: Decomposition?
    public var gaps: GapReport?
    public var failure: Failure?

    public var errors: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warnings: Int { diagnostics.filter { $0.severity == .warning }.count }
}

public enum TargetsPipeline {
    public static func run(planFile: String, history directory: String, commitments: String? = nil, threads: Int? = nil) -> TargetsRun {
        var run = TargetsRun()
        let (document, yaml) = YAMLLoader.load(file: planFile)
        // The loader's help for an empty file speaks of pay plans.
        run.diagnostics = yaml.map { d in
            var d = d
            if d.is(YAMLCode.emptyFile) { d.help = "a targets plan starts with `targets: NAME`; see rules/targets.md" }
            return d
        }
        guard let document else {
            if let bytes = try? FileReader.readBytes(planFile) { run.sources.add(file: planFile, text: String(decoding: bytes, as: UTF8.self)) }
            run.failure = yaml.contains { $0.is(YAMLCode.cannotRead) } ? .unreadable : .plan
            return run
        }
        run.sources.add(file: planFile, text: document.text)
        let (parsed, parseDiagnostics) = TargetPlanParser.parse(document)
        run.diagnostics += parseDiagnostics
        guard let plan = parsed else { return stop(run, .plan) }
        run.plan = plan
        let load = HistoryLoader.load(directory: directory, months: TargetChecker.months(plan), threads: threads)
        run.diagnostics += load.warnings
        guard let history = load.history else {
            run.diagnostics += load.problems
            return stop(run, load.unreadable ? .unreadable : .data)
        }
        let (checked, checkDiagnostics) = TargetChecker.check(plan, history: history)
        run.diagnostics += checkDiagnostics
        guard let checked else { return stop(run, .plan) }
        let (decomposition, decomposeDiagnostics) = Decomposer.decompose(checked)
        run.diagnostics += decomposeDiagnostics
        guard let decomposition else {
            return stop(run, decomposeDiagnostics.contains { $0.code == TargetsProblem.overflow(what: "").code } ? .arithmetic : .plan)
        }
        run.decomposition = decomposition
        run.diagnostics += SmartChecks.check(decomposition)
        if let path = commitments ?? plan.commitments.map({ resolve($0.value, besides: planFile) }) {
            let (gaps, problems) = Reconciliation.reconcile(decomposition, commitmentsFile: path)
            run.diagnostics += problems
            guard let gaps else { return stop(run, .data) }
            run.gaps = gaps
        }
        run.diagnostics = Diagnostic.sorted(run.diagnostics)
        return run
    }

    static func stop(_ run: TargetsRun, _ failure: TargetsRun.Failure) -> TargetsRun {
        var run = run
        run.diagnostics = Diagnostic.sorted(run.diagnostics)
        run.failure = failure
        return run
    }

    /// A path written in the plan is relative to the plan's folder.
    static func resolve(_ path: String, besides planFile: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = planFile.lastIndex(of: "/") else { return path }
        return String(planFile[...slash]) + path
    }
}
