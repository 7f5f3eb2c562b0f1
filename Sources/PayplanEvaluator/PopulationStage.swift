import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

extension EvaluationRun {
    /// An aggregate over reps (`sum(revenue over rep.team)`): every rep's
    /// value, group and membership on all threads, then one pass adding up
    /// each group in rep_id order, then each rep's slot set to its group's
    /// result. Linear in the population, whatever the number of readers.
    func populationStage(_ p: CompiledPopulation, _ c: Context) throws(EvaluationFailure) {
        do throws(PopulationFailure) {
            try PopulationRun(node: p, c: c, threads: options.threads).run()
        } catch {
            throw failure(error.error, rep: error.rep, period: c.period, what: "`\(p.description)`")
        }
    }
}

/// A failure while reading one rep's part of an aggregate over reps.
struct PopulationFailure: Error {
    var rep: Int?
    var error: EvalError
}

/// One period of one aggregate over reps.
struct PopulationRun {
    struct Input {
        var key: String
        var member: Bool
        var value: Exact
    }

    /// A group's running result.
    struct Tally {
        var members = 0
        var sum = Exact.zero
        var min: Exact?
        var max: Exact?
    }

    let node: CompiledPopulation
    let c: Context
    let threads: Int

    func run() throws(PopulationFailure) {
        let population = c.state.population
        let inputs = try readInputs(population)
        var groups: [TextKey: Tally] = [:]
        for input in inputs where input.member {
            var t = groups[TextKey(input.key)] ?? Tally()
            t.members += 1
            do {
                t.sum = try t.sum + input.value
            } catch {
                throw PopulationFailure(rep: nil, error: EvalError(.overflow, node.range))
            }
            t.min = t.min.map { Swift.min($0, input.value) } ?? input.value
            t.max = t.max.map { Swift.max($0, input.value) } ?? input.value
            groups[TextKey(input.key)] = t
        }
        var results: [TextKey: Value] = [:]
        for (key, tally) in groups { results[key] = try result(tally) }
        let empty = try result(Tally())
        let traces = c.state.traces
        var facts: [Int: PopulationStep] = [:]
        for (rep, input) in zip(population, inputs) {
            let key = TextKey(input.key)
            let v = results[key] ?? empty
            c.values[node.slot * c.repCount + rep] = v
            if let traces, traces.isTraced(rep) {
                facts[rep] = PopulationStep(
                    description: node.description, group: node.group == nil ? nil : input.key, members: groups[key]?.members ?? 0, value: v)
            }
        }
        if !facts.isEmpty { c.state.populationFacts[node.index] = facts }
    }

    /// Each population rep's group, membership and value, in rep_id order.
    func readInputs(_ population: [Int]) throws(PopulationFailure) -> [Input] {
        let node = self.node
        let c = self.c
        return try Parallel.map(population.count, threads: threads) { (i: Int) throws(PopulationFailure) -> Input in
            let rep = population[i]
            do throws(EvalError) {
                var key = ""
                if let g = node.group {
                    guard case .text(let k) = try ExpressionEvaluator.eval(g, rep, c) else {
                        throw EvalError(.typeMismatch("expected a group name"), node.range)
                    }
                    key = k
                }
                let member =
                    try node.filter.map { e throws(EvalError) in try ExpressionEvaluator.truth(try ExpressionEvaluator.eval(e, rep, c), node.range) }
                    ?? true
                guard member else { return Input(key: key, member: false, value: .zero) }
                let value =
                    try node.value.map { e throws(EvalError) in try ExpressionEvaluator.number(try ExpressionEvaluator.eval(e, rep, c), node.range) }
                    ?? .one
                return Input(key: key, member: true, value: value)
            } catch {
                throw PopulationFailure(rep: rep, error: error)
            }
        }
    }

    /// The aggregate of one group: a sum or count over no members is 0;
    /// a minimum, maximum or average over none is missing.
    func result(_ t: Tally) throws(PopulationFailure) -> Value {
        switch node.kind {
        case .sum: return .number(t.sum)
        case .count: return .number(Exact(t.members))
        case .min: return t.min.map { .number($0) } ?? .missing
        case .max: return t.max.map { .number($0) } ?? .missing
        case .avg:
            guard t.members > 0 else { return .missing }
            do {
                return .number(try t.sum / Exact(t.members))
            } catch {
                throw PopulationFailure(rep: nil, error: EvalError(.overflow, node.range))
            }
        }
    }
}

/// What an aggregate over reps was for one rep: its group and how many
/// reps it counted. Recorded where a traced rep's formula reads it.
public struct PopulationStep: RuleStep {
    public var description: String
    /// nil: the whole population.
    public var group: String?
    public var members: Int
    public var value: Value

    public func lines(_ w: Words) -> [String] {
        let who: String
        if let group {
            who = w.t("the \(members) rep\(members == 1 ? "" : "s") of group \(group)", "\(group) 组的 \(members) 人")
        } else {
            who = w.t("all \(members) rep\(members == 1 ? "" : "s") of the period", "本期全部 \(members) 人")
        }
        return [w.t("\(description) over \(who) = \(w.v(value))", "\(description)：\(who)，结果 \(w.v(value))")]
    }

    public func json(_ j: inout JSONStream) {
        j.field("type", "aggregate_over_reps")
        j.field("aggregate", description)
        j.field("group", group)
        j.field("members", members)
        switch value {
        case .number(let x): j.field("value", x)
        case .text(let t): j.field("value", t)
        case .bool(let b): j.field("value", b)
        case .date(let d): j.field("value", d.description)
        case .missing: j.field("value", Exact?.none)
        }
    }
}
