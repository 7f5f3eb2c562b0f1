import Foundation
import Hummingbird
import HummingbirdTesting
import PayplanCore
import PayplanServe
import Testing

let serveTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repo = serveTests.deletingLastPathComponent().deletingLastPathComponent()
let referencePlan = repo.appendingPathComponent("rules/reference-plan.yaml").path
let examples = repo.appendingPathComponent("examples").path
let testToken = AccessToken(value: "test-token-0123456789abcdef")

/// The built `payplan` executable, next to the test bundle.
var payplanBinary: String {
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

/// Runs `payplan` to completion, output through files.
@discardableResult
func payplan(_ arguments: [String]) throws -> Outcome {
    let scratch = try Scratch()
    _ = FileManager.default.createFile(atPath: scratch.path + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: scratch.path + "/err", contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: payplanBinary)
    process.arguments = arguments
    process.currentDirectoryURL = repo
    var env = ProcessInfo.processInfo.environment
    env["LANG"] = "C"
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + "/out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + "/err"))
    try process.run()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, stdout: scratch.read("out") ?? "", stderr: scratch.read("err") ?? "")
}

/// A temporary folder, removed when dropped.
final class Scratch: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "payplan-serve-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of the example data in `data/`.
    func copyExamples() throws -> String {
        let dir = path + "/data"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["reps.csv", "targets.csv", "products.csv", "transactions.csv"] {
            try FileManager.default.copyItem(atPath: examples + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func read(_ name: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + name))).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A workbench on the reference plan and a data folder.
func workbench(plan: String = referencePlan, data: String = examples, maxQueued: Int = 64) throws -> Workbench {
    let base = try BasePlan.read(file: plan).get()
    return Workbench(base: base, options: WorkbenchOptions(data: data, maxQueued: maxQueued))
}

extension BasePlan {
    static func readOrFail(_ file: String) throws -> BasePlan { try read(file: file).get() }
}

extension PlanProblems: CustomStringConvertible {
    public var description: String { text }
}

/// The application as served, with the test token; router tests see a
/// Host without a port, as browsers send for port 80.
func app(_ w: Workbench, port: Int = 80) -> some ApplicationProtocol {
    WorkbenchServer.application(w, settings: GateSettings(token: testToken, port: BoundPort(port), host: "127.0.0.1"))
}

let bearer: HTTPFields = [.authorization: "Bearer \(testToken.value)"]

func jsonHeaders() -> HTTPFields {
    var h = bearer
    h[.contentType] = "application/json"
    return h
}

extension TestResponse {
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }

    /// The body as Foundation JSON (an independent reader of our output).
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

func whatIfBody(_ period: String, _ set: [String: String]) -> ByteBuffer {
    let object: [String: Any] = ["period": period, "set": set]
    return ByteBuffer(bytes: Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
}

/// What `payplan whatif --set` says for the same change, read from its JSON
/// text (money there is a JSON number written exactly: read as text, never
/// through a binary float).
struct CLIWhatIf {
    var candidateCost: String?
    var candidateFingerprint: String?
    var delta: String?
    var up: Int?
    var down: Int?
    var unchanged: Int?

    init(_ sets: [String], data: String = examples, period: String = "2026-Q3") throws {
        let out = try payplan(["whatif", referencePlan, "--data", data, "--period", period, "--format", "json"] + sets.flatMap { ["--set", $0] })
        #expect(out.status == 0 || out.status == 1, "\(out.stderr)")
        let text = out.stdout
        func first(_ pattern: String) -> String? {
            guard let r = try? NSRegularExpression(pattern: pattern),
                let m = r.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), let range = Range(m.range(at: 1), in: text)
            else { return nil }
            return String(text[range])
        }
        candidateCost = first(#""candidate": \{[^}]*"cost": (-?[0-9.]+)"#)
        candidateFingerprint = first(#""candidate": \{[^}]*"fingerprint": "([0-9a-f]+)""#)
        delta = first(#"\n  "delta": (-?[0-9.]+)"#)
        up = first(#""up": ([0-9]+)"#).flatMap { Int($0) }
        down = first(#""down": ([0-9]+)"#).flatMap { Int($0) }
        unchanged = first(#""unchanged": ([0-9]+)"#).flatMap { Int($0) }
    }
}
