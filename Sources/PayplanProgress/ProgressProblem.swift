import PayplanCore

/// Every problem `payplan progress` reports beyond the plan's and the data's
/// own, in one place (codes G9xx; rules/targets.md lists them).
public enum ProgressProblem: Sendable, Equatable {
    case asOfBefore(asOf: CivilDate, period: Period)
    case asOfAfter(asOf: CivilDate, period: Period)
    case unknownMetric(name: String, role: String, flag: String, suggestion: String?)
    case unknownTeam(name: String, suggestion: String?)
    case overflow(rep: String)
    case opportunityUnknownRep(rep: String, suggestion: String?)
    case opportunityDuplicate(rep: String, period: Period, firstLine: Int)
    case opportunityRange(column: String, value: String, allowed: String)

    /// The problem's code: its home in `ProgressCode`.
    public var kind: ProgressCode {
        switch self {
        case .asOfBefore: .asOfBefore
        case .asOfAfter: .asOfAfter
        case .unknownMetric: .unknownMetric
        case .unknownTeam: .unknownTeam
        case .overflow: .overflow
        case .opportunityUnknownRep: .opportunityUnknownRep
        case .opportunityDuplicate: .opportunityDuplicate
        case .opportunityRange: .opportunityRange
        }
    }

    public var code: String { kind.rawValue }

    public var severity: Severity { kind.severity }

    public var message: String {
        switch self {
        case .asOfBefore(let d, let p): "--as-of \(d) is before \(p) starts (\(p.start))"
        case .asOfAfter(let d, let p): "--as-of \(d) is after \(p) ends (\(p.end)); for a period that is over, run `payplan run`"
        case .unknownMetric(let name, let role, _, _): "the plan has no metric `\(name)` to read the \(role) from"
        case .unknownTeam(let name, _): "no team `\(name)` among the reps of the period"
        case .overflow(let rep): "a projection for rep \(rep) exceeds the exact range (38 digits)"
        case .opportunityUnknownRep(let rep, _): "rep \"\(rep)\" is not in reps.csv"
        case .opportunityDuplicate(let rep, let p, let line): "rep \(rep) has a second row for \(p) (first on line \(line))"
        case .opportunityRange(let column, let value, let allowed): "column \(column): \(value) is out of range (\(allowed))"
        }
    }

    public var help: String? {
        switch self {
        case .unknownMetric(_, _, let flag, let suggestion):
            (suggestion.map { "did you mean `\($0)`? " } ?? "") + "name the plan's metric with \(flag) NAME"
        case .unknownTeam(_, let suggestion), .opportunityUnknownRep(_, let suggestion): suggestion.map { "did you mean `\($0)`?" }
        default: nil
        }
    }

    public func diagnostic(at range: SourceRange? = nil, file: String? = nil) -> Diagnostic {
        Diagnostic(severity, code, message, at: range, file: file, help: help)
    }
}

/// The codes of `payplan progress`, with their severity and what each is
/// about (`payplan codes` lists them).
public enum ProgressCode: String, DiagnosticCode {
    case asOfBefore = "G901"
    case asOfAfter = "G902"
    case unknownMetric = "G903"
    case unknownTeam = "G904"
    case overflow = "G905"
    case opportunityUnknownRep = "G911"
    case opportunityDuplicate = "G912"
    case opportunityRange = "G913"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .asOfBefore: "--as-of before the period"
        case .asOfAfter: "--as-of after the period"
        case .unknownMetric: "an unknown revenue or attainment metric"
        case .unknownTeam: "an unknown team"
        case .overflow: "a projection beyond the exact range"
        case .opportunityUnknownRep: "opportunities.csv: an unknown rep"
        case .opportunityDuplicate: "opportunities.csv: a second row for a rep"
        case .opportunityRange: "opportunities.csv: a value out of range"
        }
    }
}

/// Why progress stopped.
public enum ProgressFailure: Error, Sendable {
    /// A usage problem (exit 2).
    case usage([Diagnostic])
    /// Bad data (exit 3): the population's problems, or the opportunities file's.
    case data([Diagnostic])
    /// The plan could not be evaluated (exit 4).
    case evaluation(Diagnostic)

    public var diagnostics: [Diagnostic] {
        switch self {
        case .usage(let d), .data(let d): d
        case .evaluation(let d): [d]
        }
    }
}
