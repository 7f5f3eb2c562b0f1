import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanRules
import PayplanYAML

/// The plan in force: read once at start, never written. Its bytes are kept
/// so a candidate can be written as the same file with only the changed
/// numbers replaced.
public struct BasePlan: Sendable {
    public let file: String
    public let bytes: [UInt8]
    public let load: PlanLoad
    public let compiled: CompiledPlan
    public let fingerprint: String

    public var plan: Plan { load.plan! }

    /// The plan, or its problems rendered as `check` prints them.
    public static func read(file: String, limits: Limits = .default) -> Result<BasePlan, PlanProblems> {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readBytes(file, limit: limits.planFileBytes)
        } catch {
            return .failure(PlanProblems(text: "\(file): error: cannot read the plan: \(error.reason) [Y100]\n", unreadable: true))
        }
        let load = PlanPipeline.load(bytes: bytes, file: file, limits: limits)
        let errors = load.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, load.checked != nil, load.plan != nil else {
            let text = DiagnosticRenderer(sources: load.sources).text(load.diagnostics)
            return .failure(
                PlanProblems(text: text + "\(file): \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was computed\n", unreadable: false))
        }
        let (compiled, diagnostics) = Compiler.compile(load.checked!)
        guard let compiled else {
            return .failure(PlanProblems(text: DiagnosticRenderer(sources: load.sources).text(diagnostics), unreadable: false))
        }
        return .success(BasePlan(file: file, bytes: bytes, load: load, compiled: compiled, fingerprint: Canonical.fingerprint(load.plan!)))
    }
}

public struct PlanProblems: Error, Sendable {
    public var text: String
    /// The file could not be read at all (a usage error, exit 2), rather
    /// than read with problems (exit 1).
    public var unreadable: Bool
}

/// A candidate: the plan in force with some values changed, checked and
/// compiled like any plan.
struct Candidate {
    var changes: [Override]
    var load: PlanLoad
    var compiled: CompiledPlan
    var fingerprint: String
}

extension BasePlan {
    /// At most this many values changed by one request.
    static let maxChanges = 200

    /// Applies `changes` by parameter path; a path the plan does not have,
    /// a value that does not fit, or a change that breaks the plan elsewhere
    /// is a problem naming the path, with the checker's message.
    func candidate(_ changes: [Override]) -> Result<Candidate, ServeProblem> {
        guard changes.count <= BasePlan.maxChanges else { return .failure(.tooManyChanges(limit: BasePlan.maxChanges)) }
        for c in changes where plan.parameters[c.path] == nil {
            return .failure(.noSuchPath(c.path, suggestion: Suggest.closest(to: c.path, among: plan.parameters.keys)))
        }
        guard let document = load.document else { return .failure(.spliceFailed("the plan's YAML is not kept")) }
        let changed: YAMLDocument
        do {
            (changed, _) = try Overrides.apply(changes, to: document, known: Array(plan.parameters.keys))
        } catch {
            return .failure(.noSuchPath(changes.first?.path ?? "", suggestion: nil))
        }
        var again = PlanPipeline.load(document: changed)
        again.sources = load.sources
        for c in changes { again.sources.add(file: c.sourceName, text: c.value) }
        let errors = again.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty || again.checked == nil || again.plan == nil {
            // An error located in a changed value is about that value; any
            // other is the plan the change broke.
            if let own = changes.first(where: { c in errors.contains { $0.file == c.sourceName } }) {
                return .failure(.wrongValue(own.path, errors.filter { $0.file == own.sourceName }))
            }
            return .failure(.invalidCandidate(changes.map(\.path).joined(separator: ", "), errors))
        }
        let (compiled, diagnostics) = Compiler.compile(again.checked!)
        guard let compiled else { return .failure(.invalidCandidate(changes.map(\.path).joined(separator: ", "), diagnostics)) }
        return .success(Candidate(changes: changes, load: again, compiled: compiled, fingerprint: Canonical.fingerprint(again.plan!)))
    }
}
