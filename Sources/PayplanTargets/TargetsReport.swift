import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// What `payplan targets` prints and writes.
public struct TargetsReport {
    public var decomposition: Decomposition

    public init(_ d: Decomposition) { decomposition = d }

    var plan: TargetPlan { decomposition.checked.plan }

    /// `rep_id,period,revenue`: the data contract's targets file, which
    /// `payplan run` reads unchanged. Rows in rep_id then period order.
    public func csv() -> String {
        var out = "rep_id,period,revenue\n"
        for row in decomposition.rows {
            out += "\(CSVText.quote(row.repID)),\(row.period),\(row.revenue.description)\n"
        }
        return out
    }

    func money(_ x: Exact) -> String { Formatting.amount(x) }

    /// The headline and a table of groups × periods.
    public func summary() -> String {
        let c = decomposition.checked
        let symbol = Formatter(rounding: Rounding(scale: 0, mode: .halfAwayFromZero, range: nil), currency: plan.currency).symbol
        var out = "\(plan.name.value): \(symbol)\(money(c.company)) for \(plan.year.value)"
        switch c.companySource {
        case .given: out += " (given)"
        case .growth(let base, let revenue, let growth, _):
            out += " (\(base) revenue \(money(revenue)) × (1 + \(Formatting.percent(growth))), in whole units)"
        }
        out += "; unit \(symbol)\(money(c.unit))\n"
        out += "by \(plan.period.value.rawValue) (\(basis(c.timeBasis))), by \(c.groupBy) (\(basis(c.groupBasis))), to reps (\(basis(c.repBasis)))"
        if let ramp = plan.reps.ramp {
            out += ", new hires at \(Formatting.percent(ramp.factor.value)) for \(ramp.months.value) months"
        }
        out += "\n\n"
        let periods = decomposition.periods
        var names: [String] = []
        for p in periods { for g in p.groups where !names.contains(g.name) { names.append(g.name) } }
        names.sort { CodePoint.less($0, $1) }
        let header = [c.groupBy, "reps"] + periods.map(\.period.description) + [String(plan.year.value)]
        var table = TextTable(header: header, rightAligned: header.indices.map { $0 > 0 })
        for name in names {
            var reps: Set<String> = []
            var cells: [String] = []
            var year = Exact.zero
            for p in periods {
                let g = p.groups.first { $0.name == name }
                for r in g?.reps ?? [] where r.activity.weight.isPositive { reps.insert(r.id) }
                let v = g?.share.value ?? .zero
                year = (try? year + v) ?? year
                cells.append(money(v))
            }
            table.rows.append([name, String(reps.count)] + cells + [money(year)])
        }
        let allReps = Set(decomposition.rows.map(\.repID)).count
        table.rows.append(["total", String(allReps)] + periods.map { money($0.share.value) } + [money(c.company)])
        return out + table.render()
    }

    func basis(_ b: WeightBasis) -> String {
        switch b {
        case .explicit: "weights given"
        case .revenue(let base): "share of \(base) revenue"
        case .headcount: "headcount"
        case .equal: "equal"
        }
    }

    /// The gap report of a reconciliation.
    public static func gaps(_ report: GapReport) -> String {
        let header = [report.by, "period", "top-down", "bottom-up", "gap", "gap %", "without a commitment"]
        var table = TextTable(header: header, rightAligned: [false, false, true, true, true, true, false])
        for row in report.rows {
            let percent = row.topDown.isZero ? "" : ((try? row.gap / row.topDown).map { Formatting.percent($0, places: 1) } ?? "")
            table.rows.append([
                row.group.isEmpty ? "total" : row.group, row.period?.description ?? "year", Formatting.amount(row.topDown),
                Formatting.amount(row.bottomUp), Formatting.amount(row.gap), percent,
                row.missing.count > 6
                    ? row.missing.prefix(6).joined(separator: " ") + " +\(row.missing.count - 6)" : row.missing.joined(separator: " "),
            ])
        }
        return "bottom-up reconciliation against \(report.file) (gap = top-down − bottom-up):\n" + table.render()
    }
}
