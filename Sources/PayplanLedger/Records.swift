import Foundation
import GRDB
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanReports

/// Turns a run into the rows a close records, and writes them.
enum Records {
    static func columns(_ report: PayoutReport) -> [ColumnInfo] {
        report.columns.map { ColumnInfo(header: $0.header, type: $0.type.base.rawValue, decimals: $0.decimals, numeric: $0.type.base.isNumeric) }
    }

    /// One record per row of the (adjusted) report, built in parallel.
    static func build(
        result: EvaluationResult, report: PayoutReport, adjustments: [PriorAdjustment], deals: [String: [UInt8]], formatter: Formatter
    ) -> [PayoutRecord] {
        let shape = PlanShape(result.plan)
        let state = result.current
        let data = result.data
        var adjusted: [String: Exact] = [:]
        for a in adjustments { adjusted[a.repID] = (try? (adjusted[a.repID] ?? .zero) + a.amount) ?? adjusted[a.repID] }
        let money = ValueType.money
        return Parallel.map(report.repIDs.count, threads: Parallel.processorCount, grain: 1024) { r in
            let id = report.repIDs[r]
            let cells = report.columns.indices.map { report.cell(r, $0) }
            let adjustment = formatter.plain(.number(adjusted[id] ?? .zero), type: money)
            guard let rep = data.repIndex(id), state.inPopulation[rep] else {
                return PayoutRecord(
                    repID: id, inPopulation: false, total: formatter.plain(.number(.zero), type: money), adjustment: adjustment, cells: cells,
                    components: [], flags: [], state: [], deals: [])
            }
            return PayoutRecord(
                repID: id, inPopulation: true, total: formatter.plain(.number(shape.total(state, rep)), type: money), adjustment: adjustment,
                cells: cells, components: shape.components.map { formatter.plain(state.value($0.slot, rep), type: money) },
                flags: shape.flags.map { ($0.name, state.value($0.slot, rep).description) },
                state: ValueCodec.encode(shape.carried.map { state.value($0.slot, rep) }), deals: deals[id] ?? [])
        }
    }

    static func insert(_ db: Database, _ closeID: Int64, _ records: [PayoutRecord], into content: inout FieldHasher) throws {
        let hashes = Parallel.map(records.count, threads: Parallel.processorCount, grain: 1024) { records[$0].hash() }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO payouts (close_id, rep_id, in_population, total, adjustment, cells, components, flags, state, deals, row_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (r, hash) in zip(records, hashes) {
            try statement.execute(arguments: [
                closeID, r.repID, r.inPopulation ? 1 : 0, r.total, r.adjustment, r.cellsJSON, r.componentsJSON, r.flagsJSON, Data(r.state),
                Data(r.deals), hash,
            ])
            content.add(hash)
        }
    }

    static func adjustmentHash(_ repID: String, _ a: [String]) -> String {
        var h = FieldHasher()
        h.add(repID)
        for f in a { h.add(f) }
        return h.finish()
    }

    static func insert(
        _ db: Database, _ closeID: Int64, _ adjustments: [PriorAdjustment], _ f: Formatter, into content: inout FieldHasher
    ) throws {
        for a in adjustments {
            let fields = [
                a.period, String(a.forCloseID), Money.plain(a.paidBefore, f), Money.plain(a.recomputed, f), Money.plain(a.amount, f),
                a.sentence(.en, f), a.sentence(.zh, f),
            ]
            let hash = adjustmentHash(a.repID, fields)
            try db.execute(
                sql: """
                    INSERT INTO adjustments (close_id, rep_id, for_period, for_close_id, paid_before, recomputed, amount, cause_en, cause_zh, row_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [closeID, a.repID] + StatementArguments(fields) + [hash])
            content.add(hash)
        }
    }

    /// Every rep's explanation as the JSON Lines of `run --explain`,
    /// deflated in blocks of 512 reps (rendered and packed in parallel).
    static func insertTraces(
        _ db: Database, _ closeID: Int64, _ result: EvaluationResult, _ renderer: ExplanationRenderer, _ request: CloseRequest,
        into content: inout FieldHasher
    ) throws -> Int {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO traces (close_id, block, reps, bytes, format, data, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)")
        var block = 0
        var stored = 0
        let fingerprint = request.fingerprint
        try result.traceBlocks(
            result.current.population, threads: request.threads, blockSize: 512,
            { traces -> (Int, Int, Data, String) in
                let bytes = renderer.jsonLines(traces, fingerprint: fingerprint)
                if let packed = Deflate.compress(bytes) { return (traces.count, bytes.count, packed, "jsonl+deflate") }
                return (traces.count, bytes.count, Data(bytes), "jsonl")
            },
            consume: { (reps, bytes, data, format) in
                let sha = Hex.sha256(data)
                try statement.execute(arguments: [closeID, block, reps, bytes, format, data, sha])
                content.add(sha)
                block += 1
                stored += data.count
            })
        return stored
    }
}

/// The `adjustment` column: added before `total` (into it), or last when
/// the plan prints no `total` column.
public enum AdjustedReport {
    public static func apply(_ report: inout PayoutReport, _ adjustments: [PriorAdjustment], data: DataSet) {
        var sums: [String: Exact] = [:]
        for a in adjustments { sums[a.repID] = (try? (sums[a.repID] ?? .zero) + a.amount) ?? sums[a.repID] }
        let totalColumn = report.columns.firstIndex { $0.header == "total" }
        var column = report.columns[totalColumn ?? 0]
        column.header = "adjustment"
        column.type = .money
        column.decimals = nil
        let at = totalColumn ?? report.columns.count
        report.columns.insert(column, at: at)
        let totalAt = totalColumn.map { $0 + 1 }
        for r in report.rows.indices {
            let amount = sums[report.repIDs[r]] ?? .zero
            report.rows[r].insert(.number(amount), at: at)
            if let totalAt, case .number(let t) = report.rows[r][totalAt], let sum = try? t + amount { report.rows[r][totalAt] = .number(sum) }
        }
        // Reps owed an adjustment but not paid in this period: a row of their own.
        let present = Set(report.repIDs)
        for id in sums.keys.filter({ !present.contains($0) }) {
            var row = [Value](repeating: .missing, count: report.columns.count)
            for (c, col) in report.columns.enumerated() {
                if col.header == "rep_id" { row[c] = .text(id) }
                if let rep = data.repIndex(id), ["name", "team", "region"].contains(col.header), let k = data.reps.columnIndex(col.header) {
                    row[c] = .text(data.reps.text(k, rep))
                }
            }
            row[at] = .number(sums[id]!)
            if let totalAt { row[totalAt] = .number(sums[id]!) }
            let position = report.repIDs.firstIndex { CodePoint.less(id, $0) } ?? report.repIDs.count
            report.repIDs.insert(id, at: position)
            report.rows.insert(row, at: position)
        }
        report.summary.totalPaid = (try? report.summary.totalPaid + Money.sum(Array(sums.values))) ?? report.summary.totalPaid
    }
}
