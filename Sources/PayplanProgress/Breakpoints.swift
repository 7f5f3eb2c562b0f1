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
        case reviewLine = "review_line"
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
    /// The rule's name, the shape's labels (a multiplier's), and the name of
    /// the metric read (`attainment`) when it is known.
    public var ruleName: String
    public var shapeLabels: Labels?
    public var measure: String?
    /// How to say the value read when it is not a metric (`total of the period`).
    public var measureWords: (en: String, zh: String)?
}

/// Where a value is read in a rep's explanation: an entry, and in it a
/// shape's input, a threshold's measure or a tier table's rated value.
public struct Probe: Sendable, Hashable {
    public enum Place: Sendable, Hashable {
        case shapeInput(shape: Int, input: Int)
        case threshold
        case tierValue(shape: Int)
        case reviewLine
    }

    public var entry: String
    public var place: Place

    /// The value in a trace, and for a threshold whether it is reached.
    public func read(_ trace: RepTrace) -> (value: Exact, reached: Bool?)? {
        guard let e = trace.entries.first(where: { $0.name == entry }) else { return nil }
        for step in e.steps {
            switch (place, step) {
            case (.shapeInput(let shape, let input), .shape(let index, _, _, let inputs, _, _)) where index == shape && input < inputs.count:
                return (inputs[input], nil)
            case (.threshold, .rule(let s)):
                if let t = s as? any ThresholdFacts { return (t.measure, t.reached) }
            case (.tierValue(let shape), .rule(let s)):
                if let t = s as? any TierFacts, t.shape == shape { return (t.at, nil) }
            case (.reviewLine, .rule(let s)):
                if let f = s as? any FlagFacts, let m = f.measure { return (m, nil) }
            default:
                continue
            }
        }
        return nil
    }

    /// Whether the trace shows the breakpoint reached.
    public func reaches(_ b: Breakpoint, in trace: RepTrace) -> Bool {
        guard let (value, reached) = read(trace) else { return false }
        if let reached { return reached }
        return b.reachedAt ? value >= b.at : value > b.at
    }
}

/// Which breakpoints each kind of rule has, read from the facts of the rep's
/// explanation (shape lookups, thresholds, tier ratings) and the plan's
/// shapes. The one place that knows what a rule's breakpoints are; the rest
/// of progress evaluates the plan.
///
/// - curves: every point (reached at the point);
/// - bands and matrices: every bound of every row's test (`>= 0.9` is
///   reached at 0.9, `> 0.9` above it);
/// - tiers (a shape, or a commission's rating): every `from` and `to`
///   (reached at it with `on_boundary: higher`);
/// - thresholds (product awards), when not reached: at the threshold and
///   just above it (which one counts is read back from the evaluation);
/// - review flags, when the rep is flagged under the rule's `below` line:
///   the line (reached at it);
/// - rankings, first movers, bottom shares: none of their own (their effect
///   on pay still shows in the gain, which is evaluated).
public enum Breakpoints {
    public static func of(_ trace: RepTrace, plan: CompiledPlan) -> [Breakpoint] {
        var out: [Breakpoint] = []
        let names = MeasureNames(trace: trace, plan: plan)
        for entry in trace.entries where entry.kind != .total {
            for step in entry.steps {
                switch step {
                case .shape(let index, _, let labels, let inputs, _, _):
                    guard index < plan.shapes.count else { continue }
                    for (j, x) in inputs.enumerated() {
                        let probe = Probe(entry: entry.name, place: .shapeInput(shape: index, input: j))
                        for (b, reachedAt, kind) in bounds(plan.shapes[index], input: j) where b > x || (b == x && !reachedAt) {
                            out.append(
                                Breakpoint(
                                    entry: entry.name, probe: probe, kind: kind, now: x, at: b, reachedAt: reachedAt, ruleName: entry.name,
                                    shapeLabels: labels, measure: names.name(of: x, rule: entry.name)))
                        }
                    }
                case .rule(let s):
                    out += facts(s, entry: entry.name, plan: plan, names: names)
                default:
                    continue
                }
            }
        }
        return out
    }

    /// A kind's own facts: a threshold not reached, a value rated on tiers.
    static func facts(_ s: any RuleStep, entry: String, plan: CompiledPlan, names: MeasureNames) -> [Breakpoint] {
        if let t = s as? any ThresholdFacts, !t.reached {
            let probe = Probe(entry: entry, place: .threshold)
            return [true, false].map { at in
                Breakpoint(
                    entry: entry, probe: probe, kind: .threshold, now: t.measure, at: t.threshold, reachedAt: at, ruleName: entry,
                    shapeLabels: nil, measure: names.name(of: t.measure, rule: nil))
            }
        }
        if let f = s as? any FlagFacts, f.flagged, let m = f.measure, let below = f.below, m < below {
            return [
                Breakpoint(
                    entry: entry, probe: Probe(entry: entry, place: .reviewLine), kind: .reviewLine, now: m, at: below, reachedAt: true,
                    ruleName: entry, shapeLabels: nil, measure: names.name(of: m, rule: nil))
            ]
        }
        if let t = s as? any TierFacts, t.shape < plan.shapes.count {
            let probe = Probe(entry: entry, place: .tierValue(shape: t.shape))
            return bounds(plan.shapes[t.shape], input: 0).filter { $0.0 > t.at || ($0.0 == t.at && !$0.1) }.map { b, reachedAt, kind in
                Breakpoint(
                    entry: entry, probe: probe, kind: kind, now: t.at, at: b, reachedAt: reachedAt, ruleName: entry, shapeLabels: nil,
                    measure: nil, measureWords: t.measureWords)
            }
        }
        return []
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

/// Which metric a value read by a rule is: the rule's own measure when it
/// declares one (an attainment bonus), else the one metric of the rep's
/// explanation with exactly that value (none when two share it).
struct MeasureNames {
    var metrics: [(name: String, value: Exact)] = []
    var declared: [String: String] = [:]

    init(trace: RepTrace, plan: CompiledPlan) {
        for e in trace.entries where e.kind == .metric {
            if case .number(let x) = e.value { metrics.append((e.name, x)) }
        }
        for case .rule(let r) in plan.nodes {
            guard let measured = r.body as? any MeasuredRuleBody, case .slot(let s) = plan.arena[measured.measure] else { continue }
            declared[r.name] = plan.slots[s].name
        }
    }

    func name(of value: Exact, rule: String?) -> String? {
        if let rule, let d = declared[rule], metrics.contains(where: { $0.name == d && $0.value == value }) { return d }
        let matches = metrics.filter { $0.value == value }
        return matches.count == 1 ? matches[0].name : nil
    }
}
