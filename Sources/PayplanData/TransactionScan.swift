import Dispatch
import PayplanCompiler
import PayplanCore
import PayplanLanguage

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

    func periodIndex(_ day: Int32) -> Int? {
        guard day >= firstDay, day <= lastDay else { return nil }
        for (i, p) in periods.enumerated() where day <= p.end.dayNumber { return i }
        return nil
    }
}

/// The scan state of one chunk of the file.
final class ChunkScan: @unchecked Sendable {
    var sums: [[Int128]]
    var counts: [[Int32]]
    var extremes: [[Value]]
    var exactSums: [[Exact]]
    var entries: [[(rep: Int32, period: Int32, entry: TxEntry)]]
    var problems: [(line: Int, code: String, message: String, rep: String?, help: String?)] = []
    var suppressed = 0
    var newlines = 0
    var rows = 0
    var failure: String?

    init(setup: ScanSetup) {
        let cells = setup.periods.count * setup.repCount
        sums = setup.plan.accumulators.map { a in
            a.kind == .sum && { if case .column = a.value { return true } else { return false } }() ? [Int128](repeating: 0, count: cells) : []
        }
        counts = setup.plan.accumulators.map { _ in [Int32](repeating: 0, count: cells) }
        extremes = setup.plan.accumulators.map { a in
            a.kind == .min || a.kind == .max ? [Value](repeating: .missing, count: cells) : []
        }
        exactSums = setup.plan.accumulators.map { a in
            a.kind == .sum && { if case .expr = a.value { return true } else { return false } }() ? [Exact](repeating: .zero, count: cells) : []
        }
        entries = setup.plan.lists.map { _ in [] }
    }

    func report(_ line: Int, _ code: String, _ message: String, rep: String?, limit: Int, help: String? = nil) {
        if problems.count >= limit {
            suppressed += 1
            return
        }
        problems.append((line, code, message, rep, help))
    }

    /// Scans records in [start, end). Lines are counted from 1 within the chunk.
    func run(_ s: ScanSetup, start: Int, end: Int) {
        guard let base = s.file.bytes.baseAddress else { return }
        var scanner = CSVScanner(bytes: s.file.bytes, from: start, to: end, firstLine: 1, maxFieldBytes: s.limits.csvFieldBytes)
        let plan = s.plan
        let accumulatorCount = plan.accumulators.count
        let filterCount = plan.filters.count
        var filterValues = [Bool](repeating: false, count: filterCount)
        var decimalValues = [Int128](repeating: 0, count: plan.txColumns.count)
        var dateValues = [CivilDate](repeating: CivilDate(dayNumber: 0), count: plan.txColumns.count)
        let limit = s.limits.diagnosticsPerFile
        let amountColumns = plan.txColumns.indices.filter { plan.txColumns[$0].type.isNumeric }
        let dateColumns = plan.txColumns.indices.filter { plan.txColumns[$0].type == .date }
        while true {
            let step = scanner.next()
            if step == .end { break }
            let line = scanner.recordLine
            if case .malformed(let m) = step {
                report(line, "D606", m, rep: nil, limit: limit)
                continue
            }
            rows += 1
            let fields = scanner.fields
            if scanner.recordHasHighBytes && !scanner.recordIsValidUTF8() {
                report(line, "D610", "the row is not valid UTF-8", rep: nil, limit: limit)
                continue
            }
            if fields.count != s.fieldCount {
                report(
                    line, "D607", "the row has \(fields.count) field\(fields.count == 1 ? "" : "s"); the header has \(s.fieldCount)",
                    rep: nil, limit: limit, help: "quote fields that contain commas: \"a,b\"")
                continue
            }
            // The rep.
            let rf = fields[s.repField]
            let rep: Int? = rf.escaped ? s.repIndex.lookup(scanner.string(rf)) : s.repIndex.lookup(base, rf.start, rf.end)
            guard let rep else {
                report(line, "D620", "column rep_id: unknown rep \"\(scanner.string(rf))\" (not in reps.csv)", rep: nil, limit: limit)
                continue
            }
            var bad = false
            // The product.
            let pf = fields[s.productField]
            let product: Int? = pf.escaped ? s.productIndex.lookup(scanner.string(pf)) : s.productIndex.lookup(base, pf.start, pf.end)
            if product == nil {
                report(
                    line, "D621", "column product: unknown product \"\(scanner.string(pf))\" (not in products.csv)", rep: s.repIDs[rep],
                    limit: limit)
                bad = true
            }
            // Every decimal and date column is read, whatever the row's date:
            // a row that cannot be read cannot be placed in a period.
            for k in amountColumns {
                let f = fields[s.fieldOf[k]]
                switch Fixed.parse(base, f.start, f.end) {
                case .success(let v): decimalValues[k] = v
                case .failure(let problem):
                    if f.start == f.end && plan.txColumns[k].optional { continue }
                    report(
                        line, DataLoader.decimalCode(problem),
                        DataLoader.decimalMessage(problem, column: plan.txColumns[k].name, text: scanner.string(f)), rep: s.repIDs[rep],
                        limit: limit)
                    bad = true
                }
            }
            for k in dateColumns {
                let f = fields[s.fieldOf[k]]
                if let d = DateField.parse(base, f.start, f.end) {
                    dateValues[k] = d
                } else {
                    if f.start == f.end && plan.txColumns[k].optional { continue }
                    let shown = scanner.string(f)
                    report(
                        line, "D612",
                        "column \(plan.txColumns[k].name): \(shown.isEmpty ? "the date is blank" : "\"\(shown)\" is not a date (YYYY-MM-DD)")",
                        rep: s.repIDs[rep], limit: limit)
                    bad = true
                }
            }
            if bad || s.skipRep[rep] { continue }
            let date = dateValues[s.dateField]
            guard let period = s.periodIndex(date.dayNumber), let product else { continue }
            let cell = period * s.repCount + rep
            // Filters: tabulated by product and period where possible.
            var rowContext: RowContext?
            func context() -> RowContext {
                if let rowContext { return rowContext }
                let c = RowContext(
                    txValue: { (i: Int) throws(EvalFailure) -> Value in
                        let col = plan.txColumns[i]
                        let f = fields[s.fieldOf[i]]
                        switch col.type {
                        case .text: return .text(scanner.string(f))
                        case .date: return f.start == f.end ? .missing : .date(dateValues[i])
                        default: return f.start == f.end && col.optional ? .missing : .number(Fixed.exact(decimalValues[i]))
                        }
                    }, product: product, rep: rep, period: s.periods[period], products: s.products, reps: s.reps,
                    rounding: s.rounding)
                rowContext = c
                return c
            }
            for k in 0..<filterCount {
                if let table = s.filterTables[k] {
                    filterValues[k] = table[period * s.productCount + product]
                } else {
                    do {
                        filterValues[k] = try RowEvaluator.eval(plan.filters[k].expr, context()) == .bool(true)
                    } catch {
                        report(line, "D622", "filter `\(plan.filters[k].name)`: \(error.words)", rep: s.repIDs[rep], limit: limit)
                        bad = true
                    }
                }
            }
            if bad { continue }
            for a in 0..<accumulatorCount {
                let acc = plan.accumulators[a]
                if let f = acc.filter, !filterValues[f] { continue }
                counts[a][cell] += 1
                switch (acc.kind, acc.value) {
                case (.count, _):
                    break
                case (.sum, .column(let k)?):
                    let (v, o) = sums[a][cell].addingReportingOverflow(decimalValues[k])
                    if o {
                        failure = "the sum of \(acc.description) for rep \(s.repIDs[rep]) exceeds Payplan's exact range"
                        return
                    }
                    sums[a][cell] = v
                default:
                    let value: Value
                    do throws(EvalFailure) {
                        switch acc.value {
                        case .column(let k)?:
                            value = plan.txColumns[k].type == .date ? .date(dateValues[k]) : .number(Fixed.exact(decimalValues[k]))
                        case .expr(let e)?:
                            value = try RowEvaluator.eval(e, context())
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
                        report(line, "D622", "\(acc.description): \(error.words)", rep: s.repIDs[rep], limit: limit)
                    }
                }
            }
            for l in 0..<plan.lists.count {
                let list = plan.lists[l]
                if let f = list.filter, !filterValues[f] { continue }
                var value: Exact
                switch list.value {
                case .column(let k): value = Fixed.exact(decimalValues[k])
                case .expr(let e):
                    do throws(EvalFailure) {
                        guard case .number(let x) = try RowEvaluator.eval(e, context()) else { throw EvalFailure.missingValue }
                        value = x
                    } catch {
                        report(line, "D622", "\(list.description): \(error.words)", rep: s.repIDs[rep], limit: limit)
                        continue
                    }
                }
                let deal = scanner.string(fields[s.dealField])
                entries[l].append((Int32(rep), Int32(period), TxEntry(date: date, deal: deal, value: value, line: line)))
            }
        }
        newlines = scanner.line - 1
    }
}

enum TransactionScan {
    /// Scans the transactions file on `threads` threads and merges the chunks
    /// in file order, so the result does not depend on the thread count.
    static func run(_ setup: ScanSetup, start: Int, headerEndLine: Int, threads: Int) -> (periods: [PeriodData], rows: Int, problems: [DataProblem]) {
        let cuts = ChunkSplitter.boundaries(setup.file.bytes, from: start, chunks: max(1, threads))
        let chunks = (0..<(cuts.count - 1)).map { _ in ChunkScan(setup: setup) }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
            chunks[k].run(setup, start: cuts[k], end: cuts[k + 1])
        }
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
                for a in 0..<setup.plan.accumulators.count {
                    for cell in 0..<first.counts[a].count {
                        first.counts[a][cell] += chunk.counts[a][cell]
                    }
                    if !first.sums[a].isEmpty {
                        for cell in 0..<first.sums[a].count {
                            let (v, o) = first.sums[a][cell].addingReportingOverflow(chunk.sums[a][cell])
                            if o {
                                problems.append(
                                    DataProblem(
                                        Diagnostic(
                                            .error, "D623", "a sum of \(setup.plan.accumulators[a].description) exceeds Payplan's exact range",
                                            at: nil, file: setup.displayName),
                                        rep: nil))
                            }
                            first.sums[a][cell] = v
                        }
                    }
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
                    first.entries[l] += chunk.entries[l].map { e in
                        var copy = e
                        copy.entry.line += lineOffset
                        return copy
                    }
                }
            } else {
                for l in 0..<setup.plan.lists.count {
                    for i in first.entries[l].indices { first.entries[l][i].entry.line += lineOffset }
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
        // Assemble per period.
        var periods: [PeriodData] = []
        let r = setup.repCount
        for (p, period) in setup.periods.enumerated() {
            let range = (p * r)..<((p + 1) * r)
            var accumulators: [AccumulatorValues] = []
            for (a, acc) in setup.plan.accumulators.enumerated() {
                let counts = Array(first.counts[a][range])
                if !first.sums[a].isEmpty {
                    accumulators.append(.sum(units: Array(first.sums[a][range]), counts: counts))
                } else if !first.exactSums[a].isEmpty {
                    accumulators.append(.exactSum(values: Array(first.exactSums[a][range]), counts: counts))
                } else if !first.extremes[a].isEmpty {
                    accumulators.append(.extreme(values: Array(first.extremes[a][range]), counts: counts))
                } else {
                    _ = acc
                    accumulators.append(.count(counts))
                }
            }
            var lists: [ListValues] = []
            for l in 0..<setup.plan.lists.count {
                var mine = first.entries[l].filter { $0.period == Int32(p) }
                mine.sort { a, b in
                    if a.rep != b.rep { return a.rep < b.rep }
                    if a.entry.date != b.entry.date { return a.entry.date < b.entry.date }
                    if !CodePoint.equal(a.entry.deal, b.entry.deal) { return CodePoint.less(a.entry.deal, b.entry.deal) }
                    return a.entry.line < b.entry.line
                }
                var offsets = [Int](repeating: 0, count: r + 1)
                for e in mine { offsets[Int(e.rep) + 1] += 1 }
                for i in 0..<r { offsets[i + 1] += offsets[i] }
                lists.append(ListValues(entries: mine.map(\.entry), offsets: offsets))
            }
            periods.append(PeriodData(period: period, accumulators: accumulators, lists: lists))
        }
        return (periods, rows, problems)
    }
}
