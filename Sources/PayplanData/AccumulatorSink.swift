import CPrefetch
import PayplanCompiler
import PayplanCore

/// Layer 3 of the data stage: where decoded transaction rows go.
///
/// Each accumulator of the scan plan is a lane: a per-(period, rep) cell
/// value fed by every row that passes its filter. The sink adds a row to its
/// cell's lanes, a few rows after the row was decoded so the cell's cache
/// line can be fetched meanwhile; keeps the rows of transaction lists; and
/// merges the sinks of the file's chunks in file order. Sums stay exact:
/// an Int128 sum that leaves the range is counted, never wrapped silently.

/// How one accumulator lane is fed.
enum Lane: Equatable {
    /// Counts the rows (`count(...)`).
    case count
    /// Sums a decimal column of the scan in Int128 fixed point (`sum(tx.amount)`).
    case decimalSum(column: Int)
    /// Anything else — a sum of a formula, a minimum, a maximum — evaluated
    /// per row on the general path (`GeneralLanes`).
    case general

    static func lanes(_ plan: ScanPlan) -> [Lane] {
        plan.accumulators.map { acc in
            switch (acc.kind, acc.value) {
            case (.count, _): .count
            case (.sum, .column(let k)?) where plan.txColumns[k].type.isNumeric: .decimalSum(column: k)
            default: .general
            }
        }
    }
}

/// The accumulators of every (period, rep) cell: a cell's sums and counts
/// side by side in one block aligned to a cache line, so a row touches one
/// line (two when a plan has more than three accumulators). Rows come in no
/// particular rep order and the cells of 100,000 reps outgrow the cache:
/// with sums and counts in separate arrays each row paid two cache misses
/// here (measured: about a third of the scan's samples under `perf`).
struct CellStore: @unchecked Sendable {
    let memory: UnsafeMutableRawPointer
    let stride: Int
    let countOffset: Int

    /// nil when the memory cannot be had.
    init?(cells: Int, lanes: Int) {
        countOffset = 16 * lanes
        stride = (20 * lanes + 15) & ~15
        let (bytes, overflow) = cells.multipliedReportingOverflow(by: stride)
        guard !overflow, let memory = HugePages.allocate(bytes: bytes) else { return nil }
        self.memory = memory
    }

    func deallocate() { HugePages.deallocate(memory) }

    @inline(__always) func sum(_ cell: Int, _ lane: Int) -> Int128 {
        memory.load(fromByteOffset: cell &* stride &+ lane &* 16, as: Int128.self)
    }

    @inline(__always) func setSum(_ cell: Int, _ lane: Int, _ value: Int128) {
        memory.storeBytes(of: value, toByteOffset: cell &* stride &+ lane &* 16, as: Int128.self)
    }

    @inline(__always) func count(_ cell: Int, _ lane: Int) -> Int32 {
        memory.load(fromByteOffset: cell &* stride &+ countOffset &+ lane &* 4, as: Int32.self)
    }

    @inline(__always) func addCount(_ cell: Int, _ lane: Int, _ n: Int32) {
        let offset = cell &* stride &+ countOffset &+ lane &* 4
        memory.storeBytes(of: memory.load(fromByteOffset: offset, as: Int32.self) &+ n, toByteOffset: offset, as: Int32.self)
    }

    /// Asks for every cache line of the cell (one, for up to three lanes).
    @inline(__always) func prefetch(_ cell: Int) {
        let start = Int(bitPattern: memory) &+ cell &* stride
        var line = start & ~63
        while line < start &+ stride {
            payplan_prefetch(UnsafeRawPointer(bitPattern: line))
            line &+= 64
        }
    }
}

/// The Int128 sums that went past the range, by (cell, lane): how many
/// times (+1 up, −1 down), so the true sum is the stored one plus that
/// many 2¹²⁸ whatever the order of the additions — hence whatever the
/// number of chunks — and the line where the running sum first left the
/// range. A sum is out of range when its count is not 0 at the end.
struct SumWraps {
    private(set) var wraps: [Int: Int] = [:]
    private(set) var firstLine: [Int: Int] = [:]

    mutating func add(_ key: Int, up: Bool, line: Int?) {
        let n = wraps[key, default: 0] + (up ? 1 : -1)
        wraps[key] = n
        if n != 0, firstLine[key] == nil, let line { firstLine[key] = line }
    }

    mutating func absorb(_ other: SumWraps) {
        for (key, n) in other.wraps { wraps[key, default: 0] += n }
    }

    /// (cell × lanes + lane) of the sums out of range, in order.
    var outOfRange: [Int] { wraps.filter { $0.value != 0 }.keys.sorted() }
}

/// Adds rows to their cells' lanes, `lookahead` rows behind the decoder:
/// each row's cell is prefetched when it is queued and added when the ring
/// is full, by which time the cell's line has arrived.
struct AccumulatorSink {
    static let lookahead = 8

    let store: CellStore
    let laneCount: Int
    private let lanes: UnsafeMutablePointer<Lane>
    /// Per lane, the filter that must hold (−1: none), and the scan column
    /// it sums (−1: none).
    private let filterOf: UnsafeMutablePointer<Int>
    private let columnOf: UnsafeMutablePointer<Int>
    // The ring of rows waiting for their cells: per row its cell and line,
    // and per lane whether the row counts and what it adds.
    private let ringCells: UnsafeMutablePointer<Int>
    private let ringLines: UnsafeMutablePointer<Int>
    private let ringUnits: UnsafeMutablePointer<Int128>
    private let ringCounts: UnsafeMutablePointer<Bool>
    private var first = 0
    private var pending = 0
    private(set) var wraps = SumWraps()

    /// nil when the cells do not fit in memory.
    init?(cells: Int, lanes: [Lane], filters: [Int?]) {
        guard let store = CellStore(cells: cells, lanes: lanes.count) else { return nil }
        self.store = store
        laneCount = lanes.count
        let n = max(lanes.count, 1)
        self.lanes = .allocate(capacity: n)
        self.lanes.initialize(from: lanes, count: lanes.count)
        filterOf = .allocate(capacity: n)
        columnOf = .allocate(capacity: n)
        for (a, lane) in lanes.enumerated() {
            filterOf[a] = filters[a] ?? -1
            if case .decimalSum(let column) = lane { columnOf[a] = column } else { columnOf[a] = -1 }
        }
        let k = AccumulatorSink.lookahead
        ringCells = .allocate(capacity: k)
        ringLines = .allocate(capacity: k)
        ringUnits = .allocate(capacity: k * n)
        ringCounts = .allocate(capacity: k * n)
    }

    func deallocate() {
        store.deallocate()
        lanes.deinitialize(count: laneCount)
        lanes.deallocate()
        filterOf.deallocate()
        columnOf.deallocate()
        ringCells.deallocate()
        ringLines.deallocate()
        ringUnits.deallocate()
        ringCounts.deallocate()
    }

    func lane(_ a: Int) -> Lane { lanes[a] }

    /// Queues a row — per lane, whether its filter lets the row through and
    /// the decimal it adds — and prefetches its cell; adds the oldest queued
    /// row when the ring is full.
    @inline(__always)
    mutating func enqueue(cell: Int, line: Int, units: UnsafePointer<Int128>, filters: UnsafePointer<Bool>) {
        let k = AccumulatorSink.lookahead
        if pending == k {
            add(at: first)
            first = (first &+ 1) % k
            pending &-= 1
        }
        let slot = (first &+ pending) % k
        ringCells[slot] = cell
        ringLines[slot] = line
        let at = slot &* laneCount
        for a in 0..<laneCount {
            let f = filterOf[a]
            ringCounts[at &+ a] = f < 0 || filters[f]
            let column = columnOf[a]
            if column >= 0 { ringUnits[at &+ a] = units[column] }
        }
        pending &+= 1
        store.prefetch(cell)
    }

    /// Adds the queued rows.
    mutating func drain() {
        let k = AccumulatorSink.lookahead
        while pending > 0 {
            add(at: first)
            first = (first &+ 1) % k
            pending &-= 1
        }
    }

    /// Adds a row now (rows on the general path, which are not queued).
    mutating func addNow(cell: Int, line: Int, units: UnsafePointer<Int128>, filters: UnsafePointer<Bool>) {
        for a in 0..<laneCount {
            let f = filterOf[a]
            if f >= 0 && !filters[f] { continue }
            let column = columnOf[a]
            add(cell, a, line, column >= 0 ? units[column] : 0)
        }
    }

    @inline(__always)
    private mutating func add(at slot: Int) {
        let at = slot &* laneCount
        let (cell, line) = (ringCells[slot], ringLines[slot])
        for a in 0..<laneCount where ringCounts[at &+ a] {
            add(cell, a, line, columnOf[a] >= 0 ? ringUnits[at &+ a] : 0)
        }
    }

    /// Counts the row in lane `a` and adds `x` to the lane's sum (0 for
    /// lanes that do not sum), counting the sum's trips past the range.
    @inline(__always)
    private mutating func add(_ cell: Int, _ a: Int, _ line: Int, _ x: Int128) {
        store.addCount(cell, a, 1)
        guard x != 0 else { return }
        let (v, o) = store.sum(cell, a).addingReportingOverflow(x)
        store.setSum(cell, a, v)
        if o { wraps.add(cell &* laneCount &+ a, up: x > 0, line: line) }
    }

    /// Adds another chunk's counts and sums, cell by cell.
    mutating func absorb(_ other: AccumulatorSink, cells: Int) {
        for cell in 0..<cells {
            for a in 0..<laneCount {
                store.addCount(cell, a, other.store.count(cell, a))
                let x = other.store.sum(cell, a)
                let (v, o) = store.sum(cell, a).addingReportingOverflow(x)
                store.setSum(cell, a, v)
                if o { wraps.add(cell &* laneCount &+ a, up: x > 0, line: nil) }
            }
        }
        wraps.absorb(other.wraps)
    }
}

/// The general lanes' values per cell: exact sums of formulas (rationals),
/// and minima and maxima.
struct GeneralLanes {
    private(set) var exactSums: [[Exact]]
    private(set) var extremes: [[Value]]
    /// An exact sum could not be added (a value beyond the exact range).
    /// Where that happens depends on the order of the additions, so a scan
    /// in chunks where it happened is done again in one piece.
    private(set) var sumFailed = false

    init(_ plan: ScanPlan, cells: Int) {
        exactSums = plan.accumulators.map { a in
            if a.kind == .sum, case .expr = a.value { return [Exact](repeating: .zero, count: cells) }
            return []
        }
        extremes = plan.accumulators.map { a in a.kind == .min || a.kind == .max ? [Value](repeating: .missing, count: cells) : [] }
    }

    /// Adds `value` to lane `a` of `cell`: a sum, or a new minimum or maximum.
    mutating func add(_ a: Int, _ cell: Int, _ value: Value, isMin: Bool) throws(EvalFailure) {
        if !exactSums[a].isEmpty {
            guard case .number(let x) = value else { throw EvalFailure.missingValue }
            do throws(EvalFailure) {
                exactSums[a][cell] = try Semantics.binary(.add, .number(exactSums[a][cell]), .number(x)).number ?? .zero
            } catch {
                sumFailed = true
                throw error
            }
            return
        }
        let old = extremes[a][cell]
        if old.isMissing {
            extremes[a][cell] = value
        } else {
            let c = try Semantics.compare(value, old)
            if isMin ? c < 0 : c > 0 { extremes[a][cell] = value }
        }
    }

    /// Adds a later chunk's values.
    mutating func absorb(_ other: GeneralLanes, isMin: [Bool]) {
        sumFailed = sumFailed || other.sumFailed
        for a in exactSums.indices where !exactSums[a].isEmpty {
            for cell in exactSums[a].indices {
                do {
                    exactSums[a][cell] = try exactSums[a][cell] + other.exactSums[a][cell]
                } catch {
                    sumFailed = true
                }
            }
        }
        for a in extremes.indices where !extremes[a].isEmpty {
            for cell in extremes[a].indices {
                let x = other.extremes[a][cell]
                if x.isMissing { continue }
                let old = extremes[a][cell]
                if old.isMissing {
                    extremes[a][cell] = x
                } else if let c = try? Semantics.compare(x, old), isMin[a] ? c < 0 : c > 0 {
                    extremes[a][cell] = x
                }
            }
        }
    }
}

/// The rows kept for transaction lists (first movers, `reach_date`,
/// commissions rated per transaction): plain numbers, the deal id as a
/// span of the mapped file.
struct ListRows {
    private(set) var entries: [[RawEntry]]
    /// Values of formulas, which are not fixed-point (`RawEntry.exact` indexes them).
    private(set) var exactValues: [[Exact]]

    init(lists: Int) {
        entries = Array(repeating: [], count: lists)
        exactValues = Array(repeating: [], count: lists)
    }

    mutating func keep(_ l: Int, _ entry: RawEntry) { entries[l].append(entry) }

    /// Keeps a formula's value beside the list; the entry's index to it.
    mutating func keep(_ l: Int, exact: Exact) -> Int32 {
        exactValues[l].append(exact)
        return Int32(exactValues[l].count - 1)
    }

    /// Shifts lines from the chunk's to the file's.
    mutating func shiftLines(by offset: Int) {
        for l in entries.indices {
            for i in entries[l].indices { entries[l][i].line += Int32(offset) }
        }
    }

    /// Appends a later chunk's rows (lines already shifted).
    mutating func absorb(_ other: ListRows) {
        for l in entries.indices {
            let shift = Int32(exactValues[l].count)
            entries[l] += other.entries[l].map { e in
                var copy = e
                if copy.exact >= 0 { copy.exact += shift }
                return copy
            }
            exactValues[l] += other.exactValues[l]
        }
    }
}
