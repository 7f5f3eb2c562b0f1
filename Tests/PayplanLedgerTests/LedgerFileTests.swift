import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A ledger file that cannot be used: a clear error, exit 2, nothing
/// written, nothing lost.
@Suite("Ledger files that cannot be used")
struct LedgerFileTests {
    /// Runs a close against `file` and checks it was refused with `code`
    /// and left byte for byte as it was, with no journal beside it.
    func refused(_ ws: Workspace, _ file: String, code: String, message: String) throws {
        let before = ws.bytes(file)
        let o = try ws.close("2026-Q3", ledger: file)
        #expect(o.status == 2, "\(o.stderr)")
        #expect(o.stderr.contains(message), "\(o.stderr)")
        #expect(o.stderr.contains("[\(code)]"), "\(o.stderr)")
        #expect(ws.bytes(file) == before, "the ledger file changed")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/" + file + "-journal"))
    }

    @Test func notASQLiteFile() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.write("payroll.db", "rep_id,total\nR01,100\n")
        try refused(ws, "payroll.db", code: "G801", message: "payroll.db is not a SQLite database, so not a payplan ledger; nothing was written")
        let show = try payplan(["ledger", "periods", "--ledger", "payroll.db"], in: ws.path)
        #expect(show.status == 2)
    }

    @Test func anotherApplicationsDatabase() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        _ = try sqlite("other.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);", in: ws.path)
        try refused(ws, "other.db", code: "G802", message: "other.db is a SQLite database but not a payplan ledger")
    }

    @Test func aNewerSchema() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        _ = try sqlite("ledger.db", "PRAGMA user_version = 7", in: ws.path)
        try refused(ws, "ledger.db", code: "G803", message: "ledger.db was written by a newer payplan (ledger schema 7; this payplan knows up to 1)")
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db"], in: ws.path)
        #expect(run.status == 2)
    }

    @Test func aReadOnlyLedger() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        chmod(ws.path + "/ledger.db", 0o444)
        try refused(ws, "ledger.db", code: "G804", message: "ledger.db is read-only (the file has no write permission); nothing was written")
        // Reading it still works.
        let periods = try payplan(["ledger", "periods", "--ledger", "ledger.db"], in: ws.path)
        #expect(periods.status == 0, "\(periods.stderr)")
        #expect(periods.stdout.contains("2026-Q2"))
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db"], in: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        chmod(ws.path + "/ledger.db", 0o644)
    }

    @Test func aCorruptedLedger() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        // Garbage over the pages after the first: the header still says SQLite.
        var bytes = try #require(ws.bytes("ledger.db"))
        let pageSize = Int(try sqlite("ledger.db", "PRAGMA page_size", in: ws.path))!
        for i in pageSize..<min(bytes.count, pageSize * 6) { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        try bytes.write(to: URL(fileURLWithPath: ws.path + "/ledger.db"))
        let before = ws.bytes("ledger.db")
        let o = try ws.close("2026-Q3")
        #expect(o.status == 2, "\(o.stderr)")
        #expect(o.stderr.contains("ledger.db is damaged") || o.stderr.contains("[G805]") || o.stderr.contains("[G801]"), "\(o.stderr)")
        #expect(ws.bytes("ledger.db") == before)
    }

    @Test func aFolderWhereTheLedgerShouldBe() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try FileManager.default.createDirectory(atPath: ws.path + "/ledger.db", withIntermediateDirectories: true)
        let o = try ws.close("2026-Q2")
        #expect(o.status == 2)
        #expect(o.stderr.contains("it is a folder"), "\(o.stderr)")
    }

    @Test func showOfAMissingLedger() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let o = try payplan(["ledger", "show", "--ledger", "nope.db", "--period", "2026-Q2"], in: ws.path)
        #expect(o.status == 2)
        #expect(o.stderr.contains("error: no ledger at nope.db [G807]"))
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/nope.db"))
    }
}
