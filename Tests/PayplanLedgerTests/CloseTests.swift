import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `payplan close`, `run --ledger` and `ledger …` end to end on the example
/// company, with the ledger file read back by the `sqlite3` shell.
@Suite("Close a period, pay adjustments, read history from the ledger")
struct CloseTests {
    @Test func closeRecordsEverythingInOneFile() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let close = try ws.close("2026-Q2", ["--note", "Q2 payroll"])
        #expect(close.status == 0, "\(close.stderr)")
        #expect(close.stderr.contains("closed Reference plan 2026-Q2 (version 1) in ledger.db: "))
        #expect(close.stderr.contains("by hr@example at "))
        let db = "ledger.db"
        #expect(try sqlite(db, "PRAGMA integrity_check", in: ws.path) == "ok")
        #expect(try sqlite(db, "PRAGMA journal_mode", in: ws.path) == "delete")
        #expect(try sqlite(db, "PRAGMA user_version", in: ws.path) == "1")
        #expect(try sqlite(db, "SELECT plan, period, version, closed_by, note FROM closes", in: ws.path) == "Reference plan|2026-Q2|1|hr@example|Q2 payroll")
        let reps = try sqlite(db, "SELECT rep_count FROM closes", in: ws.path)
        #expect(try sqlite(db, "SELECT count(*) FROM payouts WHERE in_population = 1", in: ws.path) == reps)
        #expect(try sqlite(db, "SELECT count(*) FROM events", in: ws.path) == "1")
        #expect(try sqlite(db, "SELECT group_concat(file, ',') FROM (SELECT file FROM data_files ORDER BY file)", in: ws.path)
            == "products.csv,reps.csv,targets.csv,transactions.csv")
        // The data files' SHA-256, as sha256sum computes it.
        let sum = try execute("/usr/bin/env", ["sha256sum", "data/transactions.csv"], in: ws.path).stdout.prefix(64)
        #expect(try sqlite(db, "SELECT sha256 FROM data_files WHERE file = 'transactions.csv'", in: ws.path) == String(sum))
        // The plan text and its fingerprint.
        #expect(try sqlite(db, "SELECT plan_source = readfile('plan.yaml') FROM closes", in: ws.path) == "1")
        let fingerprint = try payplan(["fingerprint", "plan.yaml"], in: ws.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try sqlite(db, "SELECT fingerprint FROM closes", in: ws.path) == fingerprint)
        // Traces: every rep's explanation, recoverable as JSON Lines.
        #expect(try sqlite(db, "SELECT sum(reps) FROM traces", in: ws.path) == reps)
        let show = try payplan(["ledger", "show", "--ledger", db, "--period", "2026-Q2", "--explain", "q2.jsonl", "--format", "csv"], in: ws.path)
        #expect(show.status == 0, "\(show.stderr)")
        let lines = try #require(ws.read("q2.jsonl")).split(separator: "\n")
        #expect(String(lines.count) == reps)
        #expect(lines[0].hasPrefix("{\"rep_id\":\"R01\""))
        // What was paid, as `run` prints it, plus the adjustment column.
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q2", "--format", "csv"], in: ws.path)
        #expect(show.stdout == withAdjustmentColumn(run.stdout))
        #expect(show.stderr.contains("Reference plan 2026-Q2 version 1, closed: closed by hr@example"))
    }

    @Test func closingIsInOrderAndOnce() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        let again = try ws.close("2026-Q2")
        #expect(again.status == 1)
        #expect(again.stderr.contains("error: Reference plan 2026-Q2 is already closed (by hr@example at 20"), "\(again.stderr)")
        #expect(again.stderr.contains("[G810]"))
        let gap = try ws.close("2026-Q4")
        #expect(gap.status == 1)
        #expect(
            gap.stderr.contains(
                "error: cannot close Reference plan 2026-Q4: the previous period 2026-Q3 is not closed in this ledger (its first closed period is 2026-Q2) [G811]"
            ), "\(gap.stderr)")
        let before = try ws.close("2026-Q1")
        #expect(before.status == 1)
        #expect(before.stderr.contains("[G814]"))
        #expect(try sqlite("ledger.db", "SELECT count(*) FROM closes", in: ws.path) == "1")
    }

    @Test func badDataRecordsNothing() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try ws.edit("data/transactions.csv", line: "D2-2005") { $0.replacingOccurrences(of: "130371.20", with: "13,0371.20") }
        let first = try ws.close("2026-Q2")
        #expect(first.status == 3, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/ledger.db"), "a failed first close leaves no ledger behind")
        // With an existing ledger: nothing is added.
        let fresh = try Workspace()
        defer { fresh.remove() }
        #expect(try fresh.close("2026-Q2").status == 0)
        try fresh.edit("data/transactions.csv", line: "2026-07-") { $0.replacingOccurrences(of: "2026-07-", with: "2026-13-") }
        let before = try #require(fresh.bytes("ledger.db"))
        let bad = try fresh.close("2026-Q3")
        #expect(bad.status == 3)
        #expect(fresh.bytes("ledger.db") == before)
    }

    /// The tour: close Q2; a Q2 deal is corrected late; the Q3 run pays the
    /// difference as an adjustment, explained; closing Q3 records it; it is
    /// not paid again.
    @Test func lateCorrectionIsPaidOnceAsAnAdjustment() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        let paidQ2 = try sqlite("ledger.db", "SELECT total FROM payouts WHERE rep_id = 'R07'", in: ws.path)
        let line = try #require(ws.lineNumber("data/transactions.csv", "D2-2041"))
        let old = try #require(ws.read("data/transactions.csv")?.components(separatedBy: "\n")[line - 1].split(separator: ",")[4])
        try ws.edit("data/transactions.csv", line: "D2-2041") { $0.replacingOccurrences(of: ",\(old),", with: ",\(old)0,") }
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db", "--format", "csv"], in: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        let header = run.stdout.split(separator: "\n")[0]
        #expect(header.hasSuffix(",capped,adjustment,total,flag") || header.contains("adjustment,total"), "\(header)")
        #expect(run.stderr.contains("deal D2-2041 changed from"), "\(run.stderr)")
        #expect(run.stderr.contains("on transactions.csv:\(line)"))
        #expect(run.stderr.contains("2026-Q2 paid ¥"))
        let adjustment = try #require(row(run.stdout, "R07", "adjustment"))
        #expect(adjustment != "0.00")
        // Recorded by the close of Q3, with both languages' explanation.
        #expect(try ws.close("2026-Q3").status == 0)
        #expect(try sqlite("ledger.db", "SELECT amount, for_period FROM adjustments WHERE rep_id = 'R07'", in: ws.path) == "\(adjustment)|2026-Q2")
        let zh = try sqlite("ledger.db", "SELECT cause_zh FROM adjustments WHERE rep_id = 'R07'", in: ws.path)
        #expect(zh.hasPrefix("2026-Q2 已发 ¥"), "\(zh)")
        #expect(try sqlite("ledger.db", "SELECT adjustment FROM payouts p JOIN closes c ON c.id = p.close_id WHERE c.period = '2026-Q3' AND rep_id = 'R07'", in: ws.path) == adjustment)
        #expect(paidQ2 != "")
        // Paid once: a later run owes nothing more for Q2.
        let q3again = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db", "--format", "csv"], in: ws.path)
        #expect(q3again.stderr.contains("is closed in ledger.db"))
    }

    /// Flags issued stay issued: a Q2 correction that would have spared R12
    /// its Q2 flag does not change the escalation Q3 reads from the ledger.
    @Test func historyComesFromTheLedger() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        #expect(try sqlite("ledger.db", "SELECT flags FROM payouts WHERE rep_id = 'R12'", in: ws.path).contains("warning"))
        // R12's Q2 deals multiplied: recomputed, Q2 would not flag R12.
        let text = try #require(ws.read("data/transactions.csv"))
        let boosted = text.components(separatedBy: "\n").map { l -> String in
            var f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count > 4, f[1] == "R12", f[2].hasPrefix("2026-0"), ["04", "05", "06"].contains(String(f[2].dropFirst(5).prefix(2))) else { return l }
            f[4] = String(f[4].split(separator: ".")[0]) + "0." + (f[4].split(separator: ".").dropFirst().first.map(String.init) ?? "00")
            return f.joined(separator: ",")
        }.joined(separator: "\n")
        try ws.write("data/transactions.csv", boosted)
        let plain = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv"], in: ws.path)
        let ledgered = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv", "--ledger", "ledger.db"], in: ws.path)
        #expect(plain.status == 0 && ledgered.status == 0, "\(ledgered.stderr)")
        #expect(row(plain.stdout, "R12", "flag") == "warning", "recomputed: R12's first flag")
        #expect(row(ledgered.stdout, "R12", "flag") == "eliminate", "from the ledger: R12's second consecutive flag")
        // Only money is adjusted: the Q2 pay R12 would have earned.
        #expect(ledgered.stderr.contains("R12: 2026-Q2 paid ¥"), "\(ledgered.stderr)")
    }

    @Test func reopenSupersedesAndTheNextCloseIsANewVersion() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        #expect(try ws.close("2026-Q3").status == 0)
        let early = try payplan(["ledger", "reopen", "--ledger", "ledger.db", "--period", "2026-Q2", "--reason", "x"], in: ws.path)
        #expect(early.status == 1)
        #expect(early.stderr.contains("only the latest closed period (2026-Q3) can be reopened [G813]"), "\(early.stderr)")
        let noReason = try payplan(["ledger", "reopen", "--ledger", "ledger.db", "--period", "2026-Q3", "--reason", " "], in: ws.path)
        #expect(noReason.status == 2)
        let reopen = try payplan(
            ["ledger", "reopen", "--ledger", "ledger.db", "--period", "2026-Q3", "--reason", "targets of team East were wrong", "--by", "cfo"], in: ws.path)
        #expect(reopen.status == 0, "\(reopen.stderr)")
        #expect(try ws.close("2026-Q3").status == 0)
        #expect(try sqlite("ledger.db", "SELECT period, version, superseded_by IS NULL FROM closes ORDER BY id", in: ws.path)
            == "2026-Q2|1|1\n2026-Q3|1|0\n2026-Q3|2|1")
        // Nothing deleted: version 1's rows are all there.
        #expect(try sqlite("ledger.db", "SELECT count(*) FROM payouts WHERE close_id = 2", in: ws.path) == "20")
        let audit = try payplan(["ledger", "audit", "--ledger", "ledger.db"], in: ws.path)
        #expect(audit.stdout.contains("reopen"))
        #expect(audit.stdout.contains("targets of team East were wrong"))
        #expect(audit.stdout.contains("cfo"))
        let periods = try payplan(["ledger", "periods", "--ledger", "ledger.db"], in: ws.path)
        #expect(periods.stdout.contains("superseded (reopen #3)"), "\(periods.stdout)")
        let v1 = try payplan(["ledger", "show", "--ledger", "ledger.db", "--period", "2026-Q3", "--version", "1", "--format", "csv"], in: ws.path)
        #expect(v1.status == 0)
        #expect(v1.stderr.contains("version 1, superseded (reopen #3)"))
        #expect(try payplan(["ledger", "verify", "--ledger", "ledger.db"], in: ws.path).status == 0)
    }

    @Test func verifyNamesEditedRows() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        #expect(try ws.close("2026-Q3").status == 0)
        let ok = try payplan(["ledger", "verify", "--ledger", "ledger.db"], in: ws.path)
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("ok: 2 closes, 2 audit events, 40 rows; chain head "), "\(ok.stdout)")
        // A total edited behind payplan's back.
        _ = try sqlite("ledger.db", "UPDATE payouts SET total = '99999.00' WHERE rep_id = 'R07' AND close_id = 1", in: ws.path)
        let edited = try payplan(["ledger", "verify", "--ledger", "ledger.db"], in: ws.path)
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("error: close 1 (Reference plan 2026-Q2 version 1): the row of rep R07 in payouts was edited [G830]"), "\(edited.stdout)")
        // Even with its row hash recomputed by hand, the close's content hash gives it away.
        _ = try sqlite("ledger.db", "UPDATE payouts SET row_hash = 'x' WHERE rep_id = 'R07' AND close_id = 1", in: ws.path)
        _ = try sqlite("ledger.db", "UPDATE events SET reason = 'changed' WHERE id = 2", in: ws.path)
        let chain = try payplan(["ledger", "verify", "--ledger", "ledger.db"], in: ws.path)
        #expect(chain.stdout.contains("close 1 (Reference plan 2026-Q2 version 1): its recorded content does not match its hash"))
        #expect(chain.stdout.contains("audit event 2 (close Reference plan 2026-Q3) was edited"), "\(chain.stdout)")
    }
}

/// `run`'s CSV with an `adjustment` column of zeros before `total`.
func withAdjustmentColumn(_ csv: String) -> String {
    var lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = lines[0].split(separator: ",").map(String.init)
    guard let t = header.firstIndex(of: "total") else { return csv }
    for i in lines.indices where !lines[i].isEmpty {
        var cells = lines[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells.insert(i == 0 ? "adjustment" : "0.00", at: t)
        lines[i] = cells.joined(separator: ",")
    }
    return lines.joined(separator: "\n")
}

/// A cell of a CSV (no quoted commas in the example company).
func row(_ csv: String, _ rep: String, _ column: String) -> String? {
    let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let c = lines.first?.firstIndex(of: column), let r = lines.first(where: { $0.first == rep }) else { return nil }
    return r[c]
}
