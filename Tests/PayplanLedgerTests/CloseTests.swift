import Foundation
import PayplanCore
import PayplanLedger
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
        #expect(
            try sqlite(db, "SELECT plan, period, version, closed_by, note FROM closes", in: ws.path)
                == "Reference plan|2026-Q2|1|hr@example|Q2 payroll")
        let reps = try sqlite(db, "SELECT rep_count FROM closes", in: ws.path)
        #expect(try sqlite(db, "SELECT count(*) FROM payouts WHERE in_population = 1", in: ws.path) == reps)
        #expect(try sqlite(db, "SELECT count(*) FROM events", in: ws.path) == "1")
        #expect(
            try sqlite(db, "SELECT group_concat(file, ',') FROM (SELECT file FROM data_files ORDER BY file)", in: ws.path)
                == "products.csv,reps.csv,targets.csv,transactions.csv")
        // The data files' SHA-256, as sha256sum computes it.
        let sum = try execute("/usr/bin/env", ["sha256sum", "data/transactions.csv"], in: ws.path).stdout.prefix(64)
        #expect(try sqlite(db, "SELECT sha256 FROM data_files WHERE file = 'transactions.csv'", in: ws.path) == String(sum))
        // The plan text and its fingerprint.
        #expect(try sqlite(db, "SELECT plan_source = CAST(readfile('plan.yaml') AS TEXT) FROM closes", in: ws.path) == "1")
        let fingerprint = String(try payplan(["fingerprint", "plan.yaml"], in: ws.path).stdout.prefix(64))
        #expect(try sqlite(db, "SELECT fingerprint FROM closes", in: ws.path) == fingerprint)
        // Traces: every rep's explanation, recoverable as JSON Lines.
        #expect(try sqlite(db, "SELECT sum(reps) FROM traces", in: ws.path) == reps)
        let show = try payplan(["ledger", "show", "--ledger", db, "--period", "2026-Q2", "--explain", "q2.jsonl", "--format", "csv"], in: ws.path)
        #expect(show.status == 0, "\(show.stderr)")
        let lines = try #require(ws.read("q2.jsonl")).split(separator: "\n")
        #expect(String(lines.count) == reps)
        #expect(lines[0].hasPrefix("{\"rep_id\":\"R01\""))
        // What was paid, as `run` prints it, plus the adjustment column.
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q2", "--format", "csv", "--skip-invalid"], in: ws.path)
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
        try ws.breakData()
        let first = try ws.close("2026-Q2")
        #expect(first.status == 3, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/ledger.db"), "a failed first close leaves no ledger behind")
        // With an existing ledger: nothing is added.
        let fresh = try Workspace()
        defer { fresh.remove() }
        #expect(try fresh.close("2026-Q2").status == 0)
        try fresh.breakData()
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
        #expect(paidQ2 == "26716.66")
        // R07's deal D2-2054 of 9,122.63 was really 19,122.63.
        let line = try #require(ws.lineNumber("data/transactions.csv", "D2-2054"))
        try ws.edit("data/transactions.csv", line: "D2-2054") { $0.replacingOccurrences(of: ",9122.63,8210.37", with: ",19122.63,18210.37") }
        let run = try payplan(
            ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db", "--format", "csv", "--lang", "en"], in: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        let header = run.stdout.split(separator: "\n")[0]
        #expect(header == "rep_id,name,team,attainment,attainment_bonus,np_award,first_mover,team_prize,capped,adjustment,total,flag")
        #expect(
            run.stderr.hasPrefix(
                """
                prior-period adjustments: 1 rep, +¥930.24 in all
                  R07: 2026-Q2 paid ¥26,716.66; with the data as it is today it comes to ¥27,646.90: +¥930.24, because deal D2-2054 changed from 9,122.63 to 19,122.63 on transactions.csv:\(line)

                """), "\(run.stderr)")
        #expect(row(run.stdout, "R07", "total") == "35458.65", "34,528.41 for Q3 + 930.24 for Q2")
        #expect(run.stderr.contains("period 2026-Q3: 20 reps, total paid ¥512,960.14"))
        let adjustment = try #require(row(run.stdout, "R07", "adjustment"))
        #expect(adjustment == "930.24")
        // Recorded by the close of Q3, with both languages' explanation.
        #expect(try ws.close("2026-Q3").status == 0)
        #expect(try sqlite("ledger.db", "SELECT amount, for_period FROM adjustments WHERE rep_id = 'R07'", in: ws.path) == "\(adjustment)|2026-Q2")
        let zh = try sqlite("ledger.db", "SELECT cause_zh FROM adjustments WHERE rep_id = 'R07'", in: ws.path)
        #expect(zh.hasPrefix("2026-Q2 已发 ¥"), "\(zh)")
        #expect(
            try sqlite(
                "ledger.db", "SELECT adjustment FROM payouts p JOIN closes c ON c.id = p.close_id WHERE c.period = '2026-Q3' AND rep_id = 'R07'",
                in: ws.path) == adjustment)
        // Paid once: what is owed for closed periods, running 2026-Q4, is nothing.
        let store = try LedgerStore.open(ws.path + "/ledger.db", mode: .read)
        let owed = try Adjustments.compute(store, planName: "Reference plan", running: Period("2026-Q4")!, directory: ws.path + "/data", threads: 2)
        #expect(owed.isEmpty, "\(owed)")
        // A second correction of the same deal: only the new difference is owed.
        try ws.edit("data/transactions.csv", line: "D2-2054") { $0.replacingOccurrences(of: ",19122.63,18210.37", with: ",20122.63,19210.37") }
        let more = try Adjustments.compute(store, planName: "Reference plan", running: Period("2026-Q4")!, directory: ws.path + "/data", threads: 2)
        // R07's deal also moves the first-mover race of Q2: three other reps
        // are owed (or owe) the difference, with that cause.
        #expect(more.map(\.repID) == ["R03", "R07", "R09", "R20"])
        #expect(more.filter { $0.repID != "R07" }.allSatisfy { $0.causeEN.hasPrefix("other reps' deals in transactions.csv changed") })
        let r07 = try #require(more.first { $0.repID == "R07" })
        #expect(r07.adjustedBefore == Exact(decimal: "930.24"))
        #expect(r07.causeEN == "deal D2-2054 changed from 9,122.63 to 20,122.63 on transactions.csv:\(line)")
        // Running a closed period says it is a recomputation.
        let q3again = try payplan(
            ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--ledger", "ledger.db", "--format", "csv"], in: ws.path)
        #expect(q3again.stderr.contains("is closed in ledger.db (by hr@example at "), "\(q3again.stderr)")
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
            guard f.count > 4, f[1] == "R12", f[2].hasPrefix("2026-0"), ["04", "05", "06"].contains(String(f[2].dropFirst(5).prefix(2))) else {
                return l
            }
            f[4] = String(f[4].split(separator: ".")[0]) + "0." + (f[4].split(separator: ".").dropFirst().first.map(String.init) ?? "00")
            return f.joined(separator: ",")
        }.joined(separator: "\n")
        try ws.write("data/transactions.csv", boosted)
        let plain = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv"], in: ws.path)
        let ledgered = try payplan(
            ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv", "--ledger", "ledger.db", "--lang", "en"], in: ws.path)
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
            ["ledger", "reopen", "--ledger", "ledger.db", "--period", "2026-Q3", "--reason", "targets of team East were wrong", "--by", "cfo"],
            in: ws.path)
        #expect(reopen.status == 0, "\(reopen.stderr)")
        #expect(try ws.close("2026-Q3").status == 0)
        #expect(
            try sqlite("ledger.db", "SELECT period, version, superseded_by IS NULL FROM closes ORDER BY id", in: ws.path)
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
        #expect(ok.stdout.hasPrefix("ok: 2 closes, 2 audit events, 38 rows; chain head "), "\(ok.stdout)")
        // A total edited behind payplan's back.
        _ = try sqlite("ledger.db", "UPDATE payouts SET total = '99999.00' WHERE rep_id = 'R07' AND close_id = 1", in: ws.path)
        let edited = try payplan(["ledger", "verify", "--ledger", "ledger.db"], in: ws.path)
        #expect(edited.status == 1)
        #expect(
            edited.stdout.contains("error: close 1 (Reference plan 2026-Q2 version 1): the row of rep R07 in payouts was edited [G830]"),
            "\(edited.stdout)")
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
