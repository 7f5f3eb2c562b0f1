import PayplanCore

/// Plan structure: keys, kinds of values, tables, as the plan reader reports them.
/// The one list of these codes: each with its severity and what it means;
/// the messages are written where the problem is found, beside its checks.
public enum PlanCode: String, DiagnosticCode {
    case wrongKind = "P301"
    case missingValue = "P302"
    case notConstant = "P303"
    case notWholeNumber = "P304"
    case outOfRange = "P305"
    case notBoolean = "P306"
    case unknownChoice = "P307"
    case notDate = "P308"
    case missingKey = "P309"
    case unknownKey = "P310"
    case badCurrency = "P311"
    case badLocale = "P312"
    case effectiveEndBeforeStart = "P313"
    case tooManyDefinitions = "P314"
    case dataFilePath = "P315"
    case contractColumnRedeclared = "P316"
    case columnTwice = "P317"
    case badName = "P318"
    case shapeKind = "P319"
    case notAPair = "P320"
    case shapeTooLarge = "P321"
    case emptyShape = "P322"
    case tierRateOrAmount = "P323"
    case matrixInputs = "P324"
    case matrixShape = "P325"
    case columnHeader = "P333"
    case columnTwiceInOutput = "P334"
    /// A plain formula cut at a comma of a `{…}` flow mapping.
    case formulaCutByFlowComma = "P335"
    case tierPattern = "P340"

    public var title: String {
        switch self {
        case .wrongKind: "a value of the wrong kind (mapping, list, scalar)"
        case .missingValue: "an empty value"
        case .notConstant: "a formula where a constant number is expected"
        case .notWholeNumber: "not a whole number"
        case .outOfRange: "a number outside its allowed range"
        case .notBoolean: "not `true` or `false`"
        case .unknownChoice: "a value not among the allowed ones"
        case .notDate: "not a calendar date YYYY-MM-DD"
        case .missingKey: "a required key is missing"
        case .unknownKey: "an unknown key"
        case .badCurrency: "not an ISO 4217 currency code"
        case .badLocale: "a locale other than zh or en"
        case .effectiveEndBeforeStart: "the effective end is before the start"
        case .tooManyDefinitions: "more metrics or rules than Limits allow"
        case .dataFilePath: "a data file named with a path"
        case .contractColumnRedeclared: "a contract column declared with another type"
        case .columnTwice: "a column declared twice"
        case .badName: "a name that is not an identifier"
        case .shapeKind: "a shape without exactly one kind"
        case .notAPair: "a pair with other than two values"
        case .shapeTooLarge: "a shape with more rows than Limits.shapeRows"
        case .emptyShape: "a shape or prize list without entries"
        case .tierRateOrAmount: "a tier with both or neither of `rate` and `amount`"
        case .matrixInputs: "an inline matrix without its inputs"
        case .matrixShape: "a matrix whose values do not match its bands"
        case .columnHeader: "a computed output column without a header"
        case .columnTwiceInOutput: "an output column named twice"
        case .formulaCutByFlowComma: "an unquoted formula cut short by a comma of a `{…}` mapping"
        case .tierPattern: "a tier pattern without `every`, `step`, `max_rate` and a `rate`"
        }
    }

    public var severity: Severity { .error }
}
