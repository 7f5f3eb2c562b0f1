import PayplanCore

/// Every problem `payplan targets` reports, in one place: each case has its
/// code, severity, message and help side by side (rules/targets.md lists
/// them). Codes: T80x–T81x the plan's structure, T82x–T83x the plan against
/// the history, T84x arithmetic, T86x the SMART checks, T87x commitments.
public enum TargetsProblem: Sendable, Equatable {
    // Structure (parse).
    case expectedMapping(what: String, found: String)
    case unknownKey(key: String, in: String, known: [String])
    case missingKey(key: String, in: String, help: String)
    case expectedScalar(what: String, found: String)
    case notNumber(what: String, text: String)
    case notWholeNumber(what: String, text: String)
    case outOfRange(what: String, value: String, allowed: String)
    case unknownChoice(what: String, text: String, options: [String])
    case notPeriod(what: String, text: String)
    case periodKind(what: String, found: Period, expected: String)
    case expectedList(what: String, found: String)
    case conflictingKeys(key: String, other: String, in: String)
    case keyNeedsSplit(key: String, split: String, actual: String)
    // Checks on the plan alone.
    case weightsSum(what: String, sum: String)
    case negativeWeight(what: String)
    case unitNotPositive
    case targetNotMultiple(target: String, unit: String)
    case unknownPeriodKey(key: String, year: Int, kind: PeriodKind, suggestion: String?)
    case duplicatePeriodKey(key: String, period: Period)
    case missingPeriods([Period])
    case basePeriodNotBefore(base: Period, year: Int)
    case seasonalityBaseNotYear(Period)
    // Checks against the history.
    case unknownGroup(name: String, by: String, suggestion: String?)
    case groupsMissing(names: [String], by: String)
    case noBaseRevenue(base: Period, what: String)
    case negativeBaseRevenue(name: String, base: Period, revenue: String)
    case groupWithoutReps(group: String, period: Period)
    case noReps(period: Period)
    case repNegativeBase(rep: String, base: Period, revenue: String)
    case repNoBase(rep: String, base: Period)
    case basePeriodEmpty(base: Period)
    case groupWithoutShares(group: String, period: Period, base: Period)
    case seasonWithoutRevenue(periods: [Period], base: Period)
    // Arithmetic.
    case overflow(what: String)
    // SMART checks.
    case aboveBest(rep: String, period: Period, target: String, multiple: String, best: String, bestPeriod: Period, limit: String)
    case noBestPeriod(rep: String, base: Period)
    case belowFloor(rep: String, period: Period, target: String, floor: String)
    // Commitments.
    case commitmentUnknownRep(rep: String, suggestion: String?)
    case commitmentPeriod(period: Period, year: Int, kind: PeriodKind)
    case commitmentDuplicate(rep: String, period: Period, firstLine: Int)
    case commitmentNegative(rep: String, period: Period)
    case commitmentsUnreadable(path: String, reason: String)

    /// The problem's code: its home in `TargetsCode`.
    public var kind: TargetsCode {
        switch self {
        case .expectedMapping: .expectedMapping
        case .unknownKey: .unknownKey
        case .missingKey: .missingKey
        case .expectedScalar: .expectedScalar
        case .notNumber: .notNumber
        case .notWholeNumber: .notWholeNumber
        case .outOfRange: .outOfRange
        case .unknownChoice: .unknownChoice
        case .notPeriod: .notPeriod
        case .periodKind: .periodKind
        case .expectedList: .expectedList
        case .conflictingKeys: .conflictingKeys
        case .keyNeedsSplit: .keyNeedsSplit
        case .weightsSum: .weightsSum
        case .negativeWeight: .negativeWeight
        case .unitNotPositive: .unitNotPositive
        case .targetNotMultiple: .targetNotMultiple
        case .unknownPeriodKey: .unknownPeriodKey
        case .duplicatePeriodKey: .duplicatePeriodKey
        case .missingPeriods: .missingPeriods
        case .basePeriodNotBefore: .basePeriodNotBefore
        case .seasonalityBaseNotYear: .seasonalityBaseNotYear
        case .unknownGroup: .unknownGroup
        case .groupsMissing: .groupsMissing
        case .noBaseRevenue: .noBaseRevenue
        case .negativeBaseRevenue: .negativeBaseRevenue
        case .groupWithoutReps: .groupWithoutReps
        case .noReps: .noReps
        case .repNegativeBase: .repNegativeBase
        case .repNoBase: .repNoBase
        case .basePeriodEmpty: .basePeriodEmpty
        case .groupWithoutShares: .groupWithoutShares
        case .seasonWithoutRevenue: .seasonWithoutRevenue
        case .overflow: .overflow
        case .aboveBest: .aboveBest
        case .noBestPeriod: .noBestPeriod
        case .belowFloor: .belowFloor
        case .commitmentUnknownRep: .commitmentUnknownRep
        case .commitmentPeriod: .commitmentPeriod
        case .commitmentDuplicate: .commitmentDuplicate
        case .commitmentNegative: .commitmentNegative
        case .commitmentsUnreadable: .commitmentsUnreadable
        }
    }

    public var code: String { kind.rawValue }

    public var severity: Severity { kind.severity }

    public var message: String {
        switch self {
        case .expectedMapping(let what, let found): "expected a mapping for \(what), found \(found)"
        case .unknownKey(let key, let what, _): "unknown key `\(key)` in \(what)"
        case .missingKey(let key, let what, _): "\(what) needs `\(key)`"
        case .expectedScalar(let what, let found): "expected \(what), found \(found)"
        case .notNumber(let what, let text): "expected \(what) as a number, found `\(text)`"
        case .notWholeNumber(let what, let text): "expected \(what) as a whole number, found `\(text)`"
        case .outOfRange(let what, let value, let allowed): "\(what) must be \(allowed), found \(value)"
        case .unknownChoice(let what, let text, let options):
            "unknown \(what) `\(text)`; expected one of \(options.map { "`\($0)`" }.joined(separator: ", "))"
        case .notPeriod(let what, let text): "expected \(what) as a period (2026, 2026-Q3 or 2026-07), found `\(text)`"
        case .periodKind(let what, let found, let expected): "\(what) must be \(expected), found \(found)"
        case .expectedList(let what, let found): "expected \(what) as a list, found \(found)"
        case .conflictingKeys(let key, let other, let what): "\(what) takes `\(key)` or `\(other)`, not both"
        case .keyNeedsSplit(let key, let split, let actual): "`\(key)` is read only with `split: \(split)`; this level splits by `\(actual)`"
        case .weightsSum(let what, let sum): "the \(what) weights add up to \(sum), not 100 %"
        case .negativeWeight(let what): "the weight of \(what) is negative"
        case .unitNotPositive: "the rounding unit must be greater than 0"
        case .targetNotMultiple(let target, let unit): "the company target \(target) is not a whole number of units of \(unit)"
        case .unknownPeriodKey(let key, let year, let kind, _): "`\(key)` is not a \(kind.rawValue) of \(year)"
        case .duplicatePeriodKey(let key, let period): "`\(key)` names \(period) a second time"
        case .missingPeriods(let periods): "no weight for \(periods.map(\.description).joined(separator: ", "))"
        case .basePeriodNotBefore(let base, let year): "the base period \(base) is not before \(year): targets would be set on results not yet known"
        case .seasonalityBaseNotYear(let p): "seasonality is taken from a whole base year, not \(p)"
        case .unknownGroup(let name, let by, _): "no \(by) `\(name)` among the reps of the history"
        case .groupsMissing(let names, let by):
            "no weight for the \(by)\(names.count == 1 ? "" : "s") \(names.map { "`\($0)`" }.joined(separator: ", "))"
        case .noBaseRevenue(let base, let what): "no revenue in \(base) for \(what): there is nothing to take shares of"
        case .negativeBaseRevenue(let name, let base, let revenue): "\(name) has negative revenue in \(base) (\(revenue)): a share cannot be negative"
        case .groupWithoutReps(let group, let period): "`\(group)` has a target in \(period) but no rep active in it to carry it"
        case .noReps(let period): "no rep is active in \(period)"
        case .repNegativeBase(let rep, let base, let revenue): "rep \(rep) has negative revenue in \(base) (\(revenue)); its share counts as 0"
        case .repNoBase(let rep, let base): "rep \(rep) has no revenue in \(base) and gets no target by base-year share"
        case .basePeriodEmpty(let base): "the history holds no transaction in \(base)"
        case .groupWithoutShares(let group, let period, let base):
            "`\(group)` has a target in \(period) but none of its reps active then has revenue in \(base) to share it by"
        case .seasonWithoutRevenue(let periods, let base):
            "\(periods.map(\.description).joined(separator: ", ")) had no revenue in \(base): the same periods of the year planned get no target"
        case .overflow(let what): "\(what) exceeds the exact range (38 digits)"
        case .aboveBest(let rep, let period, let target, let multiple, let best, let bestPeriod, let limit):
            "rep \(rep): the \(period) target \(target) is \(multiple) × its best base period (\(best) in \(bestPeriod)), above the limit of \(limit) ×"
        case .noBestPeriod(let rep, let base): "rep \(rep) has no revenue in \(base) to judge its targets against"
        case .belowFloor(let rep, let period, let target, let floor): "rep \(rep): the \(period) target \(target) is below the floor of \(floor)"
        case .commitmentUnknownRep(let rep, _): "commitment for rep \"\(rep)\", who has no target in this plan"
        case .commitmentPeriod(let period, let year, let kind): "\(period) is not a \(kind.rawValue) of \(year), the year of the targets"
        case .commitmentDuplicate(let rep, let period, let line): "rep \(rep) has a second commitment for \(period) (first on line \(line))"
        case .commitmentNegative(let rep, let period): "rep \(rep): the commitment for \(period) is negative"
        case .commitmentsUnreadable(let path, let reason): "cannot read the commitments file \(path): \(reason)"
        }
    }

    public var help: String? {
        switch self {
        case .unknownKey(let key, let what, let known):
            Suggest.didYouMean(key, among: known) ?? "the keys of \(what) are " + known.map { "`\($0)`" }.joined(separator: ", ")
        case .missingKey(_, _, let help): help
        case .notNumber: "write plain digits, optionally a fraction or a percent: 12000000, 1.15, 20%"
        case .unknownChoice(_, let text, let options): Suggest.didYouMean(text, among: options)
        case .conflictingKeys: "keep one of them"
        case .keyNeedsSplit(_, let split, _): "write `split: \(split)`, or remove the key"
        case .weightsSum: "weights are shares of the whole: make them add up to exactly 100 %"
        case .targetNotMultiple: "round the target to the unit, or choose a unit that divides it"
        case .unknownPeriodKey(_, _, let kind, let suggestion):
            suggestion.map { "did you mean `\($0)`?" } ?? (kind == .quarter ? "write Q1, Q2, Q3, Q4" : "write 01 … 12")
        case .missingPeriods: "give every period of the year a weight (0 % is allowed)"
        case .seasonalityBaseNotYear: "write the year, e.g. `base: 2026`"
        case .unknownGroup(_, _, let suggestion): suggestion.map { "did you mean `\($0)`?" }
        case .groupsMissing: "give every group of active reps a weight (0 % is allowed)"
        case .noBaseRevenue: "choose a base period with sales, or give explicit weights"
        case .groupWithoutReps: "give the group a weight of 0 %, or assign reps to it"
        case .seasonWithoutRevenue: "if the history is incomplete, give explicit weights"
        case .groupWithoutShares: "split the group's reps `equal`, or choose a base period in which they sold"
        case .aboveBest: "check that the target is achievable, or raise `checks.stretch.max`"
        case .commitmentUnknownRep(_, let suggestion): suggestion.map { "did you mean `\($0)`?" }
        default: nil
        }
    }

    public func diagnostic(at range: SourceRange?, file: String? = nil) -> Diagnostic {
        Diagnostic(severity, code, message, at: range, file: file, help: help)
    }
}

/// The codes of `payplan targets`, with their severity and what each is
/// about (`payplan codes` lists them).
public enum TargetsCode: String, DiagnosticCode {
    case expectedMapping = "T801"
    case unknownKey = "T802"
    case missingKey = "T803"
    case expectedScalar = "T804"
    case notNumber = "T805"
    case notWholeNumber = "T806"
    case outOfRange = "T807"
    case unknownChoice = "T808"
    case notPeriod = "T809"
    case periodKind = "T810"
    case expectedList = "T811"
    case conflictingKeys = "T812"
    case keyNeedsSplit = "T813"
    case weightsSum = "T814"
    case negativeWeight = "T815"
    case unitNotPositive = "T816"
    case targetNotMultiple = "T817"
    case unknownPeriodKey = "T818"
    case duplicatePeriodKey = "T819"
    case missingPeriods = "T820"
    case basePeriodNotBefore = "T821"
    case seasonalityBaseNotYear = "T822"
    case unknownGroup = "T823"
    case groupsMissing = "T824"
    case noBaseRevenue = "T825"
    case negativeBaseRevenue = "T826"
    case groupWithoutReps = "T827"
    case noReps = "T828"
    case repNegativeBase = "T829"
    case repNoBase = "T830"
    case basePeriodEmpty = "T831"
    case groupWithoutShares = "T832"
    case seasonWithoutRevenue = "T833"
    case overflow = "T841"
    case aboveBest = "T861"
    case noBestPeriod = "T862"
    case belowFloor = "T863"
    case commitmentUnknownRep = "T871"
    case commitmentPeriod = "T872"
    case commitmentDuplicate = "T873"
    case commitmentNegative = "T874"
    case commitmentsUnreadable = "T875"

    public var severity: Severity {
        switch self {
        case .aboveBest, .basePeriodEmpty, .basePeriodNotBefore, .belowFloor, .noBestPeriod, .repNegativeBase, .repNoBase, .seasonWithoutRevenue:
            .warning
        default: .error
        }
    }

    public var title: String {
        switch self {
        case .expectedMapping: "a mapping expected"
        case .unknownKey: "an unknown key (with the closest known key)"
        case .missingKey: "a required key missing"
        case .expectedScalar: "a single value expected"
        case .notNumber: "not a number"
        case .notWholeNumber: "not a whole number"
        case .outOfRange: "a value out of its range"
        case .unknownChoice: "an unknown choice (with the closest one)"
        case .notPeriod: "not a period"
        case .periodKind: "a period of the wrong kind"
        case .expectedList: "a list expected"
        case .conflictingKeys: "two keys that exclude each other"
        case .keyNeedsSplit: "a key of another split"
        case .weightsSum: "weights not adding up to 100 %"
        case .negativeWeight: "a negative weight"
        case .unitNotPositive: "a rounding unit not above 0"
        case .targetNotMultiple: "a company target not in whole units"
        case .unknownPeriodKey: "a weight key that is no period of the year"
        case .duplicatePeriodKey: "a period weighted twice"
        case .missingPeriods: "periods without a weight"
        case .basePeriodNotBefore: "a base period not before the year planned"
        case .seasonalityBaseNotYear: "seasonality from less than a year"
        case .unknownGroup: "a team or region unknown to the history"
        case .groupsMissing: "teams or regions without a weight"
        case .noBaseRevenue: "no base revenue to take shares of"
        case .negativeBaseRevenue: "negative base revenue for a share"
        case .groupWithoutReps: "a team target with no rep to carry it"
        case .noReps: "no rep active in a period"
        case .repNegativeBase: "a rep with negative base revenue"
        case .repNoBase: "a rep without base revenue"
        case .basePeriodEmpty: "a base period without transactions"
        case .groupWithoutShares: "a team target none of whose reps has a share"
        case .seasonWithoutRevenue: "periods of the seasonality base without revenue"
        case .overflow: "a number beyond the exact range"
        case .aboveBest: "a target above a multiple of the rep's best base period"
        case .noBestPeriod: "a rep without base revenue to judge its target by"
        case .belowFloor: "a target below the floor"
        case .commitmentUnknownRep: "a commitment for a rep without a target"
        case .commitmentPeriod: "a commitment for a period outside the plan"
        case .commitmentDuplicate: "a second commitment for a rep and period"
        case .commitmentNegative: "a negative commitment"
        case .commitmentsUnreadable: "a commitments file that cannot be read"
        }
    }
}
