import PayplanCore

/// Formula syntax: what the formula lexer and parser report (and band tests).
/// The one list of these codes: each with its severity and what it means;
/// the messages are written where the problem is found, beside its checks.
public enum FormulaCode: String, DiagnosticCode {
    case tooLong = "F201"
    case empty = "F202"
    case unmatchedClose = "F203"
    case trailingText = "F204"
    case tooDeep = "F205"
    case missingOperand = "F206"
    case chainedComparison = "F207"
    case emptyParentheses = "F208"
    case unclosedParenthesis = "F209"
    case badDottedName = "F210"
    case misplacedKeyword = "F211"
    case expectedValue = "F212"
    case expectedKeyword = "F213"
    case badArguments = "F214"
    case numberWithoutDigit = "F215"
    case digitSeparator = "F216"
    case numberOutOfRange = "F217"
    case leadingZero = "F218"
    case numberRunsIntoName = "F219"
    case unclosedText = "F220"
    case notEqualSpelling = "F221"
    case singleEquals = "F222"
    case bang = "F223"
    case doubledOperator = "F224"
    case strayPercent = "F225"
    case unexpectedCharacter = "F226"
    case emptyTest = "F230"
    case testWithoutNumber = "F231"
    case textAfterTest = "F232"
    case intervalComma = "F233"
    case intervalReversed = "F234"
    case bareNumberTest = "F235"
    case overOutsideAggregate = "F236"

    public var title: String {
        switch self {
        case .tooLong: "a formula longer than Limits.formulaLength"
        case .empty: "an empty formula"
        case .unmatchedClose: "a `)` without its `(`"
        case .trailingText: "text after a complete formula"
        case .tooDeep: "a formula deeper than Limits.formulaDepth"
        case .missingOperand: "an operator without a value after it"
        case .chainedComparison: "comparisons that chain (`a < b < c`)"
        case .emptyParentheses: "nothing inside `()`"
        case .unclosedParenthesis: "a `(` never closed"
        case .badDottedName: "a `.` not followed by a name"
        case .misplacedKeyword: "a keyword where a value is expected"
        case .expectedValue: "a symbol where a value is expected"
        case .expectedKeyword: "`then`/`else` missing in `if`"
        case .badArguments: "a call's arguments not separated by `,`"
        case .numberWithoutDigit: "a number not starting with a digit"
        case .digitSeparator: "a digit separator in a number"
        case .numberOutOfRange: "a number out of range"
        case .leadingZero: "a number with a leading zero (not octal)"
        case .numberRunsIntoName: "a number followed by a name"
        case .unclosedText: "text not closed by its quote"
        case .notEqualSpelling: "`<>` is not an operator"
        case .singleEquals: "`=` is not a comparison"
        case .bang: "`!` is not an operator"
        case .doubledOperator: "`&&`, `||` and the like"
        case .strayPercent: "a `%` not after a number"
        case .unexpectedCharacter: "a character formulas do not use"
        case .emptyTest: "an empty band or matrix test"
        case .testWithoutNumber: "a test operator without a number"
        case .textAfterTest: "text after a test"
        case .intervalComma: "an interval's bounds not separated by `,`"
        case .intervalReversed: "an interval whose upper bound is below its lower"
        case .bareNumberTest: "a bare number used as a test"
        case .overOutsideAggregate: "`over` outside the argument of an aggregate"
        }
    }

    public var severity: Severity {
        switch self {
        case .leadingZero: .warning
        default: .error
        }
    }
}
