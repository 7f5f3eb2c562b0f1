import PayplanCore
import PayplanLanguage

/// The order in which metrics and filters are typed: every definition after
/// the ones it reads, found by an iterative depth-first search over the names
/// each formula mentions. Typing in this order never recurses from one
/// definition into another, so a chain of 2,000 metrics written in reverse
/// order needs no more stack than one formula does (checker recursion over
/// such chains overflowed the stack). A cycle is reported here, with the path
/// the lazy typing used to report, and its members are marked as failed.
struct DefinitionOrder {
    /// Post-order over `count` definitions: each after everything it reads.
    /// `references(i)` lists what definition `i` reads, in source order;
    /// `cycle(path, closing)` is told of each cycle whose members have not
    /// failed yet and returns the members to mark as failed.
    static func postOrder(
        count: Int, references: (Int) -> [Int], failed: (Int) -> Bool, cycle: (_ path: [Int], _ closing: Int) -> Void
    ) -> [Int] {
        enum Mark { case new, open, done }
        var marks = [Mark](repeating: .new, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        for root in 0..<count where marks[root] == .new {
            var stack: [(node: Int, refs: [Int], next: Int)] = [(root, references(root), 0)]
            marks[root] = .open
            while !stack.isEmpty {
                let top = stack.count - 1
                guard stack[top].next < stack[top].refs.count else {
                    marks[stack[top].node] = .done
                    order.append(stack[top].node)
                    stack.removeLast()
                    continue
                }
                let v = stack[top].refs[stack[top].next]
                stack[top].next += 1
                guard v != stack[top].node else { continue }  // reading itself: the checker says so at the name
                switch marks[v] {
                case .new:
                    marks[v] = .open
                    stack.append((v, references(v), 0))
                case .open:
                    guard !failed(v), let start = stack.firstIndex(where: { $0.node == v }) else { continue }
                    cycle(stack[start...].map(\.node), v)
                case .done:
                    continue
                }
            }
        }
        return order
    }

    /// The metrics a rep-level formula reads in the same period, in source
    /// order: not inside aggregates over transactions (their arguments are
    /// read per transaction), not the name given to `previous` (an earlier
    /// period's value, which may be the metric itself).
    static func metricReferences(_ e: Expr, metricIndex: [String: Int]) -> [Int] {
        let tables: Set<String> = ["rep", "target", "tx", "product"]
        var out: [Int] = []
        var stack: [Expr] = [e]
        while let n = stack.popLast() {
            switch n.kind {
            case .name(let parts):
                let head = parts[0].text
                if tables.contains(head) && !(parts.count == 1 && metricIndex[head] != nil) { continue }
                if let i = metricIndex[head] { out.append(i) }
            case .unary(_, let x): stack.append(x)
            case .binary(_, let l, let r): stack += [r, l]
            case .conditional(let c, let t, let f): stack += [f, t, c]
            case .over(let value, let group): stack += [group, value]
            case .call(let fn, let args, let filter):
                // An aggregate over reps reads each member's metrics, and its
                // `where` is a condition on a rep.
                if let first = args.first, case .over = first.kind {
                    stack += args.reversed()
                    if let filter { stack.append(filter) }
                    continue
                }
                switch fn.text {
                case "sum", "min", "max", "count": continue
                case "reach_date", "reach_deal": stack += args.dropFirst().reversed()
                case "previous": stack += args.dropFirst().reversed()
                default: stack += args.reversed()
                }
            default: continue
            }
        }
        return out
    }

    /// The filters a transaction-level condition names, in source order.
    static func filterReferences(_ e: Expr, filterIndex: [String: Int]) -> [Int] {
        e.names.compactMap { $0.parts.count == 1 ? filterIndex[$0.parts[0].text] : nil }
    }
}

extension CheckRun {
    /// Types every filter and metric in dependency order (see `DefinitionOrder`).
    mutating func typeDefinitionsInOrder() {
        let filterIndex = x.filterIndex
        let filterOrder = DefinitionOrder.postOrder(
            count: plan.filters.count,
            references: { DefinitionOrder.filterReferences(plan.filters[$0].condition, filterIndex: filterIndex) },
            failed: { _ in false },
            cycle: { path, closing in
                let name = plan.filters[closing].name
                x.error(CheckCode.cycle, "filter `\(name.value)` refers to itself", at: name.range)
                x.filterFailed.formUnion(path)
            })
        for i in filterOrder { _ = x.filter(i) }
        let metricIndex = x.metricIndex
        let metricOrder = DefinitionOrder.postOrder(
            count: plan.metrics.count,
            references: { DefinitionOrder.metricReferences(plan.metrics[$0].formula, metricIndex: metricIndex) },
            failed: { x.metricFailed.contains($0) },
            cycle: { path, closing in
                x.reportMetricCycle(path, closing: closing)
            })
        for i in metricOrder { _ = x.metric(i) }
    }
}
