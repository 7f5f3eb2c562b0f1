import Foundation
import Testing

let ledgerTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repo = ledgerTests.deletingLastPathComponent().deletingLastPathComponent()

/// A built executable of the package, next to the test bundle.
func binary(_ name: String) -> String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return repo.appendingPathComponent(".build/debug/\(name)").path
}

struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion; output through files, so nothing blocks.
@discardableResult
func execute(_ program: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Outcome {
    let scratch = NSTemporaryDirectory() + "ledger-out-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let process = try start(program, arguments, in: directory, out: scratch + "/out", err: scratch + "/err", environment: environment)
    process.waitUntilExit()
    let out = String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch + "/out")), as: UTF8.self)
    let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch + "/err")), as: UTF8.self)
    return Outcome(status: process.terminationStatus, stdout: out, stderr: err)
}

func start(_ program: String, _ arguments: [String], in directory: String, out: String, err: String, environment: [String: String] = [:]) throws
    -> Process
{
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["LANG"] = "C"
    env["LOGNAME"] = "tester"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    try process.run()
    return process
}

@discardableResult
func payplan(_ arguments: [String], in directory: String) throws -> Outcome {
    try execute(binary("payplan"), arguments, in: directory)
}

/// The `sqlite3` command-line shell: the independent reader of the ledger.
func sqlite(_ file: String, _ sql: String, in directory: String) throws -> String {
    let o = try execute("/usr/bin/env", ["sqlite3", "-batch", file, sql], in: directory)
    #expect(o.status == 0, "sqlite3 failed: \(o.stderr)")
    return o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A scratch folder with the example company and the reference plan.
struct Workspace {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "payplan-ledger-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: path + "/data", withIntermediateDirectories: true)
        for name in ["reps.csv", "targets.csv", "products.csv", "transactions.csv"] {
            try fm.copyItem(atPath: repo.appendingPathComponent("examples/\(name)").path, toPath: path + "/data/\(name)")
        }
        try fm.copyItem(atPath: repo.appendingPathComponent("rules/reference-plan.yaml").path, toPath: path + "/plan.yaml")
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func read(_ name: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + name))).map { String(decoding: $0, as: UTF8.self) }
    }

    func bytes(_ name: String) -> Data? { try? Data(contentsOf: URL(fileURLWithPath: path + "/" + name)) }

    /// Replaces the first line containing `match` in a data file.
    func edit(_ name: String, line match: String, _ change: (String) -> String) throws {
        let text = try #require(read(name))
        var lines = text.components(separatedBy: "\n")
        let i = try #require(lines.firstIndex { $0.contains(match) })
        lines[i] = change(lines[i])
        try write(name, lines.joined(separator: "\n"))
    }

    /// The 1-based line number of the first line containing `match`.
    func lineNumber(_ name: String, _ match: String) -> Int? {
        read(name)?.components(separatedBy: "\n").firstIndex { $0.contains(match) }.map { $0 + 1 }
    }

    /// Closes a period of the example company. R18 has no 2026-Q2 target
    /// (transferred in): Q2 is closed leaving R18 out, as payroll would.
    func close(_ period: String, ledger: String = "ledger.db", _ extra: [String] = []) throws -> Outcome {
        try payplan(
            ["close", "plan.yaml", "--data", "data", "--period", period, "--ledger", ledger, "--by", "hr@example", "--skip-invalid"] + extra, in: path
        )
    }

    /// Adds a transaction for a rep reps.csv does not have: bad data that names no rep.
    func breakData() throws {
        try write("data/transactions.csv", (read("data/transactions.csv") ?? "") + "D9-9999,R99,2026-08-01,P-CORE,100.00,100.00\n")
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
