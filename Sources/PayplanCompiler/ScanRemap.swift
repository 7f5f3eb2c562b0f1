import PayplanChecker
import PayplanCore
import PayplanLanguage

extension CompiledPlan {
    /// The same nodes rebuilt with fresh expression boxes (no shared objects).
    public func privateCopy(of nodes: [TreeNode]) -> [TreeNode] {
        let identityAccumulators = Array(scan.accumulators.indices)
        let identityLists = Array(scan.lists.indices)
        var copy = self
        copy.nodes = nodes
        return copy.remapped(to: scan, accumulators: identityAccumulators, lists: identityLists).nodes
    }

    /// The same plan reading a different (larger) scan plan: accumulator and
    /// list indexes mapped through `accumulators` and `lists`. Used to read
    /// the data once for two plans (`payplan whatif`, `diff --data`).
    public func remapped(to scan: ScanPlan, accumulators: [Int], lists: [Int]) -> CompiledPlan {
        func map(_ e: CExpr) -> CExpr {
            switch e {
            case .aggregate(let i): return .aggregate(accumulators[i])
            case .reach(let l, let d, let t): return .reach(list: lists[l], date: d, threshold: map(t))
            case .negate(let x, let r): return .negate(map(x), r)
            case .not(let x): return .not(map(x))
            case .binary(let op, let a, let b, let r): return .binary(op, map(a), map(b), r)
            case .and(let a, let b): return .and(map(a), map(b))
            case .or(let a, let b): return .or(map(a), map(b))
            case .conditional(let a, let b, let c): return .conditional(map(a), map(b), map(c))
            case .function(let f, let args, let r): return .function(f, args.map(map), r)
            case .coalesce(let a, let b): return .coalesce(map(a), map(b))
            case .shape(let i, let args): return .shape(i, args.map(map))
            case .previous(let s, let f): return .previous(slot: s, fallback: f.map(map))
            case .groupAggregate(let k, let x): return .groupAggregate(k, map(x))
            default: return e
            }
        }
        func limits(_ l: CompiledLimiters) -> CompiledLimiters {
            CompiledLimiters(gate: l.gate.map(map), floor: l.floor.map(map), cap: l.cap.map(map))
        }
        var copy = self
        copy.scan = scan
        copy.nodes = nodes.map { node in
            switch node {
            case .metric(let i, let slot, let expr): return .metric(index: i, slot: slot, expr: map(expr))
            case .total(var t):
                t.cap = t.cap.map(map)
                t.floor = t.floor.map(map)
                return .total(t)
            case .rule(var r):
                switch r.body {
                case .attainmentBonus(let base, let measure, let shape, let inputs, let multipliers, let l):
                    r.body = .attainmentBonus(
                        base: map(base), measure: map(measure), shape: shape, inputs: inputs.map(map),
                        multipliers: multipliers.map { m in
                            var m = m
                            m.inputs = m.inputs.map(map)
                            m.factor = m.factor.map(map)
                            return m
                        }, limits: limits(l))
                case .productAward(let measure, let threshold, let inclusive, let award, let rate, let l, let fm):
                    r.body = .productAward(
                        measure: map(measure), threshold: map(threshold), inclusive: inclusive, award: map(award), rateAbove: rate.map(map),
                        limits: limits(l), firstMovers: fm.map { CompiledFirstMovers(count: $0.count, award: map($0.award), list: lists[$0.list]) })
                case .teamRanking(let groupBy, let members, let score, let eligible, let order, let prizes, let breakers, let split, let exclude):
                    var s = split
                    if case .proRata(let w) = split { s = .proRata(map(w)) }
                    r.body = .teamRanking(
                        groupBy: map(groupBy), members: members.map(map), score: map(score), eligible: eligible.map(map), order: order,
                        prizes: prizes, breakers: breakers.map { (map($0.0), $0.1) }, split: s, exclude: exclude.map(map))
                case .elimination(let measure, let among, let exempt, let below, let bottom, let levels, let none):
                    r.body = .elimination(
                        measure: map(measure), among: among.map(map), exempt: exempt.map(map), below: below.map(map), bottom: bottom,
                        levels: levels, none: none)
                case .commission(let list, let rateOn, let shape, let l):
                    r.body = .commission(list: lists[list], rateOn: rateOn, shape: shape, limits: limits(l))
                case .formula(let value, let l):
                    r.body = .formula(value: map(value), limits: limits(l))
                }
                return .rule(r)
            }
        }
        copy.output = output.map { c in
            var c = c
            c.expr = map(c.expr)
            return c
        }
        copy.populationWhen = populationWhen.map(map)
        copy.populationRequire = populationRequire.map { (map($0.0), $0.1, $0.2) }
        return copy
    }
}

public enum ScanUnion {
    /// One scan serving two plans, and both plans remapped onto it; nil when
    /// the plans read different files or columns (then each reads its own).
    public static func merge(_ a: CompiledPlan, _ b: CompiledPlan) -> (CompiledPlan, CompiledPlan)? {
        for kind in TableKind.allCases {
            let x = a.plan.data.table(kind)
            let y = b.plan.data.table(kind)
            guard x.file == y.file, x.columns == y.columns else { return nil }
        }
        var union = ScanPlan(txColumns: a.scan.txColumns, accumulators: [], lists: [], filters: [])
        var filterKeys: [String: Int] = [:]
        var accumulatorKeys: [String: Int] = [:]
        var listKeys: [String: Int] = [:]
        func filter(_ i: Int?, _ scan: ScanPlan) -> Int? {
            guard let i else { return nil }
            let f = scan.filters[i]
            let key = String(describing: f.expr)
            if let j = filterKeys[key] { return j }
            union.filters.append(f)
            filterKeys[key] = union.filters.count - 1
            return union.filters.count - 1
        }
        func add(_ plan: CompiledPlan) -> (accumulators: [Int], lists: [Int]) {
            var accs: [Int] = []
            for acc in plan.scan.accumulators {
                let f = filter(acc.filter, plan.scan)
                let key = "\(acc.kind)|\(String(describing: acc.value))|\(f.map(String.init) ?? "-")"
                if let j = accumulatorKeys[key] {
                    accs.append(j)
                } else {
                    var copy = acc
                    copy.filter = f
                    union.accumulators.append(copy)
                    accumulatorKeys[key] = union.accumulators.count - 1
                    accs.append(union.accumulators.count - 1)
                }
            }
            var lists: [Int] = []
            for list in plan.scan.lists {
                let f = filter(list.filter, plan.scan)
                let key = "\(String(describing: list.value))|\(f.map(String.init) ?? "-")"
                if let j = listKeys[key] {
                    lists.append(j)
                } else {
                    var copy = list
                    copy.filter = f
                    union.lists.append(copy)
                    listKeys[key] = union.lists.count - 1
                    lists.append(union.lists.count - 1)
                }
            }
            return (accs, lists)
        }
        let ma = add(a)
        let mb = add(b)
        return (
            a.remapped(to: union, accumulators: ma.accumulators, lists: ma.lists),
            b.remapped(to: union, accumulators: mb.accumulators, lists: mb.lists)
        )
    }
}
