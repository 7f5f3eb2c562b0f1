import ArgumentParser
import Foundation
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLedger
import PayplanReports

#if canImport(Glibc)
    import Glibc
#endif

/// `--ledger FILE` for run, whatif, explain and statements: history of the
/// closed periods read from the ledger, and prior-period adjustments.
struct LedgerOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The period ledger: closed periods' history is read from it, and changes to them are paid as adjustments.", valueName: "file"))
    var ledger: String?

    /// The evaluator hook for the run of `period` (nil without --ledger).
    func history(_ plan: LoadedPlan, _ data: DataSet, _ period: Period) throws(Stop) -> (@Sendable (PeriodState) -> Void)? {
        guard let ledger else { return nil }
        let store = try LedgerSession.open(ledger, mode: .read)
        let name = plan.compiled.plan.name.value
        let recorded = try LedgerSession.check { () throws(LedgerProblem) in
            try LedgerHistory.recorded(store, planName: name, plan: plan.compiled, running: period)
        }
        return LedgerHistory.hook(recorded, plan: plan.compiled, data: data)
    }

    /// Adds the `adjustment` column to a run's report (with --ledger).
    func adjust(_ report: inout PayoutReport, _ plan: LoadedPlan, _ data: DataSet, _ period: Period, _ options: DataOptions) throws(Stop)
        -> [PriorAdjustment]
    {
        guard ledger != nil else { return [] }
        let adjustments = try self.adjustments(plan, period, options)
        AdjustedReport.apply(&report, adjustments, data: data)
        return adjustments
    }

    /// The prior-period adjustments due in `period` ([] without --ledger).
    func adjustments(_ plan: LoadedPlan, _ period: Period, _ options: DataOptions) throws(Stop) -> [PriorAdjustment] {
        guard let ledger else { return [] }
        let store = try LedgerSession.open(ledger, mode: .read)
        let name = plan.compiled.plan.name.value
        if let closed = try? Ledger.close(store, plan: name, period: period.description) {
            Console.error(
                "note: \(name) \(period) is closed in \(ledger) (by \(closed.closedBy) at \(closed.closedAt)): this is a recomputation; `payplan ledger show` prints what was paid\n"
            )
        }
        return try LedgerSession.adjustments(store, plan, period, options)
    }
}

/// What the ledger commands share.
enum LedgerSession {
    static func open(_ path: String, mode: LedgerStore.Mode) throws(Stop) -> LedgerStore {
        try check { () throws(LedgerProblem) in try LedgerStore.open(path, mode: mode) }
    }

    /// Runs a ledger step; a problem is printed with its code and becomes the exit status.
    static func check<T>(_ body: () throws(LedgerProblem) -> T) throws(Stop) -> T {
        do {
            return try body()
        } catch {
            Console.error(error.description + "\n")
            throw Stop(code: error.exitCode)
        }
    }

    static func adjustments(_ store: LedgerStore, _ plan: LoadedPlan, _ period: Period, _ options: DataOptions) throws(Stop) -> [PriorAdjustment] {
        do {
            return try Adjustments.compute(
                store, planName: plan.compiled.plan.name.value, running: period, directory: options.data,
                threads: options.threads ?? DataLoader.processorCount)
        } catch {
            Console.error(error.message.hasSuffix("\n") ? error.message : error.message + "\n")
            throw Stop(code: error.exitCode)
        }
    }

    /// The adjustments, one sentence each, for stderr.
    static func describe(_ adjustments: [PriorAdjustment], _ plan: LoadedPlan, language: Language) -> String {
        if adjustments.isEmpty { return "" }
        let f = Formatter(plan: plan.compiled.plan)
        var sum = Exact.zero
        for a in adjustments { sum = (try? sum + a.amount) ?? sum }
        let reps = Set(adjustments.map(\.repID)).count
        var text =
            language == .zh
            ? "前期调整：\(reps) 人，合计 \(sum.isNegative ? f.money(sum) : "+" + f.money(sum))\n"
            : "prior-period adjustments: \(reps) rep\(reps == 1 ? "" : "s"), \(sum.isNegative ? f.money(sum) : "+" + f.money(sum)) in all\n"
        for a in adjustments { text += "  \(a.repID): \(a.sentence(language, f))\n" }
        return text
    }

    static func language(_ flag: String?, _ plan: LoadedPlan) -> Language {
        Language.choose(flag: flag, plan: plan.compiled.plan, environment: getenv("LANG").map { String(cString: $0) })
    }

    /// `--by` when given, else the login name.
    static func who(_ by: String?) -> String {
        if let by, !by.isEmpty { return by }
        for name in ["LOGNAME", "USER"] {
            if let v = getenv(name), !String(cString: v).isEmpty { return String(cString: v) }
        }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    /// Now, as ISO 8601 in UTC to the second.
    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}
