import Dispatch
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#endif

/// The transaction scan: the file cut into chunks, each read by
///
///     RecordIterator → RowDecoder → period and filters → AccumulatorSink
///
/// on its own thread, and the chunks merged in file order, so that the
/// result, and every problem, is the same whatever the number of threads.

/// What every chunk of the scan shares, read-only.
struct ScanSetup: @unchecked Sendable {
    let file: MappedFile
    let displayName: String
    let plan: ScanPlan
    /// How rows are decoded (the transactions' columns), and the ids they name.
    let schema: RowSchema
    let lookups: RowLookups
    let lanes: [Lane]
    /// Per scan column, its field index in the file.
    let fieldOf: [Int]
    let fieldCount: Int
    let repField: Int
    let dealField: Int
    /// The scan column of the date.
    let dateColumn: Int
    /// The line just after the header.
    let firstLine: Int
    /// Reps known but never paid (duplicates, unreadable rows): their rows are read, not counted.
    let skipRep: [Bool]
    let periods: [Period]
    /// The as-of day of a progress run (transactions after it count in no period), or `.max`.
    let lastDay: Int32
    /// Per filter: a product × period table, or nil when the filter reads the row.
    let filterTables: [[Bool]?]
    let productCount: Int
    let repCount: Int
    let reps: Table
    let products: Table
    let rounding: Rounding
    let limits: Limits
    let keyPolicy: KeyPolicy
    /// When set, lists are kept for this period index only (the earlier
    /// periods' nodes read no list).
    let listPeriod: Int?

    /// Whether some lane, list or filter needs the row itself (a formula).
    var needsRow: Bool {
        lanes.contains(.general) || filterTables.contains { $0 == nil }
            || plan.lists.contains { list in
                if case .column(let k) = list.value { return !plan.txColumns[k].type.isNumeric }
                return true
            }
    }
}

/// A record's values, for formulas that read the row itself.
struct GeneralRow {
    var fields: [FieldSpan]
    var units: [Int128]
    var days: [Int32]
    var product: Int
    var rep: Int
    var period: Int

    init(_ fields: FieldSpans, count: Int, _ values: RowValues, columns: Int, product: Int, rep: Int, period: Int) {
        self.fields = (0..<count).map { FieldSpan(start: fields.starts[$0], end: fields.ends[$0], escaped: fields.escaped[$0]) }
        units = Array(UnsafeBufferPointer(start: values.units, count: columns))
        days = Array(UnsafeBufferPointer(start: values.days, count: columns))
        self.product = product
        self.rep = rep
        self.period = period
    }

    func context(_ s: ScanSetup, _ base: UnsafePointer<UInt8>) -> RowContext {
        let plan = s.plan
        let fields = fields
        let units = units
        let days = days
        return RowContext(
            txValue: { (i: Int) throws(EvalFailure) -> Value in
                let col = plan.txColumns[i]
                let f = fields[s.fieldOf[i]]
                switch col.type {
                case .text: return .text(FieldText.string(base, f))
                case .date: return f.start == f.end ? .missing : .date(CivilDate(dayNumber: days[i]))
                default: return f.start == f.end && col.optional ? .missing : .number(Fixed.exact(units[i]))
                }
            }, product: product, rep: rep, period: s.periods[period], products: s.products, reps: s.reps, rounding: s.rounding)
    }

    /// The value a lane or list reads from the row.
    func value(_ v: RowValue?, _ s: ScanSetup, _ base: UnsafePointer<UInt8>) throws(EvalFailure) -> Value {
        switch v {
        case .column(let k)?: s.plan.txColumns[k].type == .date ? .date(CivilDate(dayNumber: days[k])) : .number(Fixed.exact(units[k]))
        case .expr(let e)?: try RowEvaluator.eval(e, context(s, base))
        case nil: .missing
        }
    }
}

/// One chunk's scan: records in, cells out.
struct ChunkScanner {
    let s: ScanSetup
    let base: UnsafePointer<UInt8>
    private var records: RecordIterator
    /// The current record's fields, and the next record's (read a record
    /// ahead, so its rep's id slot can be prefetched).
    private var fields: FieldSpans
    private var spare: FieldSpans
    private var decoder: RowDecoder
    private(set) var sink: AccumulatorSink
    private(set) var general: GeneralLanes
    private(set) var lists: ListRows
    private(set) var log: ProblemLog
    private(set) var rows = 0
    private let filterValues: UnsafeMutablePointer<Bool>
    /// The filter tables flattened: filter f, period p, product q → flat[tableStart[f] + p × products + q].
    private let flat: [Bool]
    private let tableStart: [Int]
    private let needsRow: Bool
    /// Per list: its filter (−1: none) and the decimal column it keeps (−1: a formula).
    private let listFilter: [Int]
    private let listColumn: [Int]
    /// Whether any rep is known but never paid (`ScanSetup.skipRep`): nearly
    /// never, and then the check per row is skipped.
    private let skipsReps: Bool
    /// The periods' first and last days.
    private let periodStarts: [Int32]
    private let periodEnds: [Int32]

    /// nil when the accumulators of every (period, rep) cell do not fit in memory.
    init?(_ s: ScanSetup, start: Int, end: Int) {
        guard let base = s.file.bytes.baseAddress else { return nil }
        let cells = s.periods.count * s.repCount
        guard
            let sink = AccumulatorSink(cells: cells, lanes: s.lanes, filters: s.plan.accumulators.map(\.filter))
        else { return nil }
        self.s = s
        self.base = base
        self.sink = sink
        records = RecordIterator(base: base, from: start, to: end, maxFieldBytes: s.limits.csvFieldBytes)
        fields = FieldSpans(capacity: s.fieldCount + 1)
        spare = FieldSpans(capacity: s.fieldCount + 1)
        decoder = RowDecoder(s.schema, base: base, limit: s.file.bytes.count, policy: s.keyPolicy, lookups: s.lookups)
        general = GeneralLanes(s.plan, cells: cells)
        lists = ListRows(lists: s.plan.lists.count)
        log = ProblemLog(limit: s.limits.diagnosticsPerFile)
        filterValues = .allocate(capacity: max(s.plan.filters.count, 1))
        filterValues.initialize(repeating: false, count: max(s.plan.filters.count, 1))
        var flat: [Bool] = []
        var tableStart: [Int] = []
        for t in s.filterTables {
            tableStart.append(t == nil ? -1 : flat.count)
            if let t { flat += t }
        }
        self.flat = flat
        self.tableStart = tableStart
        needsRow = s.needsRow
        listFilter = s.plan.lists.map { $0.filter ?? -1 }
        listColumn = s.plan.lists.map { list in
            if case .column(let k) = list.value, s.plan.txColumns[k].type.isNumeric { return k }
            return -1
        }
        skipsReps = s.skipRep.contains(true)
        periodStarts = s.periods.map(\.start.dayNumber)
        periodEnds = s.periods.map { min($0.end.dayNumber, s.lastDay) }
    }

    func deallocate() {
        sink.deallocate()
        fields.deallocate()
        spare.deallocate()
        decoder.deallocate()
        filterValues.deallocate()
    }

    /// Lines read, from the chunk's first: the next chunk's lines start after them.
    var newlines: Int { records.line - 1 }

    /// Reads every record of the chunk. Lines are counted from 1 within it.
    ///
    /// A record ahead: while a row is decoded its successor is already split,
    /// and the hash slot of its rep id is fetched (ids come in no order, and
    /// the id table of 100,000 reps outgrows the cache).
    mutating func run() {
        let reps = s.lookups.reps.lookup
        let repField = s.repField
        let limit = s.file.bytes.count
        var record = RecordInfo()
        var next = RecordInfo()
        var step = records.next(fields, &record)
        while step != .end {
            let nextStep = records.next(spare, &next)
            if nextStep == .record && repField < min(next.fieldCount, spare.capacity) && !spare.escaped[repField] {
                reps.prefetch(base, spare.starts[repField], spare.ends[repField], limit: limit)
            }
            row(step, record)
            swap(&fields, &spare)
            record = next
            step = nextStep
        }
        sink.drain()
    }

    /// One record: decoded, placed in its period, and sent to the sink.
    @inline(__always)
    private mutating func row(_ step: RecordStep, _ record: RecordInfo) {
        if case .malformed(let problem) = step {
            log.add(.malformed(problem), line: record.line, rep: nil)
            return
        }
        rows &+= 1
        guard decoder.decode(record, fields, &log) else { return }
        let rep = decoder.rep
        guard !(skipsReps && s.skipRep[rep]), let period = period(of: decoder.values.days[s.dateColumn]) else { return }
        if needsRow {
            generalRow(record.line, rep: rep, period: period)
        } else {
            fastRow(record.line, rep: rep, period: period)
        }
    }

    /// The index of the period holding `day`, or nil.
    @inline(__always)
    private func period(of day: Int32) -> Int? {
        for i in 0..<periodStarts.count where day >= periodStarts[i] && day <= periodEnds[i] { return i }
        return nil
    }

    /// A row whose filters are product × period tables and whose lanes and
    /// lists read decimal columns: table lookups, then the sink's queue.
    @inline(__always)
    private mutating func fastRow(_ line: Int, rep: Int, period: Int) {
        let product = decoder.product
        for f in 0..<tableStart.count {
            filterValues[f] = flat[tableStart[f] &+ period &* s.productCount &+ product]
        }
        let cell = period &* s.repCount &+ rep
        if sink.laneCount > 0 { sink.enqueue(cell: cell, line: line, units: decoder.values.units, filters: filterValues) }
        keepListRows(line, rep: rep, period: period, row: nil)
    }

    /// A row some formula reads: filters and lanes evaluated on the row.
    private mutating func generalRow(_ line: Int, rep: Int, period: Int) {
        let row = GeneralRow(
            fields, count: s.fieldCount, decoder.values, columns: s.plan.txColumns.count, product: decoder.product, rep: rep, period: period)
        var ok = true
        for f in 0..<tableStart.count {
            let t = tableStart[f]
            if t >= 0 {
                filterValues[f] = flat[t &+ period &* s.productCount &+ row.product]
                continue
            }
            do throws(EvalFailure) {
                filterValues[f] = try RowEvaluator.eval(s.plan.filters[f].expr, row.context(s, base)) == .bool(true)
            } catch {
                log.add(.formula("filter `\(s.plan.filters[f].name)`: \(error.words)"), line: line, rep: s.lookups.repIDs[rep])
                ok = false
            }
        }
        guard ok else { return }
        let cell = period &* s.repCount &+ rep
        sink.addNow(cell: cell, line: line, units: decoder.values.units, filters: filterValues)
        for a in 0..<sink.laneCount where sink.lane(a) == .general {
            let acc = s.plan.accumulators[a]
            if let f = acc.filter, !filterValues[f] { continue }
            do throws(EvalFailure) {
                try general.add(a, cell, try row.value(acc.value, s, base), isMin: acc.kind == .min)
            } catch {
                log.add(.formula("\(acc.description): \(error.words)"), line: line, rep: s.lookups.repIDs[rep])
            }
        }
        keepListRows(line, rep: rep, period: period, row: row)
    }

    /// The row's entries in the transaction lists whose filters it passes.
    @inline(__always)
    private mutating func keepListRows(_ line: Int, rep: Int, period: Int, row: GeneralRow?) {
        if let only = s.listPeriod, only != period { return }
        for l in 0..<listFilter.count {
            let f = listFilter[l]
            if f >= 0 && !filterValues[f] { continue }
            var units: Int128 = 0
            var exact: Int32 = -1
            let k = listColumn[l]
            if k >= 0 {
                units = decoder.values.units[k]
            } else if let value = listFormula(l, row) {
                exact = lists.keep(l, exact: value)
            } else {
                log.add(.formula("\(s.plan.lists[l].description): a value is missing"), line: line, rep: s.lookups.repIDs[rep])
                continue
            }
            let deal = s.dealField
            lists.keep(
                l,
                RawEntry(
                    rep: Int32(rep), period: Int32(period), day: decoder.values.days[s.dateColumn], line: Int32(truncatingIfNeeded: line),
                    dealStart: fields.starts[deal], dealLength: Int32(fields.ends[deal] - fields.starts[deal]), dealEscaped: fields.escaped[deal],
                    units: units, exact: exact))
        }
    }

    /// A list's value computed from the row (a formula), when it is a number.
    private func listFormula(_ l: Int, _ row: GeneralRow?) -> Exact? {
        guard let row, case .number(let x)? = try? row.value(s.plan.lists[l].value, s, base) else { return nil }
        return x
    }

    /// Adds a later chunk (lines shifted by `offset`) to this one.
    mutating func absorb(_ other: ChunkScanner, lineOffset offset: Int) {
        sink.absorb(other.sink, cells: s.periods.count * s.repCount)
        general.absorb(other.general, isMin: s.plan.accumulators.map { $0.kind == .min })
        var otherLists = other.lists
        otherLists.shiftLines(by: offset)
        lists.absorb(otherLists)
        rows += other.rows
    }

    mutating func shiftLines(by offset: Int) { lists.shiftLines(by: offset) }
}

/// A chunk's scanner, shared with the thread that runs it.
final class ChunkScan: @unchecked Sendable {
    var scanner: ChunkScanner

    init(_ scanner: ChunkScanner) { self.scanner = scanner }

    deinit { scanner.deallocate() }
}

enum TransactionScan {
    struct Result {
        var periods: [PeriodData]
        var rows: Int
        var problems: [DataProblem]
    }

    /// Scans the transactions file on `threads` threads and merges the chunks
    /// in file order, so the result does not depend on the thread count.
    /// A sum that leaves the exact range is an error located at the row
    /// where it did, found by reading the file in one piece.
    static func run(_ setup: ScanSetup, start: Int, threads: Int) -> Result {
        let cuts = ChunkSplitter.boundaries(setup.file.bytes, from: start, chunks: max(1, threads))
        let chunks = (0..<(cuts.count - 1)).compactMap { k in ChunkScanner(setup, start: cuts[k], end: cuts[k + 1]).map(ChunkScan.init) }
        guard chunks.count == cuts.count - 1 else {
            let n = setup.periods.count
            let message = "not enough memory for the accumulators of \(setup.repCount) reps over \(n) period\(n == 1 ? "" : "s")"
            let help = "run with --threads 1 (one set of accumulators), or on a machine with more memory"
            return Result(
                periods: [], rows: 0,
                problems: [
                    DataProblem(
                        Diagnostic(.error, DataCode.accumulatorMemory.rawValue, message, at: nil, file: setup.displayName, help: help), rep: nil)
                ])
        }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { k in chunks[k].scanner.run() }
        PhaseTimer.shared.mark("scan transactions (\(chunks.count) chunks)")
        // The merged scanner's memory belongs to the chunks: kept alive until assembled.
        let result: Result? = withExtendedLifetime(chunks) {
            let (merged, log) = merge(chunks, setup)
            if chunks.count > 1 && (!merged.sink.wraps.outOfRange.isEmpty || merged.general.sumFailed) { return nil }
            let problems = log.problems(file: setup.displayName) + sumsOutOfRange(merged, setup)
            PhaseTimer.shared.mark("merge chunks")
            return Result(periods: assemble(merged, setup), rows: merged.rows, problems: problems)
        }
        // Where a sum leaves the exact range depends on the order of the
        // additions: such a file is read again in one piece, as one thread reads it.
        return result ?? run(setup, start: start, threads: 1)
    }

    /// The chunks' results added in file order into the first chunk's.
    static func merge(_ chunks: [ChunkScan], _ setup: ScanSetup) -> (ChunkScanner, ProblemLog) {
        var offsets: [Int] = []
        var offset = setup.firstLine - 1
        for chunk in chunks {
            offsets.append(offset)
            offset += chunk.scanner.newlines
        }
        let log = ProblemLog.merged(chunks.map(\.scanner.log), lineOffsets: offsets, limit: setup.limits.diagnosticsPerFile)
        chunks[0].scanner.shiftLines(by: offsets[0])
        for k in chunks.indices.dropFirst() {
            chunks[0].scanner.absorb(chunks[k].scanner, lineOffset: offsets[k])
        }
        return (chunks[0].scanner, log)
    }

    /// One error per (period, rep, sum) out of range, at the line where the
    /// running sum left it (lines of a scan in one piece).
    static func sumsOutOfRange(_ merged: ChunkScanner, _ setup: ScanSetup) -> [DataProblem] {
        let wraps = merged.sink.wraps
        let lanes = max(merged.sink.laneCount, 1)
        return wraps.outOfRange.map { key in
            let (cell, a) = (key / lanes, key % lanes)
            let rep = setup.lookups.repIDs[cell % setup.repCount]
            let issue = DataIssue.sumOutOfRange(accumulator: setup.plan.accumulators[a].description, rep: rep)
            let line = wraps.firstLine[key].map { $0 + setup.firstLine - 1 }
            let at = line.map { SourceRange(at: SourceLocation(file: setup.displayName, line: $0, column: 0)) }
            return DataProblem(Diagnostic(.error, issue.code, issue.message, at: at, file: setup.displayName, help: issue.help), rep: nil)
        }
    }

    /// Per period, the lanes' values of every rep and the lists' rows.
    static func assemble(_ first: ChunkScanner, _ setup: ScanSetup) -> [PeriodData] {
        let r = setup.repCount
        return setup.periods.enumerated().map { p, period in
            let range = (p * r)..<((p + 1) * r)
            let store = first.sink.store
            var accumulators: [AccumulatorValues] = []
            for (a, acc) in setup.plan.accumulators.enumerated() {
                let counts = range.map { store.count($0, a) }
                if acc.kind == .sum, case .column = acc.value {
                    accumulators.append(.sum(units: range.map { store.sum($0, a) }, counts: counts))
                } else if !first.general.exactSums[a].isEmpty {
                    accumulators.append(.exactSum(values: Array(first.general.exactSums[a][range]), counts: counts))
                } else if !first.general.extremes[a].isEmpty {
                    accumulators.append(.extreme(values: Array(first.general.extremes[a][range]), counts: counts))
                } else {
                    accumulators.append(.count(counts))
                }
            }
            let lists = (0..<setup.plan.lists.count).map { l in
                sortedList(first.lists.entries[l].filter { $0.period == Int32(p) }, exact: first.lists.exactValues[l], setup)
            }
            return PeriodData(period: period, accumulators: accumulators, lists: lists)
        }
    }

    /// A list's rows of one period in (rep, date, deal_id by code point, line) order.
    static func sortedList(_ rows: [RawEntry], exact: [Exact], _ setup: ScanSetup) -> ListValues {
        var mine = rows
        let base = setup.file.bytes.baseAddress
        let text = ListValues(raw: [], exact: [], file: setup.file, offsets: [])
        mine.sort { a, b in
            if a.rep != b.rep { return a.rep < b.rep }
            if a.day != b.day { return a.day < b.day }
            // Deal ids compare as bytes (code points) unless quoted with `""`.
            if let base, !(a.dealEscaped || b.dealEscaped) {
                let n = min(Int(a.dealLength), Int(b.dealLength))
                let c = memcmp(base + a.dealStart, base + b.dealStart, n)
                if c != 0 { return c < 0 }
                if a.dealLength != b.dealLength { return a.dealLength < b.dealLength }
            } else {
                let (x, y) = (text.deal(a), text.deal(b))
                if !CodePoint.equal(x, y) { return CodePoint.less(x, y) }
            }
            return a.line < b.line
        }
        let r = setup.repCount
        var offsets = [Int](repeating: 0, count: r + 1)
        for e in mine { offsets[Int(e.rep) + 1] += 1 }
        for i in 0..<r { offsets[i + 1] += offsets[i] }
        return ListValues(raw: mine, exact: exact, file: setup.file, offsets: offsets)
    }
}
