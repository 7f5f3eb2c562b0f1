import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanLanguage
import PayplanReports

/// Two plans' payouts for the same period side by side: who gains, who
/// loses, what it costs. Reps are matched by rep_id; a rep paid under one
/// plan only counts as 0 under the other.
public struct WhatIfReport: Sendable {
    public struct Row: Sendable {
        public var repID: String
        public var name: String
        public var team: String
        public var base: Exact
        public var candidate: Exact
        public var delta: Exact
        /// Relative change; nil when the base is 0.
        public var percent: Exact?
        /// Per payout rule: (base, candidate); nil where the plan has no such rule.
        public var components: [(Exact?, Exact?)]
        public var baseFlag: String?
        public var candidateFlag: String?
        /// Paid under the base plan (in its population); a rep only the
        /// candidate pays is "new".
        public var inBase: Bool = true
    }

    public struct FlagChange: Sendable {
        public var repID: String
        public var rule: String
        public var from: String
        public var to: String
    }

    public struct TeamChange: Sendable {
        public var rule: String
        public var group: String
        public var baseRank: Int?
        public var candidateRank: Int?
        public var basePrize: Exact
        public var candidatePrize: Exact
    }

    public var period: Period
    public var baseName: String
    public var candidateName: String
    public var baseFingerprint: String
    public var candidateFingerprint: String
    public var components: [String]
    /// Sorted by |delta| descending, then rep_id.
    public var rows: [Row]
    public var baseCost: Exact
    public var candidateCost: Exact
    public var up: Int
    public var down: Int
    public var unchanged: Int
    public var flagChanges: [FlagChange]
    public var teamChanges: [TeamChange]
    /// How many changed reps the terminal table lists.
    public var top: Int
    /// How many of the largest gains and losses the summary names (at most).
    static let summaryNames = 5
    /// Each side is printed at its own plan's rounding; differences at the
    /// finer of the two (a candidate paying to 12 decimals is not shown as
    /// "+¥0.00").
    let baseFormatter: Formatter
    let candidateFormatter: Formatter
    let deltaFormatter: Formatter

    public var delta: Exact { (try? candidateCost - baseCost) ?? .zero }

    public init(base: EvaluationResult, candidate: EvaluationResult, baseFingerprint: String, candidateFingerprint: String, top: Int = 20) {
        baseFormatter = Formatter(plan: base.plan.plan)
        candidateFormatter = Formatter(plan: candidate.plan.plan)
        var finer = baseFormatter
        finer.rounding.scale = max(baseFormatter.rounding.scale, candidateFormatter.rounding.scale)
        deltaFormatter = finer
        period = base.period
        baseName = base.plan.plan.name.value
        candidateName = candidate.plan.plan.name.value
        self.baseFingerprint = baseFingerprint
        self.candidateFingerprint = candidateFingerprint
        self.top = top
        let baseRules = WhatIfReport.payoutRules(base.plan)
        let candidateRules = WhatIfReport.payoutRules(candidate.plan)
        var names = baseRules.map(\.0)
        for (n, _) in candidateRules where !names.contains(n) { names.append(n) }
        components = names
        // Reps are walked by index: both results read the same reps.csv, so
        // a rep has the same index under both plans (checked, else mapped by
        // id). String-keyed lookups per rep made this the slowest part of
        // a what-if.
        let data = base.data
        let sameReps = data.repIDs == candidate.data.repIDs
        let candidateIndex: [Int?] = data.repIDs.indices.map { sameReps ? $0 : candidate.data.repIndex(data.repIDs[$0]) }
        var extraCandidates: [Int] = []
        if !sameReps {
            for rep in candidate.current.population where base.data.repIndex(candidate.data.repIDs[rep]) == nil { extraCandidates.append(rep) }
        }
        let baseTotals = WhatIfReport.totals(base)
        let candidateTotals = WhatIfReport.totals(candidate)
        let baseFlags = WhatIfReport.flags(base)
        let candidateFlags = WhatIfReport.flags(candidate)
        let baseSlots = names.map { n in baseRules.first { $0.0 == n }?.1 }
        let candidateSlots = names.map { n in candidateRules.first { $0.0 == n }?.1 }
        // (result, rep) pairs in rep_id order: the base's reps and the candidate's.
        var order: [(base: Int?, candidate: Int?)] = []
        for rep in data.repOrder {
            let c = candidateIndex[rep]
            if base.current.inPopulation[rep] || (c.map { candidate.current.inPopulation[$0] } ?? false) { order.append((rep, c)) }
        }
        if !extraCandidates.isEmpty {
            order += extraCandidates.map { (nil, $0) }
            order.sort { x, y in
                CodePoint.less(
                    x.base.map { data.repIDs[$0] } ?? candidate.data.repIDs[x.candidate!],
                    y.base.map { data.repIDs[$0] } ?? candidate.data.repIDs[y.candidate!])
            }
        }
        var rows: [Row] = []
        rows.reserveCapacity(order.count)
        var up = 0
        var down = 0
        var same = 0
        var baseCost = Exact.zero
        var candidateCost = Exact.zero
        func component(_ r: EvaluationResult, _ slot: Int?, _ rep: Int?) -> Exact? {
            guard let slot else { return nil }
            guard let rep, r.current.inPopulation[rep] else { return .zero }
            return r.current.value(slot, rep).number
        }
        for (bRep, cRep) in order {
            let b = bRep.flatMap { baseTotals[$0] } ?? .zero
            let c = cRep.flatMap { candidateTotals[$0] } ?? .zero
            baseCost = (try? baseCost + b) ?? baseCost
            candidateCost = (try? candidateCost + c) ?? candidateCost
            let d = (try? c - b) ?? .zero
            if d.isPositive { up += 1 } else if d.isNegative { down += 1 } else { same += 1 }
            let percent: Exact? = b.isZero ? nil : (try? d / b.absolute() * Exact(100))
            let comps: [(Exact?, Exact?)] = names.indices.map { k in
                (component(base, baseSlots[k], bRep), component(candidate, candidateSlots[k], cRep))
            }
            let (id, name, team) = bRep.map { WhatIfReport.who(base, $0) } ?? WhatIfReport.who(candidate, cRep!)
            rows.append(
                Row(
                    repID: id, name: name, team: team, base: b, candidate: c, delta: d, percent: percent, components: comps,
                    baseFlag: bRep.flatMap { baseFlags[$0].first?.1 }, candidateFlag: cRep.flatMap { candidateFlags[$0].first?.1 },
                    inBase: bRep.map { base.current.inPopulation[$0] } ?? false))
        }
        // Rows are in rep_id order here: sort positions by |delta|, ties by
        // position, so equal deltas stay in rep_id order.
        let magnitudes = rows.map { (try? $0.delta.absolute()) ?? .zero }
        let sorted = rows.indices.sorted { x, y in magnitudes[x] != magnitudes[y] ? magnitudes[x] > magnitudes[y] : x < y }
        self.rows = sorted.map { rows[$0] }
        self.baseCost = baseCost
        self.candidateCost = candidateCost
        self.up = up
        self.down = down
        unchanged = same
        var flagChanges: [FlagChange] = []
        for (bRep, cRep) in order {
            let beforeList = bRep.map { baseFlags[$0] } ?? []
            let afterList = cRep.map { candidateFlags[$0] } ?? []
            // Most reps keep their flags: no dictionaries for them.
            if beforeList.elementsEqual(afterList, by: { $0.0 == $1.0 && $0.1 == $1.1 }) { continue }
            let id = bRep.map { data.repIDs[$0] } ?? candidate.data.repIDs[cRep!]
            let before = Dictionary(beforeList, uniquingKeysWith: { a, _ in a })
            let after = Dictionary(afterList, uniquingKeysWith: { a, _ in a })
            for rule in Set(before.keys).union(after.keys).sorted() where before[rule] != after[rule] {
                flagChanges.append(FlagChange(repID: id, rule: rule, from: before[rule] ?? "—", to: after[rule] ?? "—"))
            }
        }
        self.flagChanges = flagChanges
        let baseTeams = WhatIfReport.teams(base)
        let candidateTeams = WhatIfReport.teams(candidate)
        var teamChanges: [TeamChange] = []
        for key in Set(baseTeams.keys).union(candidateTeams.keys).sorted() {
            let b = baseTeams[key]
            let c = candidateTeams[key]
            if b?.rank != c?.rank || b?.prize != c?.prize {
                let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                teamChanges.append(
                    TeamChange(
                        rule: parts[0], group: parts.count > 1 ? parts[1] : "", baseRank: b?.rank, candidateRank: c?.rank,
                        basePrize: b?.prize ?? .zero, candidatePrize: c?.prize ?? .zero))
            }
        }
        self.teamChanges = teamChanges
    }

    // MARK: - Reading results

    static func payoutRules(_ plan: CompiledPlan) -> [(String, Int)] {
        var out: [(String, Int)] = []
        for case .rule(let r) in plan.nodes {
            for (name, s) in r.slots(.payout) { out.append((name.isEmpty ? r.name : "\(r.name).\(name)", s)) }
        }
        return out
    }

    /// Per rep index: the total paid, nil outside the population.
    static func totals(_ r: EvaluationResult) -> [Exact?] {
        var out = [Exact?](repeating: nil, count: r.data.repCount)
        let rules = payoutRules(r.plan)
        for rep in r.current.population {
            if let slot = r.plan.symbolSlots[.total] {
                out[rep] = r.current.value(slot, rep).number ?? .zero
            } else {
                var sum = Exact.zero
                for (_, s) in rules { sum = (try? sum + (r.current.value(s, rep).number ?? .zero)) ?? sum }
                out[rep] = sum
            }
        }
        return out
    }

    static func who(_ r: EvaluationResult, _ rep: Int) -> (String, String, String) {
        let name = r.data.reps.columnIndex("name").map { r.data.reps.text($0, rep) } ?? ""
        let team = r.data.reps.columnIndex("team").map { r.data.reps.text($0, rep) } ?? ""
        return (r.data.repIDs[rep], name, team)
    }

    /// Per rep index: [(flag rule, level)].
    static func flags(_ r: EvaluationResult) -> [[(String, String)]] {
        var out = [[(String, String)]](repeating: [], count: r.data.repCount)
        for case .rule(let rule) in r.plan.nodes where rule.isFlag {
            guard let slot = rule.slots(.flag).first?.slot else { continue }
            for rep in r.current.population {
                if case .text(let level) = r.current.value(slot, rep) { out[rep].append((rule.name, level)) }
            }
        }
        return out
    }

    /// "rule\0group" → (rank, prize).
    static func teams(_ r: EvaluationResult) -> [String: (rank: Int?, prize: Exact)] {
        var out: [String: (rank: Int?, prize: Exact)] = [:]
        for case .rule(let rule) in r.plan.nodes {
            guard let g = rule.slots(.group).first?.slot, let rank = rule.slots(.rank).first?.slot, let prize = rule.slots(.prize).first?.slot
            else { continue }
            for rep in r.current.population {
                guard case .text(let group) = r.current.value(g, rep) else { continue }
                let key = "\(rule.name)\u{0}\(group)"
                if out[key] != nil { continue }
                let rk = r.current.value(rank, rep).number.map { Int($0.floor()) }
                out[key] = (rk, r.current.value(prize, rep).number ?? .zero)
            }
        }
        return out
    }

    // MARK: - Summary

    /// How many reps' pay moved by how much.
    public var distribution: [(String, Int)] {
        let buckets: [(String, (Row) -> Bool)] = [
            ("fell more than 10%", { ($0.percent.map { $0 < Exact(-10) } ?? false) }),
            ("fell 1–10%", { $0.percent.map { $0 >= Exact(-10) && $0 < Exact(-1) } ?? false }),
            ("fell under 1%", { $0.delta.isNegative && ($0.percent.map { $0 >= Exact(-1) } ?? true) }),
            ("unchanged", { $0.delta.isZero }),
            ("rose under 1%", { $0.delta.isPositive && ($0.percent.map { $0 <= Exact(1) } ?? false) }),
            ("rose 1–10%", { $0.percent.map { $0 > Exact(1) && $0 <= Exact(10) } ?? false }),
            ("rose more than 10%", { $0.delta.isPositive && ($0.percent.map { $0 > Exact(10) } ?? true) }),
        ]
        return buckets.map { b in (b.0, rows.filter(b.1).count) }
    }

    /// The relative change; "new" for a rep the base does not pay at all,
    /// "—" where the base paid 0 (no percentage of nothing).
    func pct(_ r: Row) -> String {
        guard r.inBase else { return "new" }
        guard r.percent != nil else { return r.delta.isZero ? "0.0%" : "—" }
        return pct(r.percent)
    }

    func pct(_ x: Exact?) -> String {
        guard let x else { return "—" }
        let t = (try? x.formatted(scale: 1, mode: .halfAwayFromZero)) ?? x.description
        return (x.isPositive ? "+" : "") + t + "%"
    }

    /// A change of pay as the summary prints it: `+¥5,580.00`, `−¥863.64`.
    public func signed(_ x: Exact) -> String { (x.isPositive ? "+" : "") + deltaFormatter.money(x) }

    public func summaryText() -> String {
        var out: [String] = []
        out.append("what-if \(period): \(baseName) (\(baseFingerprint.prefix(12))) → \(candidateName) (\(candidateFingerprint.prefix(12)))")
        let total = baseCost.isZero ? "" : " (\(pct(try? delta / baseCost * Exact(100))))"
        out.append("cost: \(baseFormatter.money(baseCost)) → \(candidateFormatter.money(candidateCost)), \(signed(delta))\(total)")
        out.append("reps: \(up) up, \(down) down, \(unchanged) unchanged")
        let named = min(top, WhatIfReport.summaryNames)
        let gains = rows.lazy.filter { $0.delta.isPositive }.prefix(named)
        let losses = rows.lazy.filter { $0.delta.isNegative }.prefix(named)
        if !gains.isEmpty { out.append("largest gains: " + gains.map { "\($0.repID) \(signed($0.delta))" }.joined(separator: ", ")) }
        if !losses.isEmpty { out.append("largest losses: " + losses.map { "\($0.repID) \(signed($0.delta))" }.joined(separator: ", ")) }
        if !flagChanges.isEmpty {
            out.append("flags changing level: " + flagChanges.map { "\($0.repID) \($0.from) → \($0.to)" }.joined(separator: ", "))
        }
        for t in teamChanges {
            out.append(
                "\(t.rule): team \(t.group) rank \(t.baseRank.map(String.init) ?? "—") → \(t.candidateRank.map(String.init) ?? "—"), prize \(baseFormatter.money(t.basePrize)) → \(candidateFormatter.money(t.candidatePrize))"
            )
        }
        out.append("distribution: " + distribution.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        // Names, ids, teams and flag levels come from the data and the plans.
        return out.map { TerminalText.escape($0) }.joined(separator: "\n") + "\n"
    }

    // MARK: - Formats

    func money(_ x: Exact?, _ f: Formatter) -> String { x.map { f.plain(.number($0), type: .money) } ?? "" }
    func baseMoney(_ x: Exact?) -> String { money(x, baseFormatter) }
    func candidateMoney(_ x: Exact?) -> String { money(x, candidateFormatter) }
    func deltaMoney(_ x: Exact?) -> String { money(x, deltaFormatter) }

    /// Whether a rep's pay moved: its total, or how it splits over the rules.
    static func changed(_ r: Row) -> Bool {
        !r.delta.isZero || !r.inBase || r.components.contains { b, c in b != c }
    }

    /// The summary, then the `top` reps whose pay changed, largest change
    /// first, and a line saying how many more changed (CSV and JSON keep
    /// every rep): 100,000 unchanged rows are no use on a terminal.
    public func table() -> String {
        let header = ["rep_id", "name", "team", "base", "candidate", "delta", "delta %"] + components.map { "Δ " + $0 }
        var table = TextTable(header: header, rightAligned: header.indices.map { $0 >= 3 })
        var shown: [Row] = []
        var changedCount = 0
        for r in rows where WhatIfReport.changed(r) {
            changedCount += 1
            if shown.count < top { shown.append(r) }
        }
        table.rows = shown.map { r in
            var line = [r.repID, r.name, r.team, baseMoney(r.base), candidateMoney(r.candidate), deltaMoney(r.delta), pct(r)]
            for (b, c) in r.components {
                if let b, let c, let d = try? c - b { line.append(deltaMoney(d)) } else { line.append(b == nil ? "new" : "removed") }
            }
            return line
        }
        let body = changedCount == 0 ? "no rep's pay changed\n" : table.render()
        return summaryText() + "\n" + body + WhatIfReport.moreLine(changedCount - shown.count, shown: shown.count)
    }

    /// `… and 97,686 more reps changed (--top N lists more; --format csv lists every rep)`.
    static func moreLine(_ more: Int, shown: Int) -> String {
        guard more > 0 else { return "" }
        let digits = Array(String(more))
        let count = String(digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
        return "… and \(count) more rep\(more == 1 ? "" : "s") changed (--top N lists more; --format csv or json lists every rep)\n"
    }

    /// One row per rep in rep_id order. Text cells are neutralised against
    /// formula injection unless `raw` (see `CSVText.neutralised`); numbers,
    /// negative ones included, are written as they are.
    public func csv(raw: Bool = false) -> String {
        var header = ["rep_id", "name", "team", "base_total", "candidate_total", "delta", "delta_percent"]
        for c in components { header += ["base_\(c)", "candidate_\(c)"] }
        header += ["base_flag", "candidate_flag"]
        func text(_ s: String) -> String { CSVText.cell(s, raw: raw) }
        var out = header.map(text).joined(separator: ",") + "\n"
        for r in rows.sorted(by: { CodePoint.less($0.repID, $1.repID) }) {
            var line = [text(r.repID), text(r.name), text(r.team), baseMoney(r.base), candidateMoney(r.candidate), deltaMoney(r.delta)]
            line.append(r.percent.map { (try? $0.formatted(scale: 4, mode: .halfAwayFromZero)) ?? "" } ?? "")
            for (b, c) in r.components { line += [baseMoney(b), candidateMoney(c)] }
            line += [text(r.baseFlag ?? ""), text(r.candidateFlag ?? "")]
            out += line.joined(separator: ",") + "\n"
        }
        return out
    }

    public func json() -> JSON {
        func num(_ x: Exact?, _ f: Formatter) -> JSON { x.map { .number(money($0, f)) } ?? .null }
        func num(_ x: Exact?) -> JSON { num(x, deltaFormatter) }
        func base(_ x: Exact?) -> JSON { num(x, baseFormatter) }
        func candidate(_ x: Exact?) -> JSON { num(x, candidateFormatter) }
        return .object([
            ("period", .string(period.description)),
            ("base", .object([("plan", .string(baseName)), ("fingerprint", .string(baseFingerprint)), ("cost", base(baseCost))])),
            (
                "candidate",
                .object([("plan", .string(candidateName)), ("fingerprint", .string(candidateFingerprint)), ("cost", candidate(candidateCost))])
            ),
            ("delta", num(delta)),
            ("reps", .object([("up", .int(up)), ("down", .int(down)), ("unchanged", .int(unchanged))])),
            ("distribution", .object(distribution.map { ($0.0, .int($0.1)) })),
            (
                "flag_changes",
                .array(
                    flagChanges.map {
                        .object([("rep_id", .string($0.repID)), ("rule", .string($0.rule)), ("from", .string($0.from)), ("to", .string($0.to))])
                    })
            ),
            (
                "team_changes",
                .array(
                    teamChanges.map {
                        .object([
                            ("rule", .string($0.rule)), ("group", .string($0.group)), ("base_rank", $0.baseRank.map { .int($0) } ?? .null),
                            ("candidate_rank", $0.candidateRank.map { .int($0) } ?? .null), ("base_prize", base($0.basePrize)),
                            ("candidate_prize", candidate($0.candidatePrize)),
                        ])
                    })
            ),
            (
                "rows",
                .array(
                    rows.map { r in
                        .object([
                            ("rep_id", .string(r.repID)), ("name", .string(r.name)), ("team", .string(r.team)), ("base", base(r.base)),
                            ("candidate", candidate(r.candidate)), ("delta", num(r.delta)),
                            ("delta_percent", r.percent.map { .number((try? $0.formatted(scale: 4, mode: .halfAwayFromZero)) ?? "0") } ?? .null),
                            ("components", .object(zip(components, r.components).map { ($0.0, .array([base($0.1.0), candidate($0.1.1)])) })),
                        ])
                    })
            ),
        ])
    }
}
