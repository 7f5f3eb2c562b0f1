import Dispatch
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports
import Synchronization

public struct WorkbenchOptions: Sendable {
    public var data: String
    public var ledger: String?
    /// The pages' language when a request names none (default: the plan's locale).
    public var language: Language?
    /// Periods to offer instead of those found in targets.csv.
    public var periods: [Period]
    public var threads: Int
    /// Requests allowed to wait for an evaluation; more get 503.
    public var maxQueued: Int

    public init(
        data: String, ledger: String? = nil, language: Language? = nil, periods: [Period] = [], threads: Int = DataLoader.processorCount,
        maxQueued: Int = 64
    ) {
        self.data = data
        self.ledger = ledger
        self.language = language
        self.periods = periods
        self.threads = threads
        self.maxQueued = maxQueued
    }
}

/// The workbench's state and its one evaluation lane. Everything that reads
/// data or evaluates runs on one serial queue: evaluations never overlap
/// (each already uses every core), so memory holds one candidate at a time
/// however many requests arrive; requests beyond `maxQueued` waiting are
/// refused with 503 instead of piling up. The caches below are touched only
/// on that queue.
public final class Workbench: @unchecked Sendable {
    public let base: BasePlan
    public let options: WorkbenchOptions
    let queue = DispatchQueue(label: "payplan.serve.evaluations", qos: .userInitiated)
    let waiting = Mutex<Int>(0)

    // MARK: State, on `queue` only

    var loaded: LoadedData?
    /// Base results by period, the most recent last (a 100k-rep result holds
    /// ~300 MB of slot values: few are kept).
    var baseResults: [(Period, Result<EvaluationResult, ServeProblem>)] = []
    var pages: [(String, PeriodPages)] = []
    /// The last data set read for a candidate whose transaction scan differs.
    var rescan: (key: String, data: DataSet)?
    /// Answers by (period, candidate fingerprint), most recent last.
    var answers: [(String, WhatIfAnswer)] = []

    static let keptResults = 2
    static let keptPages = 2
    static let keptAnswers = 64

    public init(base: BasePlan, options: WorkbenchOptions) {
        self.base = base
        self.options = options
    }

    /// Runs `body` on the evaluation lane.
    func lane<T: Sendable>(_ body: @escaping @Sendable (Workbench) throws(ServeProblem) -> T) async throws(ServeProblem) -> T {
        let limit = options.maxQueued
        let admitted = waiting.withLock { n -> Bool in
            guard n < limit else { return false }
            n += 1
            return true
        }
        guard admitted else { throw .busy(queued: limit) }
        let result: Result<T, ServeProblem> = await withCheckedContinuation { continuation in
            queue.async {
                let r = Result { () throws(ServeProblem) -> T in try body(self) }
                self.waiting.withLock { $0 -= 1 }
                continuation.resume(returning: r)
            }
        }
        return try result.get()
    }

    /// Reads the data folder at start, so the first page is quick; problems
    /// are kept for the pages to show.
    public func warmUp() async -> LoadedDataSummary {
        (try? await lane { w throws(ServeProblem) in w.data().summary }) ?? LoadedDataSummary(periods: [], problems: [], reps: 0, transactions: 0)
    }

    // MARK: - Data

    /// The folder as it is now: read again when any file changed since the
    /// last read (all caches built on the old files dropped with it).
    func data() -> LoadedData {
        let fingerprint = DataFingerprint.of(directory: options.data, plan: base.plan)
        if let loaded, loaded.fingerprint == fingerprint { return loaded }
        baseResults = []
        pages = []
        rescan = nil
        answers = []
        let fresh = LoadedData.read(options.data, plan: base.compiled, fingerprint: fingerprint, periods: options.periods, threads: options.threads)
        loaded = fresh
        return fresh
    }

    /// The data set for a plan: the base's when it scans transactions the
    /// same way (a threshold, a rate, a prize changed), else read again for
    /// it (a number inside a filter changed) and kept for the next change.
    func dataSet(for plan: CompiledPlan, period: Period) throws(ServeProblem) -> DataSet {
        let current = data()
        let dataSet = try current.dataSet()
        let wanted: [Period]
        switch Evaluator.periods(for: plan, running: period) {
        case .success(let p): wanted = p
        case .failure(let d): throw .candidateFails("period", d)
        }
        let have = Set(dataSet.periods.map(\.period.ordinal))
        let key = LoadedData.scanKey(plan)
        if key == current.scanKey && wanted.allSatisfy({ have.contains($0.ordinal) }) { return dataSet }
        if let rescan, rescan.key == key + "|\(wanted)" { return rescan.data }
        rescan = nil
        let result = DataLoader.load(directory: options.data, plan: plan, periods: wanted, threads: options.threads)
        guard let fresh = result.data, result.problems.isEmpty else { throw .dataProblems(result.problems.map(\.diagnostic)) }
        rescan = (key + "|\(wanted)", fresh)
        return fresh
    }

    /// The plan in force evaluated for `period` (no traces).
    func baseResult(_ period: Period) throws(ServeProblem) -> EvaluationResult {
        let current = data()
        guard current.offered.contains(period) else { throw .unknownPeriod(period.description, offered: current.offered.map(\.description)) }
        if let hit = baseResults.first(where: { $0.0 == period }) { return try hit.1.get() }
        let outcome = Result { () throws(ServeProblem) -> EvaluationResult in
            try Workbench.evaluate(base.compiled, current.dataSet(), period, threads: options.threads, trace: .none)
        }
        baseResults.append((period, outcome))
        if baseResults.count > Workbench.keptResults { baseResults.removeFirst() }
        return try outcome.get()
    }

    static func evaluate(_ plan: CompiledPlan, _ data: DataSet, _ period: Period, threads: Int, trace: TraceSelection) throws(ServeProblem)
        -> EvaluationResult
    {
        let result: EvaluationResult
        do {
            result = try Evaluator.evaluate(plan: plan, data: data, period: period, options: EvaluationOptions(threads: threads, trace: trace))
        } catch {
            throw .baseFails(error.diagnostic)
        }
        if !result.problems.isEmpty { throw .dataProblems(Diagnostic.sorted(result.problems.map(\.diagnostic))) }
        return result
    }
}

/// A data folder read for the plan in force: every offered period's
/// transactions aggregated in one pass, or the problems that stop it.
struct LoadedData {
    var fingerprint: DataFingerprint
    var offered: [Period]
    var outcome: Result<DataSet, ServeProblem>
    var scanKey: String

    func dataSet() throws(ServeProblem) -> DataSet { try outcome.get() }

    var summary: LoadedDataSummary {
        switch outcome {
        case .success(let d):
            return LoadedDataSummary(periods: offered, problems: [], reps: d.repCount, transactions: d.transactionCount)
        case .failure(let p):
            return LoadedDataSummary(periods: offered, problems: p.diagnostics, reps: 0, transactions: 0)
        }
    }

    /// What the transaction scan of a plan depends on: two plans with the
    /// same key read identical data sets.
    static func scanKey(_ plan: CompiledPlan) -> String {
        let p = plan.plan
        return [
            String(describing: plan.scan), String(describing: TableKind.allCases.map { p.data.table($0) }), p.period.value.rawValue,
            "\(p.rounding.scale) \(p.rounding.mode)", String(describing: plan.neededInHistory),
        ].joined(separator: "\n")
    }

    static func read(_ directory: String, plan: CompiledPlan, fingerprint: DataFingerprint, periods: [Period], threads: Int) -> LoadedData {
        let offered = periods.isEmpty ? OfferedPeriods.read(directory: directory, plan: plan) : periods
        var needed: Set<Int> = []
        for p in offered {
            if case .success(let list) = Evaluator.periods(for: plan, running: p) { needed.formUnion(list.map(\.ordinal)) }
        }
        let kind = plan.plan.period.value
        let all = needed.sorted().map { Period(kind: kind, ordinal: $0) }
        let result = DataLoader.load(directory: directory, plan: plan, periods: all, threads: threads)
        let outcome: Result<DataSet, ServeProblem>
        if let data = result.data, result.problems.isEmpty {
            outcome = .success(data)
        } else {
            outcome = .failure(.dataProblems(Diagnostic.sorted(result.problems.map(\.diagnostic))))
        }
        return LoadedData(fingerprint: fingerprint, offered: offered, outcome: outcome, scanKey: scanKey(plan))
    }
}

public struct LoadedDataSummary: Sendable {
    public var periods: [Period]
    public var problems: [Diagnostic]
    public var reps: Int
    public var transactions: Int
}
