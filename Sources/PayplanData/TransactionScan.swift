import CPrefetch
import Dispatch
import PayplanCompiler
import PayplanCore
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#endif

/// What every chunk of the transaction scan shares, read-only.
struct ScanSetup: @unchecked Sendable {
    let file: MappedFile
    let displayName: String
    let plan: ScanPlan
    let fieldCount: Int
    /// Per scan column, its field index in the file.
    let fieldOf: [Int]
    let repField: Int
    let productField: Int
    let dateField: Int
    let dealField: Int
    let repIndex: IDIndex
    let repIDs: [String]
    let skipRep: [Bool]
    let productIndex: IDIndex
    let unreadableProducts: Set<String>
    let periods: [Period]
    let firstDay: Int32
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

    func periodIndex(_ day: Int32) -> Int? {
        guard day >= firstDay, day <= lastDay else { return nil }
        for (i, p) in periods.enumerated() where day <= p.end.dayNumber { return i }
        return nil
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
}

/// The scan state of one chunk of the file.
///
/// The hot loop works on raw pointers: records are split eight bytes at a
/// time (SWAR), only the columns the plan needs are parsed, aggregates go
/// into flat Int128 arrays, and nothing is allocated per row. Records with
/// quotes, and formulas that read the row (`tx.channel == "web"`), take a
/// slower general path. (Before: 2.3 µs a row; see Benchmarks/README.md.)
final class ChunkScan: @unchecked Sendable {
    let cells: Int
    let accumulatorCount: Int
    let store: CellStore
    var extremes: [[Value]]
    var exactSums: [[Exact]]
    var entries: [[RawEntry]]
    var exactValues: [[Exact]]
    var problems: [(line: Int, code: String, message: String, rep: String?, help: String?)] = []
    var suppressed = 0
    var newlines = 0
    var rows = 0
    var failure: String?

    /// nil when the accumulators of every (period, rep) cell do not fit in memory.
    init?(setup: ScanSetup) {
        cells = setup.periods.count * setup.repCount
        accumulatorCount = setup.plan.accumulators.count
        guard let store = CellStore(cells: cells, lanes: accumulatorCount) else { return nil }
        self.store = store
        extremes = setup.plan.accumulators.map { a in
            a.kind == .min || a.kind == .max ? [Value](repeating: .missing, count: setup.periods.count * setup.repCount) : []
        }
        exactSums = setup.plan.accumulators.map { a in
            if a.kind == .sum, case .expr = a.value { return [Exact](repeating: .zero, count: setup.periods.count * setup.repCount) }
            return []
        }
        entries = setup.plan.lists.map { _ in [] }
        exactValues = setup.plan.lists.map { _ in [] }
    }

    deinit { store.deallocate() }

    func sum(_ a: Int, _ cell: Int) -> Int128 { store.sum(cell, a) }
    func count(_ a: Int, _ cell: Int) -> Int32 { store.count(cell, a) }

    func report(_ line: Int, _ code: String, _ message: String, rep: String?, limit: Int, help: String? = nil) {
        if problems.count >= limit {
            suppressed += 1
            return
        }
        problems.append((line, code, message, rep, help))
    }

    /// How each accumulator is fed: 0 count, 1 sum of a decimal column, 2 general.
    struct Plan {
        var kind: [Int]
        var column: [Int]
        var filter: [Int]
        var listColumn: [Int]
        var listFilter: [Int]
        var needsRow: Bool
    }

    static func plan(_ s: ScanSetup) -> Plan {
        var p = Plan(kind: [], column: [], filter: [], listColumn: [], listFilter: [], needsRow: false)
        for acc in s.plan.accumulators {
            p.filter.append(acc.filter ?? -1)
            switch (acc.kind, acc.value) {
            case (.count, _):
                p.kind.append(0)
                p.column.append(-1)
            case (.sum, .column(let k)?) where s.plan.txColumns[k].type.isNumeric:
                p.kind.append(1)
                p.column.append(k)
            default:
                p.kind.append(2)
                p.column.append(-1)
                p.needsRow = true
            }
        }
        for list in s.plan.lists {
            p.listFilter.append(list.filter ?? -1)
            if case .column(let k) = list.value, s.plan.txColumns[k].type.isNumeric {
                p.listColumn.append(k)
            } else {
                p.listColumn.append(-1)
                p.needsRow = true
            }
        }
        if s.filterTables.contains(where: { $0 == nil }) { p.needsRow = true }
        return p
    }

    /// Scans records in [start, end). Lines are counted from 1 within the chunk.
    func run(_ s: ScanSetup, start: Int, end: Int) {
        guard let base = s.file.bytes.baseAddress else { return }
        let plan = s.plan
        let fp = ChunkScan.plan(s)
        let columnCount = plan.txColumns.count
        let fieldCount = s.fieldCount
        let limit = s.limits.diagnosticsPerFile
        let maxField = s.limits.csvFieldBytes
        // Field boundaries of the current record.
        let fs = UnsafeMutablePointer<Int>.allocate(capacity: fieldCount + 1)
        let fe = UnsafeMutablePointer<Int>.allocate(capacity: fieldCount + 1)
        let fq = UnsafeMutablePointer<Bool>.allocate(capacity: fieldCount + 1)
        let decimals = UnsafeMutablePointer<Int128>.allocate(capacity: max(columnCount, 1))
        let days = UnsafeMutablePointer<Int32>.allocate(capacity: max(columnCount, 1))
        let filterValues = UnsafeMutablePointer<Bool>.allocate(capacity: max(plan.filters.count, 1))
        // Rows whose accumulation waits `lookahead` rows for their cell's
        // cache line to arrive (rows that need no formula only).
        let lookahead = 8
        let columnStride = max(columnCount, 1)
        let filterStride = max(plan.filters.count, 1)
        let pendingCells = UnsafeMutablePointer<Int>.allocate(capacity: lookahead)
        let pendingReps = UnsafeMutablePointer<Int>.allocate(capacity: lookahead)
        let pendingDecimals = UnsafeMutablePointer<Int128>.allocate(capacity: lookahead * columnStride)
        let pendingFilters = UnsafeMutablePointer<Bool>.allocate(capacity: lookahead * filterStride)
        // The accumulators' feeds as raw arrays, for the hot loop.
        let filterOf = UnsafeMutablePointer<Int>.allocate(capacity: max(accumulatorCount, 1))
        let kindOf = UnsafeMutablePointer<Int>.allocate(capacity: max(accumulatorCount, 1))
        let columnOf = UnsafeMutablePointer<Int>.allocate(capacity: max(accumulatorCount, 1))
        for a in 0..<accumulatorCount {
            filterOf[a] = fp.filter[a]
            kindOf[a] = fp.kind[a]
            columnOf[a] = fp.column[a]
        }
        func overflow(_ a: Int, _ rep: Int) {
            failure = "the sum of \(plan.accumulators[a].description) for rep \(s.repIDs[rep]) exceeds Payplan's exact range"
        }
        defer {
            filterOf.deallocate()
            kindOf.deallocate()
            columnOf.deallocate()
            fs.deallocate()
            fe.deallocate()
            fq.deallocate()
            decimals.deallocate()
            days.deallocate()
            filterValues.deallocate()
            pendingCells.deallocate()
            pendingReps.deallocate()
            pendingDecimals.deallocate()
            pendingFilters.deallocate()
        }
        var numericColumns: [Int] = []
        var dateColumns: [Int] = []
        var optional: [Bool] = []
        var fieldOf: [Int] = []
        for (k, c) in plan.txColumns.enumerated() {
            if c.type.isNumeric { numericColumns.append(k) }
            if c.type == .date { dateColumns.append(k) }
            optional.append(c.optional)
            fieldOf.append(s.fieldOf[k])
        }
        // Filter tables flattened: filter f, period p, product q → flat[tableStart[f] + p * products + q].
        var flat: [Bool] = []
        var tableStart: [Int] = []
        for t in s.filterTables {
            tableStart.append(t == nil ? -1 : flat.count)
            if let t { flat += t }
        }
        let fileEnd = s.file.bytes.count
        let periodStarts = s.periods.map(\.start.dayNumber)
        // `lastDay` is the last period's end, or the as-of date of a progress run.
        let periodEnds = s.periods.map { min($0.end.dayNumber, s.lastDay) }
        let repCount = s.repCount
        let productCount = s.productCount
        let filterCount = plan.filters.count

        func text(_ i: Int) -> String { CSVScanner.text(base, from: fs[i], to: fe[i], escaped: fq[i]) }

        let comma: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
        let newline: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let carriage: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
        let quote: UInt64 = 0x2222_2222_2222_2222
        let highs: UInt64 = 0x8080_8080_8080_8080
        // 0x80 in exactly the bytes of `v` that are zero (no false positives,
        // unlike the cheaper borrow trick: needed to use every bit).
        @inline(__always) func exactZeroBytes(_ v: UInt64) -> UInt64 {
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            return ~(((v & low) &+ low) | v | low)
        }

        // The loop's mutable state lives inside the innermost closure: variables
        // captured across closures would be boxed on the heap.
        let (rowsRead, linesRead) = s.repIndex.withLookup { reps in
            s.productIndex.withLookup { products in
                flat.withUnsafeBufferPointer { tables -> (Int, Int) in
                    let dates = DateCache()
                    var pendingFirst = 0
                    var pendingCount = 0
                    // Nested functions capture only constants and pointers:
                    // a captured `var` would be boxed and access-checked per row.
                    let store = store
                    /// Adds a row to its cell's counts and sums; false when a sum overflows.
                    func accumulate(_ cell: Int, _ rep: Int, _ values: UnsafePointer<Int128>, _ filters: UnsafePointer<Bool>) -> Bool {
                        for a in 0..<accumulatorCount {
                            let f = filterOf[a]
                            if f >= 0 && !filters[f] { continue }
                            store.addCount(cell, a, 1)
                            guard kindOf[a] == 1 else { continue }
                            let (v, o) = store.sum(cell, a).addingReportingOverflow(values[columnOf[a]])
                            if o {
                                overflow(a, rep)
                                return false
                            }
                            store.setSum(cell, a, v)
                        }
                        return true
                    }
                    func accumulatePending(_ k: Int) -> Bool {
                        accumulate(pendingCells[k], pendingReps[k], pendingDecimals + k * columnStride, pendingFilters + k * filterStride)
                    }
                    var pos = start
                    var line = 1
                    var rowCount = 0
                    while pos < end {
                        let c0 = base[pos]
                        if c0 == 0x0A {
                            pos += 1
                            line += 1
                            continue
                        }
                        if c0 == 0x0D {
                            pos += 1
                            if pos < end && base[pos] == 0x0A { pos += 1 }
                            line += 1
                            continue
                        }
                        let recordLine = line
                        let recordStart = pos
                        var n = 0
                        var q = pos
                        var high: UInt64 = 0
                        // NUL bytes: damaged or binary data, rejected rather
                        // than read into an id.
                        var nul: UInt64 = 0
                        var sawQuote = false
                        var recordEnd = -1
                        fs[0] = q
                        // Eight bytes at a time: exact masks of commas, line
                        // breaks and quotes; each set bit is a field boundary.
                        words: while q + 8 <= end {
                            let w = UnsafeRawPointer(base + q).loadUnaligned(as: UInt64.self)
                            let quotes = exactZeroBytes(w ^ quote)
                            let breaks = exactZeroBytes(w ^ newline) | exactZeroBytes(w ^ carriage)
                            var commas = exactZeroBytes(w ^ comma)
                            if quotes != 0 {
                                // Only quotes after the record's last boundary in this word matter.
                                let firstBreak = breaks == 0 ? 64 : breaks.trailingZeroBitCount
                                if quotes.trailingZeroBitCount < firstBreak {
                                    sawQuote = true
                                    break words
                                }
                            }
                            // Bytes up to and including the record's line break count.
                            var keep = UInt64.max
                            if breaks != 0 {
                                let b = breaks.trailingZeroBitCount
                                if b < 63 { keep = (UInt64(1) << UInt64(b + 1)) &- 1 }
                                recordEnd = q + b >> 3
                            }
                            commas &= keep
                            high |= w & keep
                            nul |= exactZeroBytes(w) & keep
                            while commas != 0 {
                                let at = q + commas.trailingZeroBitCount >> 3
                                if n < fieldCount { fe[n] = at; fq[n] = false }
                                n += 1
                                if n < fieldCount { fs[n] = at + 1 }
                                commas &= commas &- 1
                            }
                            if breaks != 0 { break words }
                            q += 8
                        }
                        if recordEnd < 0 && !sawQuote {
                            // The last bytes of the chunk, one at a time.
                            while q < end {
                                let c = base[q]
                                if c == 0x2C {
                                    if n < fieldCount { fe[n] = q; fq[n] = false }
                                    n += 1
                                    if n < fieldCount { fs[n] = q + 1 }
                                } else if c == 0x0A || c == 0x0D {
                                    break
                                } else if c == 0x22 {
                                    sawQuote = true
                                    break
                                } else {
                                    high |= UInt64(c)
                                    if c == 0 { nul = 0x80 }
                                }
                                q += 1
                            }
                            recordEnd = q
                        }
                        q = recordEnd
                        if sawQuote {
                            // The general RFC 4180 reader handles this record.
                            var sc = CSVScanner(bytes: s.file.bytes, from: recordStart, to: end, firstLine: line, maxFieldBytes: maxField)
                            let step = sc.next()
                            pos = sc.position
                            line = sc.line
                            if case .malformed(let m) = step {
                                report(recordLine, "D606", m, rep: nil, limit: limit)
                                continue
                            }
                            if step == .end { break }
                            n = sc.fields.count
                            for (i, f) in sc.fields.prefix(fieldCount).enumerated() {
                                fs[i] = f.start
                                fe[i] = f.end
                                fq[i] = f.escaped
                            }
                            if sc.recordHasHighBytes { high = 0x80 }
                            if sc.recordContainsNUL() { nul = 0x80 }
                        } else {
                            if n < fieldCount {
                                fe[n] = q
                                fq[n] = false
                            }
                            n += 1
                            pos = q
                            if pos < end {
                                if base[pos] == 0x0D {
                                    pos += 1
                                    if pos < end && base[pos] == 0x0A { pos += 1 }
                                } else {
                                    pos += 1
                                }
                                line += 1
                                reps.prefetchField(base, from: pos, to: end, field: s.repField)
                            }
                            if q - recordStart > maxField && n == 1 {
                                report(recordLine, "D606", "a field is longer than \(maxField) bytes (Limits.csvFieldBytes)", rep: nil, limit: limit)
                                continue
                            }
                        }
                        rowCount += 1
                        if nul != 0 {
                            report(
                                recordLine, "D616", "the row contains a NUL byte", rep: nil, limit: limit,
                                help: "the file is damaged or not text; export it again")
                            continue
                        }
                        if high & highs != 0 && !UTF8Check.isValid(base, from: recordStart, to: pos) {
                            report(recordLine, "D610", "the row is not valid UTF-8", rep: nil, limit: limit, help: "save the file as UTF-8")
                            continue
                        }
                        if n != fieldCount {
                            report(
                                recordLine, "D607", "the row has \(n) field\(n == 1 ? "" : "s"); the header has \(fieldCount)", rep: nil,
                                limit: limit,
                                help: "quote fields that contain commas: \"a,b\"")
                            continue
                        }
                        let rf = s.repField
                        let pf = s.productField
                        let df = s.dealField
                        if s.keyPolicy == .trim {
                            for k in [rf, pf, df] { KeyHygiene.trimASCII(base, &fs[k], &fe[k]) }
                        }
                        guard let rep = fq[rf] ? s.repIndex.lookup(text(rf)) : reps.find(base, fs[rf], fe[rf], limit: fileEnd) else {
                            report(
                                recordLine, "D620", "column rep_id: unknown rep \"\(VisibleText.escape(text(rf)))\" (not in reps.csv)", rep: nil,
                                limit: limit, help: KeyHygiene.lookalikeHelp(text(rf)) { s.repIndex.lookup($0) != nil })
                            continue
                        }
                        if KeyHygiene.hasOuterBlank(base, fs[df], fe[df]) {
                            let deal = text(df)
                            report(
                                recordLine, "D619", "column deal_id: \"\(VisibleText.escape(deal))\" has \(KeyHygiene.outerBlank(deal) ?? "a blank")",
                                rep: s.repIDs[rep], limit: limit, help: "deal ids are compared exactly; fix the export, or pass --trim-keys")
                            continue
                        }
                        var bad = false
                        let product = fq[pf] ? s.productIndex.lookup(text(pf)) : products.find(base, fs[pf], fe[pf], limit: fileEnd)
                        if product == nil {
                            if !s.unreadableProducts.isEmpty && s.unreadableProducts.contains(text(pf)) {
                                bad = true
                            } else {
                                report(
                                    recordLine, "D621", "column product: unknown product \"\(VisibleText.escape(text(pf)))\" (not in products.csv)",
                                    rep: s.repIDs[rep], limit: limit, help: KeyHygiene.lookalikeHelp(text(pf)) { s.productIndex.lookup($0) != nil })
                                bad = true
                            }
                        }
                        // Every decimal and date column is read, whatever the row's date.
                        for k in numericColumns {
                            let f = fieldOf[k]
                            switch Fixed.parse(base, fs[f], fe[f]) {
                            case .success(let v): decimals[k] = v
                            case .failure(let problem):
                                if fs[f] == fe[f] && optional[k] {
                                    decimals[k] = 0
                                    continue
                                }
                                report(
                                    recordLine, DataLoader.decimalCode(problem),
                                    DataLoader.decimalMessage(problem, column: plan.txColumns[k].name, text: text(f)), rep: s.repIDs[rep],
                                    limit: limit)
                                bad = true
                            }
                        }
                        for k in dateColumns {
                            let f = fieldOf[k]
                            if let d = dates.day(base, fs[f], fe[f]) {
                                days[k] = d
                            } else {
                                if fs[f] == fe[f] && optional[k] { continue }
                                let shown = text(f)
                                report(
                                    recordLine, "D612",
                                    "column \(plan.txColumns[k].name): \(shown.isEmpty ? "the date is blank" : "\"\(shown)\" is not a date (YYYY-MM-DD)")",
                                    rep: s.repIDs[rep], limit: limit)
                                bad = true
                            }
                        }
                        guard !bad, !s.skipRep[rep], let product else { continue }
                        let day = days[s.dateField]
                        var period = -1
                        for (i, ps) in periodStarts.enumerated() where day >= ps && day <= periodEnds[i] {
                            period = i
                            break
                        }
                        if period < 0 { continue }
                        let cell = period * repCount + rep
                        var general: GeneralRow?
                        if fp.needsRow {
                            general = GeneralRow(
                                fields: (0..<fieldCount).map { Field(start: fs[$0], end: fe[$0], quoted: fq[$0], escaped: fq[$0]) },
                                decimals: Array(UnsafeBufferPointer(start: decimals, count: columnCount)),
                                days: Array(UnsafeBufferPointer(start: days, count: columnCount)), product: product, rep: rep, period: period)
                        }
                        for f in 0..<filterCount {
                            let t = tableStart[f]
                            if t >= 0 {
                                filterValues[f] = tables[t + period * productCount + product]
                            } else if let g = general {
                                do throws(EvalFailure) {
                                    filterValues[f] = try RowEvaluator.eval(plan.filters[f].expr, g.context(s, base)) == .bool(true)
                                } catch {
                                    report(recordLine, "D622", "filter `\(plan.filters[f].name)`: \(error.words)", rep: s.repIDs[rep], limit: limit)
                                    bad = true
                                }
                            }
                        }
                        if bad { continue }
                        if let g = general {
                            if !accumulate(cell, rep, decimals, filterValues) { return (rowCount, line) }
                            for a in 0..<accumulatorCount where fp.kind[a] == 2 {
                                let f = fp.filter[a]
                                if f >= 0 && !filterValues[f] { continue }
                                accumulateGeneral(a, cell, g, s, base, recordLine, limit)
                            }
                        } else if accumulatorCount > 0 {
                            if pendingCount == lookahead {
                                let k = pendingFirst
                                pendingFirst = (pendingFirst + 1) % lookahead
                                pendingCount -= 1
                                if !accumulatePending(k) { return (rowCount, line) }
                            }
                            let k = (pendingFirst + pendingCount) % lookahead
                            pendingCells[k] = cell
                            pendingReps[k] = rep
                            (pendingDecimals + k * columnStride).update(from: decimals, count: columnCount)
                            (pendingFilters + k * filterStride).update(from: filterValues, count: filterCount)
                            pendingCount += 1
                            // Every cache line the cell touches (one, for up to three accumulators).
                            let cellStart = Int(bitPattern: store.memory) &+ cell &* store.stride
                            var lineStart = cellStart & ~63
                            while lineStart < cellStart &+ store.stride {
                                payplan_prefetch(UnsafeRawPointer(bitPattern: lineStart))
                                lineStart &+= 64
                            }
                        }
                        if let only = s.listPeriod, only != period { continue }
                        for l in 0..<plan.lists.count {
                            let f = fp.listFilter[l]
                            if f >= 0 && !filterValues[f] { continue }
                            let k = fp.listColumn[l]
                            var units: Int128 = 0
                            var exactIndex: Int32 = -1
                            if k >= 0 {
                                units = decimals[k]
                            } else {
                                guard let g = general, case .expr(let e) = plan.lists[l].value,
                                    case .number(let x)? = try? RowEvaluator.eval(e, g.context(s, base))
                                else {
                                    report(recordLine, "D622", "\(plan.lists[l].description): a value is missing", rep: s.repIDs[rep], limit: limit)
                                    continue
                                }
                                exactIndex = Int32(exactValues[l].count)
                                exactValues[l].append(x)
                            }
                            let df = s.dealField
                            entries[l].append(
                                RawEntry(
                                    rep: Int32(rep), period: Int32(period), day: day, line: Int32(truncatingIfNeeded: recordLine), dealStart: fs[df],
                                    dealLength: Int32(fe[df] - fs[df]), dealEscaped: fq[df], units: units, exact: exactIndex))
                        }
                    }
                    for i in 0..<pendingCount where !accumulatePending((pendingFirst + i) % lookahead) { return (rowCount, line) }
                    return (rowCount, line)
                }
            }
        }
        rows = rowsRead
        newlines = linesRead - 1
    }

    /// The general path for aggregates of formulas and min/max.
    func accumulateGeneral(_ a: Int, _ cell: Int, _ g: GeneralRow, _ s: ScanSetup, _ base: UnsafePointer<UInt8>, _ line: Int, _ limit: Int) {
        let acc = s.plan.accumulators[a]
        do throws(EvalFailure) {
            let value: Value
            switch acc.value {
            case .column(let k)?:
                value = s.plan.txColumns[k].type == .date ? .date(CivilDate(dayNumber: g.days[k])) : .number(Fixed.exact(g.decimals[k]))
            case .expr(let e)?:
                value = try RowEvaluator.eval(e, g.context(s, base))
            case nil:
                value = .missing
            }
            if acc.kind == .sum {
                guard case .number(let x) = value else { throw EvalFailure.missingValue }
                exactSums[a][cell] = try Semantics.binary(.add, .number(exactSums[a][cell]), .number(x)).number ?? .zero
            } else {
                let old = extremes[a][cell]
                if old.isMissing {
                    extremes[a][cell] = value
                } else {
                    let c = try Semantics.compare(value, old)
                    if acc.kind == .min ? c < 0 : c > 0 { extremes[a][cell] = value }
                }
            }
        } catch {
            report(line, "D622", "\(acc.description): \(error.words)", rep: s.repIDs[g.rep], limit: limit)
        }
    }
}

/// A record's parsed values, for formulas that read the row itself.
struct GeneralRow {
    var fields: [Field]
    var decimals: [Int128]
    var days: [Int32]
    var product: Int
    var rep: Int
    var period: Int

    func context(_ s: ScanSetup, _ base: UnsafePointer<UInt8>) -> RowContext {
        let plan = s.plan
        let fields = fields
        let decimals = decimals
        let days = days
        return RowContext(
            txValue: { (i: Int) throws(EvalFailure) -> Value in
                let col = plan.txColumns[i]
                let f = fields[s.fieldOf[i]]
                switch col.type {
                case .text: return .text(CSVScanner.text(base, from: f.start, to: f.end, escaped: f.escaped))
                case .date: return f.start == f.end ? .missing : .date(CivilDate(dayNumber: days[i]))
                default: return f.start == f.end && col.optional ? .missing : .number(Fixed.exact(decimals[i]))
                }
            }, product: product, rep: rep, period: s.periods[period], products: s.products, reps: s.reps, rounding: s.rounding)
    }
}

enum TransactionScan {
    /// Scans the transactions file on `threads` threads and merges the chunks
    /// in file order, so the result does not depend on the thread count.
    static func run(_ setup: ScanSetup, start: Int, headerEndLine: Int, threads: Int) -> (periods: [PeriodData], rows: Int, problems: [DataProblem]) {
        let cuts = ChunkSplitter.boundaries(setup.file.bytes, from: start, chunks: max(1, threads))
        let chunks = (0..<(cuts.count - 1)).compactMap { _ in ChunkScan(setup: setup) }
        guard chunks.count == cuts.count - 1 else {
            let message =
                "not enough memory for the accumulators of \(setup.repCount) reps over \(setup.periods.count) period\(setup.periods.count == 1 ? "" : "s")"
            let help = "run with --threads 1 (one set of accumulators), or on a machine with more memory"
            return ([], 0, [DataProblem(Diagnostic(.error, "D625", message, at: nil, file: setup.displayName, help: help), rep: nil)])
        }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
            chunks[k].run(setup, start: cuts[k], end: cuts[k + 1])
        }
        PhaseTimer.shared.mark("scan transactions (\(chunks.count) chunks)")
        var problems: [DataProblem] = []
        var lineOffset = headerEndLine - 1
        var rows = 0
        let first = chunks[0]
        for (k, chunk) in chunks.enumerated() {
            rows += chunk.rows
            if let failure = chunk.failure {
                problems.append(DataProblem(Diagnostic(.error, "D623", failure, at: nil, file: setup.displayName), rep: nil))
            }
            for p in chunk.problems {
                let line = p.line + lineOffset
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, p.code, p.message, at: SourceRange(at: SourceLocation(file: setup.displayName, line: line, column: 0)),
                            file: setup.displayName, help: p.help), rep: p.rep))
            }
            if k > 0 {
                for cell in 0..<first.cells {
                    for a in 0..<first.accumulatorCount {
                        first.store.addCount(cell, a, chunk.store.count(cell, a))
                        let (v, o) = first.store.sum(cell, a).addingReportingOverflow(chunk.store.sum(cell, a))
                        if o {
                            problems.append(
                                DataProblem(
                                    Diagnostic(
                                        .error, "D623", "a sum of \(setup.plan.accumulators[a].description) exceeds Payplan's exact range",
                                        at: nil, file: setup.displayName),
                                    rep: nil))
                        }
                        first.store.setSum(cell, a, v)
                    }
                }
                for a in 0..<setup.plan.accumulators.count {
                    if !first.exactSums[a].isEmpty {
                        for cell in 0..<first.exactSums[a].count {
                            if let v = try? first.exactSums[a][cell] + chunk.exactSums[a][cell] { first.exactSums[a][cell] = v }
                        }
                    }
                    if !first.extremes[a].isEmpty {
                        let isMin = setup.plan.accumulators[a].kind == .min
                        for cell in 0..<first.extremes[a].count {
                            let x = chunk.extremes[a][cell]
                            if x.isMissing { continue }
                            let old = first.extremes[a][cell]
                            if old.isMissing {
                                first.extremes[a][cell] = x
                            } else if let c = try? Semantics.compare(x, old), isMin ? c < 0 : c > 0 {
                                first.extremes[a][cell] = x
                            }
                        }
                    }
                }
                for l in 0..<setup.plan.lists.count {
                    let shift = Int32(first.exactValues[l].count)
                    first.entries[l] += chunk.entries[l].map { e in
                        var copy = e
                        copy.line += Int32(lineOffset)
                        if copy.exact >= 0 { copy.exact += shift }
                        return copy
                    }
                    first.exactValues[l] += chunk.exactValues[l]
                }
            } else {
                for l in 0..<setup.plan.lists.count {
                    for i in first.entries[l].indices { first.entries[l][i].line += Int32(lineOffset) }
                }
            }
            lineOffset += chunk.newlines
            if chunk.suppressed > 0 {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D699", "\(chunk.suppressed) more problems in this file are not listed (Limits.diagnosticsPerFile)", at: nil,
                            file: setup.displayName),
                        rep: nil))
            }
        }
        PhaseTimer.shared.mark("merge chunks")
        // Assemble per period.
        var periods: [PeriodData] = []
        let r = setup.repCount
        for (p, period) in setup.periods.enumerated() {
            let range = (p * r)..<((p + 1) * r)
            var accumulators: [AccumulatorValues] = []
            for (a, acc) in setup.plan.accumulators.enumerated() {
                let counts = range.map { first.count(a, $0) }
                if acc.kind == .sum, case .column = acc.value {
                    accumulators.append(.sum(units: range.map { first.sum(a, $0) }, counts: counts))
                } else if !first.exactSums[a].isEmpty {
                    accumulators.append(.exactSum(values: Array(first.exactSums[a][range]), counts: counts))
                } else if !first.extremes[a].isEmpty {
                    accumulators.append(.extreme(values: Array(first.extremes[a][range]), counts: counts))
                } else {
                    accumulators.append(.count(counts))
                }
            }
            var lists: [ListValues] = []
            let base = setup.file.bytes.baseAddress
            for l in 0..<setup.plan.lists.count {
                var mine = first.entries[l].filter { $0.period == Int32(p) }
                // (rep, date, deal_id by code point, line); deal ids compare as bytes.
                mine.sort { a, b in
                    if a.rep != b.rep { return a.rep < b.rep }
                    if a.day != b.day { return a.day < b.day }
                    if let base, !(a.dealEscaped || b.dealEscaped) {
                        let n = min(Int(a.dealLength), Int(b.dealLength))
                        let c = memcmp(base + a.dealStart, base + b.dealStart, n)
                        if c != 0 { return c < 0 }
                        if a.dealLength != b.dealLength { return a.dealLength < b.dealLength }
                    } else {
                        let x = ListValues(raw: [], exact: [], file: setup.file, offsets: []).deal(a)
                        let y = ListValues(raw: [], exact: [], file: setup.file, offsets: []).deal(b)
                        if !CodePoint.equal(x, y) { return CodePoint.less(x, y) }
                    }
                    return a.line < b.line
                }
                var offsets = [Int](repeating: 0, count: r + 1)
                for e in mine { offsets[Int(e.rep) + 1] += 1 }
                for i in 0..<r { offsets[i + 1] += offsets[i] }
                lists.append(ListValues(raw: mine, exact: first.exactValues[l], file: setup.file, offsets: offsets))
            }
            periods.append(PeriodData(period: period, accumulators: accumulators, lists: lists))
        }
        return (periods, rows, problems)
    }
}
