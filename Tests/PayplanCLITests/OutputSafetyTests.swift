import Foundation
import PayplanCore
import PayplanReports
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A child process's outcome when the test wires its standard output itself.
struct Wired {
    var status: Int32
    var signalled: Bool
    var stderr: String
}

/// Runs `executable` with stdout going to `stdout` (a closed pipe, a file
/// opened for appending…); stderr is collected.
func runWired(_ executable: String, _ arguments: [String], in directory: String, stdout: Any) throws -> Wired {
    let err = NSTemporaryDirectory() + "payplan-err-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: err) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["LANG"] = "C"
    process.environment = env
    process.standardOutput = stdout
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self)
    return Wired(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal, stderr: text)
}

/// Writes a company of `reps` reps (four teams, a manager each) with
/// targets and a few deals per rep in 2026-Q2 and 2026-Q3: enough work that
/// `run --explain` takes a moment.
func makeCompany(_ ws: Workspace, reps: Int) throws {
    let teams = ["East", "West", "North", "South"]
    var r = "rep_id,name,team,region,role,hire_date,exit_date,target_incentive\n"
    var t = "rep_id,period,revenue\n"
    var x = "deal_id,rep_id,date,product,amount,collected\n"
    for i in 0..<reps {
        let id = String(format: "G%05d", i)
        r += "\(id),Rep \(i),\(teams[i % 4]),R,\(i < 4 ? "manager" : "rep"),2020-01-01,,20000\n"
        t += "\(id),2026-Q2,300000\n\(id),2026-Q3,300000\n"
        for d in 0..<6 {
            let month = d < 3 ? "0\(4 + d)" : "0\(4 + d)"
            x +=
                "D\(i)-\(d),\(id),2026-\(month)-1\(d),\(d % 2 == 0 ? "P-CORE" : "P-SVC"),\(50000 + (i * 37 + d * 101) % 90000).00,\(40000 + (i * 13) % 50000).00\n"
        }
    }
    try ws.write("data/reps.csv", r)
    try ws.write("data/targets.csv", t)
    try ws.write("data/transactions.csv", x)
}

/// Starts `executable` as a shell would: no signal blocked, SIGINT, SIGTERM,
/// SIGHUP, SIGQUIT and SIGPIPE at their defaults (a test runner's threads
/// block most signals, and Foundation's Process passes its mask on), output
/// discarded. Returns the process id.
func spawnAsFromAShell(_ executable: String, _ arguments: [String]) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
    return pid
}

func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
}

func isFIFO(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
}

let examplePayouts: String = {
    (try? String(contentsOf: repo.appendingPathComponent("examples/expected/payouts-2026-Q3.csv"), encoding: .utf8)) ?? ""
}()

@Suite("Output safety: no output replaces an input, a pipe or another output; a failed write is an error")
struct OutputSafetyTests {
    let q3 = ["--data", "data", "--period", "2026-Q3"]
    static let help = "  = help: write the output to another file; an input is never overwritten\n"

    /// Issue 11.1: every writing command, every output flag, before any work.
    @Test func anOutputThatIsAnInputIsRefusedBeforeAnyWork() throws {
        let ws = try Workspace()
        try ws.write("candidate.yaml", ws.read("plan.yaml")!)
        let inputs = ["plan.yaml", "candidate.yaml"] + dataFiles.map { "data/" + $0 }
        let before = inputs.map { ws.read($0) }
        let help = OutputSafetyTests.help
        let cases: [([String], String)] = [
            (
                ["run", "plan.yaml"] + q3 + ["--out", "plan.yaml"],
                "error: --out plan.yaml is the plan plan.yaml that this command reads; nothing was written [O801]\n" + help
            ),
            (
                ["run", "plan.yaml"] + q3 + ["--out", "data/reps.csv"],
                "error: --out data/reps.csv is the data file data/reps.csv that this command reads; nothing was written [O801]\n" + help
            ),
            (
                ["run", "plan.yaml"] + q3 + ["--out", "pay.csv", "--explain", "data//transactions.csv"],
                "error: --explain data//transactions.csv is the data file data/transactions.csv that this command reads; nothing was written [O801]\n"
                    + help
            ),
            (
                ["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--out", "candidate.yaml"],
                "error: --out candidate.yaml is the plan candidate.yaml that this command reads; nothing was written [O801]\n" + help
            ),
            (
                ["whatif", "plan.yaml"] + q3 + ["--set", "rules.np_award.threshold=40000", "--out", "./data/targets.csv"],
                "error: --out ./data/targets.csv is the data file data/targets.csv that this command reads; nothing was written [O801]\n" + help
            ),
            (
                ["diff", "plan.yaml", "candidate.yaml"] + q3 + ["--per-rep", "data/products.csv"],
                "error: --per-rep data/products.csv is the data file data/products.csv that this command reads; nothing was written [O801]\n" + help
            ),
            (
                ["statements", "plan.yaml"] + q3 + ["--out", "."],
                "error: --out . holds the plan plan.yaml that this command reads; nothing was written [O802]\n"
                    + "  = help: write the statements to a folder of their own, outside the plan's and the data's folders\n"
            ),
        ]
        for (arguments, message) in cases {
            let r = try payplan(arguments, in: ws.path)
            #expect(r.status == 2, "\(arguments)")
            #expect(r.stderr == message, "\(arguments)")
        }
        let folder = try payplan(["statements", "plan.yaml"] + q3 + ["--out", "data"], in: ws.path)
        #expect(folder.status == 2)
        #expect(
            folder.stderr
                == "error: --out data holds the data files data/reps.csv, data/targets.csv, data/transactions.csv, data/products.csv that this command reads; nothing was written [O802]\n"
                + "  = help: write the statements to a folder of their own, outside the plan's and the data's folders\n")
        #expect(inputs.map { ws.read($0) } == before, "no input changed")
        #expect(ws.files() == ["candidate.yaml", "data", "plan.yaml"], "nothing was written")
    }

    /// `payplan run … >> plan.yaml`: standard output is an input too.
    @Test(arguments: [
        ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv"], ["check", "plan.yaml"],
        ["fingerprint", "--canonical", "plan.yaml"],
    ])
    func standardOutputThatIsAnInputIsRefused(_ arguments: [String]) throws {
        let ws = try Workspace()
        let plan = ws.read("plan.yaml")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: ws.path + "/plan.yaml"))
        try handle.seekToEnd()
        let r = try runWired(payplanBinary, arguments, in: ws.path, stdout: handle)
        try handle.close()
        #expect(r.status == 2)
        #expect(
            r.stderr == """
                error: standard output is the plan plan.yaml that this command reads; nothing was written [O801]
                  = help: the shell opened it for the output (with `>` it is already empty); redirect the output elsewhere

                """)
        #expect(ws.read("plan.yaml") == plan)
    }

    /// Issue 11.3: two outputs of one command naming one file.
    @Test func twoOutputsOnOneFileAreRefused() throws {
        let ws = try Workspace()
        let same = try payplan(["run", "plan.yaml"] + q3 + ["--out", "same.txt", "--explain", "same.txt"], in: ws.path)
        #expect(same.status == 2)
        #expect(
            same.stderr == """
                error: --out same.txt and --explain same.txt are the same file; the second would replace the first, so nothing was written [O803]
                  = help: give each output its own file

                """)
        let dotted = try payplan(
            ["run", "plan.yaml"] + q3 + ["--out", "a.csv", "--explain", "../\(URL(fileURLWithPath: ws.path).lastPathComponent)/a.csv"], in: ws.path)
        #expect(dotted.status == 2)
        #expect(dotted.stderr.contains("[O803]"))
        // The table on stdout and --explain on one file.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ws.path + "/why.jsonl").createdEmpty())
        let r = try runWired(payplanBinary, ["run", "plan.yaml"] + q3 + ["--explain", "why.jsonl"], in: ws.path, stdout: handle)
        try handle.close()
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: --explain why.jsonl and standard output are the same file; the second would replace the first"))
        #expect(ws.files() == ["data", "plan.yaml", "why.jsonl"])
        #expect(ws.read("why.jsonl") == "")
    }

    /// Issue 11.2: a FIFO is written in place (a reader gets the payouts) and
    /// stays a FIFO; without a reader it is an error at once, not a hang.
    @Test func aNamedPipeIsWrittenInPlaceAndNeverReplaced() throws {
        let ws = try Workspace()
        let fifo = ws.path + "/pipe.csv"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader: cat on the pipe's read end. A writer end held here
        // keeps it open until payplan is done, whatever the timing.
        let readEnd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        let keep = open(fifo, O_WRONLY | O_CLOEXEC)
        #expect(readEnd >= 0 && keep >= 0)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) & ~O_NONBLOCK)
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/cat")
        let readHandle = FileHandle(fileDescriptor: readEnd, closeOnDealloc: true)
        cat.standardInput = readHandle
        cat.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: ws.path + "/received.csv").createdEmpty())
        try cat.run()
        try readHandle.close()  // cat holds the only read end now
        let r = try payplan(["run", "plan.yaml"] + q3 + ["--out", "pipe.csv"], in: ws.path)
        close(keep)
        cat.waitUntilExit()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(ws.read("received.csv") == examplePayouts, "the reader got the CSV (the format from the extension)")
        #expect(isFIFO(fifo), "the FIFO is still a FIFO")
        #expect(ws.files() == ["data", "pipe.csv", "plan.yaml", "received.csv"], "no temporary file")

        let started = Date()
        let alone = try payplan(["run", "plan.yaml"] + q3 + ["--out", "pipe.csv"], in: ws.path)
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(alone.status == 2)
        #expect(alone.stderr.hasPrefix("error: cannot write pipe.csv: is a named pipe (FIFO) that nothing is reading; start its reader first [O810]"))
        #expect(isFIFO(fifo))
    }

    /// Issue 11.4: stdout closed by its reader, or full: exit 2, a message,
    /// no summary that says the run succeeded.
    @Test func aFailedWriteToStandardOutputIsAnError() throws {
        let ws = try Workspace()
        try ws.write("candidate.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "threshold: 50000", with: "threshold: 40000"))
        let commands: [[String]] = [
            ["run", "plan.yaml"] + q3 + ["--format", "csv"],
            ["run", "plan.yaml"] + q3,
            ["explain", "plan.yaml"] + q3 + ["--rep", "R01"],
            ["whatif", "plan.yaml", "candidate.yaml"] + q3,
            ["diff", "plan.yaml", "candidate.yaml"],
            ["check", "plan.yaml"],
        ]
        for command in commands {
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            let r = try runWired(payplanBinary, command, in: ws.path, stdout: pipe)
            try? pipe.fileHandleForWriting.close()
            #expect(!r.signalled, "\(command): killed by SIGPIPE")
            #expect(r.status == 2, "\(command)")
            #expect(
                r.stderr.hasPrefix(
                    """
                    error: cannot write the results to standard output: Broken pipe [O811]
                      = help: the program reading payplan's output closed it before the end; nothing more was written

                    """), "\(command): \(r.stderr)")
            #expect(!r.stderr.contains("total paid"), "\(command): no success summary")
        }
        // /dev/full only as the sink of the child's standard output.
        if let full = FileHandle(forWritingAtPath: "/dev/full") {
            let r = try runWired(payplanBinary, ["run", "plan.yaml"] + q3 + ["--format", "csv"], in: ws.path, stdout: full)
            #expect(r.status == 2)
            #expect(r.stderr.hasPrefix("error: cannot write the results to standard output: No space left on device [O811]\n"))
            #expect(!r.stderr.contains("total paid"))
        }
    }

    /// Issue 11.5: SIGINT or SIGTERM while the files are being written
    /// leaves no temporary file; the process still ends by the signal.
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalMidRunLeavesNoTemporaryFile(_ signal: Int32) throws {
        let ws = try Workspace()
        try makeCompany(ws, reps: 4000)
        try ws.write("out.csv", "previous\n")
        try ws.write("explain.jsonl", "previous\n")
        let at = { (name: String) in ws.path + "/" + name }
        let pid = try spawnAsFromAShell(
            payplanBinary,
            [
                "run", at("plan.yaml"), "--data", at("data"), "--period", "2026-Q3", "--out", at("out.csv"), "--explain", at("explain.jsonl"),
                "--threads", "1",
            ])
        var sawTemporary = false
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && waitpid(pid, &status, WNOHANG) == 0 {
            if ws.files().contains(where: { $0.hasPrefix(".explain.jsonl.payplan-") }) {
                sawTemporary = true
                break
            }
            usleep(500)
        }
        kill(pid, signal)
        if sawTemporary { waitpid(pid, &status, 0) }
        #expect(sawTemporary, "the run ended before its temporary files appeared; make the company bigger")
        #expect(status & 0x7F == signal, "ended by the signal (wait status \(status))")
        #expect(!ws.files().contains { $0.contains(".payplan-") }, "temporary files left: \(ws.files())")
        #expect(ws.read("out.csv") == "previous\n")
        #expect(ws.read("explain.jsonl") == "previous\n")
    }

    /// Issue 11.6: a second run into the same folder removes the statement
    /// of a rep who left, keeps a file of the user's, and says so.
    @Test func statementsOfAnEarlierRunAreReplacedAndOtherFilesKept() throws {
        let ws = try Workspace()
        let reps = ws.read("data/reps.csv")!
        let targets = ws.read("data/targets.csv")!
        try ws.append("data/reps.csv", "R21,新人,East,华东,rep,2026-07-01,,10000\n")
        try ws.append("data/targets.csv", "R21,2026-Q3,100000\n")
        let first = try payplan(["statements", "plan.yaml"] + q3 + ["--out", "pages"], in: ws.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws.path + "/pages/statement-R21.html"))
        try ws.write("pages/notes.txt", "my notes\n")
        try ws.write("pages/statement-X99.html", "kept by hand\n")
        try ws.write("data/reps.csv", reps)
        try ws.write("data/targets.csv", targets)
        let second = try payplan(["statements", "plan.yaml"] + q3 + ["--out", "pages", "--lang", "en"], in: ws.path)
        #expect(second.status == 0, "\(second.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.path + "/pages").sorted()
        #expect(!files.contains("statement-R21.html"), "the page of the rep who left is gone")
        #expect(files.contains("notes.txt") && ws.read("pages/notes.txt") == "my notes\n", "the user's file is kept")
        #expect(ws.read("pages/statement-X99.html") == "kept by hand\n")
        #expect(files.filter { $0.hasPrefix("statement-R") }.count == 20)
        #expect(files.contains(".payplan-manifest"))
        #expect(!(ws.read("pages/index.html") ?? "").contains("R21"))
        #expect(
            second.stderr == """
                note: pages holds 1 file named like a statement that this run did not write and payplan has no record of writing (statement-X99.html); left as it is
                20 statements and index.html written to pages (en); 1 file of an earlier run removed (statement-R21.html); plan fingerprint 718b07047c159430f0f15196b4afec7fdbf1a11adb2f8f190a592563c22944cb

                """)
        let manifest = (ws.read("pages/.payplan-manifest") ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(manifest.count == 21 && manifest.contains("index.html") && !manifest.contains("statement-R21.html"))
    }

    /// Issue 11.16: ids that the old encoding mapped to one file name get one
    /// page each.
    @Test func statementFileNamesAreOnePerRep() throws {
        let ws = try Workspace()
        for file in ["reps.csv", "targets.csv", "transactions.csv"] {
            let text = ws.read("data/\(file)")!
            try ws.write(
                "data/\(file)", text.replacingOccurrences(of: "R19,", with: "\u{1}A,").replacingOccurrences(of: "R20,", with: "\u{1A},"))
        }
        let r = try payplan(["statements", "plan.yaml"] + q3 + ["--out", "pages"], in: ws.path)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.path + "/pages")
        #expect(files.contains("statement-_01A.html") && files.contains("statement-_1A.html"))
        #expect(files.filter { $0.hasPrefix("statement-") }.count == 20)
        let index = ws.read("pages/index.html") ?? ""
        #expect(index.contains("href=\"statement-_01A.html\"") && index.contains("href=\"statement-_1A.html\""))
        #expect(ws.read("pages/statement-_01A.html") != ws.read("pages/statement-_1A.html"))
    }

    /// Issue 11.17: new files get 0666 & ~umask, a replaced file keeps its mode.
    @Test func newFilesFollowTheUmaskAndReplacedFilesKeepTheirMode() throws {
        let ws = try Workspace()
        try ws.write("pay.csv", "previous\n")
        chmod(ws.path + "/pay.csv", 0o600)
        try ws.write("candidate.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "threshold: 50000", with: "threshold: 40000"))
        func umasked(_ arguments: [String]) throws -> Wired {
            let command = "umask 027; exec \"$0\" \"$@\""
            return try runWired("/bin/sh", ["-c", command, payplanBinary] + arguments, in: ws.path, stdout: FileHandle.nullDevice)
        }
        #expect(try umasked(["run", "plan.yaml"] + q3 + ["--out", "pay.csv", "--explain", "why.jsonl"]).status == 0)
        #expect(mode(ws.path + "/pay.csv") == 0o600, "a 0600 payout file stays 0600")
        #expect(mode(ws.path + "/why.jsonl") == 0o640)
        #expect(try umasked(["statements", "plan.yaml"] + q3 + ["--out", "pages"]).status == 0)
        #expect(mode(ws.path + "/pages") == 0o750)
        #expect(mode(ws.path + "/pages/statement-R01.html") == 0o640)
        #expect(mode(ws.path + "/pages/index.html") == 0o640)
        #expect(try umasked(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--out", "w.csv"]).status == 0)
        #expect(mode(ws.path + "/w.csv") == 0o640)
        #expect(try umasked(["diff", "plan.yaml", "candidate.yaml"] + q3 + ["--per-rep", "d.csv"]).status == 1)
        #expect(mode(ws.path + "/d.csv") == 0o640)
        chmod(ws.path + "/w.csv", 0o604)
        #expect(try umasked(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--out", "w.csv"]).status == 0)
        #expect(mode(ws.path + "/w.csv") == 0o604)
    }

    /// Issue 11.14: text cells that a spreadsheet would run get a leading
    /// `'`, numbers (negative ones too) never; `--csv-raw` keeps the bytes.
    @Test func csvTextCellsAreNeutralisedAndNumbersKept() throws {
        let ws = try Workspace()
        try ws.edit("reps.csv") { lines in
            lines.map { line in
                guard line.hasPrefix("R08,") else { return line }
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[1] = "=1+2"
                return cells.joined(separator: ",")
            }
        }
        #expect(ws.read("data/reps.csv")!.contains("R08,=1+2,North"))
        let run = try payplan(["run", "plan.yaml"] + q3 + ["--format", "csv"], in: ws.path)
        #expect(run.stdout.contains("\nR08,'=1+2,North,"))
        let raw = try payplan(["run", "plan.yaml"] + q3 + ["--format", "csv", "--csv-raw"], in: ws.path)
        #expect(raw.stdout.contains("\nR08,=1+2,North,"))
        try ws.write("candidate.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "threshold: 50000", with: "threshold: 40000"))
        let whatif = try payplan(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--format", "csv"], in: ws.path)
        let r08 = whatif.stdout.split(separator: "\n").first { $0.hasPrefix("R08,") }.map(String.init) ?? ""
        #expect(r08.hasPrefix("R08,'=1+2,North,"), "\(r08)")
        let diff = try payplan(["diff", "plan.yaml", "candidate.yaml"] + q3 + ["--per-rep", "impact.csv"], in: ws.path)
        #expect(diff.status == 1)
        #expect(ws.read("impact.csv")?.contains("\nR08,'=1+2,North,") == true)
        // A negative number stays a number.
        let lower = try payplan(["whatif", "plan.yaml"] + q3 + ["--set", "rules.np_award.threshold=60000", "--format", "csv"], in: ws.path)
        #expect(lower.stdout.contains(",-"), "a negative delta is written as a number")
        #expect(!lower.stdout.contains(",'-"), "and never neutralised")
    }

    /// Issue 11.15: names with escape sequences are escaped in tables,
    /// `explain` and summaries, and the columns stay aligned.
    @Test func terminalOutputEscapesWhatSteersATerminal() throws {
        let ws = try Workspace()
        try ws.edit("reps.csv") { lines in
            lines.map {
                $0.hasPrefix("R07,") ? $0.replacingOccurrences(of: "Olivia Liu", with: "\u{1B}[2J\u{1B}]8;;http://x\u{7}Oli\u{8}\u{202E}via") : $0
            }
        }
        let table = try payplan(["run", "plan.yaml"] + q3, in: ws.path)
        #expect(table.status == 0)
        let line = table.stdout.split(separator: "\n").first { $0.hasPrefix("R07") }.map(String.init) ?? ""
        #expect(line.hasPrefix("R07     \\u{1B}[2J\\u{1B}]8;;http://x\\u{7}Oli\\u{8}\\u{202E}via  North"), "\(line)")
        let header = table.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let teamColumn = header.range(of: "team").map { header.distance(from: header.startIndex, to: $0.lowerBound) }
        let r07Team = line.range(of: "North").map { line.distance(from: line.startIndex, to: $0.lowerBound) }
        #expect(teamColumn != nil && teamColumn == r07Team, "the team column stays aligned")
        for scalar in table.stdout.unicodeScalars {
            #expect(scalar.value >= 0x20 || scalar.value == 0x0A)
            #expect(!(0x202A...0x202E).contains(scalar.value))
        }
        let explain = try payplan(["explain", "plan.yaml"] + q3 + ["--rep", "R07", "--lang", "en"], in: ws.path)
        #expect(explain.stdout.contains("R07 \\u{1B}[2J\\u{1B}]8;;http://x\\u{7}Oli\\u{8}\\u{202E}via · team North\n"))
        #expect(!explain.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
        // Files keep the data as it is.
        let csv = try payplan(["run", "plan.yaml"] + q3 + ["--format", "csv"], in: ws.path)
        #expect(csv.stdout.contains("R07,\u{1B}[2J\u{1B}]8;;http://x\u{7}Oli\u{8}\u{202E}via,North"))
    }

    /// CSV printed to a terminal (script(1) gives payplan one) is escaped
    /// too: there it is shown, not stored.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) is not installed"))
    func csvOnATerminalIsEscaped() throws {
        let ws = try Workspace()
        try ws.edit("reps.csv") { lines in
            lines.map { $0.hasPrefix("R07,") ? $0.replacingOccurrences(of: "Olivia Liu", with: "\u{1B}[2JOlivia") : $0 }
        }
        let command = "'\(payplanBinary)' run plan.yaml --data data --period 2026-Q3 --format csv"
        let out = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, ws.path + "/typescript"]
        process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("R07,\\u{1B}[2JOlivia,North"), "\(text.prefix(400))")
        #expect(!text.contains("\u{1B}[2J"))
    }

    /// Issue 18.7: `--out pay.csv` writes CSV; a contradicting `--format` is a usage error.
    @Test func theOutputFilesExtensionChoosesTheFormat() throws {
        let ws = try Workspace()
        #expect(try payplan(["run", "plan.yaml"] + q3 + ["--out", "pay.csv"], in: ws.path).status == 0)
        #expect(ws.read("pay.csv") == examplePayouts)
        #expect(try payplan(["run", "plan.yaml"] + q3 + ["--out", "PAY.JSON"], in: ws.path).status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data((ws.read("PAY.JSON") ?? "").utf8))) != nil)
        #expect(try payplan(["run", "plan.yaml"] + q3 + ["--out", "pay.txt"], in: ws.path).status == 0)
        #expect(ws.read("pay.txt")?.hasPrefix("rep_id  name") == true)
        #expect(try payplan(["run", "plan.yaml"] + q3 + ["--out", "pay.txt", "--format", "json"], in: ws.path).status == 0)
        #expect(ws.read("pay.txt")?.hasPrefix("{") == true, "--format decides for a name without .csv or .json")
        let contradiction = try payplan(["run", "plan.yaml"] + q3 + ["--format", "csv", "--out", "pay.json"], in: ws.path)
        #expect(contradiction.status == 2)
        #expect(
            contradiction.stderr.hasPrefix(
                "Error: --format csv contradicts --out pay.json: a .json file gets json; drop --format, or give the file the extension of the format you want\n"
            ))
        try ws.write("candidate.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "threshold: 50000", with: "threshold: 40000"))
        #expect(try payplan(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--out", "w.json"], in: ws.path).status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data((ws.read("w.json") ?? "").utf8))) != nil)
        #expect(try payplan(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--out", "w.csv"], in: ws.path).status == 0)
        #expect(ws.read("w.csv")?.hasPrefix("rep_id,name,team,base_total") == true)
        #expect(try payplan(["whatif", "plan.yaml", "candidate.yaml"] + q3 + ["--format", "table", "--out", "w.csv"], in: ws.path).status == 2)
        #expect(try payplan(["diff", "plan.yaml", "candidate.yaml"] + q3 + ["--per-rep", "d.json"], in: ws.path).status == 1)
        #expect((try? JSONSerialization.jsonObject(with: Data((ws.read("d.json") ?? "").utf8))) != nil)
    }

    /// Issue 18.4: whatif has the compliance gates the exit-code table names.
    @Test func whatifGatesExitOneListingTheReps() throws {
        let data = ["--data", "examples", "--period", "2026-Q3"]
        let fall = try payplan(["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--fail-if-decrease"] + data)
        #expect(fall.status == 1)
        #expect(fall.stderr.hasSuffix("compliance gate: 3 reps would fall: R08 −¥863.64, R09 −¥676.14, R07 −¥476.13\n"))
        #expect(fall.stdout.hasPrefix("what-if 2026-Q3"), "the comparison is still printed")
        let rise = try payplan(
            ["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--fail-if-increase", "--format", "json"] + data)
        #expect(rise.status == 1)
        #expect(rise.stderr.contains("compliance gate: 11 reps would rise: R11 +¥7,272.73,"))
        let none = try payplan(
            ["whatif", "rules/reference-plan.yaml", "rules/reference-plan.yaml", "--fail-if-increase", "--fail-if-decrease"] + data)
        #expect(none.status == 0)
        let help = try payplan(["--help"])
        #expect(help.stdout.contains("diff, whatif: a --fail-if-increase / --fail-if-decrease gate tripped"))
    }
}

extension URL {
    /// Creates an empty file here and returns the URL (for FileHandle(forWritingTo:)).
    func createdEmpty() -> URL {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}

@Suite("Output safety, unit by unit: escaping, neutralising, naming, guarding")
struct OutputSafetyUnitTests {
    @Test func terminalTextEscapesWhatSteersATerminalAndNothingElse() {
        #expect(TerminalText.escape("王芳 Emma-Chen (R01) ¥1,000") == "王芳 Emma-Chen (R01) ¥1,000")
        #expect(TerminalText.escape("\u{1B}[31mred") == "\\u{1B}[31mred")
        #expect(TerminalText.escape("a\u{8}b\rc\td\ne") == "a\\u{8}b\\u{D}c\\td\\u{A}e")
        #expect(TerminalText.escape("a\tb\nc", keeping: [.newlines, .tabs]) == "a\tb\nc")
        #expect(TerminalText.escape("\u{202E}x\u{2066}y\u{2069}\u{200B}\u{9B}\u{7F}") == "\\u{202E}x\\u{2066}y\\u{2069}\\u{200B}\\u{9B}\\u{7F}")
        #expect(TerminalText.width("\u{1B}") == 6)
    }

    @Test func csvNeutralisesFormulaTextOnly() {
        for text in ["=1+2", "+1", "-x", "@SUM(1)", "\tA", "\rA"] {
            #expect(CSVText.cell(text).hasPrefix("'") || CSVText.cell(text).hasPrefix("\"'"))
        }
        for text in ["Emma", "1-2", "a=b", "'quoted", "", "王芳"] { #expect(CSVText.cell(text) == CSVText.quote(text)) }
        #expect(CSVText.cell("=1+2", raw: true) == "=1+2")
        #expect(CSVText.cell("=A1,B1") == "\"'=A1,B1\"")
    }

    @Test func statementFileNamesAreInjective() {
        #expect(StatementBook.fileName("R01") == "statement-R01.html")
        #expect(StatementBook.fileName("\u{1}A") == "statement-_01A.html")
        #expect(StatementBook.fileName("\u{1A}") == "statement-_1A.html")
        #expect(StatementBook.fileName("a_b") == "statement-a_5Fb.html")
        #expect(StatementBook.fileName("王") == "statement-_E7_8E_8B.html")
        // Every id of up to two bytes from a small alphabet gets its own name.
        let alphabet: [String] = ["\u{1}", "\u{1A}", "A", "1", "_", "-", "a", "é"]
        var ids: [String] = alphabet
        for a in alphabet { for b in alphabet { ids.append(a + b) } }
        #expect(Set(ids.map(StatementBook.fileName)).count == Set(ids).count)
    }

    @Test func aStatementFolderRefusesTwoPagesOfOneName() throws {
        let dir = NSTemporaryDirectory() + "payplan-folder-" + UUID().uuidString
        #expect(throws: StatementFolder.Failure.self) {
            try StatementFolder(path: dir).write([(name: "statement-A.html", html: "1"), (name: "statement-A.html", html: "2")])
        }
    }

    @Test func theGuardComparesByInodeAndByResolvedPath() throws {
        let ws = try Workspace()
        try FileManager.default.linkItem(atPath: ws.path + "/plan.yaml", toPath: ws.path + "/hard.csv")
        let plan = InputFile(ws.path + "/plan.yaml", role: "the plan")
        #expect(OutputGuard.problems(outputs: [OutputTarget(flag: "--out", path: ws.path + "/hard.csv")], inputs: [plan]).map(\.code) == ["O801"])
        #expect(
            OutputGuard.problems(outputs: [OutputTarget(flag: "--out", path: ws.path + "/data/../plan.yaml")], inputs: [plan]).map(\.code) == ["O801"]
        )
        #expect(OutputGuard.problems(outputs: [OutputTarget(flag: "--out", path: ws.path + "/new.csv")], inputs: [plan]).isEmpty)
        let twice = [OutputTarget(flag: "--out", path: ws.path + "/x/new.csv"), OutputTarget(flag: "--explain", path: ws.path + "/x/./new.csv")]
        #expect(OutputGuard.problems(outputs: twice, inputs: []).map(\.code) == ["O803"])
        #expect(OutputGuard.problems(outputs: [OutputTarget(flag: "--out", path: ws.path, isFolder: true)], inputs: [plan]).map(\.code) == ["O802"])
    }
}
