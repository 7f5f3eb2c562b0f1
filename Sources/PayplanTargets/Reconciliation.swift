import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanSideFiles

/// One line of the gap report: a group in a period (or the year, when
/// `period` is nil), top-down target against the reps' own commitments.
public struct GapRow: Sendable {
    public var group: String
    public var period: Period?
    public var topDown: Exact
    public var bottomUp: Exact
    /// topDown − bottomUp: what the commitments leave uncovered (negative: they exceed the target).
    public var gap: Exact
    /// Reps with a positive target and no commitment in the period.
    public var missing: [String]
}

/// 汇总法: the reps' own numbers summed per group, against the top-down targets.
public struct GapReport: Sendable {
    public var file: String
    /// The grouping column: team or region.
    public var by: String
    /// Per group (code-point order): each period, then the year; then the company.
    public var rows: [GapRow]
}

public enum Reconciliation {
    public static let columns = [SideColumn("rep_id", .text), SideColumn("period", .period), SideColumn("revenue", .decimal)]

    /// Reads a commitments file (rep_id, period, revenue) and compares it with
    /// the decomposition; every problem of the file is reported.
    public static func reconcile(_ d: Decomposition, commitmentsFile path: String) -> (GapReport?, [Diagnostic]) {
        let (table, problems) = SideTableReader.read(path: path, columns: columns)
        guard let table else { return (nil, problems) }
        var diagnostics = problems
        let plan = d.checked.plan
        var targetReps: Set<String> = []
        for row in d.rows { targetReps.insert(row.repID) }
        var committed: [String: Exact] = [:]
        var firstLine: [String: Int] = [:]
        for row in table.rows {
            let id = row.values[0].text!
            let period = row.values[1].period!
            let amount = row.values[2].number!
            let here = table.location(row)
            guard targetReps.contains(id) else {
                diagnostics.append(
                    TargetsProblem.commitmentUnknownRep(rep: id, suggestion: Suggest.closest(to: id, among: targetReps.sorted()))
                        .diagnostic(at: here))
                continue
            }
            guard plan.periods.contains(period) else {
                diagnostics.append(
                    TargetsProblem.commitmentPeriod(period: period, year: plan.year.value, kind: plan.period.value).diagnostic(at: here))
                continue
            }
            let key = "\(id)\u{0}\(period)"
            if let first = firstLine[key] {
                diagnostics.append(TargetsProblem.commitmentDuplicate(rep: id, period: period, firstLine: first).diagnostic(at: here))
                continue
            }
            if amount.isNegative {
                diagnostics.append(TargetsProblem.commitmentNegative(rep: id, period: period).diagnostic(at: here))
                continue
            }
            firstLine[key] = row.line
            committed[key] = amount
        }
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        do {
            return (GapReport(file: path, by: d.checked.groupBy, rows: try rows(d, committed)), diagnostics)
        } catch {
            return (nil, diagnostics + [TargetsProblem.overflow(what: "a sum of commitments").diagnostic(at: nil, file: path)])
        }
    }

    static func rows(_ d: Decomposition, _ committed: [String: Exact]) throws(ArithmeticError) -> [GapRow] {
        var names: [String] = []
        for p in d.periods { for g in p.groups where !names.contains(g.name) { names.append(g.name) } }
        names.sort { CodePoint.less($0, $1) }
        var out: [GapRow] = []
        var company = GapRow(group: "", period: nil, topDown: .zero, bottomUp: .zero, gap: .zero, missing: [])
        for name in names {
            var year = GapRow(group: name, period: nil, topDown: .zero, bottomUp: .zero, gap: .zero, missing: [])
            for p in d.periods {
                guard let g = p.groups.first(where: { $0.name == name }) else { continue }
                var row = GapRow(group: name, period: p.period, topDown: g.share.value, bottomUp: .zero, gap: .zero, missing: [])
                for r in g.reps where r.activity.weight.isPositive {
                    if let c = committed["\(r.id)\u{0}\(p.period)"] {
                        row.bottomUp = try row.bottomUp + c
                    } else if r.share.value.isPositive {
                        row.missing.append(r.id)
                    }
                }
                row.gap = try row.topDown - row.bottomUp
                year.topDown = try year.topDown + row.topDown
                year.bottomUp = try year.bottomUp + row.bottomUp
                for m in row.missing where !year.missing.contains(m) { year.missing.append(m) }
                out.append(row)
            }
            year.gap = try year.topDown - year.bottomUp
            company.topDown = try company.topDown + year.topDown
            company.bottomUp = try company.bottomUp + year.bottomUp
            company.missing += year.missing
            out.append(year)
        }
        company.gap = try company.topDown - company.bottomUp
        out.append(company)
        return out
    }
}
