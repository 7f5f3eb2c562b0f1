import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a company big enough that `payplan run` takes a while: the
/// example's reps, products and targets, and `copies` shifted copies of
/// its transactions.
func growTransactions(_ ws: Workspace, copies: Int) throws {
    let lines = (ws.read("data/transactions.csv") ?? "").split(separator: "\n").map(String.init)
    var out = lines[0] + "\n"
    for k in 0..<copies {
        for line in lines.dropFirst() {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[0] += "-\(k)"
            out += cells.joined(separator: ",") + "\n"
        }
    }
    try ws.write("data/transactions.csv", out)
}

@Suite("Crash safety: kill -9 during run leaves the old file or the new one")
struct CrashSafetyTests {
    @Test func killNineAtRandomMoments() throws {
        let ws = try Workspace()
        try growTransactions(ws, copies: 400)
        let arguments = [
            "run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv", "--out", "out.csv", "--explain", "explain.jsonl",
        ]
        // The complete outputs, for comparison.
        let clean = try payplan(arguments, in: ws.path)
        #expect(clean.status == 0, "\(clean.stderr)")
        let complete = try #require(ws.read("out.csv"))
        let completeExplain = try #require(ws.read("explain.jsonl"))
        let previous = "previous payouts\n"
        let started = Date()
        _ = try payplan(arguments, in: ws.path)
        let duration = Date().timeIntervalSince(started)
        var g = SplitMix(seed: 11)
        var outcomes: [String: Int] = [:]
        for _ in 0..<24 {
            try ws.write("out.csv", previous)
            try ws.write("explain.jsonl", previous)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: payplanBinary)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let delay = duration * 1.2 * Double(g.next() % 1000) / 1000
            usleep(UInt32(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let out = ws.read("out.csv")
            let explain = ws.read("explain.jsonl")
            #expect(out == previous || out == complete, "out.csv is partial after kill -9 at \(delay) s")
            #expect(explain == previous || explain == completeExplain, "explain.jsonl is partial after kill -9 at \(delay) s")
            outcomes[out == previous ? "old" : "new", default: 0] += 1
            // Temporary files of a killed run stay hidden (dot files) and are
            // never mistaken for output; remove them for the next round.
            for f in ws.files() where f.hasPrefix(".") && f.contains(".payplan-") {
                try FileManager.default.removeItem(atPath: ws.path + "/" + f)
            }
        }
        // Both outcomes must have happened, or the test killed at the wrong times.
        #expect(outcomes["old", default: 0] > 0)
    }
}
