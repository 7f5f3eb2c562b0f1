import Foundation
import GRDB
import PayplanCore

/// `ledger verify`: recomputes every row's hash, every close's content hash
/// and the audit chain, and names what does not match.
extension Ledger {
    public static func verify(_ store: LedgerStore) throws(LedgerProblem) -> VerifyReport {
        try store.read { db in
            var findings: [String] = []
            var rows = 0
            var contentByClose: [Int64: String] = [:]
            let closes = try Row.fetchAll(db, sql: "SELECT * FROM closes ORDER BY id")
            for close in closes {
                let id: Int64 = close["id"]
                let name = "close \(id) (\(close["plan"] as String) \(close["period"] as String) version \(close["version"] as Int))"
                let (content, n, rowFindings) = try contentHash(db, close, name)
                rows += n
                findings += rowFindings
                contentByClose[id] = content
                if content != (close["content_hash"] as String) {
                    findings.append("\(name): its recorded content does not match its hash (a field of the close or one of its rows was edited)")
                }
            }
            let (head, events, eventFindings) = try chain(db, contentByClose, closes)
            findings += eventFindings
            return VerifyReport(closes: closes.count, events: events, rows: rows, head: head, findings: findings)
        }
    }

    /// Recomputes a close's content hash from its stored fields and rows.
    static func contentHash(_ db: Database, _ close: Row, _ name: String) throws -> (String, Int, [String]) {
        let id: Int64 = close["id"]
        var findings: [String] = []
        var h = CloseHeader.hasher(CloseHeader.hashedColumns.map { column in close[column].map { "\($0)" } ?? "" })
        for f in try Row.fetchAll(db, sql: "SELECT file, sha256 FROM data_files WHERE close_id = ? ORDER BY rowid", arguments: [id]) {
            h.add(f[0] as String)
            h.add(f[1] as String)
        }
        var rows = 0
        var members = 0
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM payouts WHERE close_id = ? ORDER BY rep_id", arguments: [id])
        while let r = try cursor.next() {
            rows += 1
            let inPopulation = (r["in_population"] as Int) != 0
            if inPopulation { members += 1 }
            let hash = PayoutRecord.hash(
                repID: r["rep_id"], inPopulation: inPopulation, total: r["total"], adjustment: r["adjustment"], cells: r["cells"],
                components: r["components"], flags: r["flags"], state: r["state"], deals: r["deals"])
            if hash != (r["row_hash"] as String) { findings.append("\(name): the row of rep \(r["rep_id"] as String) in payouts was edited") }
            h.add(hash)
        }
        if members != (close["rep_count"] as Int) {
            findings.append("\(name): it recorded \(close["rep_count"] as Int) reps but payouts holds \(members) (rows were added or deleted)")
        }
        for a in try Row.fetchAll(db, sql: "SELECT * FROM adjustments WHERE close_id = ? ORDER BY rowid", arguments: [id]) {
            let fields: [String] = [
                a["for_period"], String(a["for_close_id"] as Int64), a["paid_before"], a["recomputed"], a["amount"], a["cause_en"], a["cause_zh"],
            ]
            let hash = Records.adjustmentHash(a["rep_id"], fields)
            if hash != (a["row_hash"] as String) {
                findings.append("\(name): the adjustment of rep \(a["rep_id"] as String) for \(a["for_period"] as String) was edited")
            }
            h.add(hash)
        }
        for t in try Row.fetchAll(db, sql: "SELECT block, data, sha256 FROM traces WHERE close_id = ? ORDER BY block", arguments: [id]) {
            let sha = Hex.sha256(t["data"] as Data)
            if sha != (t["sha256"] as String) { findings.append("\(name): trace block \(t["block"] as Int) was edited") }
            h.add(sha)
        }
        return (h.finish(), rows, findings)
    }

    /// Walks the audit chain.
    static func chain(_ db: Database, _ content: [Int64: String], _ closes: [Row]) throws -> (String, Int, [String]) {
        var findings: [String] = []
        var prev = Chain.genesis
        var closed: Set<Int64> = []
        var reopenedBy: [Int64: Int64] = [:]
        let events = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id")
        for e in events {
            let id: Int64 = e["id"]
            let closeID: Int64 = e["close_id"]
            let action: String = e["action"]
            let name = "audit event \(id) (\(action) \(e["plan"] as String) \(e["period"] as String))"
            if (e["prev_hash"] as String) != prev { findings.append("\(name): the chain is broken before it (an event was edited or deleted)") }
            let hash = Chain.hash(
                prev: e["prev_hash"], action: action, plan: e["plan"], period: e["period"], closeID: closeID, by: e["by"], at: e["at"],
                reason: e["reason"], contentHash: e["content_hash"])
            if hash != (e["hash"] as String) { findings.append("\(name) was edited") }
            if let c = content[closeID] {
                if c != (e["content_hash"] as String) { findings.append("\(name): close \(closeID) no longer matches what this event recorded") }
            } else {
                findings.append("\(name): close \(closeID) is missing (deleted)")
            }
            if action == "close" { closed.insert(closeID) } else { reopenedBy[closeID] = id }
            prev = e["hash"]
        }
        for c in closes {
            let id: Int64 = c["id"]
            let superseded: Int64? = c["superseded_by"]
            if !closed.contains(id) { findings.append("close \(id) (\(c["period"] as String)) has no close event in the audit trail") }
            if superseded != reopenedBy[id] {
                findings.append("close \(id) (\(c["period"] as String)): its superseded mark does not match the audit trail")
            }
        }
        return (prev, events.count, findings)
    }
}
