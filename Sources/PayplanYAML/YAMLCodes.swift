import PayplanCore

/// The YAML stage: reading the plan file and composing its nodes.
/// The one list of these codes: each with its severity and what it means;
/// the messages are written where the problem is found, beside its checks.
public enum YAMLCode: String, DiagnosticCode {
    case cannotRead = "Y100"
    case fileTooLarge = "Y101"
    case emptyFile = "Y102"
    case binaryFile = "Y103"
    case invalidUTF8 = "Y104"
    case parserFailed = "Y105"
    case secondDocument = "Y106"
    case unknownAlias = "Y107"
    case aliasBomb = "Y108"
    case tooDeep = "Y109"
    case tooManyNodes = "Y110"
    case complexKey = "Y111"
    case badMerge = "Y112"
    case duplicateKey = "Y113"
    case scalarTooLong = "Y114"
    case syntax = "Y120"

    public var title: String {
        switch self {
        case .cannotRead: "the plan file cannot be read"
        case .fileTooLarge: "the plan file is over Limits.planFileBytes"
        case .emptyFile: "the plan file is empty"
        case .binaryFile: "the plan file holds a NUL byte"
        case .invalidUTF8: "the plan file is not valid UTF-8"
        case .parserFailed: "libyaml could not start"
        case .secondDocument: "a second YAML document"
        case .unknownAlias: "an alias names no anchor"
        case .aliasBomb: "aliases expand past Limits.aliasExpansionNodes"
        case .tooDeep: "nesting deeper than Limits.yamlDepth"
        case .tooManyNodes: "more nodes than Limits.yamlNodes"
        case .complexKey: "a mapping key that is not plain text"
        case .badMerge: "a merge key `<<` on something other than mappings"
        case .duplicateKey: "a key given twice in one mapping"
        case .scalarTooLong: "a scalar longer than Limits.yamlScalarBytes"
        case .syntax: "YAML syntax"
        }
    }

    public var severity: Severity { .error }
}
