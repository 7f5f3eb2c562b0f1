import ArgumentParser
import PayplanCore
import PayplanEvaluator
import PayplanReports
import PayplanTargets

#if canImport(Glibc)
    import Glibc
#endif

struct TargetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "Set a year's revenue targets and break them down by period, team and rep.",
        discussion: """
            Reads a targets plan (rules/targets.md) and the history in a data folder, checks the plan with located \
            diagnostics, and writes rep_id,period,revenue rows that `payplan run` reads as targets.csv. Every level is \
            rounded to whole units by largest remainder, so reps add up to their team, teams to the period, periods to the year. \
            Warnings name reps whose targets look unachievable (SMART checks). Exit 0 ok, 1 plan problems (or warnings with \
            --strict), 2 usage or I/O, 3 bad history or commitments data, 4 a number beyond the exact range.
            """)

    @Argument(help: ArgumentHelp("The targets plan file.", valueName: "targetplan"))
    var plan: String

    @Option(name: .long, help: ArgumentHelp("The data folder of past results: reps.csv, products.csv, transactions.csv.", valueName: "dir"))
    var history: String

    @Option(name: .long, help: ArgumentHelp("Where to write the targets (rep_id,period,revenue), atomically.", valueName: "file"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Explain each step of this rep's decomposition.", valueName: "rep"))
    var explain: String?

    @Option(
        name: .long, help: ArgumentHelp("Language of the explanation: zh or en (default: the plan's locale, then LANG).", valueName: "lang"),
        transform: { $0.lowercased() })
    var lang: String?

    @Option(
        name: .long, help: ArgumentHelp("A commitments file (rep_id,period,revenue) to reconcile with, instead of the plan's.", valueName: "file"))
    var commitments: String?

    @Flag(name: .long, help: "Treat warnings as problems: exit 1 and write nothing.")
    var strict = false

    @Option(name: .long, help: ArgumentHelp("Threads for reading the history (default: all cores).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads takes a number from 1 to 256") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            let outputs = CommandOutputs(files: [("--out", out)], standardOutput: true)
            try outputs.check(inputs(commitments: commitments))
            let run = TargetsPipeline.run(planFile: plan, history: history, commitments: commitments, threads: threads)
            Console.error(Session.render(run.diagnostics, run.sources))
            if let failure = run.failure {
                Console.error("\(run.errors) error\(run.errors == 1 ? "" : "s"): no targets were written\n")
                switch failure {
                case .unreadable: throw Stop(code: Exit.usage)
                case .plan: throw Stop(code: Exit.planProblems)
                case .data: throw Stop(code: Exit.badData)
                case .arithmetic: throw Stop(code: Exit.evaluation)
                }
            }
            guard let decomposition = run.decomposition, let targetPlan = run.plan else { throw Stop(code: Exit.planProblems) }
            if strict && run.warnings > 0 {
                Console.error("\(run.warnings) warning\(run.warnings == 1 ? "" : "s") (--strict): no targets were written\n")
                throw Stop(code: Exit.planProblems)
            }
            var explanation: String?
            if let explain {
                let language = Language(rawValue: lang ?? targetPlan.locale?.value ?? "") ?? (environmentLanguage() ?? .en)
                let explainer = TargetsExplanation(decomposition, language: language)
                guard let text = explainer.text(rep: explain) else {
                    Console.error("error: \(explainer.noTarget(rep: explain))\n")
                    throw Stop(code: Exit.usage)
                }
                explanation = text
            }
            let report = TargetsReport(decomposition)
            try outputs.check(inputs(commitments: commitments ?? run.gaps?.file))
            do throws(FileError) {
                try AtomicFileWriter.write(report.csv(), to: out)
            } catch {
                Console.cannotWrite(error)
                throw Stop(code: Exit.usage)
            }
            var text = report.summary()
            if let gaps = run.gaps { text += "\n" + TargetsReport.gaps(gaps) }
            if let explanation { text += "\n" + explanation }
            try Console.out(text)
            Console.error("\(decomposition.rows.count) targets written to \(out)\n")
        }
    }

    /// The files the run reads: an output never replaces one of them.
    func inputs(commitments: String?) -> [InputFile] {
        var files = [InputFile(plan, role: "the targets plan")]
        for name in ["reps.csv", "products.csv", "transactions.csv", "targets.csv"] {
            files.append(InputFile(history.hasSuffix("/") ? history + name : history + "/" + name, role: "a history file"))
        }
        if let commitments { files.append(InputFile(commitments, role: "the commitments file")) }
        return files.filter { FileReader.exists($0.path) }
    }

    func environmentLanguage() -> Language? {
        guard let env = getenv("LANG").map({ String(cString: $0) }) else { return nil }
        return env.lowercased().hasPrefix("zh") ? .zh : nil
    }
}
