import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

public struct DataLoadResult: Sendable {
    public var data: DataSet?
    /// Errors: bad data is never paid on silently.
    public var problems: [DataProblem]
    public var warnings: [Diagnostic]
}

/// Reads a data folder for a compiled plan: the small tables whole, the
/// transactions streamed once and aggregated per rep and period as they are
/// read. Reports every problem of every file in one pass.
///
/// Every file goes through the same layers (see CONTRIBUTING.md, "The data
/// stage"): `RecordIterator` → `RowDecoder` → a table (`TableReader`) or the
/// transaction scan's `AccumulatorSink`.
public enum DataLoader {
    public static var processorCount: Int { Parallel.processorCount }

    /// `asOf`: when set, transactions dated after it are left out of every
    /// period (they are still read and checked), for progress during a period.
    public static func load(
        directory: String, plan: CompiledPlan, periods: [Period], limits: Limits = .default, threads: Int? = nil,
        keys keyPolicy: KeyPolicy = .strict, asOf: CivilDate? = nil
    ) -> DataLoadResult {
        guard FileReader.isDirectory(directory) else {
            let reason = FileReader.exists(directory) ? "is not a folder" : "does not exist"
            let problem = DataProblem(Diagnostic(.error, DataCode.noFolder.rawValue, "the data folder \(reason)", at: nil, file: directory), rep: nil)
            return DataLoadResult(data: nil, problems: [problem], warnings: [])
        }
        var load = DataLoad(directory: directory, plan: plan, periods: periods.sorted(), limits: limits, keyPolicy: keyPolicy, asOf: asOf)
        let threads = threads ?? processorCount
        // The three small files are read at once, then checked against each other.
        let specs = [load.spec.reps, load.spec.products, load.spec.targets]
        let paths = specs.map(load.path)
        let read = Parallel.map(specs.count, threads: threads, grain: 1) { i in
            DataLoad.readTable(specs[i], path: paths[i], limits: limits, keyPolicy: keyPolicy, lookalikes: i < 2)
        }
        let timer = PhaseTimer.shared
        timer.mark("read reps, products, targets")
        let reps = load.readReps(read[0])
        timer.mark("index reps")
        let products = load.readProducts(read[1])
        let targets = load.readTargets(read[2], reps)
        timer.mark("match products, targets")
        let scan = load.scanTransactions(reps, products, threads: threads)
        return load.result(reps, products, targets, scan)
    }

    /// The same message on many rows (one unknown product on 300 lines) is
    /// reported once, at its first row, with the other lines in a note.
    /// The codes whose repeats are folded into their first row's problem.
    static let collapsible = Set([DataCode.unknownRep, .unknownProduct, .targetForUnknownRep, .notDecimal, .notDate].map(\.rawValue))

    static func collapsingRepeats(_ problems: [DataProblem]) -> [DataProblem] {
        var first: [String: Int] = [:]
        var more: [Int: [Int]] = [:]
        var out: [DataProblem] = []
        for p in problems {
            let d = p.diagnostic
            guard let line = d.range?.start.line, DataLoader.collapsible.contains(d.code) else {
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
}

/// One load of a data folder, step by step: each step reads one file and
/// adds its problems and warnings.
struct DataLoad {
    let directory: String
    let plan: CompiledPlan
    /// The periods evaluated, in order.
    let periods: [Period]
    let limits: Limits
    let keyPolicy: KeyPolicy
    /// Transactions after this day are read and checked but counted in no period.
    let asOf: CivilDate?
    var problems: [DataProblem] = []
    var warnings: [Diagnostic] = []

    init(directory: String, plan: CompiledPlan, periods: [Period], limits: Limits, keyPolicy: KeyPolicy, asOf: CivilDate?) {
        self.directory = directory
        self.plan = plan
        self.periods = periods
        self.limits = limits
        self.keyPolicy = keyPolicy
        self.asOf = asOf
    }

    var spec: DataSpec { plan.plan.data }

    func path(_ t: TableSpec) -> String { directory.hasSuffix("/") ? directory + t.file : directory + "/" + t.file }

    func here(_ file: String, _ line: Int) -> SourceRange { SourceRange(at: SourceLocation(file: file, line: line, column: 0)) }

    mutating func open(_ t: TableSpec) -> MappedFile? {
        do {
            return try MappedFile(path: path(t))
        } catch {
            problems.append(DataLoad.cannotRead(t, path: path(t), error))
            return nil
        }
    }

    static func cannotRead(_ t: TableSpec, path: String, _ error: FileError) -> DataProblem {
        DataProblem(Diagnostic(.error, DataCode.cannotRead.rawValue, "cannot read \(t.file): \(error.reason)", at: nil, file: path), rep: nil)
    }

    /// A small table as read, with what reading it found.
    struct TableRead: Sendable {
        /// nil when the file or its header cannot be read.
        var table: Table?
        var unreadableIDs: [String] = []
        var problems: [DataProblem] = []
        var warnings: [Diagnostic] = []
    }

    /// Reads one small table (on any thread: it shares nothing).
    static func readTable(_ t: TableSpec, path: String, limits: Limits, keyPolicy: KeyPolicy, lookalikes: Bool) -> TableRead {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            return TableRead(table: nil, problems: [cannotRead(t, path: path, error)])
        }
        var reader = TableReader(path: path, spec: t, limits: limits, keyPolicy: keyPolicy)
        let table = reader.read(file)
        var warnings = lookalikes ? table.map(KeyHygiene.lookalikes(in:)) ?? [] : []
        warnings += KeyHygiene.trimmedWarning(reader.trimmedKeys, file: reader.path)
        return TableRead(table: table, unreadableIDs: reader.unreadableIDs, problems: reader.problems, warnings: warnings)
    }

    /// Takes a table's problems and warnings; the table, or an empty one.
    mutating func take(_ read: TableRead, _ t: TableSpec) -> Table {
        problems += read.problems
        warnings += read.warnings
        return read.table ?? empty(t)
    }

    func empty(_ t: TableSpec) -> Table { Table(spec: t, path: path(t), lines: [], columns: t.columns.map { _ in .text([]) }) }

    /// Everything the evaluator reads, from the steps' results.
    func result(_ reps: RepRows, _ products: ProductRows, _ targets: TargetRows, _ scan: TransactionScan.Result?) -> DataLoadResult {
        var problems = problems
        if let scan { problems += scan.problems }
        let validIDs = Array(reps.ids.prefix(reps.validCount))
        let order = reps.order()
        let data = DataSet(
            directory: directory, reps: reps.table, repIDs: validIDs, repOrder: order, invalidReps: reps.invalid, hire: reps.hire,
            exit: reps.exit, products: products.table, targets: targets.table, targetRows: targets.rows, periods: scan?.periods ?? [],
            transactionCount: scan?.rows ?? 0, warnings: warnings)
        return DataLoadResult(data: data, problems: DataLoader.collapsingRepeats(problems), warnings: DataLoader.collapsingRepeats(warnings))
    }
}
