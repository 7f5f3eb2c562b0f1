import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `payplan serve` as a user runs it: one line with the URL, the token
/// required, Ctrl-C stops it cleanly.
@Suite struct ProcessTests {
    /// A running `payplan serve` and the URL it printed.
    final class Server: @unchecked Sendable {
        let process = Process()
        let out = Pipe()
        let err = Pipe()
        var url = ""

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: payplanBinary)
            process.arguments = ["serve"] + arguments
            process.currentDirectoryURL = repo
            process.standardOutput = out
            process.standardError = err
            try process.run()
            var line = Data()
            let deadline = Date().addingTimeInterval(60)
            while !line.contains(0x0A) && Date() < deadline && process.isRunning {
                line += out.fileHandleForReading.availableData
            }
            url = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop(_ signal: Int32) -> (Int32, Double) {
            let start = Date()
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                process.terminate()
                return (-1, 99)
            }
            return (process.terminationStatus, Date().timeIntervalSince(start))
        }
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> (Int, String, [AnyHashable: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), http?.allHeaderFields ?? [:])
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func servesWithTheTokenAndStopsCleanly(_ signal: Int32) async throws {
        let server = try Server(["rules/reference-plan.yaml", "--data", "examples", "--port", "0"])
        let url = server.url
        #expect(url.hasPrefix("http://127.0.0.1:"), "\(url)")
        let token = url.components(separatedBy: "token=").last ?? ""
        #expect(token.count == 64)
        let root = String(url.prefix { $0 != "?" })
        let (refused, _, _) = try await ProcessTests.get(root + "api/periods")
        #expect(refused == 401)
        let (ok, body, _) = try await ProcessTests.get(root + "api/periods", headers: ["Authorization": "Bearer \(token)"])
        #expect(ok == 200)
        #expect(body.contains("2026-Q3"))
        let (status, seconds) = server.stop(signal)
        #expect(status == 0, "exit status after signal \(signal)")
        #expect(seconds < 10)
        let stdout = String(decoding: server.out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stdout.isEmpty, "only the URL line is printed: \(stdout)")
    }

    @Test func aTokenFileGivesAFixedToken() async throws {
        let scratch = try Scratch()
        try scratch.write("token", "fixed-token-for-bookmarks-42\n")
        let server = try Server(["rules/reference-plan.yaml", "--data", "examples", "--port", "0", "--token-file", scratch.path + "/token"])
        #expect(server.url.hasSuffix("/?token=fixed-token-for-bookmarks-42"))
        let root = String(server.url.prefix { $0 != "?" })
        let (ok, _, _) = try await ProcessTests.get(root + "api/periods", headers: ["Authorization": "Bearer fixed-token-for-bookmarks-42"])
        #expect(ok == 200)
        #expect(server.stop(SIGINT).0 == 0)
    }

    @Test func problemsBeforeServingExitWithTheDocumentedCodes() throws {
        let scratch = try Scratch()
        try scratch.write("bad.yaml", "plan: x\ncurrency: CNY\n")
        let bad = try payplan(["serve", scratch.path + "/bad.yaml", "--data", "examples", "--port", "0"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("error"))
        let missing = try payplan(["serve", "rules/reference-plan.yaml", "--data", scratch.path + "/nope", "--port", "0"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"))
        try scratch.write("short", "abc")
        let token = try payplan(["serve", "rules/reference-plan.yaml", "--data", "examples", "--token-file", scratch.path + "/short"])
        #expect(token.status == 2)
        let port = try payplan(["serve", "rules/reference-plan.yaml", "--data", "examples", "--port", "70000"])
        #expect(port.status == 2)
    }
}
