import ArgumentParser
import PayplanCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `payplan`: the command-line front of the pipeline. Each subcommand parses
/// its flags, calls the stages, prints, and maps the outcome to an exit code;
/// no payout logic lives here.
public struct Payplan: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "payplan",
        abstract: "Sales incentive plans in YAML: check them, run a period, explain every number, compare versions.",
        discussion: """
            Exit codes:
              0  success (diff: no change in meaning)
              1  the plan has problems (check, run, explain, statements, whatif);
                 diff: changes in meaning found;
                 diff, whatif: a --fail-if-increase / --fail-if-decrease gate tripped
              2  usage or I/O error: a bad flag, a missing file, an output that is
                 an input, a failed write (diff: any error)
              3  bad data: nothing was written (see --skip-invalid)
              4  a rule could not be computed (a division by zero, …): nothing
                 was written

            The plan language is documented in rules/README.md.
            """,
        version: PayplanVersion.current,
        subcommands: [
            CheckCommand.self, RunCommand.self, ExplainCommand.self, StatementsCommand.self, WhatIfCommand.self, DiffCommand.self,
            FingerprintCommand.self, CodesCommand.self, TargetsCommand.self, ProgressCommand.self,
            CloseCommand.self, LedgerCommand.self, ServeCommand.self,
        ]
    )

    public init() {}
}

public enum PayplanVersion {
    public static let current = "0.1.0"
}

/// Documented exit codes.
enum Exit {
    static let ok: Int32 = 0
    static let planProblems: Int32 = 1
    static let usage: Int32 = 2
    static let badData: Int32 = 3
    static let evaluation: Int32 = 4
}

extension Payplan {
    /// The entry point: like `main()`, but usage errors exit 2 as documented
    /// (ArgumentParser's own convention is 64).
    public static func runWithDocumentedExitCodes(_ arguments: [String]? = nil) -> Never {
        // The phase timer's clock starts here, so the first phase it reports
        // includes reading the plan and the arguments.
        PhaseTimer.shared.mark("start")
        // Before any thread starts: the umask new files get, temporary files
        // removed on SIGINT/SIGTERM/SIGHUP/SIGQUIT, and a closed pipe on
        // stdout reported as a failed write (EPIPE, exit 2) instead of
        // killing the process mid-line.
        _ = FileModes.umask
        TemporaryFiles.removeOnSignals()
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Self.exit()
        } catch let stop as Stop {
            Self.exit(withError: ExitCode(stop.code))
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                Console.error(message.hasSuffix("\n") ? message : message + "\n")
                Self.exit(withError: ExitCode(Exit.usage))
            }
            Self.exit(withError: error)
        }
    }
}
