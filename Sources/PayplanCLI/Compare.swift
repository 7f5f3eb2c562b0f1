import ArgumentParser
import Foundation
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports
import PayplanRules
import PayplanYAML

/// Reads a plan from a file or, for `REV:PATH`, from git.
enum PlanSource {
    static func load(_ spec: String, overrides: [Override] = []) throws(Stop) -> LoadedPlan {
        var bytes: [UInt8]
        if FileReader.exists(spec) || !spec.contains(":") {
            do {
                bytes = try FileReader.readBytes(spec, limit: Limits.default.planFileBytes)
            } catch {
                Console.error("\(spec): error: cannot read the plan: \(error.reason) [Y100]\n")
                throw Stop(code: Exit.usage)
            }
        } else {
            bytes = try git(spec)
        }
        var load = PlanPipeline.load(bytes: bytes, file: spec)
        if !overrides.isEmpty, let document = load.document, !load.hasErrors {
            do {
                let (changed, _) = try Overrides.apply(overrides, to: document)
                var again = PlanPipeline.load(document: changed)
                again.sources = load.sources
                for o in overrides { again.sources.add(file: o.sourceName, text: o.value) }
                load = again
            } catch {
                Console.error(Session.render([error.diagnostic], error.sources))
                throw Stop(code: Exit.usage)
            }
            // A value the plan refuses is a mistake on the command line: exit 2, like a bad path.
            let setErrors = load.diagnostics.filter { d in
                d.severity == .error && overrides.contains { (d.range?.start.file ?? d.file) == $0.sourceName }
            }
            if !setErrors.isEmpty {
                Console.error(Session.render(setErrors, load.sources))
                Console.error("\(setErrors.count) error\(setErrors.count == 1 ? "" : "s") in --set; nothing was computed\n")
                throw Stop(code: Exit.usage)
            }
        }
        return try Session.compile(load)
    }

    /// `git show REV:PATH`.
    static func git(_ spec: String) throws(Stop) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "show", spec]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            Console.error("\(spec): error: cannot run git to read this revision: \(error)\n")
            throw Stop(code: Exit.usage)
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            Console.error("\(spec): error: no such file, and git cannot read it as REV:PATH (\(text))\n")
            throw Stop(code: Exit.usage)
        }
        return Array(data)
    }
}

/// Evaluates two plans on the same data, read once when they read the same files.
enum Comparison {
    static func run(
        _ base: LoadedPlan, _ candidate: LoadedPlan, _ options: DataOptions, top: Int, ledger: LedgerOption = LedgerOption(ledger: nil)
    ) throws(Stop) -> WhatIfReport {
        let (period, basePeriods) = try Session.periods(base, options)
        let (_, candidatePeriods) = try Session.periods(candidate, options)
        let periods = Array(Set(basePeriods + candidatePeriods)).sorted()
        let threads = options.threads ?? DataLoader.processorCount
        var a = base.compiled
        var b = candidate.compiled
        var dataA: DataSet
        var dataB: DataSet
        var excludedA: Set<Int> = []
        var excludedB: Set<Int> = []
        if let (x, y) = ScanUnion.merge(a, b) {
            a = x
            b = y
            let (d, e, _) = try Session.read(a, periods: periods, period: period, options)
            dataA = d
            dataB = d
            excludedA = e
            excludedB = e
        } else {
            let (d1, e1, _) = try Session.read(a, periods: periods, period: period, options)
            let (d2, e2, _) = try Session.read(b, periods: periods, period: period, options)
            dataA = d1
            dataB = d2
            excludedA = e1
            excludedB = e2
        }
        // With --ledger, each side reads the closed periods' history from it.
        let history = [try ledger.history(base, dataA, period), try ledger.history(candidate, dataB, period)]
        let sideOptions = history.map { EvaluationOptions(threads: threads, skipInvalid: options.skipInvalid, trace: .none, recordedHistory: $0) }
        // Each side's outcome: the result, or what to print and the exit code.
        enum Outcome {
            case result(EvaluationResult)
            case failed(String, Int32)
        }
        func evaluate(_ plan: CompiledPlan, _ data: DataSet, _ excluded: Set<Int>, _ loaded: LoadedPlan, _ side: Int) -> Outcome {
            do {
                let r = try Evaluator.evaluate(plan: plan, data: data, period: period, options: sideOptions[side], excluded: excluded)
                if !r.problems.isEmpty {
                    let text =
                        Session.render(Diagnostic.sorted(r.problems.map(\.diagnostic)), SourceTexts())
                        + "\(r.problems.count) data problem\(r.problems.count == 1 ? "" : "s") under \(loaded.load.file): nothing was compared.\n"
                    return .failed(text, Exit.badData)
                }
                return .result(r)
            } catch {
                return .failed(Session.render([error.diagnostic], loaded.load.sources), Exit.evaluation)
            }
        }
        PhaseTimer.shared.mark("plans and data")
        // The two plans are independent: evaluate them side by side (each
        // also splits its per-rep stages over the threads it is given).
        let sides = [(a, dataA, excludedA, base), (b, dataB, excludedB, candidate)]
        let outcomes = Parallel.map(2, threads: min(2, threads), grain: 1) { i in evaluate(sides[i].0, sides[i].1, sides[i].2, sides[i].3, i) }
        PhaseTimer.shared.mark("evaluate both plans")
        var results: [EvaluationResult] = []
        for outcome in outcomes {
            switch outcome {
            case .result(let r): results.append(r)
            case .failed(let text, let code):
                Console.error(text)
                throw Stop(code: code)
            }
        }
        let ra = results[0]
        let rb = results[1]
        return WhatIfReport(base: ra, candidate: rb, baseFingerprint: base.fingerprint, candidateFingerprint: candidate.fingerprint, top: top)
    }
}

struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Preview a rule change: who gains, who loses, what it costs.",
        discussion: """
            Compares BASE with CANDIDATE, or with BASE changed by --set, on the same data (read once). \
            Paths name values as `payplan diff` prints them, with list items counted from 1, e.g. \
            --set rules.bonus.curve.points[3].pay=2.2 or --set rules.np_award.threshold=60000. \
            A path that names nothing is an error with the closest path suggested. \
            With a CANDIDATE file, --set changes the candidate.
            """)

    @Argument(help: ArgumentHelp("The plan in force.", valueName: "base"))
    var base: String

    @Argument(help: ArgumentHelp("The plan to try (default: BASE with the --set changes).", valueName: "candidate"))
    var candidate: String?

    @OptionGroup var options: DataOptions

    @Option(name: .customLong("set"), help: ArgumentHelp("Change one value: PATH=VALUE (repeatable).", valueName: "path=value"))
    var overrides: [String] = []

    @Option(
        name: .long,
        help: "Output format: table (sorted by the size of the change, summary first), csv or json (default: from the --out file's extension).")
    var format: Format?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How many changed reps the table lists, largest change first (the summary names up to 5 gains and 5 losses); CSV and JSON list every rep.",
            valueName: "n"))
    var top = 20

    @Option(name: .long, help: ArgumentHelp("Write the comparison to this file (atomically).", valueName: "file"))
    var out: String?

    @Flag(name: .long, help: "CSV text cells exactly as in the data, without the leading ' that stops a spreadsheet running them as formulas.")
    var csvRaw = false

    @Flag(name: .long, help: "Exit 1 if any rep's pay would rise, listing them.")
    var failIfIncrease = false

    @Flag(name: .long, help: "Exit 1 if any rep's pay would fall, listing them.")
    var failIfDecrease = false
    @OptionGroup var ledger: LedgerOption

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    func validate() throws {
        if candidate == nil && overrides.isEmpty { throw ValidationError("give a CANDIDATE plan or at least one --set PATH=VALUE") }
        if top < 0 { throw ValidationError("--top takes a number of reps, 0 or more") }
        for o in overrides where Override(o) == nil { throw ValidationError("--set takes PATH=VALUE, e.g. rules.np_award.threshold=60000") }
        _ = try FileFormats.choose(format, file: out, fallback: Format.table)
    }

    var chosenFormat: Format { (try? FileFormats.choose(format, file: out, fallback: Format.table)) ?? .table }

    func run() throws {
        try exiting { () throws(Stop) in
            let plans = [base] + (candidate.map { [$0] } ?? [])
            let outputs = CommandOutputs(files: [("--out", out)], standardOutput: out == nil)
            try outputs.check(plans: plans)
            let basePlan = try PlanSource.load(base)
            let candidatePlan = try PlanSource.load(candidate ?? base, overrides: overrides.compactMap(Override.init))
            try outputs.check(plans: plans, [basePlan, candidatePlan], data: options.data)
            let report = try Comparison.run(basePlan, candidatePlan, options, top: top, ledger: ledger)
            PhaseTimer.shared.mark("compare")
            let text: String
            switch chosenFormat {
            case .table: text = report.table()
            case .csv: text = report.csv(raw: csvRaw)
            case .json: text = report.json().pretty
            }
            PhaseTimer.shared.mark("format")
            defer { Console.error(PhaseTimer.shared.report()) }
            if let out {
                do throws(FileError) {
                    try AtomicFileWriter.write(text, to: out)
                } catch {
                    Console.cannotWrite(error)
                    throw Stop(code: Exit.usage)
                }
                Console.error(report.summaryText())
            } else {
                try Console.out(text)
            }
            if let gate = ComplianceGate.tripped(report, increase: failIfIncrease, decrease: failIfDecrease) {
                Console.error(gate)
                throw Stop(code: Exit.planProblems)
            }
        }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of a plan by meaning, and what the change does to pay.",
        discussion: """
            Reordered keys, comments, formatting, quoting and number spellings (0.05, 5%, 5.0e-2) are not changes; \
            a metric or rule renamed with an unchanged definition is a rename. OLD and NEW may be git revisions: \
            HEAD~1:rules/plan.yaml. With --data and --period the payout impact follows the changes. \
            Exit status as diff(1): 0 no change in meaning, 1 changes found (or a --fail-if gate tripped), 2 error.
            """)

    @Argument(help: ArgumentHelp("The old plan (a file, or REV:PATH).", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The new plan (a file, or REV:PATH).", valueName: "new"))
    var new: String

    @Option(name: .long, help: "Output format: text, markdown or json.")
    var format: Format = .text

    @Option(name: .long, help: ArgumentHelp("A data folder: add the payout impact of the change.", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("The period for the payout impact.", valueName: "period"))
    var period: String?

    @Option(name: .long, help: ArgumentHelp("Write the per-rep impact to this file: JSON if it ends in .json, else CSV.", valueName: "file"))
    var perRep: String?

    @Flag(name: .long, help: "CSV text cells exactly as in the data, without the leading ' that stops a spreadsheet running them as formulas.")
    var csvRaw = false

    @Flag(name: .long, help: "Exit 1 if any rep's pay would rise, listing them (needs --data).")
    var failIfIncrease = false

    @Flag(name: .long, help: "Exit 1 if any rep's pay would fall, listing them (needs --data).")
    var failIfDecrease = false

    @Option(name: .long, help: ArgumentHelp("Threads for reading and evaluating.", valueName: "n"))
    var threads: Int?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    func validate() throws {
        if (data == nil) != (period == nil) { throw ValidationError("--data and --period go together") }
        if let period, Period(period) == nil {
            throw ValidationError("'\(period)' is not a period; write 2026-Q3, 2026-07, 2026, 2026-H2 or 2026-07-H1")
        }
        if (failIfIncrease || failIfDecrease || perRep != nil) && data == nil {
            throw ValidationError("--fail-if-increase, --fail-if-decrease and --per-rep need --data and --period")
        }
    }

    func run() throws {
        do {
            try compare()
        } catch is Stop {
            // diff(1) convention: any trouble (a bad plan, bad data) is 2.
            throw ExitCode(2)
        }
    }

    func compare() throws {
        let outputs = CommandOutputs(files: [("--per-rep", perRep)], standardOutput: true)
        try outputs.check(plans: [old, new])
        let oldPlan = try PlanSource.load(old)
        let newPlan = try PlanSource.load(new)
        if let data { try outputs.check(plans: [old, new], [oldPlan, newPlan], data: data) }
        let changes = SemanticDiff.compare(oldPlan.load.plan!, newPlan.load.plan!)
        var impact: WhatIfReport?
        if let data, let period {
            let options = try DataOptions.parse(["--data", data, "--period", period] + (threads.map { ["--threads", String($0)] } ?? []))
            impact = try Comparison.run(oldPlan, newPlan, options, top: 5)
        }
        if let impact, let perRep {
            let text = FileFormats.implied(by: perRep)?.format == "json" ? impact.json().pretty : impact.csv(raw: csvRaw)
            do throws(FileError) { try AtomicFileWriter.write(text, to: perRep) } catch {
                Console.cannotWrite(error)
                throw Stop(code: Exit.usage)
            }
        }
        switch format {
        case .text: try Console.out(DiffText.text(changes, oldPlan, newPlan, impact))
        case .markdown: try Console.out(DiffText.markdown(changes, oldPlan, newPlan, impact))
        case .json: try Console.out(DiffText.json(changes, oldPlan, newPlan, impact).pretty)
        }
        if let impact, let gate = ComplianceGate.tripped(impact, increase: failIfIncrease, decrease: failIfDecrease) {
            Console.error(gate)
            throw ExitCode(1)
        }
        throw ExitCode(changes.isEmpty ? 0 : 1)
    }
}

enum DiffText {
    static func header(_ old: LoadedPlan, _ new: LoadedPlan) -> String {
        TerminalText.escape(
            "\(old.load.file) (fingerprint \(old.fingerprint.prefix(16))) → \(new.load.file) (fingerprint \(new.fingerprint.prefix(16)))")
    }

    /// A change's line for a terminal: text from the plans escaped, a line
    /// break in a label included.
    static func line(_ text: String) -> String { TerminalText.escape(text) }

    /// A change with its parameter path, the name `whatif --set` takes
    /// (`rules/README.md` §14): `…   (old:66:18 → new:73:18)   path: rules.x.threshold`.
    static func line(_ change: PlanChange) -> String {
        line(change.path.isEmpty ? change.line : "\(change.line)   path: \(change.path)")
    }

    static func text(_ changes: [PlanChange], _ old: LoadedPlan, _ new: LoadedPlan, _ impact: WhatIfReport?) -> String {
        var out = header(old, new) + "\n"
        if changes.isEmpty {
            out += "no change in meaning\n"
        } else {
            out += changes.map { line($0) }.joined(separator: "\n") + "\n"
            out += "\(changes.count) change\(changes.count == 1 ? "" : "s") in meaning\n"
        }
        if let impact { out += "\npayout impact\n" + impact.summaryText() }
        return out
    }

    static func markdown(_ changes: [PlanChange], _ old: LoadedPlan, _ new: LoadedPlan, _ impact: WhatIfReport?) -> String {
        var out = "### Plan change: `\(line(old.load.file))` → `\(line(new.load.file))`\n\n"
        out += "Fingerprints `\(old.fingerprint.prefix(16))` → `\(new.fingerprint.prefix(16))`\n\n"
        if changes.isEmpty {
            out += "No change in meaning.\n"
        } else {
            for c in changes {
                let loc = [c.old.map { "`\($0.start)`" }, c.new.map { "`\($0.start)`" }].compactMap { $0 }.joined(separator: " → ")
                let path = c.path.isEmpty ? "" : " — path `\(c.path)`"
                out +=
                    "- **\(c.kind.rawValue)**: \(line(c.text).replacingOccurrences(of: "|", with: "\\|"))\(line(loc.isEmpty ? "" : " — \(loc)"))\(line(path))\n"
            }
        }
        if let impact {
            out += "\n#### Payout impact (\(impact.period))\n\n```\n" + impact.summaryText() + "```\n"
        }
        return out
    }

    static func json(_ changes: [PlanChange], _ old: LoadedPlan, _ new: LoadedPlan, _ impact: WhatIfReport?) -> JSON {
        func loc(_ r: SourceRange?) -> JSON {
            guard let r else { return .null }
            return .object([("file", .string(r.start.file)), ("line", .int(r.start.line)), ("column", .int(r.start.column))])
        }
        var fields: [(String, JSON)] = [
            ("old", .object([("plan", .string(old.load.file)), ("fingerprint", .string(old.fingerprint))])),
            ("new", .object([("plan", .string(new.load.file)), ("fingerprint", .string(new.fingerprint))])),
            (
                "changes",
                .array(
                    changes.map {
                        .object([
                            ("kind", .string($0.kind.rawValue)), ("path", .string($0.path)), ("text", .string($0.text)), ("old", loc($0.old)),
                            ("new", loc($0.new)),
                        ])
                    })
            ),
        ]
        if let impact { fields.append(("impact", impact.json())) }
        return .object(fields)
    }
}

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print a plan's fingerprint: a hash of its meaning, the same for any formatting.",
        discussion: """
            --canonical prints the canonical text the fingerprint hashes. Use it as git's textconv so that \
            `git diff` shows changes in meaning only:
              git config diff.payplan.textconv 'payplan fingerprint --canonical'
              echo 'rules/*.yaml diff=payplan' >> .gitattributes
            """)

    @Argument(help: ArgumentHelp("Plan files (or REV:PATH).", valueName: "plan"))
    var plans: [String]

    @Flag(name: .long, help: "Print the canonical text instead of the hash.")
    var canonical = false

    func run() throws {
        try exiting { () throws(Stop) in
            try CommandOutputs(files: [], standardOutput: true).check(plans: plans)
            for p in plans {
                let loaded = try PlanSource.load(p)
                if canonical {
                    try Console.out(Canonical.text(loaded.load.plan!))
                } else {
                    try Console.text("\(loaded.fingerprint)  \(p)\n")
                }
            }
        }
    }
}
