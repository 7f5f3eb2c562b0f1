import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real SQLite file under kill -9 and under two writers, checked with
/// the `sqlite3` shell as an independent reader.
@Suite("Ledger reliability", .serialized)
struct ReliabilityTests {
    /// 20,000 generated reps over 2026-Q2 and 2026-Q3, and a ledger with Q2 closed.
    static let company: (path: String, base: String)? = {
        let path = NSTemporaryDirectory() + "payplan-ledger-big-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let gen = try? execute(
            binary("payplan-gen"), ["--reps", "20000", "--transactions", "100000", "--seed", "7", "--out", path + "/data"], in: NSTemporaryDirectory()
        )
        guard gen?.status == 0 else { return nil }
        try? FileManager.default.copyItem(atPath: repo.appendingPathComponent("rules/reference-plan.yaml").path, toPath: path + "/plan.yaml")
        let close = try? payplan(
            ["close", "plan.yaml", "--data", "data", "--period", "2026-Q2", "--ledger", "base.db", "--by", "hr", "--skip-invalid"], in: path)
        guard close?.status == 0 else { return nil }
        return (path, path + "/base.db")
    }()

    func fresh(_ name: String) throws -> String {
        let (path, base) = try #require(ReliabilityTests.company, "could not build the 20,000-rep company")
        for suffix in ["", "-journal"] { try? FileManager.default.removeItem(atPath: path + "/" + name + suffix) }
        try FileManager.default.copyItem(atPath: base, toPath: path + "/" + name)
        return path
    }

    func closeArguments(_ ledger: String, by: String = "hr") -> [String] {
        // The generated company has reps without a target (transferred in): left out.
        ["close", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", ledger, "--by", by, "--skip-invalid"]
    }

    /// The ledger holds Q3 completely or not at all; Q2 is untouched.
    func checkWhole(_ path: String, _ ledger: String, q2: String) throws -> Bool {
        #expect(try sqlite(ledger, "PRAGMA integrity_check", in: path) == "ok")
        #expect(try sqlite(ledger, "SELECT content_hash || ':' || rep_count FROM closes WHERE id = 1", in: path) == q2)
        let closes = try sqlite(ledger, "SELECT count(*) FROM closes", in: path)
        let counts = try sqlite(
            ledger,
            "SELECT (SELECT count(*) FROM events) || '|' || (SELECT count(*) FROM payouts WHERE close_id <> 1) || '|' || (SELECT coalesce(sum(reps), 0) FROM traces WHERE close_id <> 1) || '|' || (SELECT coalesce(sum(rep_count), 0) FROM closes WHERE id <> 1)",
            in: path)
        if closes == "1" {
            #expect(counts == "1|0|0|0", "a partial close is visible: \(counts)")
            return false
        }
        #expect(closes == "2")
        let parts = counts.split(separator: "|")
        #expect(parts[0] == "2" && parts[1] == parts[3] && parts[2] == parts[3] && parts[3] != "0", "an incomplete close: \(counts)")
        let verify = try payplan(["ledger", "verify", "--ledger", ledger], in: path)
        #expect(verify.status == 0, "\(verify.stdout)")
        return true
    }

    @Test func killNineDuringCloseAtRandomMoments() throws {
        let path = try fresh("timing.db")
        let q2 = try sqlite("base.db", "SELECT content_hash || ':' || rep_count FROM closes WHERE id = 1", in: path)
        let started = Date()
        let clean = try payplan(closeArguments("timing.db"), in: path)
        let duration = Date().timeIntervalSince(started)
        #expect(clean.status == 0, "\(clean.stderr)")
        var g = SystemRandomNumberGenerator()
        var outcomes: [String: Int] = [:]
        var journals = 0
        for round in 0..<10 {
            _ = try fresh("killed.db")
            let process = try start(
                binary("payplan"), closeArguments("killed.db"), in: path, out: path + "/kill.out", err: path + "/kill.err")
            // Half the kills anywhere in the run, half in its last part
            // (the transaction) or just after it.
            let (lo, hi) = round % 2 == 0 ? (0.0, 1.0) : (0.6, 1.3)
            let delay = duration * (lo + (hi - lo) * Double.random(in: 0..<1, using: &g))
            usleep(UInt32(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: path + "/killed.db-journal") { journals += 1 }
            let whole = try checkWhole(path, "killed.db", q2: q2)
            outcomes[whole ? "closed" : "not closed", default: 0] += 1
        }
        print("kill -9 during close: \(outcomes), killed inside the transaction (hot journal left) \(journals) times")
        #expect(outcomes["not closed", default: 0] > 0)
    }

    @Test func twoClosesAtOnce() throws {
        for round in 0..<2 {
            let path = try fresh("race.db")
            let a = try start(binary("payplan"), closeArguments("race.db", by: "alice"), in: path, out: path + "/a.out", err: path + "/a.err")
            let b = try start(binary("payplan"), closeArguments("race.db", by: "bob"), in: path, out: path + "/b.out", err: path + "/b.err")
            a.waitUntilExit()
            b.waitUntilExit()
            let statuses = [a.terminationStatus, b.terminationStatus].sorted()
            #expect(statuses == [0, 1], "round \(round): \(statuses)")
            let loser = a.terminationStatus == 1 ? "a" : "b"
            let winner = loser == "a" ? "bob" : "alice"
            let message = String(decoding: FileManager.default.contents(atPath: path + "/\(loser).err") ?? Data(), as: UTF8.self)
            #expect(message.contains("error: Reference plan 2026-Q3 is already closed (by \(winner) at "), "\(message)")
            #expect(try sqlite("race.db", "SELECT count(*) FROM closes WHERE period = '2026-Q3'", in: path) == "1")
            let q2 = try sqlite("base.db", "SELECT content_hash || ':' || rep_count FROM closes WHERE id = 1", in: path)
            #expect(try checkWhole(path, "race.db", q2: q2))
        }
    }

    @Test func twoFirstClosesCreatingTheLedger() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let args = ["close", "plan.yaml", "--data", "data", "--period", "2026-Q2", "--ledger", "new.db", "--skip-invalid"]
        let a = try start(binary("payplan"), args + ["--by", "alice"], in: ws.path, out: ws.path + "/a.out", err: ws.path + "/a.err")
        let b = try start(binary("payplan"), args + ["--by", "bob"], in: ws.path, out: ws.path + "/b.out", err: ws.path + "/b.err")
        a.waitUntilExit()
        b.waitUntilExit()
        #expect([a.terminationStatus, b.terminationStatus].sorted() == [0, 1], "\(ws.read("a.err") ?? "") \(ws.read("b.err") ?? "")")
        #expect(try sqlite("new.db", "SELECT count(*) FROM closes", in: ws.path) == "1")
        #expect(try sqlite("new.db", "SELECT count(*) FROM payouts", in: ws.path) == "18")
    }
}
