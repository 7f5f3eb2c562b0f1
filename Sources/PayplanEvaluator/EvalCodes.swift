import PayplanCore

/// Evaluation: a period that cannot be run, a rule that cannot be computed.
/// The one list of these codes: each with its severity and what it means;
/// the messages are written where the problem is found, beside its checks.
public enum EvalCode: String, DiagnosticCode {
    case periodKind = "E701"
    case beforeEffective = "E702"
    case afterEffective = "E703"
    case historyTooLong = "E704"
    case noPeriod = "E705"
    case ruleFailed = "E710"
    case outOfMemory = "E711"

    public var title: String {
        switch self {
        case .periodKind: "a period of another kind than the plan's"
        case .beforeEffective: "a period before the plan takes effect"
        case .afterEffective: "a period after the plan ends"
        case .historyTooLong: "more periods of history than Limits.historyPeriods"
        case .noPeriod: "no data read for the period"
        case .ruleFailed: "a rule that cannot be computed (division by zero, overflow, a missing value)"
        case .outOfMemory: "a period's values do not fit in memory"
        }
    }

    public var severity: Severity { .error }
}
