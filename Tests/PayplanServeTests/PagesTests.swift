import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PayplanServe

/// The workbench page, the period pages, hostile names, reloading, and
/// never writing anything.
@Suite struct PagesTests {
    @Test func theWorkbenchPageListsTheNumbersAndTheEffect() async throws {
        try await app(try workbench()).test(.router) { client in
            try await client.execute(uri: "/?period=2026-Q3&lang=en", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                let html = r.text
                #expect(html.contains(#"data-path="rules.np_award.threshold" data-base="50000" value="50000""#))
                #expect(html.contains(#"id="base-total" data-value="512029.90""#))
                #expect(html.contains("No change: this is the plan in force."))
                // The one script is inline and allowed by its hash, nothing else.
                #expect(html.components(separatedBy: "<script").count == 2)
                #expect(!html.contains("src=\"http"))
                #expect(!html.contains("href=\"http"))
            }
            // Without script, the form's GET shows the same effect the script fetches.
            try await client.execute(uri: "/?period=2026-Q3&lang=en&rules.np_award.threshold=40000", method: .get, headers: bearer) { r in
                #expect(r.text.contains(#"id="candidate-total" data-value="518029.90""#))
                #expect(r.text.contains("np_award: threshold 50000 → 40000"))
                #expect(r.text.contains(#"value="40000" class="changed""#))
            }
            try await client.execute(
                uri: "/panel", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "40000"])
            ) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains(#"id="candidate-total" data-value="518029.90""#))
                #expect(r.text.contains("/api/candidate.yaml?set=rules.np_award.threshold%3D40000"))
            }
            try await client.execute(
                uri: "/panel", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "<b>"])
            ) { r in
                #expect(r.status == .badRequest)
                #expect(r.text.contains(#"data-code="W907""#))
                #expect(!r.text.contains("<b>"))
            }
        }
    }

    @Test func periodPagesAreTheStatementsPages() async throws {
        try await app(try workbench()).test(.router) { client in
            try await client.execute(uri: "/periods/2026-Q3", method: .get, headers: bearer) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/periods/2026-Q3/zh/index.html")
            }
            try await client.execute(uri: "/periods/2026-Q3/en/index.html", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("Period report · 2026-Q3"))
                #expect(r.text.contains(#"href="statement-R01.html""#))
                #expect(r.text.contains("¥512,029.90"))
            }
            try await client.execute(uri: "/periods/2026-Q3/en/statement-R07.html", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("Pay statement · Olivia Liu (R07)"))
                #expect(r.text.contains("¥34,528.41"))
                #expect(r.text.contains(#"href="explanation-R07.html""#))
            }
            try await client.execute(uri: "/periods/2026-Q3/en/explanation-R07.html", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("Total paid: ¥34,528.41"))
            }
            // Names that are not pages, and paths aimed at the file system.
            for uri in [
                "/periods/2026-Q3/en/statement-R99.html", "/periods/2026-Q3/en/..%2F..%2Fetc%2Fpasswd", "/periods/2026-Q3/en/reps.csv",
                "/periods/2026-Q9/en/index.html", "/periods/nonsense/en/index.html", "/periods/2026-Q3/fr/index.html", "/../../etc/passwd",
                "/examples/reps.csv", "/rules/reference-plan.yaml",
            ] {
                try await client.execute(uri: uri, method: .get, headers: bearer) { r in
                    #expect([400, 404].contains(Int(r.status.code)), "\(uri): \(r.status)")
                    #expect(!r.text.contains("root:"), "\(uri)")
                    #expect(!r.text.contains("rep_id,name"), "\(uri)")
                }
            }
        }
    }

    /// Names written to attack the page: markup, quotes, bidi overrides,
    /// a script in a team name. Escaped in every page and in JSON.
    @Test func hostileNamesAreEscapedEverywhere() async throws {
        let scratch = try Scratch()
        let data = try scratch.copyExamples()
        var reps = try String(contentsOfFile: data + "/reps.csv", encoding: .utf8)
        let hostile = "<script>alert(1)</script>\"'&\u{202E}gnp.exe"
        let hostileTeam = "</svg><img src=x onerror=alert(2)>"
        reps = reps.replacingOccurrences(of: "王芳", with: "\"" + hostile.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
        reps = reps.replacingOccurrences(of: ",East,", with: ",\"" + hostileTeam + "\",")
        try Data(reps.utf8).write(to: URL(fileURLWithPath: data + "/reps.csv"))
        let w = try workbench(data: data)
        try await app(w).test(.router) { client in
            var pages: [String] = []
            for uri in [
                "/?period=2026-Q3&lang=en&rules.np_award.threshold=30000", "/periods/2026-Q3/en/index.html", "/periods/2026-Q3/en/statement-R01.html",
                "/periods/2026-Q3/en/explanation-R01.html",
            ] {
                try await client.execute(uri: uri, method: .get, headers: bearer) { r in
                    #expect(r.status == .ok, "\(uri): \(r.text.prefix(300))")
                    pages.append(r.text)
                }
            }
            for page in pages {
                #expect(!page.contains("<script>alert"))
                #expect(!page.contains("<img"))
                #expect(!page.contains("</svg><img"))
            }
            #expect(pages[1].contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\u{202E}gnp.exe"))
            try await client.execute(
                uri: "/api/whatif", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "30000"])
            ) { r in
                // An independent JSON reader gets the names back exactly.
                let o = r.object
                let names = ((o["largest_gains"] as? [[String: Any]] ?? []) + (o["largest_losses"] as? [[String: Any]] ?? [])).compactMap {
                    $0["name"] as? String
                }
                let teams = (o["teams"] as? [[String: Any]] ?? []).compactMap { $0["team"] as? String }
                #expect(names.contains(hostile) || teams.contains(hostileTeam))
                #expect(teams.contains(hostileTeam))
                #expect(!r.text.contains("<script>"))
            }
        }
    }

    /// A data file changed on disk is read again; the old answers go with it.
    @Test func aChangedDataFileIsReadAgain() async throws {
        let scratch = try Scratch()
        let data = try scratch.copyExamples()
        let w = try workbench(data: data)
        let before = try await w.whatIf(period: "2026-Q3", changes: [], language: .en)
        #expect(before["base_total"]?.text == "512029.90")
        // R12 (flagged, paid nothing) closes a large deal in the quarter.
        let line = "D9-9999,R12,2026-08-01,P-CORE,300000.00,300000.00\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/transactions.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let after = try await w.whatIf(period: "2026-Q3", changes: [], language: .en)
        #expect(after["base_total"]?.text != "512029.90")
        #expect(after["data_fingerprint"]?.text != before["data_fingerprint"]?.text)
        let cli = try CLIWhatIf(["rules.np_award.threshold=50000"], data: data)
        #expect(after["base_total"]?.text == cli.candidateCost)
    }

    /// Bad data is shown, not served as pay; nothing is written.
    @Test func badDataIsShownWithItsProblems() async throws {
        let scratch = try Scratch()
        let data = try scratch.copyExamples()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/transactions.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("D9-1,R99,2026-08-01,P-CORE,12,12\n".utf8))
        try handle.close()
        try await app(try workbench(data: data)).test(.router) { client in
            try await client.execute(uri: "/?lang=en", method: .get, headers: bearer) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains(#"data-code="W910""#))
                #expect(r.text.contains("unknown rep"))
            }
            try await client.execute(uri: "/api/whatif", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", [:])) { r in
                #expect(r.status.code == 422)
                #expect(r.object["code"] as? String == "W910")
            }
        }
    }

    /// After every kind of request, the plan and the data are untouched.
    @Test func nothingIsEverWritten() async throws {
        let scratch = try Scratch()
        let data = try scratch.copyExamples()
        try FileManager.default.copyItem(atPath: referencePlan, toPath: scratch.path + "/plan.yaml")
        func snapshot() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for name in try FileManager.default.subpathsOfDirectory(atPath: scratch.path) {
                let path = scratch.path + "/" + name
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                    out[name] = try Data(contentsOf: URL(fileURLWithPath: path))
                }
            }
            return out
        }
        let before = try snapshot()
        let w = try workbench(plan: scratch.path + "/plan.yaml", data: data)
        try await app(w).test(.router) { client in
            for uri in [
                "/?lang=en", "/periods/2026-Q3/zh/index.html", "/periods/2026-Q3/zh/statement-R01.html",
                "/api/candidate.yaml?set=rules.np_award.threshold%3D1",
            ] {
                try await client.execute(uri: uri, method: .get, headers: bearer) { #expect($0.status == .ok, "\(uri)") }
            }
            try await client.execute(
                uri: "/api/whatif", method: .post, headers: jsonHeaders(), body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "1"])
            ) {
                #expect($0.status == .ok)
            }
        }
        #expect(try snapshot() == before)
    }
}
