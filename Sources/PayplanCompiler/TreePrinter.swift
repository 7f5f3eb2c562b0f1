import PayplanChecker
import PayplanCore
import PayplanLanguage

/// Prints the evaluation tree for `payplan check --tree`: the transaction
/// scan, then every node in the order `run` executes it, with slot numbers,
/// folded constants and the stage each node belongs to.
public enum TreePrinter {
    public static func text(_ plan: CompiledPlan) -> String {
        var out: [String] = []
        let scan = plan.scan
        out.append("scan \(plan.plan.data.transactions.file): one pass, aggregated per rep and period as read")
        for (i, f) in scan.filters.enumerated() {
            let how = f.expr.dependsOnlyOnProductAndPeriod ? "tabulated per product and period" : "evaluated per row"
            out.append("  filter#\(i) \(f.name)   [\(how)]")
        }
        for (i, a) in scan.accumulators.enumerated() {
            out.append("  acc#\(i) \(a.description)")
        }
        for (i, l) in scan.lists.enumerated() {
            out.append("  list#\(i) (date, deal_id, \(l.description)) kept per rep, ordered by (date, deal_id)")
        }
        out += generatedTiers(plan)
        out.append("population: \(plan.populationWhen.map { render($0, plan) } ?? "active_days > 0")")
        for (_, source, _) in plan.populationRequire { out.append("  require \(source) (else: a data error in the run period)") }
        out.append("nodes, in evaluation order:")
        var stage = 0
        var lastPerRep: Bool?
        for node in plan.nodes {
            let perRep = node.isPerRep
            if perRep != lastPerRep || !perRep {
                stage += 1
                out.append("  stage \(stage): \(perRep ? "per rep, in parallel" : "group stage (needs every rep)")")
                lastPerRep = perRep
            }
            switch node {
            case .metric(_, let slot, let expr):
                out.append("    s\(slot) \(plan.slots[slot].name) : \(plan.slots[slot].type.base.rawValue) = \(render(expr, plan))")
            case .rule(let r):
                let outputs = r.slots.values.sorted().map { "s\($0) \(plan.slots[$0].name)" }
                out.append("    rule \(r.name) (\(r.kindName)) → \(outputs.joined(separator: ", "))")
                for line in r.body.treeLines({ render($0, plan) }, plan) { out.append("      " + line) }
                if let rounding = r.rounding { out.append("      round to \(rounding.scale) places, \(rounding.mode.rawValue)") }
            case .total(let t):
                out.append(
                    "    s\(t.totalSlot) total = round(min(\(t.components.map(\.name).joined(separator: " + ")), \(t.cap.map { render($0, plan) } ?? "no cap")))"
                )
                out.append("    s\(t.cappedSlot) capped = sum of components − total")
            case .population(let p):
                let over = p.group.map { "each group of \(render($0, plan))" } ?? "the whole population"
                out.append("    s\(p.slot) \(p.description) : \(plan.slots[p.slot].type.base.rawValue) = once per period over \(over)")
                if let v = p.value { out.append("      value \(render(v, plan))") }
                if let f = p.filter { out.append("      members where \(render(f, plan))") }
            }
        }
        out.append("output: " + plan.output.map { "\($0.header)=\(render($0.expr, plan))" }.joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    /// The rows of tier tables generated from patterns, as they will rate.
    static func generatedTiers(_ plan: CompiledPlan) -> [String] {
        var out: [String] = []
        for shape in plan.shapes where shape.generated {
            guard case .tiers(let t, let rates, _) = shape.kind else { continue }
            out.append("shape \(shape.name): \(t.method.value.rawValue) tiers, generated from a pattern")
            for (i, row) in t.rows.enumerated() {
                let to = row.to.map { "\($0.value)" } ?? (i + 1 < t.rows.count ? "\(t.rows[i + 1].from.value)" : "∞")
                let pay = rates[i]?.constantValue.map { "rate \($0)" } ?? row.amount.map { "amount \($0)" } ?? "-"
                out.append("  tier \(i + 1): \(row.from.value) to \(to), \(pay)")
            }
        }
        return out
    }

    public static func render(_ e: CExpr, _ plan: CompiledPlan) -> String { ExprPrinter(plan, style: .tree).text(e) }
}
