import PayplanChecker
import PayplanCore
import PayplanLanguage

/// A piece of a formula with its values filled in:
/// `revenue ÷ target` becomes `1,234,567.00 ÷ 1,000,000.00`.
public enum Segment: Sendable {
    case text(String)
    case value(Value)
}

/// The one printer of compiled formulas. Two styles: `plan` reads like the
/// plan (names, `×`, the fewest parentheses) for explanations and
/// statements; `tree` shows what runs (slots `s12`, accumulators `acc#0`,
/// every operation parenthesised) for `check --tree`. It also fills a
/// formula with the values an evaluation recorded, for explanations.
public struct ExprPrinter: Sendable {
    public enum Style: Sendable { case plan, tree }

    public let plan: CompiledPlan
    public let style: Style

    public init(_ plan: CompiledPlan, style: Style = .plan) {
        self.plan = plan
        self.style = style
    }

    var arena: ExprArena { plan.arena }

    /// Binding strength, as the parser reads it: higher binds tighter.
    public func precedence(_ e: CExpr) -> Int {
        switch arena[e] {
        case .or: 1
        case .and: 2
        case .not: 3
        case .binary(let op, _, _, _):
            switch op {
            case .add, .subtract: 5
            case .multiply, .divide: 6
            default: 4
            }
        case .conditional: 0
        default: 9
        }
    }

    /// The formula as text.
    public func text(_ e: CExpr) -> String {
        segments(e, values: nil).map { s in
            if case .text(let t) = s { return t }
            return ""
        }.joined()
    }

    /// Every arena node's text, indexed like the arena (rendered once per run
    /// when explanations are on: the same text is quoted for every rep).
    public func all() -> [String] { (0..<arena.nodes.count).map { text(CExpr(index: Int32($0))) } }

    /// The formula with the values in `values` (arena index → value, as an
    /// evaluation recorded them) in place of names; branches not taken are
    /// left out, as an evaluation skips them. `values` nil: names only.
    public func segments(_ e: CExpr, values: [Int32: Value]?) -> [Segment] {
        if let values, let leaf = leafValue(e, values) { return [.value(leaf)] }
        switch arena[e] {
        case .negate(let x, _): return style == .tree ? [.text("-(")] + segments(x, values: values) + [.text(")")] : wrap(x, 7, values, prefix: "-")
        case .not(let x): return style == .tree ? [.text("not (")] + segments(x, values: values) + [.text(")")] : wrap(x, 3, values, prefix: "not ")
        case .binary(let op, let a, let b, _): return infix(e, a, b, style == .tree ? op.rawValue : op.display, values, strict: true)
        case .and(let a, let b): return shortCircuit(e, a, b, "and", stopsOn: false, values)
        case .or(let a, let b): return shortCircuit(e, a, b, "or", stopsOn: true, values)
        case .conditional(let a, let b, let d):
            if let values, case .bool(let taken)? = values[a.index] { return segments(taken ? b : d, values: values) }
            let text: [Segment] =
                [.text("if ")] + segments(a, values: nil) + [.text(" then ")] + segments(b, values: nil) + [.text(" else ")]
                + segments(d, values: nil)
            return style == .tree ? [.text("(")] + text + [.text(")")] : text
        case .coalesce(let a, let b):
            if let values, let v = values[a.index] { return v.isMissing ? segments(b, values: values) : segments(a, values: values) }
            return call("coalesce", [a, b], values)
        case .function(let f, let first, let count, _): return call(f.rawValue, arena.arguments(first, count), values)
        case .shape(let i, let first, let count): return call(plan.shapes[i].name, arena.arguments(first, count), values)
        case .groupAggregate(let k, let x):
            let inner: [Segment] =
                [.text(style == .tree ? "\(k.rawValue) over members(" : "\(k.rawValue)(")] + segments(x, values: nil) + [.text(")")]
            if let values, let v = values[e.index] { return inner + [.text(" = "), .value(v)] }
            return inner
        default: return [.text(leafName(e))]
        }
    }

    /// The recorded value of a leaf (a name, a constant, an aggregate).
    func leafValue(_ e: CExpr, _ values: [Int32: Value]) -> Value? {
        switch arena[e] {
        case .constant, .slot, .local, .repColumn, .targetColumn, .period, .activeDays, .aggregate, .reach, .previous, .yearToDate, .groupMembers,
            .groupScore, .groupKey, .groupPot, .population:
            return values[e.index]
        default: return nil
        }
    }

    func leafName(_ e: CExpr) -> String {
        let tree = style == .tree
        switch arena[e] {
        case .constant(let k):
            let v = arena.constants[Int(k)]
            if case .text(let s) = v { return "\"\(s)\"" }
            return v.description
        case .slot(let s), .local(let s, _): return tree ? "s\(s)" : plan.slots[s].name
        case .repColumn(let k): return "rep." + plan.plan.data.reps.columns[k].name
        case .targetColumn(let k): return "target." + plan.plan.data.targets.columns[k].name
        case .period(let f): return "period.\(f.rawValue)"
        case .activeDays: return "active_days"
        case .aggregate(let a): return tree ? "acc#\(a)" : plan.scan.accumulators[a].description
        case .reach(let l, let date, let t):
            return "\(date ? "reach_date" : "reach_deal")(\(tree ? "list#\(l)" : plan.scan.lists[l].description), \(text(t)))"
        case .previous(let s, let f): return "previous(\(tree ? "s\(s)" : plan.slots[s].name)\(f.map { ", " + text($0) } ?? ""))"
        case .yearToDate(let s): return "ytd(\(tree ? "s\(s)" : plan.slots[s].name))"
        case .groupMembers: return "members"
        case .groupScore: return "score"
        case .groupKey: return "group"
        case .groupPot: return "pot"
        case .population(let i, let s): return tree ? "s\(s)" : plan.populations[i].description
        default: return ""
        }
    }

    func wrap(_ x: CExpr, _ parent: Int, _ values: [Int32: Value]?, prefix: String) -> [Segment] {
        let inner = segments(x, values: values)
        let shown = prefix == "-" && values != nil ? "−" : prefix
        return [.text(shown)] + (precedence(x) < parent ? [.text("(")] + inner + [.text(")")] : inner)
    }

    func parenthesised(_ child: CExpr, _ parent: Int, _ values: [Int32: Value]?, right: Bool) -> [Segment] {
        let inner = segments(child, values: values)
        let p = precedence(child)
        if p < parent || (right && p == parent && parent >= 5) { return [.text("(")] + inner + [.text(")")] }
        return inner
    }

    func infix(_ e: CExpr, _ a: CExpr, _ b: CExpr, _ op: String, _ values: [Int32: Value]?, strict: Bool) -> [Segment] {
        if style == .tree { return [.text("(")] + segments(a, values: values) + [.text(" \(op) ")] + segments(b, values: values) + [.text(")")] }
        let p = precedence(e)
        return parenthesised(a, p, values, right: false) + [.text(" \(op) ")] + parenthesised(b, p, values, right: strict)
    }

    /// `a and b` stops at a false `a`, `a or b` at a true one: then only `a` was evaluated.
    func shortCircuit(_ e: CExpr, _ a: CExpr, _ b: CExpr, _ op: String, stopsOn: Bool, _ values: [Int32: Value]?) -> [Segment] {
        if let values, case .bool(let first)? = values[a.index], first == stopsOn { return segments(a, values: values) }
        if style == .tree { return [.text("(")] + segments(a, values: values) + [.text(" \(op) ")] + segments(b, values: values) + [.text(")")] }
        let p = precedence(e)
        return parenthesised(a, p, values, right: false) + [.text(" \(op) ")] + parenthesised(b, p, values, right: false)
    }

    func call(_ name: String, _ args: [CExpr], _ values: [Int32: Value]?) -> [Segment] {
        var out: [Segment] = [.text("\(name)(")]
        for (k, a) in args.enumerated() {
            if k > 0 { out.append(.text(", ")) }
            out += segments(a, values: values)
        }
        return out + [.text(")")]
    }
}
