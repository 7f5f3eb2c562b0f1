import Foundation
import PayplanCore
import PayplanReports

/// The ledger's listings for people (tables) and tools (JSON).
public enum LedgerText {
    public static func status(_ c: CloseInfo) -> String {
        c.supersededBy.map { "superseded (reopen #\($0))" } ?? "closed"
    }

    public static func periodsTable(_ closes: [CloseInfo]) -> String {
        var t = TextTable(
            header: ["plan", "period", "version", "status", "reps", "total_paid", "adjustments", "fingerprint", "closed_by", "closed_at", "note"],
            rightAligned: [false, false, true, false, true, true, true, false, false, false, false])
        t.rows = closes.map { c in
            [
                c.plan, c.period, String(c.version), status(c), String(c.repCount), c.totalPaid, c.adjustmentsPaid, String(c.fingerprint.prefix(12)),
                c.closedBy, c.closedAt, c.note,
            ]
        }
        return t.render()
    }

    public static func periodsJSON(_ closes: [CloseInfo]) -> String {
        JSON.array(
            closes.map { c in
                .object([
                    ("plan", .string(c.plan)), ("period", .string(c.period)), ("version", .int(c.version)), ("status", .string(status(c))),
                    ("reps", .int(c.repCount)), ("total_paid", .number(c.totalPaid)), ("adjustments", .number(c.adjustmentsPaid)),
                    ("currency", .string(c.currency)), ("fingerprint", .string(c.fingerprint)), ("closed_by", .string(c.closedBy)),
                    ("closed_at", .string(c.closedAt)), ("payplan_version", .string(c.payplanVersion)), ("note", .string(c.note)),
                    ("content_hash", .string(c.contentHash)),
                ])
            }
        ).pretty
    }

    public static func heading(_ c: CloseInfo) -> String {
        "\(c.plan) \(c.period) version \(c.version), \(status(c)): closed by \(c.closedBy) at \(c.closedAt) with payplan \(c.payplanVersion); "
            + "\(c.repCount) reps, total paid \(c.totalPaid) + adjustments \(c.adjustmentsPaid) \(c.currency)"
            + (c.note.isEmpty ? "" : "; note: \(c.note)") + "\nplan fingerprint \(c.fingerprint)\n"
    }

    public static func table(_ p: ClosedPeriod) -> String {
        var t = TextTable(header: p.columns.map(\.header), rightAligned: p.columns.map(\.numeric))
        t.rows = p.cells
        return t.render()
    }

    /// As `run --format json`, with the close's facts.
    public static func json(_ p: ClosedPeriod) -> String {
        let c = p.info
        var rows: [JSON] = []
        rows.reserveCapacity(p.cells.count)
        for row in p.cells {
            var obj: [(String, JSON)] = []
            for (k, col) in p.columns.enumerated() where k < row.count {
                let text = row[k]
                if text.isEmpty {
                    obj.append((col.header, .null))
                } else if col.numeric {
                    obj.append((col.header, .number(text)))
                } else if col.type == "bool" {
                    obj.append((col.header, .bool(text == "true")))
                } else {
                    obj.append((col.header, .string(text)))
                }
            }
            rows.append(.object(obj))
        }
        return JSON.object([
            ("plan", .string(c.plan)), ("fingerprint", .string(c.fingerprint)), ("period", .string(c.period)), ("currency", .string(c.currency)),
            ("version", .int(c.version)), ("status", .string(status(c))), ("closed_by", .string(c.closedBy)), ("closed_at", .string(c.closedAt)),
            ("total_paid", .number(c.totalPaid)), ("adjustments", .number(c.adjustmentsPaid)), ("rows", .array(rows)),
        ]).pretty
    }

    public static func auditTable(_ events: [AuditEvent]) -> String {
        var t = TextTable(
            header: ["#", "action", "plan", "period", "close", "by", "at", "reason", "hash"],
            rightAligned: [true, false, false, false, true, false, false, false, false])
        t.rows = events.map { e in
            [String(e.id), e.action, e.plan, e.period, String(e.closeID), e.by, e.at, e.reason, String(e.hash.prefix(16))]
        }
        return t.render()
    }

    public static func auditJSON(_ events: [AuditEvent]) -> String {
        JSON.array(
            events.map { e in
                .object([
                    ("id", .int(Int(e.id))), ("action", .string(e.action)), ("plan", .string(e.plan)), ("period", .string(e.period)),
                    ("close", .int(Int(e.closeID))), ("by", .string(e.by)), ("at", .string(e.at)), ("reason", .string(e.reason)),
                    ("hash", .string(e.hash)),
                ])
            }
        ).pretty
    }
}
