import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator

/// Finds each rep's next step by evaluating the plan: the rep's candidate
/// breakpoints in order of the revenue they need, each tried with the rep's
/// revenue grown by that much; the first one reached that raises the rep's
/// total is the next step, and the gain is what the plan then pays more.
///
/// Candidates are tried in rounds: round k tries every rep's k-th candidate,
/// all reps grown at once in one evaluation, which tells whose value reaches
/// its breakpoint (a rep's own value does not depend on the others). When
/// reps are independent (no group stage) that evaluation also gives each
/// gain. When the plan has a group stage (rankings, bottom shares, first
/// movers), one rep's revenue changes others' pay, so the gain of each rep
/// whose value was reached is evaluated with that rep alone grown
/// (`Steps.alone`, the default) — or taken from the round's evaluation, every
/// rep taking its step at once (`Steps.together`: fast, and says so).
struct NextStepSearch {
    /// Candidates evaluated per rep before giving up.
    static let maxCandidates = 8

    let plan: CompiledPlan
    let data: DataSet
    let request: ProgressRequest

    var independent: Bool {
        !plan.nodes.contains { node in
            if case .rule(let r) = node { return r.isGroupStage }
            return false
        }
    }

    struct Candidate {
        var breakpoint: Breakpoint
        var needed: Exact
    }

    struct Rep {
        var revenue: Exact
        var payout: Exact
        var candidates: [Candidate]
    }

    /// (rep, revenue to date, payout to date, trace) → next step, by rep.
    func run(_ reps: [(Int, Exact, Exact, RepTrace?)]) throws(ProgressFailure) -> [Int: NextStep] {
        var pending: [Int: Rep] = [:]
        for (rep, revenue, payout, trace) in reps {
            guard let trace, revenue.isPositive else { continue }
            let list = candidates(trace, revenue: revenue)
            if !list.isEmpty { pending[rep] = Rep(revenue: revenue, payout: payout, candidates: list) }
        }
        var found: [Int: NextStep] = [:]
        for round in 0..<NextStepSearch.maxCandidates {
            let trying = pending.keys.sorted().filter { round < pending[$0]!.candidates.count }
            if trying.isEmpty { break }
            let together = try evaluate(trying, round, pending)
            var reached: [Int] = []
            for rep in trying {
                let c = pending[rep]!.candidates[round]
                if let trace = together.traces[rep], reaches(c.breakpoint, trace) { reached.append(rep) }
            }
            let totals: [Int: Exact]
            if independent || request.steps == .together {
                totals = Totals.of(together)
            } else {
                totals = try alone(reached, round, pending)
            }
            for rep in reached {
                let r = pending[rep]!
                guard let total = totals[rep], let gain = try? total - r.payout, gain.isPositive else { continue }
                let c = r.candidates[round]
                found[rep] = NextStep(breakpoint: c.breakpoint, revenueNeeded: c.needed, payoutThen: total, gain: gain)
                pending[rep] = nil
            }
        }
        return found
    }

    func reaches(_ b: Breakpoint, _ trace: RepTrace) -> Bool { b.probe.reaches(b, in: trace) }

    func factor(_ r: Rep, _ round: Int) -> Exact { (try? (r.revenue + r.candidates[round].needed) / r.revenue) ?? .one }

    /// One evaluation with every rep of the round grown to its candidate.
    func evaluate(_ reps: [Int], _ round: Int, _ pending: [Int: Rep]) throws(ProgressFailure) -> EvaluationResult {
        var factors: [Int: Exact] = [:]
        for rep in reps { factors[rep] = factor(pending[rep]!, round) }
        return try ProgressEngine.evaluate(plan, try ProgressEngine.grow(data, factors, request), request, trace: .reps(Set(reps)))
    }

    /// Each rep's total with that rep alone grown: one evaluation each, run side by side.
    func alone(_ reps: [Int], _ round: Int, _ pending: [Int: Rep]) throws(ProgressFailure) -> [Int: Exact] {
        var single = request
        single.threads = 1
        let totals = try Parallel.map(reps.count, threads: request.threads, grain: 1) { (k) throws(ProgressFailure) -> Exact? in
            let rep = reps[k]
            let grown = try ProgressEngine.grow(data, [rep: factor(pending[rep]!, round)], request)
            return Totals.of(try ProgressEngine.evaluate(plan, grown, single, trace: .none))[rep]
        }
        var out: [Int: Exact] = [:]
        for (k, rep) in reps.enumerated() { out[rep] = totals[k] }
        return out
    }

    /// The rep's breakpoints with the revenue each needs ("more of the
    /// same": the measure taken to grow with revenue), nearest first, one per
    /// amount.
    func candidates(_ trace: RepTrace, revenue: Exact) -> [Candidate] {
        let unit = Exact(units: 1, scale: plan.rounding.scale)
        var list: [Candidate] = []
        for bp in Breakpoints.of(trace, plan: plan) where bp.now.isPositive && bp.at.isPositive {
            guard let needed = try? revenue * bp.at / bp.now - revenue,
                let x = NextStepSearch.roundUp(needed, unit: unit, strictly: !bp.reachedAt),
                !list.contains(where: { $0.needed == x })
            else { continue }
            list.append(Candidate(breakpoint: bp, needed: x))
        }
        let sorted = list.enumerated().sorted { a, b in
            a.element.needed != b.element.needed ? a.element.needed < b.element.needed : a.offset < b.offset
        }
        return sorted.map(\.element)
    }

    /// The smallest whole number of `unit`s ≥ x (> x when `strictly`), at least one unit.
    static func roundUp(_ x: Exact, unit: Exact, strictly: Bool) -> Exact? {
        guard let q = try? x / unit else { return nil }
        var n = q.floor()
        if strictly || !q.isInteger { n += 1 }
        n = max(n, 1)
        return try? Exact(integer: n) * unit
    }
}
