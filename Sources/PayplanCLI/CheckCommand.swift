import ArgumentParser
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanReports
import PayplanRules
import PayplanYAML

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check plan files and report every problem, compiler style.",
        discussion: """
            Parses each plan, resolves its names, checks its types and orders its rules, and lints its tables. \
            Prints `file:line:col: severity: message [CODE]` with the source line and a caret, then each plan's fingerprint.
            Exits 0 when clean, 1 when a plan has errors (or warnings, with --strict), 2 on usage or I/O errors.
            """)

    @Argument(help: ArgumentHelp("Plan files to check.", valueName: "plan"))
    var plans: [String]

    @Option(name: .long, help: "Output format: text or json.")
    var format: CheckFormat = .text

    @Flag(name: .long, help: "Treat warnings as problems (exit 1).")
    var strict = false

    @Flag(name: .long, help: "Print the compiled evaluation tree: what `run` will execute, in order.")
    var tree = false

    enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() throws {
        // `payplan check plan.yaml >> plan.yaml` would write into the plan.
        try CommandOutputs(files: [], standardOutput: true).check(plans: plans)
        var worst = Exit.ok
        var reports: [JSON] = []
        for file in plans {
            let load = PlanPipeline.load(file: file)
            let renderer = DiagnosticRenderer(sources: load.sources)
            let errors = load.diagnostics.filter { $0.severity == .error }.count
            let warnings = load.diagnostics.filter { $0.severity == .warning }.count
            var fingerprint: String?
            var treeText: String?
            if let plan = load.plan, errors == 0 {
                fingerprint = Canonical.fingerprint(plan)
                if tree, let checked = load.checked {
                    let (compiled, _) = Compiler.compile(checked)
                    treeText = compiled.map { TreePrinter.text($0) }
                }
            }
            if load.diagnostics.contains(where: { $0.is(YAMLCode.cannotRead) }) {
                worst = max(worst, Exit.usage)
            } else if errors > 0 || (strict && warnings > 0) {
                worst = max(worst, Exit.planProblems)
            }
            switch format {
            case .text:
                try Console.text(renderer.text(load.diagnostics))
                var line = "\(file): "
                if errors == 0 && warnings == 0 {
                    line += "ok"
                } else {
                    line += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                }
                if let fingerprint { line += "; fingerprint \(fingerprint)" }
                try Console.text(line + "\n")
                if let treeText { try Console.text(treeText) }
            case .json:
                var fields: [(String, JSON)] = [
                    ("file", .string(file)), ("errors", .int(errors)), ("warnings", .int(warnings)),
                    ("fingerprint", fingerprint.map { .string($0) } ?? .null),
                    ("diagnostics", renderer.json(load.diagnostics)),
                ]
                if let treeText { fields.append(("tree", .string(treeText))) }
                reports.append(.object(fields))
            }
        }
        if format == .json { try Console.out(JSON.array(reports).pretty) }
        throw ExitCode(worst)
    }
}
