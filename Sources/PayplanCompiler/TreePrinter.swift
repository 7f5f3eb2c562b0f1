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
        out.append("population: \(plan.populationWhen.map { render($0, plan) } ?? "active_days > 0")")
        for (_, source, _) in plan.populationRequire { out.append("  require \(source) (else: a data error in the run period)") }
        out.append("nodes, in evaluation order:")
        var stage = 0
        var lastPerRep: Bool?
        for node in plan.nodes {
            let perRep: Bool
            switch node {
            case .metric, .total: perRep = true
            case .rule(let r): perRep = !r.isGroupStage
            }
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
            }
        }
        out.append("output: " + plan.output.map { "\($0.header)=\(render($0.expr, plan))" }.joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    public static func render(_ e: CExpr, _ plan: CompiledPlan) -> String {
        let a = plan.arena
        func r(_ x: CExpr) -> String { render(x, plan) }
        func list(_ first: Int32, _ count: Int32) -> String { a.arguments(first, count).map(r).joined(separator: ", ") }
        switch a[e] {
        case .constant(let k):
            let v = a.constants[Int(k)]
            if case .text(let s) = v { return "\"\(s)\"" }
            return v.description
        case .slot(let s): return "s\(s)"
        case .repColumn(let k): return "rep.\(plan.plan.data.reps.columns[k].name)"
        case .targetColumn(let k): return "target.\(plan.plan.data.targets.columns[k].name)"
        case .period(let f): return "period.\(f.rawValue)"
        case .activeDays: return "active_days"
        case .aggregate(let i): return "acc#\(i)"
        case .reach(let l, let d, let t): return "\(d ? "reach_date" : "reach_deal")(list#\(l), \(r(t)))"
        case .negate(let x, _): return "-(\(r(x)))"
        case .not(let x): return "not (\(r(x)))"
        case .binary(let op, let x, let y, _): return "(\(r(x)) \(op.rawValue) \(r(y)))"
        case .and(let x, let y): return "(\(r(x)) and \(r(y)))"
        case .or(let x, let y): return "(\(r(x)) or \(r(y)))"
        case .conditional(let x, let y, let z): return "(if \(r(x)) then \(r(y)) else \(r(z)))"
        case .function(let f, let first, let count, _): return "\(f.rawValue)(\(list(first, count)))"
        case .coalesce(let x, let y): return "coalesce(\(r(x)), \(r(y)))"
        case .shape(let i, let first, let count): return "\(plan.shapes[i].name)(\(list(first, count)))"
        case .previous(let s, let f): return "previous(s\(s)\(f.map { ", " + r($0) } ?? ""))"
        case .yearToDate(let s): return "ytd(s\(s))"
        case .groupAggregate(let k, let x): return "\(k.rawValue) over members(\(r(x)))"
        case .groupMembers: return "members"
        case .groupScore: return "score"
        case .groupKey: return "group"
        }
    }
}
