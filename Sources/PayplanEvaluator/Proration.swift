import PayplanChecker
import PayplanCompiler
import PayplanCore

/// Proration by months: a month counts when the rep is active on its first
/// day (hired on or before it, and not gone before it).
///
///     months_active                          10 for a rep hired 2026-03-01, in 2026
///     active_weight(20%, 20%, 20%, 40%)      20 % × 1/3 + 20 % + 20 % + 40 % = 86.67 %
enum Proration {
    /// The first day of each month of `period` (of a half-month: its own
    /// first day, the 1st or the 16th).
    static func monthStarts(_ period: Period) -> [CivilDate] {
        if period.kind == .halfMonth { return [period.start] }
        return (0..<period.monthCount).compactMap { CivilDate(year: period.year, month: period.firstMonth + $0, day: 1) }
    }

    static func activeOn(_ day: CivilDate, _ hire: CivilDate, _ exit: CivilDate?) -> Bool {
        hire <= day && (exit.map { day <= $0 } ?? true)
    }

    static func value(
        _ f: Function, _ args: [Value], _ hire: CivilDate, _ exit: CivilDate?, _ period: Period, _ range: SourceRange?
    ) throws(EvalError) -> Value {
        let months = monthStarts(period).map { activeOn($0, hire, exit) }
        guard f == .activeWeight else { return .number(Exact(months.filter { $0 }.count)) }
        // One weight per equal part of the period; each part's weight times
        // the share of its months the rep is active.
        guard !args.isEmpty, months.count % args.count == 0 else {
            throw EvalError(.invalid("`active_weight` has \(args.count) weights for a period of \(months.count) months"), range)
        }
        let per = months.count / args.count
        var total = Exact.zero
        do throws(ArithmeticError) {
            for (i, w) in args.enumerated() {
                guard case .number(let weight) = w else { throw .divisionByZero }
                let active = months[(i * per)..<((i + 1) * per)].filter { $0 }.count
                total = try total + weight * Exact(active) / Exact(per)
            }
        } catch {
            throw EvalError(.invalid("`active_weight` needs numbers as weights"), range)
        }
        return .number(total)
    }
}
