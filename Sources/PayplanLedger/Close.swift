import Foundation
import GRDB
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanReports

/// Who closes what, with which plan and data.
public struct CloseRequest: Sendable {
    public var planFile: String
    public var planSource: String
    public var canonical: String
    public var fingerprint: String
    public var dataDirectory: String
    public var period: Period
    public var by: String
    public var note: String
    public var payplanVersion: String
    /// Record every rep's explanation (JSON Lines, deflated).
    public var traces: Bool
    public var threads: Int
    /// The moment of the close (ISO 8601, UTC); the caller's clock.
    public var at: String

    public init(
        planFile: String, planSource: String, canonical: String, fingerprint: String, dataDirectory: String, period: Period, by: String,
        note: String, payplanVersion: String, traces: Bool, threads: Int, at: String
    ) {
        self.planFile = planFile
        self.planSource = planSource
        self.canonical = canonical
        self.fingerprint = fingerprint
        self.dataDirectory = dataDirectory
        self.period = period
        self.by = by
        self.note = note
        self.payplanVersion = payplanVersion
        self.traces = traces
        self.threads = threads
        self.at = at
    }
}

public struct CloseOutcome: Sendable {
    public var closeID: Int64
    public var version: Int
    public var repCount: Int
    public var totalPaid: Exact
    public var adjustmentsPaid: Exact
    public var traceBytes: Int
    /// The audit chain's head after this close: keep it elsewhere (payroll
    /// records) to make any later rewrite of the ledger visible.
    public var chainHash: String
}

public enum LedgerClose {
    /// Whether `period` may be closed now: not closed yet, and the next one
    /// after the latest closed (any period for a ledger's first).
    static func orderProblem(_ closes: [CloseInfo], plan: String, period: Period) -> LedgerProblem? {
        if let c = closes.first(where: { $0.period == period.description }) {
            return .alreadyClosed(plan: plan, period: c.period, by: c.closedBy, at: c.closedAt)
        }
        guard let first = closes.first, let last = closes.last else { return nil }
        if let kind = Period(first.period)?.kind, kind != period.kind {
            return .wrongKind(plan: plan, period: period.description, kind: kind.rawValue)
        }
        if period.ordinal < first.periodOrdinal { return .beforeFirst(plan: plan, period: period.description, first: first.period) }
        if period.ordinal != last.periodOrdinal + 1 {
            return .previousNotClosed(plan: plan, period: period.description, previous: period.previous.description, first: first.period)
        }
        return nil
    }

    /// Checked before the run, so a refused close costs nothing.
    public static func checkOrder(_ store: LedgerStore, plan: String, period: Period) throws(LedgerProblem) {
        if let p = orderProblem(try store.inForce(plan: plan), plan: plan, period: period) { throw p }
    }

    /// Records a run in ONE transaction (the write lock first, the order
    /// checked again under it): the plan, the files' hashes, every rep's
    /// line, the adjustments paid, the traces, and the audit event chained
    /// to the previous one. A crash at any moment leaves all of it or none.
    public static func record(
        _ store: LedgerStore, _ request: CloseRequest, result: EvaluationResult, report: PayoutReport, adjustments: [PriorAdjustment],
        renderer: ExplanationRenderer?
    ) throws -> CloseOutcome {
        let plan = result.plan
        let planName = plan.plan.name.value
        let formatter = Formatter(plan: plan.plan)
        let populationIDs = result.current.population.map { result.data.repIDs[$0] }
        let timer = PhaseTimer.shared
        let (files, dealBytes) = DataSnapshot.take(
            directory: request.dataDirectory, plan: plan.plan, period: request.period, reps: populationIDs)
        var deals: [String: [UInt8]] = [:]
        deals.reserveCapacity(populationIDs.count)
        for (id, bytes) in zip(populationIDs, dealBytes) { deals[id] = bytes }
        timer.mark("ledger: data files hashed, deal lines read")
        let records = Records.build(result: result, report: report, adjustments: adjustments, deals: deals, formatter: formatter)
        timer.mark("ledger: records built")
        let columns = Records.columns(report)
        let total = Money.sum(records.map { Money.parse($0.total) })
        let adjusted = Money.sum(adjustments.map(\.amount))
        let shape = PlanShape(plan)
        let skipped = JSON.object(result.skipped.map { ($0.repID, .array($0.reasons.map { .string($0) })) }).compact
        var header = CloseHeader(
            plan: planName, period: request.period.description, version: 1, request: request, skipped: skipped, currency: plan.plan.currency.value,
            columns: JSON.array(columns.map(\.json)).compact, carried: JSON.array(shape.carried.map { .string($0.name) }).compact,
            components: JSON.array(shape.components.map { .string($0.name) }).compact, repCount: populationIDs.count,
            totalPaid: Money.plain(total, formatter), adjustmentsPaid: Money.plain(adjusted, formatter))
        var traceBytes = 0
        let outcome: CloseOutcome = try store.write { db in
            // Under the write lock: another close may have won the race.
            let closes = try Row.fetchAll(
                db, sql: "SELECT \(CloseInfo.columns) FROM closes WHERE plan = ? AND superseded_by IS NULL ORDER BY period_ordinal",
                arguments: [planName]
            ).map(CloseInfo.init)
            if let p = orderProblem(closes, plan: planName, period: request.period) { throw p }
            header.version =
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM closes WHERE plan = ? AND period = ?", arguments: [planName, header.period]) ?? 0)
                + 1
            let closeID = try header.insert(db)
            var content = header.hasher()
            for f in files {
                try db.execute(
                    sql: "INSERT INTO data_files (close_id, file, bytes, sha256) VALUES (?, ?, ?, ?)",
                    arguments: [closeID, f.file, f.bytes, f.sha256])
                content.add(f.file)
                content.add(f.sha256)
            }
            try Records.insert(db, closeID, records, into: &content)
            try Records.insert(db, closeID, adjustments, formatter, into: &content)
            timer.mark("ledger: rows inserted")
            if request.traces, let renderer {
                traceBytes = try Records.insertTraces(db, closeID, result, renderer, request, into: &content)
                timer.mark("ledger: traces rendered, deflated, inserted")
            }
            let contentHash = content.finish()
            try db.execute(sql: "UPDATE closes SET content_hash = ? WHERE id = ?", arguments: [contentHash, closeID])
            let chain = try Chain.append(
                db, action: "close", plan: planName, period: header.period, closeID: closeID, by: request.by, at: request.at, reason: request.note,
                contentHash: contentHash)
            timer.mark("ledger: audit chain")
            return CloseOutcome(
                closeID: closeID, version: header.version, repCount: header.repCount, totalPaid: total, adjustmentsPaid: adjusted,
                traceBytes: 0, chainHash: chain)
        }
        timer.mark("ledger: committed")
        var done = outcome
        done.traceBytes = traceBytes
        return done
    }
}

/// The closes row.
struct CloseHeader {
    var plan: String
    var period: String
    var version: Int
    var request: CloseRequest
    /// Reps left out with --skip-invalid, and why (JSON object).
    var skipped: String
    var currency: String
    var columns: String
    var carried: String
    var components: String
    var repCount: Int
    var totalPaid: String
    var adjustmentsPaid: String

    func insert(_ db: Database) throws -> Int64 {
        let p = request.period
        try db.execute(
            sql: """
                INSERT INTO closes (plan, period, period_kind, period_ordinal, version, plan_file, plan_source, canonical, fingerprint,
                    data_dir, closed_by, closed_at, payplan_version, note, skipped, currency, columns, carried, components, rep_count, total_paid,
                    adjustments_paid, content_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')
                """,
            arguments: [
                plan, period, p.kind.rawValue, p.ordinal, version, request.planFile, request.planSource, request.canonical, request.fingerprint,
                request.dataDirectory, request.by, request.at, request.payplanVersion, request.note, skipped, currency, columns, carried,
                components, repCount, totalPaid, adjustmentsPaid,
            ])
        return db.lastInsertedRowID
    }

    /// The content hash starts with every field of the header.
    func hasher() -> FieldHasher {
        CloseHeader.hasher(
            [
                plan, period, String(version), request.planFile, request.planSource, request.canonical, request.fingerprint, request.dataDirectory,
                request.by, request.at, request.payplanVersion, request.note, skipped, currency, columns, carried, components, String(repCount),
                totalPaid, adjustmentsPaid,
            ])
    }

    static func hasher(_ fields: [String]) -> FieldHasher {
        var h = FieldHasher()
        for f in fields { h.add(f) }
        return h
    }

    static let hashedColumns = [
        "plan", "period", "version", "plan_file", "plan_source", "canonical", "fingerprint", "data_dir", "closed_by", "closed_at",
        "payplan_version", "note", "skipped", "currency", "columns", "carried", "components", "rep_count", "total_paid", "adjustments_paid",
    ]
}

/// The audit trail as a hash chain: each event's hash covers the previous
/// event's hash and the event's fields, including the close's content hash.
enum Chain {
    static let genesis = String(repeating: "0", count: 64)

    static func hash(
        prev: String, action: String, plan: String, period: String, closeID: Int64, by: String, at: String, reason: String, contentHash: String
    ) -> String {
        var h = FieldHasher()
        for f in [prev, action, plan, period, String(closeID), by, at, reason, contentHash] { h.add(f) }
        return h.finish()
    }

    static func append(
        _ db: Database, action: String, plan: String, period: String, closeID: Int64, by: String, at: String, reason: String, contentHash: String
    ) throws -> String {
        let prev = try String.fetchOne(db, sql: "SELECT hash FROM events ORDER BY id DESC LIMIT 1") ?? genesis
        let hash = Chain.hash(
            prev: prev, action: action, plan: plan, period: period, closeID: closeID, by: by, at: at, reason: reason, contentHash: contentHash)
        try db.execute(
            sql: """
                INSERT INTO events (action, plan, period, close_id, by, at, reason, content_hash, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [action, plan, period, closeID, by, at, reason, contentHash, prev, hash])
        return hash
    }
}
