import PayplanCore
import PayplanLanguage

/// Tier patterns: a row `{from: 100000, every: 100000, rate: 3%, step: 1%,
/// max_rate: 6%}` stands for the tiers 100,000–200,000 at 3 %,
/// 200,000–300,000 at 4 %, … up to the tier at 6 %, which runs on to the
/// row's `to`, the next row's `from`, or without end. The checker generates
/// the rows; everything after it (lints, evaluation, explanations, charts,
/// `check --tree`) sees ordinary tiers.
extension CheckRun {
    /// `t` with each pattern row replaced by the tiers it generates (`t`
    /// itself when it has none); nil after reporting a pattern that cannot
    /// generate its tiers.
    mutating func expandPatterns(_ t: Tiers, _ name: String) -> Tiers? {
        guard t.rows.contains(where: { $0.pattern != nil }) else { return t }
        var rows: [TierRow] = []
        for (k, row) in t.rows.enumerated() {
            guard let pattern = row.pattern else {
                rows.append(row)
                continue
            }
            let next = k + 1 < t.rows.count ? t.rows[k + 1].from.value : nil
            guard let generated = generate(row, pattern, until: next, name, room: limits.shapeRows - rows.count) else { return nil }
            rows += generated
        }
        var expanded = t
        expanded.rows = rows
        return expanded
    }

    /// The tiers one pattern row stands for, ending at the row's `to` or at
    /// `next` (the following row's start), whichever comes first.
    mutating func generate(_ row: TierRow, _ p: TierPattern, until next: Exact?, _ name: String, room: Int) -> [TierRow]? {
        guard let rateExpr = row.rate, let first = rateExpr.constantNumber else {
            if let r = row.rate { _ = constantNumber(r, "the first rate of a tier pattern") }
            return nil
        }
        let problem: (String, SourceRange)? =
            if !p.every.value.isPositive {
                ("the width `every` of a tier pattern must be above 0, found \(p.every.value)", p.every.range)
            } else if !p.step.value.isPositive {
                ("the `step` of a tier pattern must be above 0, found \(p.step.value)", p.step.range)
            } else if p.maxRate.value < first {
                ("the pattern's `max_rate` \(p.maxRate.value) is below its first rate \(first)", p.maxRate.range)
            } else { nil }
        if let (message, range) = problem {
            error(CheckCode.tierPattern, message, at: range, help: "rates rise by `step` from `rate` to `max_rate`; write falling rates as rows")
            return nil
        }
        var end = row.to?.value
        if let n = next, end.map({ n < $0 }) ?? true { end = n }
        if let e = end, e <= row.from.value {
            error(CheckCode.tierBounds, "the tier pattern of \(name) ends (\(e)) at or before it starts (\(row.from.value))", at: row.range)
            return nil
        }
        // How many rates the pattern steps through: ⌈(max − first) ÷ step⌉ + 1.
        let steps = (try? ((p.maxRate.value - first) / p.step.value).roundedUnits(scale: 0, mode: .ceiling)) ?? Int128.max
        guard steps < Int128(room) else {
            error(
                CheckCode.tierPattern,
                "the tier pattern of \(name) would generate more than \(limits.shapeRows) tiers (Limits.shapeRows)", at: row.range,
                help: "use a larger `step` or write the tiers as rows")
            return nil
        }
        var out: [TierRow] = []
        var from = row.from.value
        var rate = first
        while true {
            let atMax = rate >= p.maxRate.value
            if atMax { rate = p.maxRate.value }
            var to: Exact? = atMax ? end : (try? from + p.every.value)
            if let e = end, let t = to, t >= e { to = e }
            let rateText = Expr(.number(rate, spelling: rate.description, exponent: false), rateExpr.range)
            out.append(
                TierRow(
                    from: Located(from, row.from.range), to: to.map { Located($0, row.to?.range ?? p.every.range) }, rate: rateText, amount: nil,
                    range: row.range))
            guard !atMax, let t = to, end.map({ t < $0 }) ?? true else { break }
            from = t
            rate = (try? rate + p.step.value) ?? p.maxRate.value
        }
        return out
    }
}
