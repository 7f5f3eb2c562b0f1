import ArgumentParser
import Dispatch
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanReports
import PayplanServe

#if canImport(Glibc)
    import Glibc
#endif

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The managers' workbench: what-if in the browser, period reports and statements, a JSON API.",
        discussion: """
            Prints one line, the URL with a random access token; every request without the token gets 401. \
            Binds to loopback (127.0.0.1) unless --host says otherwise. Read-only: the plan, the data and the \
            ledger are never written. The data folder is read again when a file in it changes. \
            --port 0 picks a free port. Ctrl-C (SIGINT) or SIGTERM stops it.
            """)

    @Argument(help: ArgumentHelp("The plan in force.", valueName: "plan"))
    var plan: String

    @Option(name: .long, help: ArgumentHelp("The data folder (reps.csv, targets.csv, transactions.csv, products.csv).", valueName: "dir"))
    var data: String

    @Option(
        name: .long,
        help: ArgumentHelp("The ledger of closed periods (read only): its closes are listed on every page and by /api/periods.", valueName: "file"))
    var ledger: String?

    @Option(name: .long, help: ArgumentHelp("The port (0: any free port).", valueName: "port"))
    var port = 8080

    @Option(name: .long, help: ArgumentHelp("The address to listen on; anything but loopback is warned about.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("Read the access token from this file instead of making a random one.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp("Offer this period (repeatable; default: every period in targets.csv).", valueName: "period"))
    var period: [String] = []

    @Option(name: .long, help: ArgumentHelp("The pages' language: zh or en (default: the plan's locale, then LANG).", valueName: "lang"))
    var lang: String?

    @Option(name: .long, help: ArgumentHelp("Threads for reading and evaluating (default: all cores).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        for p in period where Period(p) == nil { throw ValidationError("'\(p)' is not a period; write 2026-Q3, 2026-07 or 2026") }
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads takes a number from 1 to 256") }
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
    }

    func run() throws {
        let token: AccessToken
        if let tokenFile {
            do { token = try AccessToken.read(file: tokenFile) } catch {
                Console.error("error: \(error)\n")
                throw ExitCode(Exit.usage)
            }
        } else {
            token = .random()
        }
        let base: BasePlan
        switch BasePlan.read(file: plan) {
        case .success(let b): base = b
        case .failure(let problems):
            Console.error(problems.text)
            throw ExitCode(problems.unreadable ? Exit.usage : Exit.planProblems)
        }
        if !FileReader.isDirectory(data) {
            Console.error("error: the data folder \(data) \(FileReader.exists(data) ? "is not a folder" : "does not exist") [D600]\n")
            throw ExitCode(Exit.usage)
        }
        if !WorkbenchServer.isLoopback(host) {
            Console.error(
                "warning: listening on \(host), not loopback: anyone who can reach this machine and has the URL sees pay data, and the token travels unencrypted (no TLS)\n"
            )
        }
        let workbench = Workbench(
            base: base,
            options: WorkbenchOptions(
                data: data, ledger: ledger,
                language: Language.choose(flag: lang, plan: base.plan, environment: getenv("LANG").map { String(cString: $0) }),
                periods: period.compactMap { Period($0) }, threads: threads ?? DataLoader.processorCount))
        let settings = GateSettings(token: token, port: BoundPort(port), host: host)
        let host = self.host
        do {
            try Blocking.run {
                try await WorkbenchServer.run(workbench, settings: settings, host: host) { bound in
                    let line = WorkbenchServer.url(host: host, port: bound, token: token) + "\n"
                    // Standard output closed: the URL still has to reach someone.
                    do { try Console.out(line) } catch { Console.error(line) }
                    Task {
                        let summary = await workbench.warmUp()
                        if !summary.problems.isEmpty {
                            Console.error("\(data): \(summary.problems.count) data problem(s); the workbench shows them until the files are fixed\n")
                        }
                    }
                }
            }
        } catch {
            Console.error("error: cannot serve on \(host):\(port): \(error)\n")
            throw ExitCode(Exit.usage)
        }
    }
}

/// Runs async work from a synchronous command (the CLI's root command is
/// synchronous) and waits for it on the calling thread.
enum Blocking {
    final class Outcome: @unchecked Sendable {
        var error: (any Error)?
    }

    static func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await body() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }
}
