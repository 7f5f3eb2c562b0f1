import PayplanCore

/// Every code of the data stage, with its severity and what it is about:
/// `payplan codes` lists them (rules/diagnostics.md). Messages are written
/// where a problem is found; the layers' header, row and sum problems have
/// theirs beside their cases in `DataIssue`.
public enum DataCode: String, DiagnosticCode {
    case noFolder = "D600"
    case cannotRead = "D601"
    case emptyFile = "D602"
    case malformedHeader = "D603"
    case duplicateColumn = "D604"
    case missingColumn = "D605"
    case malformedRecord = "D606"
    case fieldCount = "D607"
    case noReps = "D608"
    case noTransactions = "D609"
    case notUTF8 = "D610"
    case notWholeNumber = "D611"
    case notDate = "D612"
    case notDecimal = "D613"
    case tooManyDecimals = "D614"
    case numberOutOfRange = "D615"
    case nulByte = "D616"
    case transactionsNotRead = "D617"
    case blankID = "D618"
    case blankAroundKey = "D619"
    case unknownRep = "D620"
    case unknownProduct = "D621"
    case rowFormula = "D622"
    case sumOutOfRange = "D623"
    case productFilter = "D624"
    case accumulatorMemory = "D625"
    case duplicateRep = "D630"
    case productLaunchTwice = "D631"
    case notPeriod = "D632"
    case targetTwice = "D633"
    case exitBeforeHire = "D640"
    case targetForUnknownRep = "D641"
    case negativeIncentive = "D642"
    case noTargetRow = "D650"
    case populationCondition = "D651"
    case noTargetsForPeriod = "D652"
    case lookalikeKeys = "D660"
    case keysTrimmed = "D661"
    case moreProblems = "D699"

    public var severity: Severity {
        switch self {
        case .transactionsNotRead: .note
        case .targetForUnknownRep, .lookalikeKeys, .keysTrimmed: .warning
        default: .error
        }
    }

    public var title: String {
        switch self {
        case .noFolder: "the data folder does not exist or is not a folder"
        case .cannotRead: "a data file cannot be read (missing, a directory, a device)"
        case .emptyFile: "a data file is empty: no header row"
        case .malformedHeader: "the header row cannot be split into fields"
        case .duplicateColumn: "the header names a column twice"
        case .missingColumn: "a required column is missing from the header"
        case .malformedRecord: "a record cannot be split: an unclosed quote, text after a closing quote, a field too long"
        case .fieldCount: "a row has more or fewer fields than the header"
        case .noReps: "reps.csv has a header but no rows"
        case .noTransactions: "transactions.csv has a header but no rows"
        case .notUTF8: "a header or row is not valid UTF-8"
        case .notWholeNumber: "a count is not a whole number"
        case .notDate: "a date is blank or not YYYY-MM-DD"
        case .notDecimal: "a number is blank or not a decimal"
        case .tooManyDecimals: "a number has more decimal places than Payplan keeps"
        case .numberOutOfRange: "a number has more than 20 digits before the decimal point"
        case .nulByte: "a row holds a NUL byte"
        case .transactionsNotRead: "transactions.csv is read once reps.csv and products.csv can be"
        case .blankID: "an id is blank"
        case .blankAroundKey: "a key has blanks around it (or --trim-keys)"
        case .unknownRep: "a transaction names a rep not in reps.csv"
        case .unknownProduct: "a transaction names a product not in products.csv"
        case .rowFormula: "a formula over a transaction row cannot be computed"
        case .sumOutOfRange: "a sum of transactions leaves the exact range"
        case .productFilter: "a filter over a product cannot be computed"
        case .accumulatorMemory: "not enough memory for the accumulators of every rep and period"
        case .duplicateRep: "a rep_id is listed twice in reps.csv"
        case .productLaunchTwice: "a product is listed twice with different launch dates"
        case .notPeriod: "a target's period is not a period"
        case .targetTwice: "a rep has two target rows for one period"
        case .exitBeforeHire: "a rep's exit_date is before the hire_date"
        case .targetForUnknownRep: "a target names a rep not in reps.csv (ignored)"
        case .negativeIncentive: "a rep's target_incentive is negative"
        case .noTargetRow: "a rep of the population has no target row for the period"
        case .populationCondition: "a rep of the population does not meet the plan's condition on the data"
        case .noTargetsForPeriod: "targets.csv has no row for the period"
        case .lookalikeKeys: "a key looks like another (width, case, look-alike letters, blanks) but differs"
        case .keysTrimmed: "keys had blanks around them and were trimmed (--trim-keys)"
        case .moreProblems: "more problems in a file than are listed"
        }
    }
}
