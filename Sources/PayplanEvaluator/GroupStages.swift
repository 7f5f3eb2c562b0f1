import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

/// Rules that need every rep's values at once: team rankings, bottom-k
/// flags, first movers. They run after the per-rep values they read and
/// record explanations for the reps being traced.
enum GroupStages {
    typealias E = ExpressionEvaluator
    typealias R = RuleEvaluator

    static func write(_ c: Context, _ slot: Int?, _ rep: Int, _ v: Value) {
        guard let slot else { return }
        c.values[slot * c.repCount + rep] = v
    }

    static func note(_ c: Context, _ rule: CompiledRule, _ rep: Int, _ traced: Set<Int>, _ step: Step) {
        guard traced.contains(rep) else { return }
        c.state.groupSteps[rule.index, default: [:]][rep, default: []].append(step)
    }

    static func units(_ x: Exact, _ scale: Int) throws(EvalError) -> Int128 {
        try R.arithmetic(nil) { () throws(ArithmeticError) in try x.roundedUnits(scale: scale, mode: .floor) }
    }

    /// Splits `total` units among weights by largest remainder: each share is
    /// rounded down, then the leftover units go one each to the largest
    /// remainders, ties by `order` (rep_id or team name, by code point).
    /// The shares always add up to `total`.
    static func largestRemainder(_ total: Int128, weights: [Exact], order: [String]) throws(EvalError) -> (
        shares: [Int128], exact: [Exact], extra: [Bool]
    ) {
        let n = weights.count
        var sum = Exact.zero
        for w in weights { sum = try R.arithmetic(nil) { () throws(ArithmeticError) in try sum + w } }
        guard n > 0, sum.isPositive else {
            return ([Int128](repeating: 0, count: n), [Exact](repeating: .zero, count: n), [Bool](repeating: false, count: n))
        }
        var floors: [Int128] = []
        var remainders: [Exact] = []
        var exacts: [Exact] = []
        let t = Exact(integer: total)
        for w in weights {
            let exact = try R.arithmetic(nil) { () throws(ArithmeticError) in try t * w / sum }
            let f = exact.floor()
            exacts.append(exact)
            floors.append(f)
            remainders.append(try R.arithmetic(nil) { () throws(ArithmeticError) in try exact - Exact(integer: f) })
        }
        var leftover = total - floors.reduce(0, +)
        let ranked = (0..<n).sorted { a, b in
            if remainders[a] != remainders[b] { return remainders[a] > remainders[b] }
            return CodePoint.less(order[a], order[b])
        }
        var extra = [Bool](repeating: false, count: n)
        var k = 0
        while leftover > 0 && k < n {
            floors[ranked[k]] += 1
            extra[ranked[k]] = true
            leftover -= 1
            k += 1
        }
        return (floors, exacts, extra)
    }

    // MARK: - Team ranking

    static func teamRanking(_ rule: CompiledRule, _ c: Context, _ traced: Set<Int>, threads: Int) throws(EvalError) {
        guard
            case .teamRanking(let groupBy, let members, let score, let eligible, let order, let prizes, let breakers, let split, let exclude) = rule
                .body
        else { return }
        let scale = c.plan.rounding.scale
        let unit = Exact(units: 1, scale: scale)
        // Every member's inputs in parallel; the ranking itself is serial.
        struct Input {
            var key: Value
            var member: Bool
            var excluded: Bool
            var weight: Exact
        }
        let population = c.state.population
        let roleColumn = c.plan.plan.data.reps.columns.firstIndex { $0.name == "role" } ?? 0
        let inputs = try Parallel.map(population.count, threads: threads) { (i: Int) throws(EvalError) -> Input in
            let rep = population[i]
            write(c, rule.slots[.main], rep, .number(.zero))
            write(c, rule.slots[.prize], rep, .number(.zero))
            write(c, rule.slots[.eligible], rep, .bool(false))
            let key = try E.eval(groupBy, rep, c)
            write(c, rule.slots[.group], rep, key)
            let member = try members.map { e throws(EvalError) in try E.truth(try E.eval(e, rep, c), rule.range) } ?? true
            let out = try exclude.map { e throws(EvalError) in try E.truth(try E.eval(e, rep, c), rule.range) } ?? false
            var w: Exact
            switch split {
            case .equal: w = .one
            case .role(let role): w = c.data.reps.value(roleColumn, rep) == .text(role) ? .one : .zero
            case .proRata(let e):
                w = try E.number(try E.eval(e, rep, c), rule.range)
                if w.isNegative { throw EvalError(.negativeWeight, rule.range) }
            }
            return Input(key: key, member: member, excluded: out, weight: out ? .zero : w)
        }
        var inputOf: [Int: Int] = [:]
        inputOf.reserveCapacity(population.count)
        var groups: [TextKey: [Int]] = [:]
        for (i, rep) in population.enumerated() {
            inputOf[rep] = i
            guard inputs[i].member else {
                note(c, rule, rep, traced, .note("not a member of any group of this rule"))
                continue
            }
            guard case .text(let k) = inputs[i].key else { continue }
            groups[TextKey(k), default: []].append(rep)
        }
        struct Group {
            var key: String
            var members: [Int]
            var score: Exact?
            var eligible: Bool
            var breakers: [Exact]
            var rank: Int?
            var prize: Exact = .zero
            var pool: Exact = .zero
            var tied: [String] = []
        }
        var all: [Group] = []
        for key in groups.keys.sorted() {
            let m = groups[key]!  // in rep_id order, as the population is
            var scope = c
            scope.group = GroupScope(members: m, score: nil, key: key.text)
            let s = try E.number(try E.eval(score, m[0], scope), rule.range)
            scope.group?.score = .number(s)
            let ok = try eligible.map { e throws(EvalError) in try E.truth(try E.eval(e, m[0], scope), rule.range) } ?? true
            var b: [Exact] = []
            for (expr, _) in breakers { b.append(try E.number(try E.eval(expr, m[0], scope), rule.range)) }
            all.append(Group(key: key.text, members: m, score: s, eligible: ok, breakers: b))
        }
        // Rank eligible groups: by score, then the tie-breakers; equal keys tie.
        func compare(_ a: Group, _ b: Group) -> Int {
            var c0 = Exact.compare(a.score!, b.score!)
            if order == .descending { c0 = -c0 }
            if c0 != 0 { return c0 }
            for (i, (_, o)) in breakers.enumerated() {
                var ci = Exact.compare(a.breakers[i], b.breakers[i])
                if o == .descending { ci = -ci }
                if ci != 0 { return ci }
            }
            return 0
        }
        var ranked = all.indices.filter { all[$0].eligible }
        ranked.sort { x, y in
            let r = compare(all[x], all[y])
            return r != 0 ? r < 0 : CodePoint.less(all[x].key, all[y].key)
        }
        var position = 0
        while position < ranked.count {
            var end = position
            while end + 1 < ranked.count && compare(all[ranked[position]], all[ranked[end + 1]]) == 0 { end += 1 }
            var pool = Exact.zero
            for p in position...end where p < prizes.count {
                pool = try R.arithmetic(rule.range) { () throws(ArithmeticError) in try pool + prizes[p] }
            }
            let tiedIndexes = Array(ranked[position...end])
            let names = tiedIndexes.map { all[$0].key }
            let poolUnits = try R.arithmetic(rule.range) { () throws(ArithmeticError) in
                try pool.roundedUnits(scale: scale, mode: c.plan.rounding.mode)
            }
            // Equal weights: equal shares, leftover units to the tied groups in name order.
            let split = try largestRemainder(poolUnits, weights: tiedIndexes.map { _ in .one }, order: names)
            for (k, g) in tiedIndexes.enumerated() {
                all[g].rank = position + 1
                all[g].prize = Exact(units: split.shares[k], scale: scale)
                all[g].pool = pool
                all[g].tied = names.filter { $0 != all[g].key }
            }
            position = end + 1
        }
        // Split each group's prize among its members.
        for g in all {
            var weights: [Exact] = []
            var excluded: [Bool] = []
            for rep in g.members {
                write(c, rule.slots[.score], rep, g.score.map { .number($0) } ?? .missing)
                write(c, rule.slots[.rank], rep, g.rank.map { .number(Exact($0)) } ?? .missing)
                write(c, rule.slots[.prize], rep, .number(g.prize))
                write(c, rule.slots[.eligible], rep, .bool(g.eligible))
                let input = inputs[inputOf[rep]!]
                excluded.append(input.excluded)
                weights.append(input.weight)
            }
            let prizeUnits = try units(g.prize, scale)
            let ids = g.members.map { c.data.repIDs[$0] }
            let shares = try largestRemainder(prizeUnits, weights: weights, order: ids)
            var totalWeight = Exact.zero
            for w in weights {
                let t = totalWeight
                totalWeight = try R.arithmetic(rule.range) { () throws(ArithmeticError) in try t + w }
            }
            for (k, rep) in g.members.enumerated() {
                let share = Exact(units: shares.shares[k], scale: scale)
                write(c, rule.slots[.main], rep, .number(share))
                if traced.contains(rep) {
                    var eligibility: String?
                    if !g.eligible, let eligible { eligibility = E.render(eligible, c) }
                    note(
                        c, rule, rep, traced,
                        .team(
                            TeamDetail(
                                group: g.key, members: g.members.count, score: g.score, eligible: g.eligible, eligibility: eligibility,
                                rank: g.rank, tiedWith: g.tied, pool: g.pool, teamPrize: g.prize, weight: weights[k], totalWeight: totalWeight,
                                excluded: excluded[k], exclusion: exclude.map { E.render($0, c) },
                                exactShare: try R.arithmetic(nil) { () throws(ArithmeticError) in try shares.exact[k] * unit },
                                floorShare: Exact(units: shares.shares[k] - (shares.extra[k] ? 1 : 0), scale: scale), extraCent: shares.extra[k],
                                share: share, unit: unit)))
                }
            }
        }
    }

    // MARK: - Elimination

    static func elimination(_ rule: CompiledRule, _ c: Context, _ traced: Set<Int>, threads: Int) throws(EvalError) {
        guard case .elimination(let measureExpr, let among, let exemptExpr, let belowExpr, let bottom, let levels, let none) = rule.body else {
            return
        }
        var candidates: [(rep: Int, measure: Exact)] = []
        var exempt: [Int] = []
        // Per rep (by index): the threshold and whether the measure is below it.
        var belowThreshold = [Exact?](repeating: nil, count: c.repCount)
        var belowHit = [Bool](repeating: false, count: c.repCount)
        // Every rep's inputs in parallel; the ranking itself is serial.
        struct Input {
            var ranked: Bool
            var exempt: Bool
            var measure: Exact
            var threshold: Exact?
        }
        let population = c.state.population
        let inputs = try Parallel.map(population.count, threads: threads) { (i: Int) throws(EvalError) -> Input in
            let rep = population[i]
            write(c, rule.slots[.main], rep, .text(none))
            write(c, rule.slots[.flag], rep, .text(none))
            write(c, rule.slots[.flagged], rep, .bool(false))
            write(c, rule.slots[.exempt], rep, .bool(false))
            write(c, rule.slots[.consecutive], rep, .number(.zero))
            if let among, !(try E.truth(try E.eval(among, rep, c), rule.range)) {
                return Input(ranked: false, exempt: false, measure: .zero, threshold: nil)
            }
            let isExempt = try exemptExpr.map { e throws(EvalError) in try E.truth(try E.eval(e, rep, c), rule.range) } ?? false
            write(c, rule.slots[.exempt], rep, .bool(isExempt))
            if isExempt { return Input(ranked: true, exempt: true, measure: .zero, threshold: nil) }
            let m = try E.number(try E.eval(measureExpr, rep, c), rule.range)
            let t = try belowExpr.map { e throws(EvalError) in try E.number(try E.eval(e, rep, c), rule.range) }
            return Input(ranked: true, exempt: false, measure: m, threshold: t)
        }
        for (i, rep) in population.enumerated() where inputs[i].ranked {
            if inputs[i].exempt {
                exempt.append(rep)
                continue
            }
            candidates.append((rep, inputs[i].measure))
            if let t = inputs[i].threshold {
                belowThreshold[rep] = t
                belowHit[rep] = inputs[i].measure < t
            }
        }
        let n = candidates.count
        var k = 0
        if let (size, rounding, _) = bottom {
            switch size {
            case .count(let count): k = min(count, n)
            case .share(let share):
                let raw = try R.arithmetic(rule.range) { () throws(ArithmeticError) in try share * Exact(n) }
                let mode: RoundingMode = rounding == .down ? .floor : (rounding == .up ? .ceiling : .halfAwayFromZero)
                let whole = try R.arithmetic(rule.range) { () throws(ArithmeticError) in Exact(integer: try raw.roundedUnits(scale: 0, mode: mode)) }
                k = Int(whole.floor())
            }
        }
        // Candidates are in rep_id order (the population is), so a stable
        // sort by measure breaks ties by rep_id.
        let sorted = candidates.enumerated().sorted { a, b in
            let cmp = Exact.compare(a.element.measure, b.element.measure)
            return cmp != 0 ? cmp < 0 : a.offset < b.offset
        }.map(\.element)
        var positions = [Int](repeating: 0, count: c.repCount)
        for (i, e) in sorted.enumerated() { positions[e.rep] = i + 1 }
        let cutoff: Exact? = k > 0 ? sorted[k - 1].measure : nil
        let includeTies = bottom?.2 ?? true
        for (rep, m) in candidates {
            var bottomHit = false
            if let cutoff {
                bottomHit = includeTies ? m <= cutoff : positions[rep] <= k
            }
            let below = belowHit[rep]
            let flagged = below || bottomHit
            var consecutive = 0
            if flagged {
                consecutive = 1
                if let p = c.previous, p.inPopulation[rep], let slot = rule.slots[.consecutive], case .number(let prev) = p.value(slot, rep) {
                    consecutive = Int(prev.floor()) + 1
                }
            }
            let level = flagged ? levels[min(consecutive, levels.count) - 1] : none
            write(c, rule.slots[.main], rep, .text(level))
            write(c, rule.slots[.flag], rep, .text(level))
            write(c, rule.slots[.flagged], rep, .bool(flagged))
            write(c, rule.slots[.consecutive], rep, .number(Exact(consecutive)))
            if traced.contains(rep) {
                note(
                    c, rule, rep, traced,
                    .elimination(
                        EliminationDetail(
                            exempt: false, evaluated: true, measure: m, below: belowThreshold[rep], belowHit: below, population: n, bottomCount: k,
                            cutoff: cutoff, position: positions[rep], bottomHit: bottomHit, flagged: flagged, consecutive: consecutive, level: level))
                )
            }
        }
        for rep in exempt where traced.contains(rep) {
            note(
                c, rule, rep, traced,
                .elimination(
                    EliminationDetail(
                        exempt: true, evaluated: true, measure: nil, below: nil, belowHit: false, population: n, bottomCount: k, cutoff: cutoff,
                        position: nil, bottomHit: false, flagged: false, consecutive: 0, level: none)))
        }
    }

    // MARK: - First movers

    static func firstMovers(_ rule: CompiledRule, _ c: Context, _ traced: Set<Int>) throws(EvalError) {
        guard case .productAward(_, let thresholdExpr, let inclusive, _, _, _, let fm?) = rule.body else { return }
        var contenders: [(rep: Int, entry: TxEntry, running: Exact)] = []
        var unreached: [Int] = []
        for rep in c.state.population {
            write(c, rule.slots[.firstMover], rep, .number(.zero))
            guard let slot = rule.slots[.breakthrough], c.slot(slot, rep) == .bool(true) else { continue }
            let threshold = try E.number(try E.eval(thresholdExpr, rep, c), rule.range)
            let r = E.reach(c.periodData.lists[fm.list].entries(of: rep), threshold, date: true, inclusive: inclusive)
            if let e = r.entry, let running = r.running {
                contenders.append((rep, e, running))
                write(c, rule.slots[.reachedOn], rep, .date(e.date))
            } else {
                unreached.append(rep)
            }
        }
        contenders.sort { a, b in
            if a.entry.date != b.entry.date { return a.entry.date < b.entry.date }
            if !CodePoint.equal(a.entry.deal, b.entry.deal) { return CodePoint.less(a.entry.deal, b.entry.deal) }
            return CodePoint.less(c.data.repIDs[a.rep], c.data.repIDs[b.rep])
        }
        for (i, x) in contenders.enumerated() {
            write(c, rule.slots[.rank], x.rep, .number(Exact(i + 1)))
            var award = Exact.zero
            if i < fm.count {
                var none: [Step]? = nil
                award = try R.round(try E.number(try E.eval(fm.award, x.rep, c), rule.range), rule.rounding, &none, rule.range)
                write(c, rule.slots[.firstMover], x.rep, .number(award))
            }
            if traced.contains(x.rep) {
                let sameDay = contenders.filter { $0.entry.date == x.entry.date && $0.rep != x.rep }.map { c.data.repIDs[$0.rep] }
                note(
                    c, rule, x.rep, traced,
                    .firstMover(
                        FirstMoverDetail(
                            breakthrough: true, reachedOn: x.entry.date, deal: x.entry.deal, runningTotal: x.running, position: i + 1,
                            contenders: contenders.count, winners: fm.count, award: award, sameDay: sameDay)))
            }
        }
        for rep in c.state.population where traced.contains(rep) && !contenders.contains(where: { $0.rep == rep }) {
            let broke = unreached.contains(rep)
            note(
                c, rule, rep, traced,
                .firstMover(
                    FirstMoverDetail(
                        breakthrough: broke, reachedOn: nil, deal: nil, runningTotal: nil, position: nil, contenders: contenders.count,
                        winners: fm.count, award: .zero, sameDay: [])))
        }
    }
}
