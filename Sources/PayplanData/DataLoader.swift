import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct DataLoadResult: Sendable {
    public var data: DataSet?
    /// Errors: bad data is never paid on silently.
    public var problems: [DataProblem]
    public var warnings: [Diagnostic]
}

/// Reads a data folder for a compiled plan: the small tables whole, the
/// transactions streamed once and aggregated per rep and period as they are
/// read. Reports every problem of every file in one pass.
public enum DataLoader {
    public static var processorCount: Int { Parallel.processorCount }

    /// `asOf`: when set, transactions dated after it are left out of every
    /// period (they are still read and checked), for progress during a period.
    public static func load(
        directory: String, plan: CompiledPlan, periods: [Period], limits: Limits = .default, threads: Int? = nil,
        keys keyPolicy: KeyPolicy = .strict, asOf: CivilDate? = nil
    ) -> DataLoadResult {
        var problems: [DataProblem] = []
        var warnings: [Diagnostic] = []
        guard FileReader.isDirectory(directory) else {
            let reason = FileReader.exists(directory) ? "is not a folder" : "does not exist"
            return DataLoadResult(
                data: nil, problems: [DataProblem(Diagnostic(.error, "D600", "the data folder \(reason)", at: nil, file: directory), rep: nil)],
                warnings: [])
        }
        let spec = plan.plan.data
        func path(_ t: TableSpec) -> String { directory.hasSuffix("/") ? directory + t.file : directory + "/" + t.file }

        func open(_ t: TableSpec) -> MappedFile? {
            do {
                return try MappedFile(path: path(t))
            } catch {
                problems.append(DataProblem(Diagnostic(.error, "D601", "cannot read \(t.file): \(error.reason)", at: nil, file: path(t)), rep: nil))
                return nil
            }
        }

        // Reps.
        var repsTable: Table?
        var invalidIDs: [String] = []
        if let file = open(spec.reps) {
            var reader = TableReader(path: path(spec.reps), spec: spec.reps, limits: limits, keyPolicy: keyPolicy)
            repsTable = reader.read(file, keyColumn: "rep_id")
            problems += reader.problems
            warnings += repsTable.map(KeyHygiene.lookalikes(in:)) ?? []
            warnings += KeyHygiene.trimmedWarning(reader)
            invalidIDs = reader.problems.compactMap(\.repID)
        }
        let emptyReps = Table(spec: spec.reps, path: path(spec.reps), lines: [], columns: spec.reps.columns.map { _ in .text([]) })
        let reps = repsTable ?? emptyReps
        let idColumn = reps.columnIndex("rep_id") ?? 0
        var repIDs: [String] = (0..<reps.count).map { reps.text(idColumn, $0) }
        var invalid: Set<Int> = []
        var firstLine: [TextKey: Int] = [:]
        var duplicateOf: [Int: Int] = [:]
        for (i, id) in repIDs.enumerated() {
            if let first = firstLine[TextKey(id)] {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D630", "duplicate rep_id \"\(id)\" (first on line \(reps.lines[first]))",
                            at: SourceRange(at: SourceLocation(file: reps.path, line: reps.lines[i], column: 0)), file: reps.path),
                        rep: id))
                invalid.insert(i)
                invalid.insert(first)
                duplicateOf[i] = first
            } else {
                firstLine[TextKey(id)] = i
            }
        }
        let hireColumn = reps.columnIndex("hire_date")
        let exitColumn = reps.columnIndex("exit_date")
        let incentiveColumn = reps.columnIndex("target_incentive")
        var hire: [CivilDate] = []
        var exit: [CivilDate?] = []
        for r in 0..<reps.count {
            if let h = hireColumn, case .date(let d) = reps.value(h, r) { hire.append(d) } else { hire.append(CivilDate(dayNumber: 0)) }
            if let e = exitColumn, case .date(let d) = reps.value(e, r) { exit.append(d) } else { exit.append(nil) }
            var here: SourceRange { SourceRange(at: SourceLocation(file: reps.path, line: reps.lines[r], column: 0)) }
            // Both are errors rather than warnings: read as written, the
            // first silently drops the rep from every period, the second
            // makes every bonus of the rep negative.
            if let x = exit[r], x < hire[r] {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D640", "rep \(repIDs[r]): exit_date \(x) is before hire_date \(hire[r])", at: here, file: reps.path,
                            help: "check both dates; a rep who never started has no row"), rep: repIDs[r]))
            }
            if let c = incentiveColumn, case .number(let x) = reps.value(c, r), x.isNegative {
                problems.append(
                    DataProblem(
                        Diagnostic(.error, "D642", "rep \(repIDs[r]): target_incentive \(x) is negative", at: here, file: reps.path),
                        rep: repIDs[r]))
            }
        }
        if repsTable != nil && reps.count == 0 {
            problems.append(
                DataProblem(
                    Diagnostic(
                        .error, "D608", "reps.csv has a header but no rows: there is no one to pay",
                        at: SourceRange(at: SourceLocation(file: reps.path, line: 1, column: 0)), file: reps.path,
                        help: "export the reps again"), rep: nil))
        }
        // Duplicates are not looked up as new reps; reps with unreadable rows
        // are known (so their transactions are not "unknown") but never paid.
        let validCount = repIDs.count
        var scanIDs = repIDs
        for (i, _) in duplicateOf { scanIDs[i] = "\u{0}duplicate-\(i)" }
        for id in invalidIDs where firstLine[TextKey(id)] == nil {
            scanIDs.append(id)
            repIDs.append(id)
            firstLine[TextKey(id)] = scanIDs.count - 1
        }
        let repIndex = IDIndex(scanIDs)

        // Products.
        var productsTable: Table?
        // Products whose row could not be read: their transactions are not
        // also "unknown product" errors (the row's own error says it all).
        var unreadableProducts: Set<String> = []
        if let file = open(spec.products) {
            var reader = TableReader(path: path(spec.products), spec: spec.products, limits: limits, keyPolicy: keyPolicy)
            productsTable = reader.read(file, keyColumn: nil)
            problems += reader.problems
            warnings += productsTable.map(KeyHygiene.lookalikes(in:)) ?? []
            warnings += KeyHygiene.trimmedWarning(reader)
            unreadableProducts = Set(reader.invalidKeys)
        }
        let products =
            productsTable ?? Table(spec: spec.products, path: path(spec.products), lines: [], columns: spec.products.columns.map { _ in .text([]) })
        let productColumn = products.columnIndex("product") ?? 0
        let launchColumn = products.columnIndex("launch_date")
        var productIDs: [String] = []
        var productRows: [Int] = []
        var productFirst: [TextKey: Int] = [:]
        for row in 0..<products.count {
            let id = products.text(productColumn, row)
            if let first = productFirst[TextKey(id)] {
                let a = launchColumn.map { products.value($0, productRows[first]) }
                let b = launchColumn.map { products.value($0, row) }
                if a != b {
                    problems.append(
                        DataProblem(
                            Diagnostic(
                                .error, "D631",
                                "product \"\(id)\" is listed twice with different launch dates (\(a?.description ?? "") on line \(products.lines[productRows[first]]), \(b?.description ?? "") here)",
                                at: SourceRange(at: SourceLocation(file: products.path, line: products.lines[row], column: 0)), file: products.path),
                            rep: nil))
                }
                continue
            }
            productFirst[TextKey(id)] = productIDs.count
            productIDs.append(id)
            productRows.append(row)
        }
        // Product rows as evaluated: the first listing of each product.
        let productTable = Table(
            spec: products.spec, path: products.path, lines: productRows.map { products.lines[$0] },
            columns: products.columns.map { $0.rows(productRows) })
        let productIndex = IDIndex(productIDs)
        // A reps or products file that cannot be read at all would make every
        // target and transaction "unknown": those cascades hide the one real
        // problem, so the files that depend on it are checked once it is fixed.
        let repsUsable = repsTable != nil && reps.count > 0
        let productsUsable = productsTable != nil && products.count > 0

        // Targets.
        var targetsTable: Table?
        if let file = open(spec.targets) {
            var reader = TableReader(path: path(spec.targets), spec: spec.targets, limits: limits, keyPolicy: keyPolicy)
            targetsTable = reader.read(file, keyColumn: "rep_id")
            problems += reader.problems
            warnings += KeyHygiene.trimmedWarning(reader)
        }
        let targets =
            targetsTable ?? Table(spec: spec.targets, path: path(spec.targets), lines: [], columns: spec.targets.columns.map { _ in .text([]) })
        var targetRows: [Int: [Int32]] = [:]
        let wanted = Set(periods.map(\.ordinal))
        let targetRep = targets.columnIndex("rep_id") ?? 0
        let targetPeriod = targets.columnIndex("period") ?? 1
        // (period ordinal, rep) → the first row, for duplicate rows.
        var seenTarget: [Int64: Int] = [:]
        for row in 0..<targets.count {
            let id = targets.text(targetRep, row)
            let text = targets.text(targetPeriod, row)
            // Built only for a problem: most rows have none.
            var here: SourceRange { SourceRange(at: SourceLocation(file: targets.path, line: targets.lines[row], column: 0)) }
            guard let p = Period(text) else {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D632", "column period: \"\(text)\" is not a period (2026-07, 2026-Q3, 2026, 2026-H2 or 2026-07-H1)", at: here,
                            file: targets.path),
                        rep: id))
                continue
            }
            guard let r = repIndex.lookup(id) else {
                guard repsUsable else { continue }
                warnings.append(
                    Diagnostic(.warning, "D641", "target for unknown rep \"\(id)\" (not in reps.csv) is ignored", at: here, file: targets.path))
                continue
            }
            // Periods of different kinds have distinct keys: ordinal × 8 + kind.
            let kindCode = Int64(PeriodKind.allCases.firstIndex(of: p.kind) ?? 0)
            let key = (Int64(p.ordinal) * 8 + kindCode) << 32 | Int64(r)
            if let first = seenTarget[key] {
                problems.append(
                    DataProblem(
                        Diagnostic(
                            .error, "D633", "rep \(id) has a second target row for \(p) (first on line \(targets.lines[first]))", at: here,
                            file: targets.path), rep: id))
                continue
            }
            seenTarget[key] = row
            guard p.kind == plan.plan.period.value, wanted.contains(p.ordinal) else { continue }
            if targetRows[p.ordinal] == nil { targetRows[p.ordinal] = [Int32](repeating: -1, count: repIDs.count) }
            targetRows[p.ordinal]![r] = Int32(row)
        }

        PhaseTimer.shared.mark("read reps, products, targets")
        // Transactions.
        var periodData: [PeriodData] = []
        var transactionCount = 0
        if !repsUsable || !productsUsable {
            let missing = [repsUsable ? nil : spec.reps.file, productsUsable ? nil : spec.products.file].compactMap { $0 }
            problems.append(
                DataProblem(
                    Diagnostic(
                        .note, "D617", "\(spec.transactions.file) was not read: it needs \(missing.joined(separator: " and ")) first", at: nil,
                        file: path(spec.transactions)), rep: nil))
        } else if let file = open(spec.transactions) {
            var reader = TableReader(path: path(spec.transactions), spec: spec.transactions, limits: limits, keyPolicy: keyPolicy)
            if let (start, fieldOf, fieldCount) = reader.header(file) {
                let scanColumns = plan.scan.txColumns
                let fieldFor = scanColumns.map { c in fieldOf[spec.transactions.columns.firstIndex { $0.name == c.name } ?? 0] }
                func field(_ name: String) -> Int { fieldFor[scanColumns.firstIndex { $0.name == name } ?? 0] }
                let sorted = periods.sorted()
                var filterTables: [[Bool]?] = []
                for f in plan.scan.filters {
                    guard f.expr.dependsOnlyOnProductAndPeriod else {
                        filterTables.append(nil)
                        continue
                    }
                    var table = [Bool](repeating: false, count: sorted.count * productIDs.count)
                    for (p, period) in sorted.enumerated() {
                        for product in 0..<productIDs.count {
                            let context = RowContext(
                                txValue: { (_: Int) throws(EvalFailure) -> Value in .missing }, product: product, rep: 0, period: period,
                                products: productTable, reps: reps, rounding: plan.rounding)
                            do {
                                table[p * productIDs.count + product] = try RowEvaluator.eval(f.expr, context) == .bool(true)
                            } catch {
                                problems.append(
                                    DataProblem(
                                        Diagnostic(
                                            .error, "D624", "filter `\(f.name)` for product \(productIDs[product]) in \(period): \(error.words)",
                                            at: SourceRange(
                                                at: SourceLocation(file: productTable.path, line: productTable.lines[product], column: 0)),
                                            file: productTable.path), rep: nil))
                            }
                        }
                    }
                    filterTables.append(table)
                }
                var skip = [Bool](repeating: false, count: scanIDs.count)
                for i in invalid { skip[i] = true }
                for i in validCount..<scanIDs.count { skip[i] = true }
                let setup = ScanSetup(
                    file: file, displayName: path(spec.transactions), plan: plan.scan, fieldCount: fieldCount, fieldOf: fieldFor,
                    repField: field("rep_id"), productField: field("product"), dateField: scanColumns.firstIndex { $0.name == "date" } ?? 0,
                    dealField: field("deal_id"), repIndex: repIndex, repIDs: repIDs, skipRep: skip, productIndex: productIndex,
                    unreadableProducts: unreadableProducts, periods: sorted, firstDay: sorted.first?.start.dayNumber ?? 0,
                    lastDay: min(sorted.last?.end.dayNumber ?? -1, asOf?.dayNumber ?? .max),
                    filterTables: filterTables, productCount: productIDs.count, repCount: scanIDs.count, reps: reps,
                    products: productTable, rounding: plan.rounding, limits: limits, keyPolicy: keyPolicy,
                    listPeriod: DataLoader.listsNeededInHistory(plan) ? nil : sorted.count - 1)
                var headerScanner = CSVScanner(bytes: file.bytes, from: 0)
                _ = headerScanner.next()
                let headerEndLine = headerScanner.line
                let result = TransactionScan.run(setup, start: start, headerEndLine: headerEndLine, threads: threads ?? processorCount)
                periodData = result.periods
                transactionCount = result.rows
                if result.rows == 0 && result.problems.isEmpty {
                    // A sales quarter without a single transaction is far
                    // likelier a failed export than a quiet quarter; paying
                    // everyone nothing on it is the harm to prevent.
                    problems.append(
                        DataProblem(
                            Diagnostic(
                                .error, "D609", "transactions.csv has a header but no rows: nothing to pay on",
                                at: SourceRange(at: SourceLocation(file: path(spec.transactions), line: 1, column: 0)),
                                file: path(spec.transactions), help: "export the transactions again"), rep: nil))
                }
                problems += result.problems
            } else {
                problems += reader.problems
            }
        }

        let validIDs = Array(repIDs.prefix(validCount))
        let order = validIDs.indices.sorted { CodePoint.less(validIDs[$0], validIDs[$1]) }
        let data = DataSet(
            directory: directory, reps: reps, repIDs: validIDs, repOrder: order, invalidReps: invalid, hire: hire, exit: exit,
            products: productTable, targets: targets, targetRows: targetRows, periods: periodData, transactionCount: transactionCount,
            warnings: warnings)
        return DataLoadResult(data: data, problems: DataLoader.collapsingRepeats(problems), warnings: DataLoader.collapsingRepeats(warnings))
    }

    /// The same message on many rows (one unknown product on 300 lines) is
    /// reported once, at its first row, with the other lines in a note.
    static func collapsingRepeats(_ problems: [DataProblem]) -> [DataProblem] {
        var first: [String: Int] = [:]
        var more: [Int: [Int]] = [:]
        var out: [DataProblem] = []
        for p in problems {
            let d = p.diagnostic
            guard let line = d.range?.start.line, ["D620", "D621", "D641", "D613", "D612"].contains(d.code) else {
                out.append(p)
                continue
            }
            // The rep is part of the key: `--skip-invalid` leaves out every rep
            // named by a problem, so no rep's problem may be folded into another's.
            let key = "\(d.code)\u{0}\(d.file ?? "")\u{0}\(d.message)\u{0}\(p.repID ?? "")"
            if let at = first[key] {
                more[at, default: []].append(line)
            } else {
                first[key] = out.count
                out.append(p)
            }
        }
        for (at, lines) in more {
            let shown = lines.prefix(8).map(String.init).joined(separator: ", ")
            let rest = lines.count > 8 ? " and \(lines.count - 8) more" : ""
            out[at].diagnostic.notes.append(
                Diagnostic.Note(
                    "the same on \(lines.count) more row\(lines.count == 1 ? "" : "s"): line\(lines.count == 1 ? "" : "s") \(shown)\(rest)", at: nil))
        }
        return out
    }

    static func collapsingRepeats(_ warnings: [Diagnostic]) -> [Diagnostic] {
        collapsingRepeats(warnings.map { DataProblem($0, rep: nil) }).map(\.diagnostic)
    }

    /// Whether a node evaluated in earlier periods reads a transaction list.
    static func listsNeededInHistory(_ plan: CompiledPlan) -> Bool {
        for (i, node) in plan.nodes.enumerated() where i < plan.neededInHistory.count && plan.neededInHistory[i] {
            if case .rule(let r) = node, !r.body.lists.isEmpty {
                return true
            }
            if case .metric(_, _, let e) = node, plan.arena.readsList(e) { return true }
        }
        return false
    }

    static func decimalCode(_ p: Fixed.Problem) -> String {
        switch p {
        case .notDecimal: "D613"
        case .tooManyDecimals: "D614"
        case .outOfRange: "D615"
        }
    }

    static func decimalMessage(_ p: Fixed.Problem, column: String, text: String) -> String {
        switch p {
        case .notDecimal:
            if text.isEmpty { return "column \(column): the value is blank" }
            return "column \(column): \"\(text)\" is not a decimal"
        case .tooManyDecimals:
            return "column \(column): \"\(text)\" has more than \(Fixed.scale) decimal places"
        case .outOfRange:
            return "column \(column): \"\(text)\" is out of range (at most 20 digits before the decimal point)"
        }
    }
}
