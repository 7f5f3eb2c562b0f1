import PayplanCore
import PayplanData
import PayplanLanguage
import PayplanSideFiles

/// The six success factors of sales execution, per rep, from the data
/// folder's `opportunities.csv` (a CRM export).
public enum OpportunityFactor: String, Sendable, CaseIterable {
    case leads
    case opportunities
    case winRate = "win_rate"
    case salesCycleDays = "sales_cycle_days"
    case averageDealSize = "average_deal_size"
    case collectionRate = "collection_rate"

    var type: SideColumnType {
        switch self {
        case .leads, .opportunities: .count
        default: .decimal
        }
    }

    /// The allowed range, as words, and the test.
    var range: (String, (Exact) -> Bool) {
        switch self {
        case .winRate: ("0 to 1", { !$0.isNegative && $0 <= .one })
        default: ("0 or more", { !$0.isNegative })
        }
    }

    public var isMoney: Bool { self == .averageDealSize }
    public var isRatio: Bool { self == .winRate || self == .collectionRate }

    public func label(_ zh: Bool) -> String {
        switch self {
        case .leads: zh ? "线索数" : "leads"
        case .opportunities: zh ? "商机数" : "opportunities"
        case .winRate: zh ? "赢单率" : "win rate"
        case .salesCycleDays: zh ? "销售周期（天）" : "sales cycle (days)"
        case .averageDealSize: zh ? "平均单笔金额" : "average deal size"
        case .collectionRate: zh ? "回款率" : "collection rate"
        }
    }
}

/// One rep's factors (nil where the file leaves a value blank), and the
/// median of its team beside each.
public struct OpportunityRow: Sendable {
    public var values: [OpportunityFactor: Exact]
    public var teamMedians: [OpportunityFactor: Exact]
}

public struct Opportunities: Sendable {
    public var file: String
    /// By rep index (population reps of the period with a row).
    public var reps: [Int: OpportunityRow]
    /// By team: the median of the team's reps with a value.
    public var teamMedians: [String: [OpportunityFactor: Exact]]
}

public enum OpportunityReader {
    public static let fileName = "opportunities.csv"

    public static var columns: [SideColumn] {
        [SideColumn("rep_id", .text), SideColumn("period", .period)]
            + OpportunityFactor.allCases.map { SideColumn($0.rawValue, $0.type, optional: true) }
    }

    /// Reads `opportunities.csv` from the data folder, when there is one:
    /// the rows of `period` for the reps of `reps` (index → team).
    public static func read(directory: String, data: DataSet, period: Period, teams: [Int: String]) -> (Opportunities?, [Diagnostic]) {
        let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
        guard FileReader.exists(path) else { return (nil, []) }
        let (table, problems) = SideTableReader.read(path: path, columns: columns)
        guard let table else { return (nil, problems) }
        var diagnostics = problems
        var values: [Int: [OpportunityFactor: Exact]] = [:]
        var firstLine: [Int: Int] = [:]
        for row in table.rows {
            let id = row.values[0].text!
            let here = table.location(row)
            guard let rep = data.repIndex(id) else {
                let suggestion = Suggest.closest(to: id, among: data.repIDs)
                diagnostics.append(ProgressProblem.opportunityUnknownRep(rep: id, suggestion: suggestion).diagnostic(at: here))
                continue
            }
            guard row.values[1].period! == period else { continue }
            if let first = firstLine[rep] {
                diagnostics.append(ProgressProblem.opportunityDuplicate(rep: id, period: period, firstLine: first).diagnostic(at: here))
                continue
            }
            firstLine[rep] = row.line
            var factors: [OpportunityFactor: Exact] = [:]
            for (k, f) in OpportunityFactor.allCases.enumerated() {
                guard let v = row.values[k + 2].number else { continue }
                let (allowed, ok) = f.range
                if !ok(v) {
                    diagnostics.append(
                        ProgressProblem.opportunityRange(column: f.rawValue, value: v.description, allowed: allowed).diagnostic(at: here))
                }
                factors[f] = v
            }
            values[rep] = factors
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (build(path, values, teams), diagnostics)
    }

    static func build(_ path: String, _ values: [Int: [OpportunityFactor: Exact]], _ teams: [Int: String]) -> Opportunities {
        var byTeam: [String: [OpportunityFactor: [Exact]]] = [:]
        for (rep, factors) in values {
            guard let team = teams[rep] else { continue }
            for (f, v) in factors { byTeam[team, default: [:]][f, default: []].append(v) }
        }
        var medians: [String: [OpportunityFactor: Exact]] = [:]
        for (team, lists) in byTeam { for (f, list) in lists { medians[team, default: [:]][f] = median(list) } }
        var reps: [Int: OpportunityRow] = [:]
        for (rep, factors) in values {
            guard let team = teams[rep] else { continue }
            reps[rep] = OpportunityRow(values: factors, teamMedians: medians[team] ?? [:])
        }
        return Opportunities(file: path, reps: reps, teamMedians: medians)
    }

    /// The middle value; for an even count, the mean of the two middle values (exact).
    public static func median(_ list: [Exact]) -> Exact {
        let sorted = list.sorted()
        guard !sorted.isEmpty else { return .zero }
        let mid = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[mid] }
        return (try? (sorted[mid - 1] + sorted[mid]) / Exact(2)) ?? sorted[mid]
    }
}
