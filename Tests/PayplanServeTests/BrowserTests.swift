import Foundation
import Testing

/// The workbench in a real browser: headless Chromium driven over the
/// DevTools protocol by `Browser/drive_workbench.py` (standard library
/// Python). Skipped when Chromium is missing, unless
/// PAYPLAN_REQUIRE_BROWSER=1 (`.ci/run` sets it and installs Chromium).
/// PAYPLAN_SCREENSHOTS=DIR keeps the screenshots (the README's come from here).
@Suite struct BrowserTests {
    @Test func theWorkbenchInChromium() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else {
            #expect(ProcessInfo.processInfo.environment["PAYPLAN_REQUIRE_BROWSER"] != "1", "Chromium is required but not installed")
            print("BrowserTests: skipped (no Chromium)")
            return
        }
        let expected = try CLIWhatIf(["rules.np_award.threshold=40000"]).candidateCost ?? "?"
        let server = try ProcessTests.Server(["rules/reference-plan.yaml", "--data", "examples", "--port", "0", "--lang", "en"])
        defer { _ = server.stop(SIGINT) }
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        let scratch = try Scratch()
        let shots = ProcessInfo.processInfo.environment["PAYPLAN_SCREENSHOTS"] ?? scratch.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", serveTests.appendingPathComponent("Browser/drive_workbench.py").path, chromium, server.url, expected, shots]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        let checks = text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        let names = checks.compactMap { $0["check"] as? String }
        for wanted in [
            "workbench opens with the token", "the cost changes to the figure of payplan whatif --set", "the period report opens from the workbench",
            "a statement opens from the report", "no console errors", "without the token the page is refused",
        ] {
            #expect(names.contains(wanted), "\(wanted) did not run: \(errors)")
        }
        for c in checks {
            #expect(c["ok"] as? Bool == true, "\(c["check"] ?? ""): \(c["detail"] ?? "")")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: shots + "/workbench.png")[.size] as? Int) ?? 0
        #expect(size > 30_000, "the workbench screenshot is \(size) bytes")
    }
}
