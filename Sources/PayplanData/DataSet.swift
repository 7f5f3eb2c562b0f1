import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// One retained transaction, for running totals.
public struct TxEntry: Sendable {
    public var date: CivilDate
    public var deal: String
    public var value: Exact
    public var line: Int
}

/// An accumulator's result for every rep of one period.
public enum AccumulatorValues: Sendable {
    case sum(units: [Int128], counts: [Int32])
    case count([Int32])
    case extreme(values: [Value], counts: [Int32])
    case exactSum(values: [Exact], counts: [Int32])

    public func value(_ rep: Int) -> Value {
        switch self {
        case .sum(let units, _): return .number(Fixed.exact(units[rep]))
        case .count(let c): return .number(Exact(Int(c[rep])))
        case .extreme(let v, _): return v[rep]
        case .exactSum(let v, _): return .number(v[rep])
        }
    }

    /// How many transactions went into the rep's value.
    public func count(_ rep: Int) -> Int {
        switch self {
        case .sum(_, let c), .count(let c), .extreme(_, let c), .exactSum(_, let c): return Int(c[rep])
        }
    }
}

/// A retained list's entries for every rep of one period, each rep's run
/// sorted by (date, deal_id, line).
public struct ListValues: Sendable {
    public var entries: [TxEntry]
    /// entries[offsets[r] ..< offsets[r + 1]] belong to rep r.
    public var offsets: [Int]

    public func entries(of rep: Int) -> ArraySlice<TxEntry> { entries[offsets[rep]..<offsets[rep + 1]] }
}

public struct PeriodData: Sendable {
    public var period: Period
    public var accumulators: [AccumulatorValues]
    public var lists: [ListValues]
}

/// Everything the evaluator reads: the small tables whole, and the
/// transactions already aggregated per rep and period.
public struct DataSet: Sendable {
    public var directory: String
    public var reps: Table
    public var repIDs: [String]
    /// Rep indexes in rep_id order (by code point): evaluation walks reps in
    /// this order so populations come out sorted without sorting.
    public var repOrder: [Int]
    /// Reps whose own row is bad (a duplicate id, an unreadable field); never paid.
    public var invalidReps: Set<Int>
    public var hire: [CivilDate]
    public var exit: [CivilDate?]
    public var products: Table
    public var targets: Table
    /// Period ordinal → per rep, the targets row (or -1).
    public var targetRows: [Int: [Int32]]
    /// The periods evaluated, in order.
    public var periods: [PeriodData]
    public var transactionCount: Int
    public var warnings: [Diagnostic]

    public var repCount: Int { repIDs.count }

    public func repIndex(_ id: String) -> Int? {
        repIDs.firstIndex { CodePoint.equal($0, id) }
    }

    /// Days of `period` on which the rep is active: from hire_date through
    /// exit_date when set, both inclusive.
    public func activeDays(_ rep: Int, _ period: Period) -> Int {
        let s = max(hire[rep], period.start)
        let e = min(exit[rep] ?? period.end, period.end)
        return e < s ? 0 : e.days(since: s) + 1
    }

    public func targetRow(_ rep: Int, _ period: Period) -> Int? {
        guard let rows = targetRows[period.ordinal] else { return nil }
        let r = rows[rep]
        return r < 0 ? nil : Int(r)
    }
}
