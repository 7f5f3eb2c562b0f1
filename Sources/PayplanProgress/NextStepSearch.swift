import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator

/// Finds each rep's next step by evaluating the plan: the rep's candidate
/// breakpoints in order of the revenue they need, each tried with the rep's
/// revenue grown by that much; the first one reached that raises the rep's
/// total is the next step, and the gain is what the plan then pays more.
///
/// Candidates are tried in rounds: round k tries every rep's k-th candidate.
/// When the plan has a group stage (rankings, bottom shares, first movers),
/// one rep's revenue changes others' pay, so each rep is evaluated alone —
/// one evaluation of the period per rep and candidate. Otherwise reps are
/// independent and one evaluation serves every rep of a round.
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

    /// (rep, revenue to date, payout to date, trace) → next step, by rep.
    func run(_ reps: [(Int, Exact, Exact, RepTrace?)]) throws(ProgressFailure) -> [Int: NextStep] {
        var pending: [Int: [Candidate]] = [:]
        var revenue: [Int: Exact] = [:]
        var payout: [Int: Exact] = [:]
        for (rep, r, p, trace) in reps {
            guard let trace, r.isPositive else { continue }
            let list = candidates(trace, revenue: r)
            if !list.isEmpty { pending[rep] = list }
            revenue[rep] = r
            payout[rep] = p
        }
        var found: [Int: NextStep] = [:]
        for round in 0..<NextStepSearch.maxCandidates {
            let trying = pending.keys.sorted().filter { round < pending[$0]!.count }
            if trying.isEmpty { break }
            let groups: [[Int]] = independent ? [trying] : trying.map { [$0] }
            for group in groups {
                var factors: [Int: Exact] = [:]
                for rep in group {
                    let r = revenue[rep]!
                    factors[rep] = (try? (r + pending[rep]![round].needed) / r) ?? .one
                }
                let result = try ProgressEngine.evaluate(
                    plan, try ProgressEngine.grow(data, factors, request), request, trace: .reps(Set(group)))
                let totals = Totals.of(result)
                for rep in group {
                    let c = pending[rep]![round]
                    guard let then = result.traces[rep], let value = c.breakpoint.probe.read(then),
                        c.breakpoint.reachedAt ? value >= c.breakpoint.at : value > c.breakpoint.at,
                        let total = totals[rep], let gain = try? total - payout[rep]!, gain.isPositive
                    else { continue }
                    found[rep] = NextStep(breakpoint: c.breakpoint, revenueNeeded: c.needed, payoutThen: total, gain: gain)
                    pending[rep] = nil
                }
            }
        }
        return found
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
