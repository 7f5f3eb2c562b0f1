import PayplanCompiler
import PayplanCore
import PayplanLanguage

extension CheckContext {
    var yearStart: CivilDate { CivilDate(year: plan.year.value, month: 1, day: 1)! }
    var yearEnd: CivilDate { CivilDate(year: plan.year.value, month: 12, day: 31)! }

    /// Whether the rep works on any day of the year planned.
    func activeInYear(_ r: HistoryRep) -> Bool { r.hire <= yearEnd && (r.exit.map { $0 >= yearStart } ?? true) }

    // MARK: Time

    mutating func time() -> ([Exact]?, WeightBasis) {
        switch plan.time {
        case .weights(let entries, let range):
            return (resolvePeriodWeights(entries, range), .explicit)
        case .seasonality(let base):
            guard base.value.kind == .year else {
                report(.seasonalityBaseNotYear(base.value), at: base.range)
                return (nil, .revenue(base: base.value))
            }
            var weights: [Exact] = []
            for p in plan.periods {
                let same = Period(kind: p.kind, year: base.value.year, index: p.index)
                guard let w = total(same) else {
                    report(.overflow(what: "the revenue of \(same)"), at: base.range)
                    return (nil, .revenue(base: base.value))
                }
                if w.isNegative { report(.negativeBaseRevenue(name: "the company", base: same, revenue: w.description), at: base.range) }
                weights.append(w)
            }
            if !hasErrors, !(weights.reduce(Exact.zero) { (try? $0 + $1) ?? $0 }).isPositive {
                report(.noBaseRevenue(base: base.value, what: "the company"), at: base.range)
            } else if weights.contains(where: \.isZero) {
                let empty = plan.periods.indices.filter { weights[$0].isZero }.map {
                    Period(kind: plan.periods[$0].kind, year: base.value.year, index: plan.periods[$0].index)
                }
                report(.seasonWithoutRevenue(periods: empty, base: base.value), at: base.range)
            }
            return (weights, .revenue(base: base.value))
        }
    }

    /// The period a weight key names: `Q1`, `2027-Q1`; `01`, `1`, `2027-01`.
    func period(forKey key: String) -> Period? {
        let kind = plan.period.value
        let year = plan.year.value
        if let p = Period(key), p.kind == kind, p.year == year { return p }
        switch kind {
        case .quarter:
            guard key.count == 2, key.first == "Q" || key.first == "q", let i = Int(key.dropFirst()), (1...4).contains(i) else { return nil }
            return Period(kind: .quarter, year: year, index: i)
        default:
            guard let i = Int(key), (1...12).contains(i), key.count <= 2, key.allSatisfy(\.isNumber) else { return nil }
            return Period(kind: .month, year: year, index: i)
        }
    }

    mutating func resolvePeriodWeights(_ entries: [WeightEntry], _ range: SourceRange) -> [Exact]? {
        let periods = plan.periods
        var weights = [Exact?](repeating: nil, count: periods.count)
        let shortKeys = plan.period.value == .quarter ? ["Q1", "Q2", "Q3", "Q4"] : (1...12).map { $0 < 10 ? "0\($0)" : "\($0)" }
        var ok = true
        for e in entries {
            guard let p = period(forKey: e.key.value), let i = periods.firstIndex(of: p) else {
                report(
                    .unknownPeriodKey(
                        key: e.key.value, year: plan.year.value, kind: plan.period.value,
                        suggestion: Suggest.closest(to: e.key.value, among: shortKeys)), at: e.key.range)
                ok = false
                continue
            }
            if weights[i] != nil {
                report(.duplicatePeriodKey(key: e.key.value, period: p), at: e.key.range)
                ok = false
                continue
            }
            if e.weight.value.isNegative {
                report(.negativeWeight(what: p.description), at: e.weight.range)
                ok = false
            }
            weights[i] = e.weight.value
        }
        let missing = periods.indices.filter { weights[$0] == nil }.map { periods[$0] }
        if !missing.isEmpty {
            report(.missingPeriods(missing), at: range)
            ok = false
        }
        guard ok else { return nil }
        return checkSum(weights.map { $0! }, "time", range)
    }

    /// Explicit weights must add up to exactly 1 (100 %).
    mutating func checkSum(_ weights: [Exact], _ what: String, _ range: SourceRange) -> [Exact]? {
        var sum = Exact.zero
        for w in weights {
            guard let s = try? sum + w else {
                report(.overflow(what: "the sum of the \(what) weights"), at: range)
                return nil
            }
            sum = s
        }
        guard sum == .one else {
            let percent = (try? sum * Exact(100)).map { Formatting.trimmed($0) + " %" } ?? sum.description
            report(.weightsSum(what: what, sum: percent), at: range)
            return nil
        }
        return weights
    }

    // MARK: Groups

    mutating func groups() -> ([String: Exact]?, WeightBasis) {
        let by = plan.groups.by.value
        let all = Set(history.reps.map { $0.group(by: by) })
        let active = Set(history.reps.filter(activeInYear).map { $0.group(by: by) })
        switch plan.groups.method {
        case .headcount:
            return (nil, .headcount)
        case .weights(let entries, let range):
            var out: [String: Exact] = [:]
            var ok = true
            for e in entries {
                guard all.contains(e.key.value) else {
                    report(
                        .unknownGroup(name: e.key.value, by: by, suggestion: Suggest.closest(to: e.key.value, among: all.sorted())), at: e.key.range)
                    ok = false
                    continue
                }
                if e.weight.value.isNegative {
                    report(.negativeWeight(what: "`\(e.key.value)`"), at: e.weight.range)
                    ok = false
                }
                out[e.key.value] = e.weight.value
            }
            let missing = active.filter { out[$0] == nil }.sorted { CodePoint.less($0, $1) }
            if !missing.isEmpty {
                report(.groupsMissing(names: missing, by: by), at: range)
                ok = false
            }
            guard ok, checkSum(Array(out.values), "team", range) != nil else { return (nil, .explicit) }
            return (out, .explicit)
        case .share(let base):
            var out: [String: Exact] = [:]
            for (i, r) in history.reps.enumerated() {
                guard let v = try? history.revenue(i, in: base.value), let s = try? (out[r.group(by: by)] ?? .zero) + v else {
                    report(.overflow(what: "the revenue of `\(r.group(by: by))` in \(base.value)"), at: base.range)
                    return (nil, .revenue(base: base.value))
                }
                out[r.group(by: by)] = s
            }
            var totalActive = Exact.zero
            for (g, v) in out.sorted(by: { CodePoint.less($0.key, $1.key) }) where active.contains(g) {
                if v.isNegative { report(.negativeBaseRevenue(name: "`\(g)`", base: base.value, revenue: v.description), at: base.range) }
                totalActive = (try? totalActive + v) ?? totalActive
            }
            if !hasErrors && !totalActive.isPositive {
                report(.noBaseRevenue(base: base.value, what: "the \(by)s with active reps"), at: base.range)
            }
            return (out, .revenue(base: base.value))
        }
    }

    // MARK: Reps

    mutating func repBases() -> ([Exact]?, WeightBasis) {
        guard case .share(let base) = plan.reps.method else { return (nil, .equal) }
        var out: [Exact] = []
        for (i, r) in history.reps.enumerated() {
            guard let v = try? history.revenue(i, in: base.value) else {
                report(.overflow(what: "the revenue of rep \(r.id) in \(base.value)"), at: base.range)
                return (nil, .revenue(base: base.value))
            }
            if activeInYear(r) {
                if v.isNegative {
                    report(.repNegativeBase(rep: r.id, base: base.value, revenue: v.description), at: base.range)
                } else if v.isZero {
                    report(.repNoBase(rep: r.id, base: base.value), at: base.range)
                }
            }
            out.append(v.isNegative ? .zero : v)
        }
        return (out, .revenue(base: base.value))
    }
}

/// Number text for messages and explanations.
enum Formatting {
    /// Up to 4 decimals, trailing zeros dropped: `20`, `33.3333…` is `33.3333`.
    static func trimmed(_ x: Exact, places: Int = 4) -> String {
        guard var text = try? x.formatted(scale: places, mode: .halfAwayFromZero) else { return x.description }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// `12,000,000` (thousands separators, decimals only when needed).
    static func amount(_ x: Exact, places: Int = 2) -> String {
        let text = trimmed(x, places: places)
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        var integer = String(parts[0])
        var grouped = ""
        while integer.count > 3 {
            grouped = "," + integer.suffix(3) + grouped
            integer = String(integer.dropLast(3))
        }
        grouped = integer + grouped
        if parts.count > 1 { grouped += "." + parts[1] }
        return (negative ? "−" : "") + grouped
    }

    /// `20 %`, `33.33 %`.
    static func percent(_ x: Exact, places: Int = 2) -> String {
        ((try? x * Exact(100)).map { trimmed($0, places: places) } ?? x.description) + " %"
    }
}
