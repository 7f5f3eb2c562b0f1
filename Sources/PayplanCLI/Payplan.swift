import ArgumentParser
import PayplanCompiler
import PayplanCore

public struct Payplan: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "payplan",
        abstract: "Rule-driven sales incentive calculator: plans in YAML, payouts exact to the cent, every number explained.",
        subcommands: [Check.self]
    )

    public init() {}
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check plan files and report every problem.")

    @Argument(help: "Plan files to check.")
    var plans: [String]

    func run() throws {
        var worst: Int32 = 0
        for file in plans {
            let load = PlanPipeline.load(file: file)
            let renderer = DiagnosticRenderer(sources: load.sources)
            print(renderer.text(load.diagnostics), terminator: "")
            if load.hasErrors { worst = max(worst, 1) }
        }
        throw ExitCode(worst)
    }
}
