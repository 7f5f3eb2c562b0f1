import PayplanCore
import PayplanLanguage

/// Table lints: curves that do not increase, bands that overlap or leave
/// gaps, rows masked by earlier ones, tiers that claim a boundary twice.
extension CheckRun {
    mutating func lintCurve(_ c: Curve, _ name: String) {
        for k in c.points.indices.dropFirst() {
            let a = c.points[k - 1]
            let b = c.points[k]
            if b.x.value <= a.x.value {
                error(
                    CheckCode.curveOrder,
                    "curve points must increase: point \(k + 1) (x = \(b.x.value)) does not come after point \(k) (x = \(a.x.value))",
                    at: b.x.range, help: "list the points in increasing order of x; use a tier table for a step")
                return
            }
        }
        for k in c.points.indices.dropFirst() {
            let a = c.points[k - 1]
            let b = c.points[k]
            if b.y.value < a.y.value {
                warning(
                    LintCode.curveNotMonotone,
                    "the curve of \(name) pays less at x = \(b.x.value) (\(b.y.value)) than at x = \(a.x.value) (\(a.y.value)): it is not monotone",
                    at: b.y.range)
            }
        }
        if c.below.value == .zero, let first = c.points.first, first.y.value.isZero, c.points.count > 1 {
            // Harmless: the gate pays 0 and so does the first point.
            _ = first
        }
    }

    mutating func lintBand(_ b: Band, _ name: String) {
        lintTests(b.rows.map(\.test), hit: b.hit.value, what: "the band of \(name)", rowWord: "row")
    }

    mutating func lintAxis(_ tests: [UnaryTest], hit: HitPolicy, what: String) {
        lintTests(tests, hit: hit, what: what, rowWord: "band")
    }

    /// Splits the number line at every bound the tests mention and checks
    /// each piece: covered twice (overlap), never (gap), or only by rows
    /// that an earlier row already covers (masked).
    mutating func lintTests(_ tests: [UnaryTest], hit: HitPolicy, what: String, rowWord: String) {
        var points: [Exact] = []
        for t in tests {
            if case .interval(let lo, _, let hi, _) = t.kind {
                if let lo { points.append(lo) }
                if let hi { points.append(hi) }
            }
        }
        points = Array(Set(points)).sorted()
        // Representatives: below all, each point, between points, above all.
        var pieces: [(value: Exact, describe: String)] = []
        let two = Exact(2)
        if points.isEmpty {
            pieces.append((.zero, "any value"))
        } else {
            if let below = try? points[0] - .one { pieces.append((below, "values below \(points[0])")) }
            for (k, p) in points.enumerated() {
                pieces.append((p, "exactly \(p)"))
                if k + 1 < points.count, let mid = try? (p + points[k + 1]) / two {
                    pieces.append((mid, "values between \(p) and \(points[k + 1])"))
                }
            }
            if let above = try? points[points.count - 1] + .one { pieces.append((above, "values above \(points[points.count - 1])")) }
        }
        var covered = [[Int]](repeating: [], count: pieces.count)
        for (r, t) in tests.enumerated() {
            for (k, piece) in pieces.enumerated() where t.contains(piece.value) { covered[k].append(r) }
        }
        if hit == .unique {
            for (k, rows) in covered.enumerated() where rows.count > 1 {
                error(
                    CheckCode.uniqueOverlap,
                    "\(what) has hit policy `unique`, but \(rowWord)s \(rows[0] + 1) and \(rows[1] + 1) both match \(pieces[k].describe)",
                    at: tests[rows[1]].range, notes: [.init("\(rowWord) \(rows[0] + 1) is here", at: tests[rows[0]].range)],
                    help: "make the \(rowWord)s disjoint, e.g. `[0.7, 0.9)` and `>= 0.9`, or use `hit: first`")
                return
            }
        }
        if hit == .first {
            for (r, t) in tests.enumerated() where r > 0 {
                let mine = covered.indices.filter { covered[$0].contains(r) }
                if !mine.isEmpty, mine.allSatisfy({ covered[$0].first! < r }) {
                    let maskers = Set(mine.map { covered[$0].first! + 1 }).sorted()
                    warning(
                        LintCode.unreachableRow,
                        "\(rowWord) \(r + 1) of \(what) can never match: \(rowWord) \(maskers.map(String.init).joined(separator: ", ")) above it \(maskers.count == 1 ? "catches" : "catch") every value it tests",
                        at: t.range, help: "with `hit: first` the first matching \(rowWord) wins; put narrower \(rowWord)s first")
                }
            }
        }
        if hit != .collectSum {
            let gaps = covered.indices.filter { covered[$0].isEmpty }.map { pieces[$0].describe }
            if !gaps.isEmpty, let first = tests.first {
                warning(
                    LintCode.tableGap,
                    "\(what) matches no \(rowWord) for \(gaps.prefix(3).joined(separator: "; "))\(gaps.count > 3 ? "; …" : ""); such values get 0",
                    at: first.range, help: "add an `else` \(rowWord) to say what they get")
            }
        }
    }

    mutating func lintTiers(_ t: Tiers, _ name: String) {
        for k in t.rows.indices {
            let row = t.rows[k]
            if let to = row.to, to.value <= row.from.value {
                error(CheckCode.tierBounds, "tier \(k + 1) of \(name) ends (\(to.value)) at or before it starts (\(row.from.value))", at: to.range)
                return
            }
            if k > 0 {
                let prev = t.rows[k - 1]
                if row.from.value <= prev.from.value {
                    error(
                        CheckCode.tierOrder,
                        "tiers must be listed in increasing order: tier \(k + 1) starts at \(row.from.value), not after tier \(k) (\(prev.from.value))",
                        at: row.from.range)
                    return
                }
                if let to = prev.to {
                    if to.value > row.from.value {
                        error(
                            CheckCode.tierOverlap,
                            "tiers \(k) and \(k + 1) of \(name) both claim \(row.from.value)…\(to.value): tier \(k) ends at \(to.value) but tier \(k + 1) starts at \(row.from.value)",
                            at: row.from.range, notes: [.init("tier \(k) ends here", at: to.range)],
                            help: "let each tier start where the previous one ends; say which tier a boundary value takes with `on_boundary`")
                        return
                    }
                    if to.value < row.from.value {
                        warning(
                            LintCode.tierGap,
                            "values between \(to.value) and \(row.from.value) fall between tiers \(k) and \(k + 1) of \(name) and earn nothing",
                            at: row.from.range)
                    }
                }
            }
        }
        if t.method.value == .marginal, let last = t.rows.last, last.amount != nil, last.to == nil {
            error(
                CheckCode.amountTierWithoutEnd,
                "the last tier pays an `amount` for the whole tier, so it needs `to` (its end) to interpolate within it",
                at: last.range)
        }
    }
}
