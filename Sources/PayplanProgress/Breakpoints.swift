import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// A place in the plan where a rep's pay can rise as its revenue grows.
public struct Breakpoint: Sendable {
    public enum Kind: String, Sendable {
        case curvePoint = "curve_point"
        case bandRow = "band_row"
        case tier
        case matrixBand = "matrix_band"
        case threshold
        case flagLine = "review_line"
    }

    /// The rule (or metric) whose explanation holds the breakpoint.
    public var entry: String
    /// Which value of that explanation is read: a shape's input, a threshold's measure.
    public var probe: Probe
    public var kind: Kind
    /// The value now, and the value at which the step is reached.
    public var now: Exact
    public var at: Exact
    /// Whether a value exactly `at` reaches the step (`>= 0.9`) or must exceed it (`> 0.9`).
    public var reachedAt: Bool
    /// The rule's or multiplier's name, and the name of the value read (`attainment`).
    public var ruleName: String
    public var measure: String?
}

/// Where a value is read in a rep's explanation: an entry, and in it a shape's input or a threshold.
public struct Probe: Sendable, Hashable {
    public enum Place: Sendable, Hashable {
        case shapeInput(shape: String, input: Int)
        case threshold
        case reviewLine
    }

    public var entry: String
    public var place: Place

    /// The value in a trace, if the trace has it.
    public func read(_ trace: RepTrace) -> Exact? {
        guard let e = trace.entries.first(where: { $0.name == entry }) else { return nil }
        for step in e.steps {
            switch (place, step) {
            case (.shapeInput(let shape, let input), .shape(let name, _, let inputs, _, _)) where name == shape && input < inputs.count:
                return inputs[input]
            case (.threshold, .threshold(let measure, _, _, _)):
                return measure
            case (.reviewLine, .elimination(let d)):
                return d.measure
            default:
                continue
            }
        }
        return nil
    }
}

/// Which breakpoints each kind of rule has, read from the rep's explanation
/// (its shape steps, thresholds and flags) and the plan's shapes. The one
/// place that knows rule kinds; the rest of progress evaluates the plan.
///
/// - curves: every point (reached at the point);
/// - bands and matrices: every bound of every row's test (`>= 0.9` is
///   reached at 0.9, `> 0.9` above it);
/// - tiers: every `from` and `to` (reached at it with `on_boundary: higher`);
/// - product awards: the threshold, when not reached (`at_threshold`);
/// - elimination: the `below` line, when the rep is flagged under it;
/// - team ranking, first movers, bottom shares: none (they depend on others;
///   their effect still shows in the gain, which is evaluated).
public enum Breakpoints {
    public static func of(_ trace: RepTrace, plan: CompiledPlan) -> [Breakpoint] {
        var out: [Breakpoint] = []
        let measures = MeasureNames(plan.plan)
        for entry in trace.entries {
            for step in entry.steps {
                switch step {
                case .shape(let name, _, let inputs, _, _):
                    guard let shape = plan.shapes.first(where: { $0.name == name }) else { continue }
                    for (j, x) in inputs.enumerated() {
                        let probe = Probe(entry: entry.name, place: .shapeInput(shape: name, input: j))
                        for (b, reachedAt, kind) in bounds(shape, input: j) where b > x || (b == x && !reachedAt) {
                            out.append(
                                Breakpoint(
                                    entry: entry.name, probe: probe, kind: kind, now: x, at: b, reachedAt: reachedAt,
                                    ruleName: measures.owner(entry.name, shape: name), measure: measures.input(entry.name, shape: name, index: j)))
                        }
                    }
                case .threshold(let measure, let threshold, let inclusive, let reached) where !reached:
                    out.append(
                        Breakpoint(
                            entry: entry.name, probe: Probe(entry: entry.name, place: .threshold), kind: .threshold, now: measure, at: threshold,
                            reachedAt: inclusive, ruleName: entry.name, measure: measures.measure(entry.name)))
                case .elimination(let d) where d.flagged && d.belowHit:
                    guard let m = d.measure, let below = d.below else { continue }
                    out.append(
                        Breakpoint(
                            entry: entry.name, probe: Probe(entry: entry.name, place: .reviewLine), kind: .flagLine, now: m, at: below,
                            reachedAt: true, ruleName: entry.name, measure: measures.measure(entry.name)))
                default:
                    continue
                }
            }
        }
        return out
    }

    /// The values at which a shape changes how it pays, on one of its inputs.
    static func bounds(_ shape: CheckedShape, input: Int) -> [(Exact, Bool, Breakpoint.Kind)] {
        func tests(_ list: [UnaryTest], _ kind: Breakpoint.Kind) -> [(Exact, Bool, Breakpoint.Kind)] {
            var out: [(Exact, Bool, Breakpoint.Kind)] = []
            for t in list {
                guard case .interval(let lo, let loInclusive, let hi, let hiInclusive) = t.kind else { continue }
                if let lo { out.append((lo, loInclusive, kind)) }
                if let hi { out.append((hi, !hiInclusive, kind)) }
            }
            return out
        }
        switch shape.kind {
        case .curve(let c):
            return c.points.map { ($0.x.value, true, .curvePoint) }
        case .band(let b, _):
            return tests(b.rows.map(\.test), .bandRow)
        case .tiers(let t, _, _):
            let higher = t.boundary.value == .higher
            return t.rows.flatMap { row in [(row.from.value, higher, .tier)] + (row.to.map { [($0.value, higher, .tier)] } ?? []) }
        case .matrix(let m):
            return tests(input == 0 ? m.rowTests : m.columnTests, .matrixBand)
        }
    }
}

/// Names of the values rules read, from the plan as written: which metric a
/// rule's measure or a shape's input is, and which multiplier owns a shape.
/// Inline shapes are named as the checker names them (`RULE.curve`,
/// `RULE.MULTIPLIER`).
struct MeasureNames {
    var measures: [String: String] = [:]
    /// "rule\0shape" → (owner, input names).
    var shapes: [String: (owner: String, inputs: [String?])] = [:]

    init(_ plan: Plan) {
        for rule in plan.rules {
            let name = rule.name.value
            switch rule.body {
            case .attainmentBonus(let a):
                measures[name] = a.measure.dottedName
                add(name, a.shape, owner: name, inlineName: MeasureNames.kindName(a.shape))
                for (k, m) in a.multipliers.enumerated() {
                    guard let s = m.shape else { continue }
                    let owner = m.name?.value ?? "multiplier \(k + 1)"
                    add(name, s, owner: owner, inlineName: m.name?.value ?? "multiplier\(k + 1)")
                }
            case .productAward(let p):
                measures[name] = p.measure.dottedName
            case .elimination(let e):
                measures[name] = e.measure.dottedName
            case .commission(let c):
                add(name, c.shape, owner: name, inlineName: MeasureNames.kindName(c.shape))
            default:
                continue
            }
        }
    }

    static func kindName(_ use: ShapeUse) -> String {
        if case .inline(let s) = use.target { return s.kindName }
        return "shape"
    }

    mutating func add(_ rule: String, _ use: ShapeUse, owner: String, inlineName: String) {
        let shape: String
        switch use.target {
        case .named(let n): shape = n.value
        case .inline: shape = "\(rule).\(inlineName)"
        }
        shapes["\(rule)\u{0}\(shape)"] = (owner, use.inputs.map(\.dottedName))
    }

    func measure(_ rule: String) -> String? { measures[rule] }

    func input(_ rule: String, shape: String, index: Int) -> String? {
        guard let s = shapes["\(rule)\u{0}\(shape)"], index < s.inputs.count else { return nil }
        return s.inputs[index]
    }

    func owner(_ rule: String, shape: String) -> String { shapes["\(rule)\u{0}\(shape)"]?.owner ?? rule }
}
