import Foundation
import GRDB
import PayplanCompiler
import PayplanCore

/// A close as listed by `ledger periods`.
public struct CloseInfo: Sendable {
    public var id: Int64
    public var plan: String
    public var period: String
    public var periodOrdinal: Int
    public var version: Int
    public var supersededBy: Int64?
    public var fingerprint: String
    public var closedBy: String
    public var closedAt: String
    public var payplanVersion: String
    public var note: String
    public var currency: String
    public var repCount: Int
    public var totalPaid: String
    public var adjustmentsPaid: String
    public var contentHash: String
    public var planFile: String
    public var dataDir: String

    public var inForce: Bool { supersededBy == nil }

}

extension CloseInfo {
    static let columns =
        "id, plan, period, period_ordinal, version, superseded_by, fingerprint, closed_by, closed_at, payplan_version, note, currency, rep_count, total_paid, adjustments_paid, content_hash, plan_file, data_dir"

    init(_ row: Row) {
        id = row["id"]
        plan = row["plan"]
        period = row["period"]
        periodOrdinal = row["period_ordinal"]
        version = row["version"]
        supersededBy = row["superseded_by"]
        fingerprint = row["fingerprint"]
        closedBy = row["closed_by"]
        closedAt = row["closed_at"]
        payplanVersion = row["payplan_version"]
        note = row["note"]
        currency = row["currency"]
        repCount = row["rep_count"]
        totalPaid = row["total_paid"]
        adjustmentsPaid = row["adjustments_paid"]
        contentHash = row["content_hash"]
        planFile = row["plan_file"]
        dataDir = row["data_dir"]
    }
}

/// One entry of the audit trail.
public struct AuditEvent: Sendable {
    public var id: Int64
    public var action: String
    public var plan: String
    public var period: String
    public var closeID: Int64
    public var by: String
    public var at: String
    public var reason: String
    public var hash: String
}

extension LedgerStore {
    /// Every close, oldest first (superseded ones too).
    public func closes(plan: String? = nil) throws(LedgerProblem) -> [CloseInfo] {
        try read { db in
            let filter = plan == nil ? "" : "WHERE plan = ?"
            return try Row.fetchAll(
                db, sql: "SELECT \(CloseInfo.columns) FROM closes \(filter) ORDER BY id",
                arguments: StatementArguments(plan.map { [$0] } ?? [])
            ).map(CloseInfo.init)
        }
    }

    /// The closes in force (not reopened), in period order.
    public func inForce(plan: String) throws(LedgerProblem) -> [CloseInfo] {
        try closes(plan: plan).filter(\.inForce).sorted { $0.periodOrdinal < $1.periodOrdinal }
    }

    public func planNames() throws(LedgerProblem) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT plan FROM closes ORDER BY plan") }
    }

    /// The plan a ledger command is about: `--plan`, or the only one held.
    public func plan(named name: String?) throws(LedgerProblem) -> String {
        let names = try planNames()
        if let name {
            guard names.contains(name) else { throw .unknownPlan(path: path, plan: name, known: names) }
            return name
        }
        if names.count == 1 { return names[0] }
        if names.isEmpty { throw .io(path: path, detail: "it holds no closed period yet") }
        throw .whichPlan(path: path, known: names)
    }

    public func audit(plan: String? = nil) throws(LedgerProblem) -> [AuditEvent] {
        try read { db in
            let filter = plan == nil ? "" : "WHERE plan = ?"
            return try Row.fetchAll(
                db, sql: "SELECT id, action, plan, period, close_id, by, at, reason, hash FROM events \(filter) ORDER BY id",
                arguments: StatementArguments(plan.map { [$0] } ?? [])
            ).map { r in
                AuditEvent(
                    id: r["id"], action: r["action"], plan: r["plan"], period: r["period"], closeID: r["close_id"], by: r["by"], at: r["at"],
                    reason: r["reason"], hash: r["hash"])
            }
        }
    }

    func dataFiles(_ closeID: Int64) throws(LedgerProblem) -> [DataFileHash] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT file, bytes, sha256 FROM data_files WHERE close_id = ? ORDER BY file", arguments: [closeID]).map {
                DataFileHash(file: $0["file"], bytes: $0["bytes"], sha256: $0["sha256"])
            }
        }
    }

    /// The plan text a close ran, and where it was read from.
    func planSource(_ closeID: Int64) throws(LedgerProblem) -> (file: String, source: String, columns: String, carried: String) {
        try read { db in
            let r = try Row.fetchOne(db, sql: "SELECT plan_file, plan_source, columns, carried FROM closes WHERE id = ?", arguments: [closeID])!
            return (r["plan_file"], r["plan_source"], r["columns"], r["carried"])
        }
    }

    /// Per rep of a close: total, adjustment, in_population.
    func totals(_ closeID: Int64) throws(LedgerProblem) -> [String: (total: Exact, inPopulation: Bool)] {
        try read { db in
            var out: [String: (total: Exact, inPopulation: Bool)] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT rep_id, total, in_population FROM payouts WHERE close_id = ?", arguments: [closeID])
            while let r = try cursor.next() {
                out[r[0]] = (Money.parse(r[1]), (r[2] as Int) != 0)
            }
            return out
        }
    }

    /// Adjustments paid for `period` by closes in force, per rep.
    func adjustmentsPaid(plan: String, for period: String) throws(LedgerProblem) -> [String: [(period: String, amount: Exact)]] {
        try read { db in
            var out: [String: [(period: String, amount: Exact)]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.rep_id, c.period, a.amount FROM adjustments a JOIN closes c ON c.id = a.close_id
                    WHERE c.plan = ? AND c.superseded_by IS NULL AND a.for_period = ? ORDER BY c.period_ordinal
                    """, arguments: [plan, period])
            for r in rows { out[r[0], default: []].append((r[1], Money.parse(r[2]))) }
            return out
        }
    }

    /// The recorded carried state of a close: slot names, and per rep in
    /// its population the values.
    func recordedState(_ closeID: Int64) throws(LedgerProblem) -> RecordedPeriod {
        let (_, _, _, carriedJSON) = try planSource(closeID)
        let names = JSONText.strings(carriedJSON)
        return try read { db in
            var reps: [String: [Value]] = [:]
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT rep_id, state FROM payouts WHERE close_id = ? AND in_population = 1", arguments: [closeID])
            while let r = try cursor.next() {
                let data: Data = r[1]
                reps[r[0]] = ValueCodec.decode(data, count: names.count) ?? Array(repeating: .missing, count: names.count)
            }
            return RecordedPeriod(slotNames: names, reps: reps)
        }
    }

    func deals(_ closeID: Int64, reps: [String]) throws(LedgerProblem) -> [String: [DealLine]] {
        try read { db in
            var out: [String: [DealLine]] = [:]
            for rep in reps {
                if let data = try Data.fetchOne(db, sql: "SELECT deals FROM payouts WHERE close_id = ? AND rep_id = ?", arguments: [closeID, rep]) {
                    out[rep] = DataSnapshot.decode(data)
                }
            }
            return out
        }
    }
}

/// What a close recorded that later periods read.
public struct RecordedPeriod: Sendable {
    public var slotNames: [String]
    public var reps: [String: [Value]]
}

/// Small readers of the JSON the ledger writes itself.
enum JSONText {
    /// `["a","b"]` → [a, b] (strings as the ledger writes them).
    static func strings(_ text: String) -> [String] {
        guard let data = text.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else { return [] }
        return list.map { ($0 as? String) ?? "" }
    }

    static func objects(_ text: String) -> [[String: Any]] {
        guard let data = text.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list
    }
}
