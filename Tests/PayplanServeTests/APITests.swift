import Foundation
import Hummingbird
import HummingbirdTesting
import PayplanServe
import Testing

/// The JSON API against the command line: the same figures as
/// `payplan whatif --set`, the errors as 400s with the checker's words.
@Suite struct APITests {
    @Test func whatIfMatchesTheCommandLine() async throws {
        let cli = try CLIWhatIf(["rules.np_award.threshold=40000"])
        let cliCandidate = cli.candidateCost
        #expect(cliCandidate == "518029.90")
        let cliFingerprint = cli.candidateFingerprint
        try await app(try workbench()).test(.router) { client in
            try await client.execute(
                uri: "/api/whatif", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "40000"])
            ) { r in
                #expect(r.status == .ok, "\(r.text)")
                let a = r.object
                #expect(a["base_total"] as? String == "512029.90")
                #expect(a["candidate_total"] as? String == cliCandidate)
                #expect(a["candidate_fingerprint"] as? String == cliFingerprint)
                #expect(a["reps_up"] as? Int == cli.up)
                #expect(a["reps_down"] as? Int == cli.down)
                #expect(a["reps_unchanged"] as? Int == cli.unchanged)
                #expect(a["delta"] as? String == cli.delta)
                // The semantic diff of the candidate: exactly the one change.
                let changes = a["changes"] as? [[String: Any]] ?? []
                #expect(changes.map { $0["text"] as? String } == ["np_award: threshold 50000 → 40000"])
                #expect((a["teams"] as? [[String: Any]] ?? []).count == 4)
                #expect((a["charts"] as? [String: Any])?["distribution"] as? String != nil)
            }
            // A JSON number is taken exactly as written.
            try await client.execute(
                uri: "/api/whatif", method: .post, headers: jsonHeaders(),
                body: ByteBuffer(string: #"{"period": "2026-Q3", "set": {"rules.np_award.threshold": 40000}}"#)
            ) { r in
                #expect(r.object["candidate_total"] as? String == cliCandidate)
            }
        }
    }

    @Test func twoChangesAtOnceMatchTheCommandLine() async throws {
        let sets = ["rules.attainment_bonus.curve.points[3].pay": "2.2", "rules.team_prize.prizes[1]": "35000"]
        let cli = try CLIWhatIf(sets.map { "\($0.key)=\($0.value)" })
        #expect(cli.candidateCost != nil)
        try await app(try workbench()).test(.router) { client in
            try await client.execute(uri: "/api/whatif", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", sets)) { r in
                #expect(r.object["candidate_total"] as? String == cli.candidateCost)
            }
        }
    }

    func problem(_ body: String, contentType: String = "application/json") async throws -> (Int, [String: Any]) {
        var fields = bearer
        fields[.contentType] = contentType
        let headers = fields
        let box = ResultBox()
        try await app(try workbench()).test(.router) { client in
            try await client.execute(uri: "/api/whatif", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
                box.set(Int(r.status.code), r.object)
            }
        }
        return box.get()
    }

    @Test func anUnknownPathIs400WithDidYouMean() async throws {
        let (status, p) = try await problem(#"{"period": "2026-Q3", "set": {"rules.np_award.treshold": "40000"}}"#)
        #expect(status == 400)
        #expect(p["code"] as? String == "W906")
        #expect(p["path"] as? String == "rules.np_award.treshold")
        #expect(p["error"] as? String == "rules.np_award.treshold: the plan has no such value")
        #expect(p["help"] as? String == "did you mean `rules.np_award.threshold`?")
    }

    @Test func aValueOfTheWrongTypeIs400WithTheCheckersMessage() async throws {
        let (status, p) = try await problem(#"{"period": "2026-Q3", "set": {"rules.np_award.threshold": "lots"}}"#)
        #expect(status == 400)
        #expect(p["code"] as? String == "W907")
        #expect(p["path"] as? String == "rules.np_award.threshold")
        let diagnostics = p["diagnostics"] as? [[String: Any]] ?? []
        #expect(!diagnostics.isEmpty)
        #expect(diagnostics.first?["file"] as? String == "--set rules.np_award.threshold")
        #expect((p["error"] as? String ?? "").hasPrefix("rules.np_award.threshold: "))
        #expect((p["text"] as? String ?? "").contains("lots"))
    }

    @Test func aChangeThatMakesThePlanInvalidIs400() async throws {
        // The second curve point moved before the first: points must increase.
        let (status, p) = try await problem(#"{"period": "2026-Q3", "set": {"rules.attainment_bonus.curve.points[2].at": "0.5"}}"#)
        #expect(status == 400)
        #expect(["W907", "W908"].contains(p["code"] as? String))
        #expect(p["path"] as? String == "rules.attainment_bonus.curve.points[2].at")
        #expect((p["text"] as? String ?? "").contains("increase"))
    }

    @Test func malformedRequestsAre4xxNeverACrash() async throws {
        let cases: [(String, Int, String)] = [
            ("", 400, "W903"), ("{", 400, "W903"), ("[]", 400, "W903"), ("{\"period\": 2026}", 400, "W903"),
            (#"{"period": "2026-Q3", "set": []}"#, 400, "W903"), (#"{"period": "2026-Q3", "set": {"a": true}}"#, 400, "W903"),
            (#"{"period": "2026-Q3", "period": "2026-Q2"}"#, 400, "W903"), (#"{"period": "2026-Q3", "extra": 1}"#, 400, "W903"),
            (#"{"period": "2026-Q9"}"#, 400, "W905"), (#"{"period": "1999-Q1"}"#, 400, "W905"),
            (#"{"period": "2026-Q3", "set": {"": "1"}}"#, 400, "W903"), (#"{"period": "2026-Q3", "set": {"x\u0000": "1"}}"#, 400, "W906"),
            (#"{"period": "2026-Q3", "set": {"rules.np_award.threshold": "1\u0000"}}"#, 400, "W907"),
            (String(repeating: "[", count: 10_000), 400, "W903"), ("\u{FEFF}{}", 400, "W903"), ("{\"period\": \"\\ud800\"}", 400, "W903"),
        ]
        for (body, status, code) in cases {
            let (s, p) = try await problem(body)
            #expect(s == status, "\(body.prefix(60)): \(p)")
            #expect(p["code"] as? String == code, "\(body.prefix(60)): \(p)")
        }
        let (s415, p415) = try await problem(#"{"period": "2026-Q3"}"#, contentType: "text/plain")
        #expect(s415 == 415)
        #expect(p415["code"] as? String == "W904")
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let big = "{\"period\": \"2026-Q3\", \"pad\": \"" + String(repeating: "x", count: 70_000) + "\"}"
        let (status, p) = try await problem(big)
        #expect(status == 413)
        #expect(p["code"] as? String == "W902")
    }

    @Test func periodsAndParameters() async throws {
        try await app(try workbench(), port: 80).test(.router) { client in
            try await client.execute(uri: "/api/periods", method: .get, headers: bearer) { r in
                let o = r.object
                let periods = (o["periods"] as? [[String: Any]] ?? []).compactMap { $0["period"] as? String }
                #expect(periods.contains("2026-Q3"))
                #expect(o["default"] as? String == periods.last)
                #expect(
                    (o["plan"] as? [String: Any])?["fingerprint"] as? String == "718b07047c159430f0f15196b4afec7fdbf1a11adb2f8f190a592563c22944cb")
                #expect((o["data"] as? [String: Any])?["reps"] as? Int == 20)
                #expect((o["ledger"] as? [String: Any])?["available"] as? Bool == false)
            }
            try await client.execute(uri: "/api/parameters?lang=en", method: .get, headers: bearer) { r in
                let groups = (try? JSONSerialization.jsonObject(with: Data(r.text.utf8))) as? [[String: Any]] ?? []
                let paths = groups.flatMap { ($0["parameters"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String } }
                for p in [
                    "rules.np_award.threshold", "rules.attainment_bonus.curve.points[3].pay", "rules.team_prize.prizes[1]",
                    "rules.attainment_bonus.multipliers[1].band.rows[1].value", "rules.attainment_bonus.multipliers[1].band.rows[1].when",
                    "rules.elimination.below",
                ] {
                    #expect(paths.contains(p), "\(p)")
                }
                // Formulas and words are not offered as numbers.
                #expect(!paths.contains("metrics.attainment"))
                #expect(!paths.contains("rounding.mode"))
                #expect(!paths.contains("version"))
                #expect(!paths.contains("output[4].decimals"))
                #expect(paths.contains("rounding.scale"))
                #expect(groups.first?["title"] as? String == "attainment bonus")
            }
        }
    }

    /// The document parses and validates as OpenAPI 3 (openapi-spec-validator,
    /// which `.ci/run` installs).
    @Test func theOpenAPIDocumentIsValid() async throws {
        let scratch = try Scratch()
        try await app(try workbench()).test(.router) { client in
            try await client.execute(uri: "/api/openapi.json", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                try scratch.write("openapi.json", r.text)
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sys; from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; validate(read_from_filename(sys.argv[1])[0]); print('valid')",
            scratch.path + "/openapi.json",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if text.contains("No module named") {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "openapi-spec-validator is not installed")
            return
        }
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("valid"))
    }
}

/// Carries a value out of a test client's closure.
final class ResultBox: @unchecked Sendable {
    private var value: (Int, [String: Any]) = (0, [:])
    private let lock = NSLock()

    func set(_ status: Int, _ object: [String: Any]) {
        lock.lock()
        value = (status, object)
        lock.unlock()
    }

    func get() -> (Int, [String: Any]) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
