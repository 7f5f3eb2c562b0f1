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

    mutating func readReps() -> RepRows {
        let (read, unreadable) = readTable(spec.reps, lookalikes: true)
        let table = read ?? empty(spec.reps)
        let id = table.columnIndex("rep_id") ?? 0
        let validCount = table.count
        // Duplicates are found by the index, which keeps the first; the ids
        // of unreadable rows follow the table's (if not already there).
        let ids = (0..<validCount).map { table.text(id, $0) } + unreadable
        let index = IDIndex(ids)
        var invalid: Set<Int> = []
        for (i, first) in index.duplicates where i < validCount {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, "D630", "duplicate rep_id \"\(ids[i])\" (first on line \(table.lines[first]))", at: here(table.path, table.lines[i]),
                        file: table.path), rep: ids[i]))
            invalid.insert(i)
            invalid.insert(first)
        }
        let (hire, exit) = checkDates(table, ids)
        if read != nil && table.count == 0 {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, "D608", "reps.csv has a header but no rows: there is no one to pay", at: here(table.path, 1), file: table.path,
                        help: "export the reps again"), rep: nil))
        }
        return RepRows(
            table: table, ids: ids, validCount: validCount, index: index, invalid: invalid, hire: hire, exit: exit,
            usable: read != nil && table.count > 0)
    }

    /// Hire and exit dates; an exit before the hire and a negative target
    /// incentive are errors rather than warnings: read as written, the first
    /// silently drops the rep from every period, the second makes every
    /// bonus of the rep negative.
    private mutating func checkDates(_ reps: Table, _ ids: [String]) -> ([CivilDate], [CivilDate?]) {
        let hireColumn = reps.columnIndex("hire_date")
        let exitColumn = reps.columnIndex("exit_date")
        let incentiveColumn = reps.columnIndex("target_incentive")
        var hire: [CivilDate] = []
        var exit: [CivilDate?] = []
        hire.reserveCapacity(reps.count)
        exit.reserveCapacity(reps.count)
        for r in 0..<reps.count {
            if let h = hireColumn, case .date(let d) = reps.value(h, r) { hire.append(d) } else { hire.append(CivilDate(dayNumber: 0)) }
            if let e = exitColumn, case .date(let d) = reps.value(e, r) { exit.append(d) } else { exit.append(nil) }
            if let x = exit[r], x < hire[r] {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D640", "rep \(ids[r]): exit_date \(x) is before hire_date \(hire[r])", at: here(reps.path, reps.lines[r]),
                            file: reps.path, help: "check both dates; a rep who never started has no row"), rep: ids[r]))
            }
            if let c = incentiveColumn, case .number(let x) = reps.value(c, r), x.isNegative {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D642", "rep \(ids[r]): target_incentive \(x) is negative", at: here(reps.path, reps.lines[r]), file: reps.path),
                        rep: ids[r]))
            }
        }
        return (hire, exit)
    }

    // MARK: products.csv

    mutating func readProducts() -> ProductRows {
        let (read, unreadable) = readTable(spec.products, lookalikes: true)
        let products = read ?? empty(spec.products)
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
                        .error, "D631",
                        "product \"\(products.text(column, row))\" is listed twice with different launch dates (\(a?.description ?? "") on line \(products.lines[first]), \(b?.description ?? "") here)",
                        at: here(products.path, products.lines[row]), file: products.path), rep: nil))
        }
        // Product rows as evaluated: the first listing of each product.
        let rows = (0..<products.count).filter { !repeated.contains($0) }
        let table = Table(
            spec: products.spec, path: products.path, lines: rows.map { products.lines[$0] }, columns: products.columns.map { $0.rows(rows) })
        return ProductRows(
            table: table, index: IDIndex(rows.map { products.text(column, $0) }), unreadable: Set(unreadable),
            usable: read != nil && products.count > 0)
    }

    // MARK: targets.csv

    mutating func readTargets(_ reps: RepRows) -> TargetRows {
        let (read, _) = readTable(spec.targets, lookalikes: false)
        let targets = read ?? empty(spec.targets)
        let repColumn = targets.columnIndex("rep_id") ?? 0
        let periodColumn = targets.columnIndex("period") ?? 1
        let wanted = Set(periods.map(\.ordinal))
        var rows: [Int: [Int32]] = [:]
        // (period, rep) → the first row, for rows given twice.
        var seen = PairIndex(capacity: targets.count)
        var parsed: [String: Period?] = [:]
        for row in 0..<targets.count {
            let id = targets.text(repColumn, row)
            let text = targets.text(periodColumn, row)
            guard let p = parsed[text] ?? cachePeriod(text, &parsed) else {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D632", "column period: \"\(text)\" is not a period (2026-07, 2026-Q3 or 2026)",
                            at: here(targets.path, targets.lines[row]), file: targets.path), rep: id))
                continue
            }
            guard let r = reps.index.lookup(id) else {
                // Without usable reps every target would be "unknown": that
                // cascade would hide the one real problem.
                guard reps.usable else { continue }
                warnings.append(
                    Diagnostic(
                        .warning, "D641", "target for unknown rep \"\(id)\" (not in reps.csv) is ignored", at: here(targets.path, targets.lines[row]),
                        file: targets.path))
                continue
            }
            // Months, quarters and years have distinct keys: ordinal × 4 + kind.
            let kind = Int64(PeriodKind.allCases.firstIndex(of: p.kind) ?? 0)
            if let first = seen.insert((Int64(p.ordinal) * 4 + kind) << 32 | Int64(r), row: row) {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D633", "rep \(id) has a second target row for \(p) (first on line \(targets.lines[first]))",
                            at: here(targets.path, targets.lines[row]), file: targets.path), rep: id))
                continue
            }
            guard p.kind == plan.plan.period.value, wanted.contains(p.ordinal) else { continue }
            rows[p.ordinal, default: [Int32](repeating: -1, count: reps.ids.count)][r] = Int32(row)
        }
        return TargetRows(table: targets, rows: rows)
    }

    private func cachePeriod(_ text: String, _ cache: inout [String: Period?]) -> Period? {
        let p = Period(text)
        cache[text] = .some(p)
        return p
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
                        .note, "D617", "\(spec.transactions.file) was not read: it needs \(missing.joined(separator: " and ")) first", at: nil,
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
                        .error, "D609", "transactions.csv has a header but no rows: nothing to pay on", at: here(setup.displayName, 1),
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
            periods: periods, filterTables: filterTables(products.table, reps.table), productCount: products.table.count,
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
                                    .error, "D624", "filter `\(f.name)` for product \(products.text(id, product)) in \(period): \(error.words)",
                                    at: here(products.path, products.lines[product]), file: products.path), rep: nil))
                    }
                }
            }
            return table
        }
    }
}

/// (Int64 key → first row) for finding rows given twice: open addressing
/// on flat arrays, sized by the rows (a `Dictionary` hashed every row with
/// SipHash: a tenth of reading a million reps' targets).
struct PairIndex {
    private var keys: [Int64]
    private var rows: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = [Int64](repeating: 0, count: n)
        rows = [Int32](repeating: -1, count: n)
        mask = n - 1
    }

    /// Records `row` under `key`; the first row with that key when there is one.
    mutating func insert(_ key: Int64, row: Int) -> Int? {
        var h = UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        var i = Int(truncatingIfNeeded: h) & mask
        while rows[i] >= 0 {
            if keys[i] == key { return Int(rows[i]) }
            i = (i + 1) & mask
        }
        keys[i] = key
        rows[i] = Int32(row)
        return nil
    }
}
