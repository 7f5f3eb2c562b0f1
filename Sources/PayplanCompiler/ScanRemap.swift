import PayplanChecker
import PayplanCore
import PayplanLanguage

extension CompiledPlan {
    /// The same plan reading a different (larger) scan plan: accumulator and
    /// list indexes mapped through `accumulators` and `lists`. Used to read
    /// the data once for two plans (`payplan whatif`, `diff --data`).
    public func remapped(to scan: ScanPlan, accumulators: [Int], lists: [Int]) -> CompiledPlan {
        let copy = self.copy()
        copy.scan = scan
        copy.arena = arena.remapped(accumulators: accumulators, lists: lists)
        copy.nodes = nodes.map { node in
            guard case .rule(var r) = node else { return node }
            r.body = r.body.remapped(lists: lists)
            return .rule(r)
        }
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
