import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanRules

/// A rep of the history folder's reps.csv.
public struct HistoryRep: Sendable {
    public var id: String
    public var name: String
    public var team: String
    public var region: String
    public var hire: CivilDate
    public var exit: CivilDate?
    /// The rep's line in reps.csv.
    public var line: Int

    public init(id: String, name: String, team: String, region: String, hire: CivilDate, exit: CivilDate?, line: Int) {
        self.id = id
        self.name = name
        self.team = team
        self.region = region
        self.hire = hire
        self.exit = exit
        self.line = line
    }

    public func group(by column: String) -> String { column == "region" ? region : team }

    /// Whether the rep works on `day`: from hire_date through exit_date.
    public func isActive(on day: CivilDate) -> Bool { hire <= day && (exit.map { day <= $0 } ?? true) }
}

/// What the targets are set from: the reps and their actual revenue per
/// month, read from a Payplan data folder with the same reader and the same
/// checks as `payplan run` (bad data stops, every problem listed).
public struct History: Sendable {
    public var directory: String
    /// In rep_id order (by code point).
    public var reps: [HistoryRep]
    /// Month ordinal → revenue per rep (same order as `reps`).
    var monthly: [Int: [Exact]]
    /// Months holding at least one transaction.
    var monthsWithData: Set<Int>

    public init(directory: String, reps: [HistoryRep], monthly: [Int: [Exact]], monthsWithData: Set<Int>) {
        self.directory = directory
        self.reps = reps
        self.monthly = monthly
        self.monthsWithData = monthsWithData
    }

    public func index(of id: String) -> Int? { reps.firstIndex { CodePoint.equal($0.id, id) } }

    /// The rep's revenue in a period: the sum of its months (all read).
    public func revenue(_ rep: Int, in period: Period) throws(ArithmeticError) -> Exact {
        var sum = Exact.zero
        for m in period.months { sum = try sum + (monthly[m.ordinal]?[rep] ?? .zero) }
        return sum
    }

    /// Whether any transaction of the history is dated in the period.
    public func hasData(in period: Period) -> Bool { period.months.contains { monthsWithData.contains($0.ordinal) } }
}

extension Period {
    /// The calendar months of the period.
    public var months: [Period] {
        var out: [Period] = []
        var m = Period(containing: start, kind: .month)
        while m.start <= end {
            out.append(m)
            m = m.next
        }
        return out
    }
}

public struct HistoryLoad: Sendable {
    public var history: History?
    /// Errors: nothing is decomposed on bad data.
    public var problems: [Diagnostic]
    public var warnings: [Diagnostic]
    /// The folder or a file cannot be read at all (a usage error, not bad data).
    public var unreadable: Bool
}

public enum HistoryLoader {
    /// The plan the history is read with: revenue and a transaction count per
    /// rep and month, every rep of reps.csv evaluated (output columns, so the
    /// period's table keeps them). The history folder's
    /// targets.csv is not read (the file named here does not exist).
    static let planText = """
        plan: targets history
        currency: CNY
        rounding: {scale: 2, mode: half_away_from_zero}
        period: month
        data:
          targets: {file: "(targets are not read from the history)"}
        population:
          when: "true"
        metrics:
          revenue: sum(tx.amount)
          deals: count(tx)
        output: [revenue, deals]
        """

    public static func load(directory: String, months: [Period], threads: Int? = nil) -> HistoryLoad {
        let load = PlanPipeline.load(text: planText, file: "(history plan)")
        guard let checked = load.checked, let plan = Compiler.compile(checked).0 else {
            preconditionFailure("the built-in history plan does not compile: \(load.diagnostics)")
        }
        let sorted = Array(Set(months)).sorted()
        let result = DataLoader.load(directory: directory, plan: plan, periods: sorted, threads: threads)
        let targetsFile = plan.plan.data.targets.file
        let problems = result.problems.map(\.diagnostic).filter { !($0.file ?? "").hasSuffix(targetsFile) }
        let unreadable = problems.contains { $0.is(DataCode.noFolder) || $0.is(DataCode.cannotRead) }
        guard let data = result.data, !problems.contains(where: { $0.severity == .error }) else {
            return HistoryLoad(history: nil, problems: problems, warnings: result.warnings, unreadable: unreadable)
        }
        var monthly: [Int: [Exact]] = [:]
        var withData: Set<Int> = []
        let order = data.repOrder
        let revenueSlot = plan.slots.firstIndex { $0.name == "revenue" }!
        let dealsSlot = plan.slots.firstIndex { $0.name == "deals" }!
        for month in sorted {
            let r: EvaluationResult
            do {
                r = try Evaluator.evaluate(
                    plan: plan, data: data, period: month, options: EvaluationOptions(threads: threads ?? Parallel.processorCount))
            } catch {
                return HistoryLoad(history: nil, problems: [error.diagnostic], warnings: [], unreadable: false)
            }
            monthly[month.ordinal] = order.map { r.current.value(revenueSlot, $0).number ?? .zero }
            if order.contains(where: { (r.current.value(dealsSlot, $0).number ?? .zero).isPositive }) { withData.insert(month.ordinal) }
        }
        let reps = order.map { rep(data, $0) }
        return HistoryLoad(
            history: History(directory: directory, reps: reps, monthly: monthly, monthsWithData: withData), problems: [],
            warnings: result.warnings, unreadable: false)
    }

    static func rep(_ data: DataSet, _ i: Int) -> HistoryRep {
        func column(_ name: String) -> String { data.reps.columnIndex(name).map { data.reps.text($0, i) } ?? "" }
        return HistoryRep(
            id: data.repIDs[i], name: column("name"), team: column("team"), region: column("region"), hire: data.hire[i], exit: data.exit[i],
            line: data.reps.lines[i])
    }
}
