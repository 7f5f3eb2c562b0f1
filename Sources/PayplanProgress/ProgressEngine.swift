import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage

/// Computes progress by evaluating the plan — on the data to date, on the
/// data grown at pace, and once per candidate next step with the rep's
/// revenue grown to reach it — so every payout it shows is what the plan
/// itself would pay. `data` must have been read up to the as-of date.
public enum ProgressEngine {
    public static func compute(plan: CompiledPlan, data: DataSet, request: ProgressRequest) throws(ProgressFailure) -> PeriodProgress {
        let problems = request.check()
        if !problems.isEmpty { throw .usage(problems) }
        let revenueSlot = try slot(plan, request.revenueMetric, role: "revenue", flag: "--revenue")
        let attainmentSlot = try slot(plan, request.attainmentMetric, role: "attainment", flag: "--attainment")
        let teamColumn = data.reps.columnIndex("team")
        func team(_ rep: Int) -> String { teamColumn.map { data.reps.text($0, rep) } ?? "" }
        let wanted = data.repOrder.filter { rep in request.team.map { team(rep) == $0 } ?? true }
        let base = try evaluate(plan, data, request, trace: .reps(Set(wanted)))
        let inPopulation = Set(base.current.population)
        let selected = wanted.filter { inPopulation.contains($0) }
        if let t = request.team, selected.isEmpty {
            let teams = Set(base.current.population.map(team)).sorted()
            throw .usage([ProgressProblem.unknownTeam(name: t, suggestion: Suggest.closest(to: t, among: teams)).diagnostic()])
        }
        let paces = Dictionary(uniqueKeysWithValues: base.current.population.map { ($0, request.pace(hire: data.hire[$0], exit: data.exit[$0])) })
        let grown = try grow(data, paces, request)
        let projected = paces.values.allSatisfy { $0 == .one } ? base : try evaluate(plan, grown, request, trace: .none)
        let baseTotals = Totals.of(base)
        let projectedTotals = Totals.of(projected)
        var reps: [RepProgress] = []
        for rep in selected {
            let attainment = metric(base, attainmentSlot, rep)
            reps.append(
                RepProgress(
                    rep: rep, id: data.repIDs[rep], name: data.reps.columnIndex("name").map { data.reps.text($0, rep) } ?? "", team: team(rep),
                    target: target(data, rep, request.period), revenueToDate: metric(base, revenueSlot, rep) ?? .zero,
                    attainmentToDate: attainment, pace: paces[rep]!, projectedAttainment: attainment.flatMap { try? $0 * paces[rep]! },
                    payoutToDate: baseTotals[rep] ?? .zero, projectedPayout: projectedTotals[rep] ?? .zero, next: nil))
        }
        let search = NextStepSearch(plan: plan, data: data, request: request)
        let steps = try search.run(reps.map { ($0.rep, $0.revenueToDate, $0.payoutToDate, base.traces[$0.rep]) })
        for i in reps.indices { reps[i].next = steps[reps[i].rep] }
        return PeriodProgress(plan: plan, request: request, reps: reps, teams: teams(reps), opportunities: nil)
    }

    /// A metric's value for a rep: from the period's table when it is kept
    /// there, else from the rep's explanation (a metric read only within its
    /// own per-rep stage lives in a scratch row while the rep is evaluated).
    static func metric(_ r: EvaluationResult, _ slot: Int, _ rep: Int) -> Exact? {
        let plan = r.plan
        if slot < plan.localIndex.count, plan.localIndex[slot] >= 0 {
            let name = plan.slots[slot].name
            return r.traces[rep]?.entries.first { $0.kind == .metric && $0.name == name }?.value.number
        }
        return r.current.value(slot, rep).number
    }

    static func slot(_ plan: CompiledPlan, _ name: String, role: String, flag: String) throws(ProgressFailure) -> Int {
        if let s = plan.slots.firstIndex(where: { $0.name == name }) { return s }
        let metrics = plan.plan.metrics.map(\.name.value)
        throw .usage([
            ProgressProblem.unknownMetric(name: name, role: role, flag: flag, suggestion: Suggest.closest(to: name, among: metrics))
                .diagnostic(at: nil, file: plan.plan.file)
        ])
    }

    static func evaluate(_ plan: CompiledPlan, _ data: DataSet, _ request: ProgressRequest, trace: TraceSelection) throws(ProgressFailure)
        -> EvaluationResult
    {
        let result: EvaluationResult
        do {
            result = try Evaluator.evaluate(
                plan: plan, data: data, period: request.period,
                options: EvaluationOptions(threads: request.threads, skipInvalid: !request.excluded.isEmpty, trace: trace),
                excluded: request.excluded)
        } catch {
            throw .evaluation(error.diagnostic)
        }
        if !result.problems.isEmpty { throw .data(result.problems.map(\.diagnostic)) }
        return result
    }

    /// The data with reps' revenue in the period grown, the extra booked on the period's last day.
    static func grow(_ data: DataSet, _ factors: [Int: Exact], _ request: ProgressRequest) throws(ProgressFailure) -> DataSet {
        do {
            return try data.growing(factors, in: request.period, bookedOn: request.period.end)
        } catch {
            throw .evaluation(ProgressProblem.overflow(rep: factors.count == 1 ? data.repIDs[factors.keys.first!] : "all").diagnostic())
        }
    }

    static func target(_ data: DataSet, _ rep: Int, _ period: Period) -> Exact? {
        guard let row = data.targetRow(rep, period), let c = data.targets.columnIndex("revenue") else { return nil }
        return data.targets.value(c, row).number
    }

    /// Sums per team; the team's projected attainment is its reps' projected
    /// revenue (revenue × pace) over its target.
    static func teams(_ reps: [RepProgress]) -> [TeamProgress] {
        var order: [String] = []
        var byTeam: [String: [RepProgress]] = [:]
        for r in reps {
            if byTeam[r.team] == nil { order.append(r.team) }
            byTeam[r.team, default: []].append(r)
        }
        return order.sorted { CodePoint.less($0, $1) }.map { name in
            let members = byTeam[name]!
            func sum(_ f: (RepProgress) -> Exact?) -> Exact { members.reduce(Exact.zero) { (try? $0 + (f($1) ?? .zero)) ?? $0 } }
            let target = sum(\.target)
            let revenue = sum(\.revenueToDate)
            let projectedRevenue = sum { try? $0.revenueToDate * $0.pace }
            let attainment = target.isPositive ? try? revenue / target : nil
            return TeamProgress(
                team: name, reps: members.count, target: target, revenueToDate: revenue, attainmentToDate: attainment,
                projectedAttainment: target.isPositive ? try? projectedRevenue / target : nil, payoutToDate: sum(\.payoutToDate),
                projectedPayout: sum(\.projectedPayout))
        }
    }
}

/// Each population rep's total pay: the plan's `total`, or the sum of its
/// paying rules when it has none.
enum Totals {
    static func of(_ r: EvaluationResult) -> [Int: Exact] {
        var out: [Int: Exact] = [:]
        var rules: [Int] = []
        for case .rule(let rule) in r.plan.nodes { rules += rule.slots(.payout).map(\.slot) }
        for rep in r.current.population {
            if let slot = r.plan.symbolSlots[.total] {
                out[rep] = r.current.value(slot, rep).number ?? .zero
            } else {
                out[rep] = rules.reduce(Exact.zero) { (try? $0 + (r.current.value($1, rep).number ?? .zero)) ?? $0 }
            }
        }
        return out
    }
}
