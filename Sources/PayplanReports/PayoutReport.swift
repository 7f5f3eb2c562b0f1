import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// The result of a run as rows and columns: one row per population rep, in
/// rep_id order (by code point), with the plan's output columns.
public struct PayoutReport: Sendable {
    public struct Column: Sendable {
        public var header: String
        public var type: ValueType
        public var decimals: Int?
    }

    public var planName: String
    public var planVersion: String?
    public var fingerprint: String
    public var period: Period
    public var currency: String
    public var columns: [Column]
    public var repIDs: [String]
    public var rows: [[Value]]
    public var summary: RunSummary
    let formatter: Formatter

    public init(result: EvaluationResult, fingerprint: String) {
        let plan = result.plan
        let state = result.current
        formatter = Formatter(plan: plan.plan)
        planName = plan.plan.name.value
        planVersion = plan.plan.version?.value
        self.fingerprint = fingerprint
        period = result.period
        currency = plan.plan.currency.value
        columns = plan.output.map { Column(header: $0.header, type: $0.type, decimals: $0.decimals) }
        repIDs = state.population.map { result.data.repIDs[$0] }
        rows = OutputEvaluator.rows(result)
        summary = RunSummary(result: result, fingerprint: fingerprint)
    }

    public func cell(_ row: Int, _ column: Int) -> String {
        formatter.plain(rows[row][column], type: columns[column].type, decimals: columns[column].decimals)
    }

    // MARK: - Writers

    /// RFC 4180 CSV. Text cells that a spreadsheet would run as a formula
    /// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get a
    /// leading `'` unless `raw`; numbers are never touched.
    public func csv(raw: Bool = false) -> String {
        // Rows are formatted in parallel (in blocks) into bytes, then joined in order.
        let blockSize = 4096
        let blocks = (rows.count + blockSize - 1) / blockSize
        let quoted = columns.map { $0.type.base == .text || $0.type.base == .date || $0.type.base == .bool }
        let texts = Parallel.map(blocks, threads: Parallel.processorCount, grain: 1) { b -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(blockSize * columns.count * 10)
            for r in (b * blockSize)..<min(rows.count, (b + 1) * blockSize) {
                for c in columns.indices {
                    if c > 0 { out.append(0x2C) }
                    if quoted[c], case .text(let t) = rows[r][c] {
                        out.append(contentsOf: CSVText.cell(t, raw: raw).utf8)
                    } else {
                        formatter.appendPlain(rows[r][c], type: columns[c].type, decimals: columns[c].decimals, to: &out)
                    }
                }
                out.append(0x0A)
            }
            return out
        }
        var bytes = Array((columns.map { CSVText.cell($0.header, raw: raw) }.joined(separator: ",") + "\n").utf8)
        for t in texts { bytes += t }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func json() -> String {
        var fields: [(String, JSON)] = [
            ("plan", .string(planName))
        ]
        if let planVersion { fields.append(("version", .string(planVersion))) }
        fields += [
            ("fingerprint", .string(fingerprint)),
            ("period", .string(period.description)),
            ("currency", .string(currency)),
        ]
        var rowsJSON: [JSON] = []
        for r in rows.indices {
            var obj: [(String, JSON)] = []
            for (c, column) in columns.enumerated() {
                let v = rows[r][c]
                let text = cell(r, c)
                switch v {
                case .missing: obj.append((column.header, .null))
                case .number: obj.append((column.header, .number(text)))
                case .bool(let b): obj.append((column.header, .bool(b)))
                default: obj.append((column.header, .string(text)))
                }
            }
            rowsJSON.append(.object(obj))
        }
        fields.append(("rows", .array(rowsJSON)))
        fields.append(("summary", summary.json(formatter)))
        return JSON.object(fields).pretty
    }

    /// An aligned terminal table; numbers right-aligned; CJK names take two columns.
    public func table() -> String {
        var table = TextTable(header: columns.map(\.header), rightAligned: columns.map { $0.type.base.isNumeric })
        table.rows = rows.indices.map { r in columns.indices.map { cell(r, $0) } }
        return table.render()
    }
}

public enum CSVText {
    /// A text cell: neutralised against formula injection (unless `raw`),
    /// then quoted as RFC 4180 needs.
    public static func cell(_ s: String, raw: Bool = false) -> String {
        quote(raw ? s : neutralised(s))
    }

    /// OWASP's advice against CSV injection: a text cell beginning with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
    /// spreadsheet shows it as text instead of running it. Only for text:
    /// a number (`-863.64`) is written as it is.
    public static func neutralised(_ s: String) -> String {
        guard let first = s.utf8.first else { return s }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return "'" + s
        default: return s
        }
    }

    /// RFC 4180: quote a field holding a comma, quote or line break.
    public static func quote(_ s: String) -> String {
        // Bytes, not Characters: grapheme breaking is needless and slow here.
        if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
        }
        return s
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}

/// What a run paid, printed on stderr after every run.
public struct RunSummary: Sendable {
    public var reps: Int
    public var totalPaid: Exact
    public var cutByCaps: Exact
    public var flags: [(String, Int)]
    public var skipped: [SkippedRep]
    public var fingerprint: String
    public var period: Period

    public init(result: EvaluationResult, fingerprint: String) {
        let plan = result.plan
        let state = result.current
        reps = state.population.count
        var paid = Exact.zero
        var cut = Exact.zero
        if let total = plan.symbolSlots[.total], let capped = plan.symbolSlots[.capped] {
            for rep in state.population {
                if let v = state.value(total, rep).number { paid = (try? paid + v) ?? paid }
                if let v = state.value(capped, rep).number { cut = (try? cut + v) ?? cut }
            }
        } else {
            for case .rule(let r) in plan.nodes where !r.isFlag {
                guard let slot = r.slots[0] else { continue }
                for rep in state.population {
                    if let v = state.value(slot, rep).number { paid = (try? paid + v) ?? paid }
                }
            }
        }
        totalPaid = paid
        cutByCaps = cut
        var flags: [(String, Int)] = []
        for case .rule(let r) in plan.nodes {
            guard let levels = plan.plan.rules[r.index].body.flagLevels, let slot = r.slots(.flag).first?.slot else { continue }
            for level in levels {
                let n = state.population.filter { state.value(slot, $0) == .text(level) }.count
                flags.append((level, n))
            }
        }
        self.flags = flags
        skipped = result.skipped
        self.fingerprint = fingerprint
        period = result.period
    }

    public func text(_ f: Formatter) -> String {
        var lines = [
            "period \(period): \(reps) reps, total paid \(f.money(totalPaid)), cut by caps \(f.money(cutByCaps))"
        ]
        if !flags.isEmpty {
            lines.append("flags: " + flags.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + " (flags call for a review, not a dismissal)")
        }
        if !skipped.isEmpty {
            lines.append(
                "skipped (--skip-invalid), not paid: " + skipped.map { "\($0.repID) (\($0.reasons.joined(separator: "; ")))" }.joined(separator: ", ")
            )
        }
        lines.append("plan fingerprint \(fingerprint)")
        // Rep ids and reasons come from the data: escaped for the terminal.
        return lines.map { TerminalText.escape($0) }.joined(separator: "\n") + "\n"
    }

    public func json(_ f: Formatter) -> JSON {
        .object([
            ("reps", .int(reps)),
            ("total_paid", .number(f.plain(.number(totalPaid), type: .money))),
            ("cut_by_caps", .number(f.plain(.number(cutByCaps), type: .money))),
            ("flags", .object(flags.map { ($0.0, .int($0.1)) })),
            ("skipped", .array(skipped.map { .object([("rep_id", .string($0.repID)), ("reasons", .array($0.reasons.map { .string($0) }))]) })),
        ])
    }
}
