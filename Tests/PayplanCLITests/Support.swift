import Foundation
import Testing

let cliTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repo = cliTests.deletingLastPathComponent().deletingLastPathComponent()
let record = ProcessInfo.processInfo.environment["PAYPLAN_RECORD"] == "1"

/// The built `payplan` executable, next to the test bundle
/// (`PAYPLAN_BINARY=/path/to/payplan` runs the end-to-end tests against another build).
var payplanBinary: String {
    if let binary = ProcessInfo.processInfo.environment["PAYPLAN_BINARY"], !binary.isEmpty { return binary }
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("payplan").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return repo.appendingPathComponent(".build/debug/payplan").path
}

struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `payplan` with arguments in a working directory; output goes through
/// files (not pipes), so large outputs cannot block the child.
@discardableResult
func payplan(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
    let scratch = NSTemporaryDirectory() + "payplan-out-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    _ = FileManager.default.createFile(atPath: scratch + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: scratch + "/err", contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: payplanBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory ?? repo.path)
    var env = ProcessInfo.processInfo.environment
    env["LANG"] = "C"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
    try process.run()
    process.waitUntilExit()
    let out = String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch + "/out")), as: UTF8.self)
    let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch + "/err")), as: UTF8.self)
    return Outcome(status: process.terminationStatus, stdout: out, stderr: err)
}

/// A scratch folder holding a copy of the example data, and a place to write.
struct Workspace {
    let path: String

    init(copyExamples: Bool = true) throws {
        path = NSTemporaryDirectory() + "payplan-ws-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: path + "/data", withIntermediateDirectories: true)
        if copyExamples {
            for name in ["reps.csv", "targets.csv", "products.csv", "transactions.csv"] {
                try fm.copyItem(atPath: repo.appendingPathComponent("examples/\(name)").path, toPath: path + "/data/\(name)")
            }
        }
        try fm.copyItem(atPath: repo.appendingPathComponent("rules/reference-plan.yaml").path, toPath: path + "/plan.yaml")
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func append(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + name)
        let old = (try? Data(contentsOf: url)) ?? Data()
        try (old + Data(text.utf8)).write(to: url)
    }

    func read(_ name: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + name))).map { String(decoding: $0, as: UTF8.self) }
    }

    func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
