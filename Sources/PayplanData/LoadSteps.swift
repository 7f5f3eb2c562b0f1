import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// The reps as read: the table, the ids the transactions are looked up
/// against, and which reps are known but never paid.
struct RepRows {
    var table: Table
    /// Ids by index: the table's rows, then the ids of unreadable rows
    /// (known, so their transactions are not "unknown rep"; never paid).
    var ids: [String]
    var validCount: Int
    var index: IDIndex
    /// Rows whose own data is bad (a duplicated id): never paid.
    var invalid: Set<Int>
    var hire: [CivilDate]
    var exit: [CivilDate?]
    /// The file and its header could be read, and it has rows.
    var usable: Bool

    /// Valid rep indexes in rep_id order (code points: UTF-8 bytes).
    func order() -> [Int] {
        let ids = Array(ids.prefix(validCount))
        return ids.indices.sorted { CodePoint.less(ids[$0], ids[$1]) }
    }
}

struct ProductRows {
    /// The first listing of each product, as evaluated.
    var table: Table
    var index: IDIndex
    var unreadable: Set<String>
    var usable: Bool
}

struct TargetRows {
    var table: Table
    /// Period ordinal → per rep, the targets row (or -1).
    var rows: [Int: [Int32]]
}

extension DataLoad {
    // MARK: reps.csv

    mutating func readReps(_ read: TableRead) -> RepRows {
        let table = take(read, spec.reps)
        let unreadable = read.unreadableIDs
        let id = table.columnIndex("rep_id") ?? 0
        let validCount = table.count
        // Duplicates are found by the index, which keeps the first; the ids
        // of unreadable rows follow the table's (if not already there).
        let ids = table.texts(id) + unreadable
        let index = IDIndex(ids)
        var invalid: Set<Int> = []
        for (i, first) in index.duplicates where i < validCount {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, DataCode.duplicateRep.rawValue, "duplicate rep_id \"\(ids[i])\" (first on line \(table.lines[first]))",
                        at: here(table.path, table.lines[i]),
                        file: table.path), rep: ids[i]))
            invalid.insert(i)
            invalid.insert(first)
        }
        let (hire, exit) = checkDates(table, ids)
        if read.table != nil && table.count == 0 {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, DataCode.noReps.rawValue, "reps.csv has a header but no rows: there is no one to pay", at: here(table.path, 1),
                        file: table.path,
                        help: "export the reps again"), rep: nil))
        }
        return RepRows(
            table: table, ids: ids, validCount: validCount, index: index, invalid: invalid, hire: hire, exit: exit,
            usable: read.table != nil && table.count > 0)
    }

    /// Hire and exit dates; an exit before the hire and a negative target
    /// incentive are errors rather than warnings: read as written, the first
    /// silently drops the rep from every period, the second makes every
    /// bonus of the rep negative.
    private mutating func checkDates(_ reps: Table, _ ids: [String]) -> ([CivilDate], [CivilDate?]) {
        func dates(_ name: String) -> [CivilDate?] {
            guard let c = reps.columnIndex(name), reps.columns[c].kind == .date else { return [CivilDate?](repeating: nil, count: reps.count) }
            return reps.columns[c].dates
        }
        let hire = dates("hire_date").map { $0 ?? CivilDate(dayNumber: 0) }
        let exit = dates("exit_date")
        let incentive = reps.columnIndex("target_incentive").flatMap { reps.columns[$0].kind == .decimal ? reps.columns[$0].decimals : nil }
        for r in 0..<reps.count {
            if let x = exit[r], x < hire[r] {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, DataCode.exitBeforeHire.rawValue, "rep \(ids[r]): exit_date \(x) is before hire_date \(hire[r])",
                            at: here(reps.path, reps.lines[r]),
                            file: reps.path, help: "check both dates; a rep who never started has no row"), rep: ids[r]))
            }
            if let x = incentive?[r], x.isNegative {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, DataCode.negativeIncentive.rawValue, "rep \(ids[r]): target_incentive \(x) is negative",
                            at: here(reps.path, reps.lines[r]), file: reps.path),
                        rep: ids[r]))
            }
        }
        return (hire, exit)
    }

    // MARK: products.csv

    mutating func readProducts(_ read: TableRead) -> ProductRows {
        let products = take(read, spec.products)
        let column = products.columnIndex("product") ?? 0
        let launch = products.columnIndex("launch_date")
        let all = IDIndex((0..<products.count).map { products.text(column, $0) })
        var repeated = Set<Int>()
        for (row, first) in all.duplicates {
            repeated.insert(row)
            let a = launch.map { products.value($0, first) }
            let b = launch.map { products.value($0, row) }
            guard a != b else { continue }
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, DataCode.productLaunchTwice.rawValue,
                        "product \"\(products.text(column, row))\" is listed twice with different launch dates (\(a?.description ?? "") on line \(products.lines[first]), \(b?.description ?? "") here)",
                        at: here(products.path, products.lines[row]), file: products.path), rep: nil))
        }
        // Product rows as evaluated: the first listing of each product.
        let rows = (0..<products.count).filter { !repeated.contains($0) }
        let table = Table(
            spec: products.spec, path: products.path, lines: rows.map { products.lines[$0] }, columns: products.columns.map { $0.rows(rows) })
        return ProductRows(
            table: table, index: IDIndex(rows.map { products.text(column, $0) }), unreadable: Set(read.unreadableIDs),
            usable: read.table != nil && products.count > 0)
    }

    // MARK: targets.csv

    mutating func readTargets(_ read: TableRead, _ reps: RepRows) -> TargetRows {
        let targets = take(read, spec.targets)
        let ids = targets.texts(targets.columnIndex("rep_id") ?? 0)
        let periodTexts = targets.texts(targets.columnIndex("period") ?? 1)
        var finder = RepFinder(reps)
        var slots = TargetSlots(reps: reps.ids.count, kind: plan.plan.period.value, ordinals: Set(periods.map(\.ordinal)))
        var period = PeriodCache()
        for row in 0..<targets.count {
            guard let p = period.parse(periodTexts[row]) else {
                let message = "column period: \"\(periodTexts[row])\" is not a period (2026-07, 2026-Q3, 2026, 2026-H2 or 2026-07-H1)"
                problems.append(
                    DataProblem(
                        Diagnostic(.error, DataCode.notPeriod.rawValue, message, at: here(targets.path, targets.lines[row]), file: targets.path),
                        rep: ids[row]))
                continue
            }
            guard let r = finder.find(ids[row]) else {
                // Without usable reps every target would be "unknown": that
                // cascade would hide the one real problem.
                guard reps.usable else { continue }
                let message = "target for unknown rep \"\(ids[row])\" (not in reps.csv) is ignored"
                warnings.append(
                    Diagnostic(
                        .warning, DataCode.targetForUnknownRep.rawValue, message, at: here(targets.path, targets.lines[row]), file: targets.path))
                continue
            }
            if let first = slots.insert(p, rep: r, row: row) {
                let message = "rep \(ids[row]) has a second target row for \(p) (first on line \(targets.lines[first]))"
                problems.append(
                    DataProblem(
                        Diagnostic(.error, DataCode.targetTwice.rawValue, message, at: here(targets.path, targets.lines[row]), file: targets.path),
                        rep: ids[row]))
            }
        }
        return TargetRows(table: targets, rows: slots.byOrdinal)
    }

    // MARK: transactions.csv

    /// Scans the transactions, once the reps and products they name are known.
    mutating func scanTransactions(_ reps: RepRows, _ products: ProductRows, threads: Int) -> TransactionScan.Result? {
        // A reps or products file that cannot be read at all would make every
        // transaction "unknown": those cascades hide the one real problem, so
        // the transactions are checked once it is fixed.
        guard reps.usable && products.usable else {
            let missing = [reps.usable ? nil : spec.reps.file, products.usable ? nil : spec.products.file].compactMap { $0 }
            problems.append(
                DataProblem(
                    Diagnostic(
                        .note, DataCode.transactionsNotRead.rawValue,
                        "\(spec.transactions.file) was not read: it needs \(missing.joined(separator: " and ")) first", at: nil,
                        file: path(spec.transactions)), rep: nil))
            return nil
        }
        guard let file = open(spec.transactions) else { return nil }
        var reader = TableReader(path: path(spec.transactions), spec: spec.transactions, limits: limits, keyPolicy: keyPolicy)
        guard let header = reader.header(file) else {
            problems += reader.problems
            return nil
        }
        let setup = scanSetup(file, header, reps, products)
        let result = TransactionScan.run(setup, start: header.position, threads: threads)
        if result.rows == 0 && result.problems.isEmpty {
            // A sales quarter without a single transaction is far likelier a
            // failed export than a quiet quarter; paying everyone nothing on
            // it is the harm to prevent.
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, DataCode.noTransactions.rawValue, "transactions.csv has a header but no rows: nothing to pay on",
                        at: here(setup.displayName, 1),
                        file: setup.displayName, help: "export the transactions again"), rep: nil))
        }
        return result
    }

    private mutating func scanSetup(_ file: MappedFile, _ header: TableReader.Header, _ reps: RepRows, _ products: ProductRows) -> ScanSetup {
        let columns = plan.scan.txColumns
        let fieldOf = columns.map { c in header.fieldOf[spec.transactions.columns.firstIndex { $0.name == c.name } ?? 0] }
        func field(_ name: String) -> Int { fieldOf[columns.firstIndex { $0.name == name } ?? 0] }
        var skip = [Bool](repeating: false, count: reps.ids.count)
        for i in reps.invalid { skip[i] = true }
        for i in reps.validCount..<reps.ids.count { skip[i] = true }
        return ScanSetup(
            file: file, displayName: path(spec.transactions), plan: plan.scan,
            schema: .transactions(columns, fieldOf: fieldOf, fieldCount: header.fieldCount),
            lookups: RowLookups(reps: reps.index, repIDs: reps.ids, products: products.index, unreadableProducts: products.unreadable),
            lanes: Lane.lanes(plan.scan), fieldOf: fieldOf, fieldCount: header.fieldCount, repField: field("rep_id"),
            dealField: field("deal_id"), dateColumn: columns.firstIndex { $0.name == "date" } ?? 0, firstLine: header.line, skipRep: skip,
            periods: periods, lastDay: asOf?.dayNumber ?? .max, filterTables: filterTables(products.table, reps.table),
            productCount: products.table.count,
            repCount: reps.ids.count, reps: reps.table, products: products.table, rounding: plan.rounding, limits: limits, keyPolicy: keyPolicy,
            listPeriod: DataLoader.listsNeededInHistory(plan) ? nil : periods.count - 1)
    }

    /// Per filter that reads only the product and the period, its value for
    /// every (period, product), computed once instead of per row; nil for
    /// filters that read the row.
    private mutating func filterTables(_ products: Table, _ reps: Table) -> [[Bool]?] {
        let id = products.columnIndex("product") ?? 0
        return plan.scan.filters.map { f -> [Bool]? in
            guard f.expr.dependsOnlyOnProductAndPeriod else { return nil }
            var table = [Bool](repeating: false, count: periods.count * products.count)
            for (p, period) in periods.enumerated() {
                for product in 0..<products.count {
                    let context = RowContext(
                        txValue: { (_: Int) throws(EvalFailure) -> Value in .missing }, product: product, rep: 0, period: period,
                        products: products, reps: reps, rounding: plan.rounding)
                    do throws(EvalFailure) {
                        table[p * products.count + product] = try RowEvaluator.eval(f.expr, context) == .bool(true)
                    } catch {
                        problems.append(
                            DataProblem(
                                Diagnostic(
                                    .error, DataCode.productFilter.rawValue,
                                    "filter `\(f.name)` for product \(products.text(id, product)) in \(period): \(error.words)",
                                    at: here(products.path, products.lines[product]), file: products.path), rep: nil))
                    }
                }
            }
            return table
        }
    }
}

/// Finds the reps of targets rows. Targets files usually list reps in the
/// reps file's order: the rep after the last one found is tried first, by
/// its bytes, before the index (ids listed twice are left to the index,
/// which knows the first).
struct RepFinder {
    private let ids: [String]
    private let index: IDIndex
    private let repeated: Set<Int>
    private var next = 0

    init(_ reps: RepRows) {
        (ids, index) = (reps.ids, reps.index)
        repeated = Set(reps.index.duplicates.map(\.index))
    }

    mutating func find(_ id: String) -> Int? {
        let found: Int?
        if next < ids.count && !repeated.contains(next) && FieldText.sameBytes(ids[next], id) {
            found = next
        } else {
            found = index.lookup(id)
        }
        if let found { next = found + 1 }
        return found
    }
}

/// A period column's text parsed once per run of rows with the same text
/// (a targets file is usually sorted by period or by rep).
struct PeriodCache {
    private var last: (text: String, period: Period?)?

    mutating func parse(_ text: String) -> Period? {
        if let last, FieldText.sameBytes(last.text, text) { return last.period }
        let p = Period(text)
        last = (text, p)
        return p
    }
}

/// Each (period, rep)'s first targets row. The run's periods (of the plan's
/// kind) keep an array of rows per rep; other periods' rows are kept only
/// to find rows given twice.
struct TargetSlots {
    private let reps: Int
    private let kind: PeriodKind
    private let ordinals: Set<Int>
    private var rows: [[Int32]] = []
    private var slotOf: [Int: Int] = [:]
    private var last = (ordinal: Int.min, slot: 0)
    private var others = PairIndex()

    init(reps: Int, kind: PeriodKind, ordinals: Set<Int>) {
        (self.reps, self.kind, self.ordinals) = (reps, kind, ordinals)
    }

    /// Records `row` for (`p`, `rep`); the first row when there is one.
    mutating func insert(_ p: Period, rep: Int, row: Int) -> Int? {
        guard p.kind == kind && ordinals.contains(p.ordinal) else {
            // Periods of different kinds have distinct keys: ordinal × 8 + kind.
            let code = Int64(PeriodKind.allCases.firstIndex(of: p.kind) ?? 0)
            return others.insert((Int64(p.ordinal) * 8 + code) << 32 | Int64(rep), row: row)
        }
        if last.ordinal != p.ordinal { last = (p.ordinal, slot(p.ordinal)) }
        let earlier = rows[last.slot][rep]
        if earlier >= 0 { return Int(earlier) }
        rows[last.slot][rep] = Int32(row)
        return nil
    }

    private mutating func slot(_ ordinal: Int) -> Int {
        if let s = slotOf[ordinal] { return s }
        slotOf[ordinal] = rows.count
        rows.append([Int32](repeating: -1, count: reps))
        return rows.count - 1
    }

    /// Period ordinal → per rep, its row (or -1).
    var byOrdinal: [Int: [Int32]] { slotOf.mapValues { rows[$0] } }
}

/// (Int64 key → first row) for finding rows given twice: open addressing
/// on flat arrays that grow with the rows (a `Dictionary` hashes with
/// SipHash, several times slower).
struct PairIndex {
    private var keys: [Int64] = []
    private var rows: [Int32] = []
    private var count = 0

    /// Records `row` under `key`; the first row with that key when there is one.
    mutating func insert(_ key: Int64, row: Int) -> Int? {
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var i = PairIndex.slot(key) & mask
        while rows[i] >= 0 {
            if keys[i] == key { return Int(rows[i]) }
            i = (i + 1) & mask
        }
        keys[i] = key
        rows[i] = Int32(row)
        count += 1
        return nil
    }

    private static func slot(_ key: Int64) -> Int {
        var h = UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    private mutating func grow() {
        let (oldKeys, oldRows) = (keys, rows)
        let n = max(16, keys.count * 2)
        keys = [Int64](repeating: 0, count: n)
        rows = [Int32](repeating: -1, count: n)
        count = 0
        for (k, r) in zip(oldKeys, oldRows) where r >= 0 { _ = insert(k, row: Int(r)) }
    }
}
