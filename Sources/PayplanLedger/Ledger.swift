import Foundation
import GRDB
import PayplanCore

/// A closed period as recorded: `run`'s columns plus `adjustment`, one row
/// per rep, as printed when it was closed.
public struct ClosedPeriod: Sendable {
    public var info: CloseInfo
    public var columns: [(header: String, type: String, decimals: Int?, numeric: Bool)]
    public var repIDs: [String]
    public var cells: [[String]]
}

/// What `ledger verify` found.
public struct VerifyReport: Sendable {
    public var closes: Int
    public var events: Int
    public var rows: Int
    /// The head of the audit chain (compare with the one `close` printed).
    public var head: String
    public var findings: [String]
}

public enum Ledger {
    /// Reopens the latest closed period of a plan: an audit event with the
    /// reason; the close is marked superseded, nothing is deleted.
    public static func reopen(
        _ store: LedgerStore, plan: String, period: Period, reason: String, by: String, at: String
    ) throws(LedgerProblem) -> (close: CloseInfo, chainHash: String) {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .emptyReason }
        return try store.write { db in
            let closes = try Row.fetchAll(
                db, sql: "SELECT \(CloseInfo.columns) FROM closes WHERE plan = ? AND superseded_by IS NULL ORDER BY period_ordinal",
                arguments: [plan]
            ).map(CloseInfo.init)
            guard let target = closes.first(where: { $0.period == period.description }) else {
                throw LedgerProblem.notClosed(plan: plan, period: period.description)
            }
            if let latest = closes.last, latest.id != target.id {
                throw LedgerProblem.notLatest(plan: plan, period: period.description, latest: latest.period)
            }
            let hash = try Chain.append(
                db, action: "reopen", plan: plan, period: target.period, closeID: target.id, by: by, at: at, reason: reason,
                contentHash: target.contentHash)
            try db.execute(sql: "UPDATE closes SET superseded_by = ? WHERE id = ?", arguments: [db.lastInsertedRowID, target.id])
            return (target, hash)
        }
    }

    /// The close of `period` in force, or a given version.
    public static func close(_ store: LedgerStore, plan: String, period: String, version: Int? = nil) throws(LedgerProblem) -> CloseInfo {
        let all = try store.closes(plan: plan).filter { $0.period == period }
        let found = version.map { v in all.first { $0.version == v } } ?? all.first { $0.inForce }
        guard let found else { throw .notClosed(plan: plan, period: period + (version.map { " version \($0)" } ?? "")) }
        return found
    }

    /// A closed period's rows, as closed.
    public static func show(_ store: LedgerStore, _ close: CloseInfo) throws(LedgerProblem) -> ClosedPeriod {
        let (_, _, columnsJSON, _) = try store.planSource(close.id)
        let columns: [(header: String, type: String, decimals: Int?, numeric: Bool)] = JSONText.objects(columnsJSON).map { o in
            (
                header: (o["header"] as? String) ?? "", type: (o["type"] as? String) ?? "", decimals: o["decimals"] as? Int,
                numeric: (o["numeric"] as? Bool) ?? false
            )
        }
        var ids: [String] = []
        var cells: [[String]] = []
        try store.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT rep_id, cells FROM payouts WHERE close_id = ? ORDER BY rep_id", arguments: [close.id])
            while let r = try cursor.next() {
                ids.append(r[0])
                cells.append(FastJSON.strings(r[1]))
            }
        }
        return ClosedPeriod(info: close, columns: columns, repIDs: ids, cells: cells)
    }

    /// The traces a close recorded, as JSON Lines.
    public static func traces(_ store: LedgerStore, _ close: CloseInfo, consume: (Data) throws -> Void) throws {
        try store.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT format, data FROM traces WHERE close_id = ? ORDER BY block", arguments: [close.id])
            while let r = try cursor.next() {
                let format: String = r[0]
                let data: Data = r[1]
                try consume(format == "jsonl+deflate" ? (Deflate.decompress(data) ?? Data()) : data)
            }
        }
    }

    /// The prior-period adjustments a close paid, with their explanations.
    public static func adjustments(_ store: LedgerStore, _ close: CloseInfo) throws(LedgerProblem) -> [(
        rep: String, period: String, amount: String, en: String, zh: String
    )] {
        try store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT rep_id, for_period, amount, cause_en, cause_zh FROM adjustments WHERE close_id = ? ORDER BY rowid",
                arguments: [close.id]
            ).map { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
        }
    }
}

/// The cells column is a JSON array of strings the ledger wrote itself:
/// read without Foundation's JSON (a 100,000-rep period in well under a second).
enum FastJSON {
    static func strings(_ text: String) -> [String] {
        var out: [String] = []
        var utf8 = Array(text.utf8)
        var i = 0
        var current: [UInt8] = []
        var inString = false
        while i < utf8.count {
            let b = utf8[i]
            if inString {
                if b == 0x5C, i + 1 < utf8.count {
                    i += 1
                    switch utf8[i] {
                    case 0x6E: current.append(0x0A)
                    case 0x72: current.append(0x0D)
                    case 0x74: current.append(0x09)
                    case 0x62: current.append(0x08)
                    case 0x66: current.append(0x0C)
                    case 0x75 where i + 4 < utf8.count:
                        let hex = String(decoding: utf8[(i + 1)...(i + 4)], as: UTF8.self)
                        var scalar = UInt32(hex, radix: 16) ?? 0xFFFD
                        i += 4
                        // A surrogate pair.
                        if (0xD800..<0xDC00).contains(scalar), i + 6 < utf8.count, utf8[i + 1] == 0x5C, utf8[i + 2] == 0x75,
                            let low = UInt32(String(decoding: utf8[(i + 3)...(i + 6)], as: UTF8.self), radix: 16)
                        {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        current += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                    default: current.append(utf8[i])
                    }
                } else if b == 0x22 {
                    out.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                    inString = false
                } else {
                    current.append(b)
                }
            } else if b == 0x22 {
                inString = true
            }
            i += 1
        }
        utf8.removeAll()
        return out
    }
}
