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
        var out: [Segment] = []
        append(e, values: nil, to: &out)
        var text = ""
        for s in out { if case .text(let t) = s { text += t } }
        return text
    }

    /// Every arena node's text, indexed like the arena (rendered once per run
    /// when explanations are on: the same text is quoted for every rep).
    public func all() -> [String] { (0..<arena.nodes.count).map { text(CExpr(index: Int32($0))) } }

    /// The formula with the values in `values` (arena index → value, as an
    /// evaluation recorded them) in place of names; branches not taken are
    /// left out, as an evaluation skips them. `values` nil: names only.
    public func segments(_ e: CExpr, values: [Int32: Value]?) -> [Segment] {
        var out: [Segment] = []
        out.reserveCapacity(8)
        append(e, values: values, to: &out)
        return out
    }

    /// Appends the segments of `e` (one buffer for the whole formula: no
    /// array per node, no string built per operator).
    func append(_ e: CExpr, values: [Int32: Value]?, to out: inout [Segment]) {
        if let values, let leaf = leafValue(e, values) {
            out.append(.value(leaf))
            return
        }
        let tree = style == .tree
        switch arena[e] {
        case .negate(let x, _):
            if tree { enclose("-(", x, ")", values, &out) } else { prefixed(values == nil ? "-" : "−", x, 7, values, &out) }
        case .not(let x):
            if tree { enclose("not (", x, ")", values, &out) } else { prefixed("not ", x, 3, values, &out) }
        case .binary(let op, let a, let b, _): infix(e, a, b, tree ? ExprPrinter.raw[op]! : ExprPrinter.shown[op]!, values, strict: true, &out)
        case .and(let a, let b): shortCircuit(e, a, b, " and ", stopsOn: false, values, &out)
        case .or(let a, let b): shortCircuit(e, a, b, " or ", stopsOn: true, values, &out)
        case .conditional(let a, let b, let d):
            if let values, case .bool(let taken)? = values[a.index] { return append(taken ? b : d, values: values, to: &out) }
            if tree { out.append(.text("(")) }
            out.append(.text("if "))
            append(a, values: nil, to: &out)
            out.append(.text(" then "))
            append(b, values: nil, to: &out)
            out.append(.text(" else "))
            append(d, values: nil, to: &out)
            if tree { out.append(.text(")")) }
        case .coalesce(let a, let b):
            if let values, let v = values[a.index] { return append(v.isMissing ? b : a, values: values, to: &out) }
            call("coalesce", [a, b], values, &out)
        case .function(.monthsActive, _, _, _): out.append(.text("months_active"))
        case .function(let f, let first, let count, _):
            call(f.rawValue, arena.arguments(first, count), values, &out)
        case .shape(let i, let first, let count): call(plan.shapes[i].name, arena.arguments(first, count), values, &out)
        case .groupAggregate(let k, let x):
            out.append(.text(tree ? "\(k.rawValue) over members(" : "\(k.rawValue)("))
            append(x, values: nil, to: &out)
            out.append(.text(")"))
            if let values, let v = values[e.index] {
                out.append(.text(" = "))
                out.append(.value(v))
            }
        default: out.append(.text(leafName(e)))
        }
    }

    static let raw: [BinaryOperator: String] = Dictionary(uniqueKeysWithValues: BinaryOperator.allCases.map { ($0, " \($0.rawValue) ") })
    static let shown: [BinaryOperator: String] = Dictionary(uniqueKeysWithValues: BinaryOperator.allCases.map { ($0, " \($0.display) ") })

    /// The recorded value of a leaf (a name, a constant, an aggregate).
    func leafValue(_ e: CExpr, _ values: [Int32: Value]) -> Value? {
        switch arena[e] {
        case .constant, .slot, .local, .repColumn, .targetColumn, .period, .activeDays, .aggregate, .reach, .previous, .yearToDate, .groupMembers,
            .groupScore, .groupKey, .groupPot, .population, .function(.monthsActive, _, _, _):
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

    func enclose(_ open: String, _ x: CExpr, _ close: String, _ values: [Int32: Value]?, _ out: inout [Segment]) {
        out.append(.text(open))
        append(x, values: values, to: &out)
        out.append(.text(close))
    }

    func prefixed(_ prefix: String, _ x: CExpr, _ parent: Int, _ values: [Int32: Value]?, _ out: inout [Segment]) {
        out.append(.text(prefix))
        parenthesised(x, parent, values, right: false, &out)
    }

    func parenthesised(_ child: CExpr, _ parent: Int, _ values: [Int32: Value]?, right: Bool, _ out: inout [Segment]) {
        let p = precedence(child)
        if p < parent || (right && p == parent && parent >= 5) {
            enclose("(", child, ")", values, &out)
        } else {
            append(child, values: values, to: &out)
        }
    }

    func infix(_ e: CExpr, _ a: CExpr, _ b: CExpr, _ op: String, _ values: [Int32: Value]?, strict: Bool, _ out: inout [Segment]) {
        if style == .tree {
            out.append(.text("("))
            append(a, values: values, to: &out)
            out.append(.text(op))
            append(b, values: values, to: &out)
            out.append(.text(")"))
            return
        }
        let p = precedence(e)
        parenthesised(a, p, values, right: false, &out)
        out.append(.text(op))
        parenthesised(b, p, values, right: strict, &out)
    }

    /// `a and b` stops at a false `a`, `a or b` at a true one: then only `a` was evaluated.
    func shortCircuit(
        _ e: CExpr, _ a: CExpr, _ b: CExpr, _ op: String, stopsOn: Bool, _ values: [Int32: Value]?, _ out: inout [Segment]
    ) {
        if let values, case .bool(let first)? = values[a.index], first == stopsOn { return append(a, values: values, to: &out) }
        infix(e, a, b, op, values, strict: false, &out)
    }

    func call(_ name: String, _ args: [CExpr], _ values: [Int32: Value]?, _ out: inout [Segment]) {
        out.append(.text(name))
        out.append(.text("("))
        for (k, a) in args.enumerated() {
            if k > 0 { out.append(.text(", ")) }
            append(a, values: values, to: &out)
        }
        out.append(.text(")"))
    }
}
