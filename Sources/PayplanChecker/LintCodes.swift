import PayplanCore

/// Lint warnings: a plan that checks but probably does not say what its author meant.
/// The one list of these codes: each with its severity and what it means;
/// the messages are written where the problem is found, beside its checks.
public enum LintCode: String, DiagnosticCode {
    case curveNotMonotone = "L501"
    case unreachableRow = "L502"
    case tableGap = "L503"
    case tierGap = "L504"
    case unusedMetric = "L509"
    case unusedDefinition = "L510"
    case floorAboveCap = "L511"

    public var title: String {
        switch self {
        case .curveNotMonotone: "a curve that pays less for more"
        case .unreachableRow: "a table row that can never match"
        case .tableGap: "values that match no table row"
        case .tierGap: "values between tiers that earn nothing"
        case .unusedMetric: "a metric nothing reads"
        case .unusedDefinition: "a filter or shape nothing uses"
        case .floorAboveCap: "a floor above the cap"
        }
    }

    public var severity: Severity { .warning }
}
