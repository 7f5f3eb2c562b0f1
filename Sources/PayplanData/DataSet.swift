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

/// An accumulator's result for every rep of one period: a struct of typed
/// arrays, so reading a rep's value borrows instead of copying an array.
public struct AccumulatorValues: Sendable {
    public enum Kind: Sendable {
        case sum, count, extreme, exactSum
    }

    public let kind: Kind
    let units: [Int128]
    let counts: [Int32]
    let values: [Value]
    let exacts: [Exact]

    public static func sum(units: [Int128], counts: [Int32]) -> AccumulatorValues {
        AccumulatorValues(kind: .sum, units: units, counts: counts, values: [], exacts: [])
    }

    public static func count(_ counts: [Int32]) -> AccumulatorValues {
        AccumulatorValues(kind: .count, units: [], counts: counts, values: [], exacts: [])
    }

    public static func extreme(values: [Value], counts: [Int32]) -> AccumulatorValues {
        AccumulatorValues(kind: .extreme, units: [], counts: counts, values: values, exacts: [])
    }

    public static func exactSum(values: [Exact], counts: [Int32]) -> AccumulatorValues {
        AccumulatorValues(kind: .exactSum, units: [], counts: counts, values: [], exacts: values)
    }

    public func value(_ rep: Int) -> Value {
        switch kind {
        case .sum: return .number(Fixed.exact(units[rep]))
        case .count: return .number(Exact(Int(counts[rep])))
        case .extreme: return values[rep]
        case .exactSum: return .number(exacts[rep])
        }
    }

    /// How many transactions went into the rep's value.
    public func count(_ rep: Int) -> Int { Int(counts[rep]) }
}

/// A retained transaction as the scan keeps it: plain numbers only, the
/// deal id as a span of the mapped file. 10 million of these would be no
/// heap objects at all; a `TxEntry` is made only when a rep's list is read.
public struct RawEntry: Sendable {
    var rep: Int32
    var period: Int32
    var day: Int32
    var line: Int32
    var dealStart: Int
    var dealLength: Int32
    var dealEscaped: Bool
    /// The value in 10⁻⁹ units, or (when `exact >= 0`) an index into the
    /// list's side table of exact values (values of formulas).
    var units: Int128
    var exact: Int32
}

/// A retained list's entries for every rep of one period, each rep's run
/// sorted by (date, deal_id, line).
public struct ListValues: Sendable {
    let raw: [RawEntry]
    let exact: [Exact]
    let file: MappedFile?
    /// raw[offsets[r] ..< offsets[r + 1]] belong to rep r.
    let offsets: [Int]

    init(raw: [RawEntry], exact: [Exact], file: MappedFile?, offsets: [Int]) {
        self.raw = raw
        self.exact = exact
        self.file = file
        self.offsets = offsets
    }

    public var count: Int { raw.count }

    /// Every rep's entries, rep by rep.
    public var allEntries: [TxEntry] { raw.map(entry) }

    /// The rep's retained transactions, in (date, deal_id) order.
    public func entries(of rep: Int) -> [TxEntry] {
        guard rep + 1 < offsets.count else { return [] }
        return raw[offsets[rep]..<offsets[rep + 1]].map(entry)
    }

    func entry(_ e: RawEntry) -> TxEntry {
        TxEntry(date: CivilDate(dayNumber: e.day), deal: deal(e), value: e.exact >= 0 ? exact[Int(e.exact)] : Fixed.exact(e.units), line: Int(e.line))
    }

    func deal(_ e: RawEntry) -> String {
        guard let base = file?.bytes.baseAddress else { return "" }
        return FieldText.string(base, from: e.dealStart, to: e.dealStart + Int(e.dealLength), escaped: e.dealEscaped)
    }
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

    /// The rep with this id (the first row, if the id is duplicated).
    /// Binary search over `repOrder`: what-if looks up every rep of both
    /// plans, and a linear scan made that quadratic (12.8 s on 10k reps).
    public func repIndex(_ id: String) -> Int? {
        var lo = 0
        var hi = repOrder.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if CodePoint.less(repIDs[repOrder[mid]], id) { lo = mid + 1 } else { hi = mid }
        }
        var found: Int?
        while lo < repOrder.count, CodePoint.equal(repIDs[repOrder[lo]], id) {
            found = min(found ?? Int.max, repOrder[lo])
            lo += 1
        }
        return found
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
