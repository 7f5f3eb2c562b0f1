import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// Which part of a curve a value fell on.
public enum CurveRegion: Sendable, Equatable {
    case below
    /// Between points `index` and `index + 1` (0-based), or exactly on a point.
    case segment(Int)
    case above
    case single
}

/// How a shape turned its input into a value: what explanations print.
public enum ShapeDetail: Sendable {
    case curve(region: CurveRegion, x0: Exact?, y0: Exact?, x1: Exact?, y1: Exact?, below: Curve.Below, above: Curve.Above)
    case band(matched: [Int], hit: HitPolicy)
    case tiers(method: Tiers.Method, slices: [TierSlice], tier: Int?)
    case matrix(row: Int?, column: Int?)
}

public struct TierSlice: Sendable {
    public var tier: Int
    public var from: Exact
    public var to: Exact?
    public var portion: Exact
    public var rate: Exact?
    public var amount: Exact?
    public var pay: Exact
}

/// Evaluates the four payout shapes. Each returns its value and the branch
/// taken; the fast path simply ignores the branch.
public enum ShapeEvaluator {
    /// The shape's value and, when `detail` is true, the branch it took
    /// (the fast path passes false and allocates nothing).
    public static func evaluate(_ shape: CheckedShape, _ inputs: [Exact], detail: Bool = true) throws(EvalFailure) -> (Exact, ShapeDetail) {
        do {
            switch shape.kind {
            case .curve(let c): return try curve(c, inputs[0])
            case .band(let b, let values): return try band(b, values, inputs[0], detail: detail)
            case .tiers(let t, let rates, let amounts): return try tiers(t, rates, amounts, inputs[0], detail: detail)
            case .matrix(let m): return matrix(m, inputs[0], inputs[1])
            }
        } catch {
            throw error == .divisionByZero ? .divisionByZero : .overflow
        }
    }

    static func curve(_ c: Curve, _ x: Exact) throws(ArithmeticError) -> (Exact, ShapeDetail) {
        let p = c.points
        func detail(_ region: CurveRegion, _ i: Int?, _ j: Int?) -> ShapeDetail {
            .curve(
                region: region, x0: i.map { p[$0].x.value }, y0: i.map { p[$0].y.value }, x1: j.map { p[$0].x.value },
                y1: j.map { p[$0].y.value }, below: c.below.value, above: c.above.value)
        }
        func line(_ i: Int, _ j: Int) throws(ArithmeticError) -> Exact {
            let slope = try (p[j].y.value - p[i].y.value) / (p[j].x.value - p[i].x.value)
            return try p[i].y.value + (x - p[i].x.value) * slope
        }
        if p.count == 1 {
            if x < p[0].x.value {
                switch c.below.value {
                case .zero: return (.zero, detail(.below, 0, nil))
                case .first, .extend: return (p[0].y.value, detail(.below, 0, nil))
                }
            }
            return (p[0].y.value, detail(.single, 0, nil))
        }
        if x < p[0].x.value {
            switch c.below.value {
            case .zero: return (.zero, detail(.below, 0, nil))
            case .first: return (p[0].y.value, detail(.below, 0, nil))
            case .extend: return (try line(0, 1), detail(.below, 0, 1))
            }
        }
        let last = p.count - 1
        if x >= p[last].x.value {
            switch c.above.value {
            case .flat: return (p[last].y.value, detail(.above, last, nil))
            case .extend: return (try line(last - 1, last), detail(.above, last - 1, last))
            }
        }
        // Binary search for the segment with x_i ≤ x < x_{i+1}.
        var lo = 0
        var hi = last
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if p[mid].x.value <= x { lo = mid } else { hi = mid }
        }
        return (try line(lo, lo + 1), detail(.segment(lo), lo, lo + 1))
    }

    static func band(_ b: Band, _ valueExprs: [TExpr], _ x: Exact, detail: Bool) throws(ArithmeticError) -> (Exact, ShapeDetail) {
        let hit = b.hit.value
        if hit == .first || hit == .unique {
            // One matching row is all these policies need.
            guard let i = b.rows.firstIndex(where: { $0.test.contains(x) }) else { return (.zero, .band(matched: [], hit: hit)) }
            return (valueExprs[i].constantValue ?? .zero, .band(matched: detail ? [i] : [], hit: hit))
        }
        let values = valueExprs.map { $0.constantValue ?? .zero }
        var matched: [Int] = []
        for (i, row) in b.rows.enumerated() where row.test.contains(x) { matched.append(i) }
        switch hit {
        case .first, .unique:
            return (.zero, .band(matched: [], hit: hit))
        case .collectSum:
            var sum = Exact.zero
            for i in matched { sum = try sum + values[i] }
            return (sum, .band(matched: matched, hit: hit))
        case .max:
            guard var best = matched.first else { return (.zero, .band(matched: [], hit: hit)) }
            for i in matched where values[i] > values[best] { best = i }
            return (values[best], .band(matched: matched, hit: hit))
        }
    }

    /// Where tier `i` ends: its `to`, or the next tier's start, or nowhere.
    static func upper(_ t: Tiers, _ i: Int) -> Exact? {
        t.rows[i].to?.value ?? (i + 1 < t.rows.count ? t.rows[i + 1].from.value : nil)
    }

    static func tiers(_ t: Tiers, _ rateExprs: [TExpr?], _ amountExprs: [TExpr?], _ x: Exact, detail: Bool) throws(ArithmeticError) -> (
        Exact, ShapeDetail
    ) {
        func rates(_ i: Int) -> Exact? { rateExprs[i]?.constantValue }
        func amounts(_ i: Int) -> Exact? { amountExprs[i]?.constantValue }
        switch t.method.value {
        case .marginal:
            var total = Exact.zero
            var slices: [TierSlice] = []
            var last: Int?
            for i in t.rows.indices {
                let from = t.rows[i].from.value
                guard x > from else { break }
                let to = upper(t, i)
                let top = to.map { Swift.min($0, x) } ?? x
                let portion = try top - from
                var pay = Exact.zero
                if let r = rates(i) { pay = try portion * r }
                if let a = amounts(i), let to { pay = try a * portion / (to - from) }
                total = try total + pay
                last = i
                if detail { slices.append(TierSlice(tier: i, from: from, to: to, portion: portion, rate: rates(i), amount: amounts(i), pay: pay)) }
            }
            return (total, .tiers(method: .marginal, slices: slices, tier: last))
        case .retroactive:
            var found: Int?
            for i in t.rows.indices {
                let from = t.rows[i].from.value
                let to = upper(t, i)
                let inside: Bool
                switch t.boundary.value {
                case .higher:
                    inside = x >= from && (to.map { x < $0 } ?? true)
                case .lower:
                    inside = (x > from || (i == 0 && x == from)) && (to.map { x <= $0 } ?? true)
                }
                if inside {
                    found = i
                    break
                }
            }
            guard let i = found else { return (.zero, .tiers(method: .retroactive, slices: [], tier: nil)) }
            var pay = Exact.zero
            if let r = rates(i) { pay = try x * r }
            if let a = amounts(i) { pay = a }
            let slices =
                detail
                ? [TierSlice(tier: i, from: t.rows[i].from.value, to: upper(t, i), portion: x, rate: rates(i), amount: amounts(i), pay: pay)] : []
            return (pay, .tiers(method: .retroactive, slices: slices, tier: i))
        }
    }

    static func pick(_ tests: [UnaryTest], _ x: Exact) -> Int? {
        tests.firstIndex { $0.contains(x) }
    }

    static func matrix(_ m: Matrix, _ x: Exact, _ y: Exact) -> (Exact, ShapeDetail) {
        let r = pick(m.rowTests, x)
        let c = pick(m.columnTests, y)
        guard let r, let c else { return (.zero, .matrix(row: r, column: c)) }
        return (m.values[r][c].value, .matrix(row: r, column: c))
    }
}
