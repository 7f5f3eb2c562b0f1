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
    public var top: Int
    let formatter: Formatter

    public var delta: Exact { (try? candidateCost - baseCost) ?? .zero }

    public init(base: EvaluationResult, candidate: EvaluationResult, baseFingerprint: String, candidateFingerprint: String, top: Int = 5) {
        formatter = Formatter(plan: base.plan.plan)
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
        let baseTotals = WhatIfReport.totals(base)
        let candidateTotals = WhatIfReport.totals(candidate)
        var ids = Set(baseTotals.keys).union(candidateTotals.keys).map { TextKey($0) }
        ids.sort()
        var rows: [Row] = []
        var up = 0
        var down = 0
        var same = 0
        var baseCost = Exact.zero
        var candidateCost = Exact.zero
        let baseFlags = WhatIfReport.flags(base)
        let candidateFlags = WhatIfReport.flags(candidate)
        for key in ids {
            let id = key.text
            let b = baseTotals[id] ?? .zero
            let c = candidateTotals[id] ?? .zero
            baseCost = (try? baseCost + b) ?? baseCost
            candidateCost = (try? candidateCost + c) ?? candidateCost
            let d = (try? c - b) ?? .zero
            if d.isPositive { up += 1 } else if d.isNegative { down += 1 } else { same += 1 }
            let percent: Exact? = b.isZero ? nil : (try? d / b.absolute() * Exact(100))
            let comps: [(Exact?, Exact?)] = names.map { n in
                (WhatIfReport.component(base, baseRules, n, id), WhatIfReport.component(candidate, candidateRules, n, id))
            }
            let (name, team) = WhatIfReport.who(base, id) ?? WhatIfReport.who(candidate, id) ?? ("", "")
            rows.append(
                Row(
                    repID: id, name: name, team: team, base: b, candidate: c, delta: d, percent: percent, components: comps,
                    baseFlag: baseFlags[id]?.first?.1, candidateFlag: candidateFlags[id]?.first?.1))
        }
        rows.sort { x, y in
            let ax = (try? x.delta.absolute()) ?? .zero
            let ay = (try? y.delta.absolute()) ?? .zero
            return ax != ay ? ax > ay : CodePoint.less(x.repID, y.repID)
        }
        self.rows = rows
        self.baseCost = baseCost
        self.candidateCost = candidateCost
        self.up = up
        self.down = down
        unchanged = same
        var flagChanges: [FlagChange] = []
        for key in ids {
            let id = key.text
            let before = Dictionary(baseFlags[id] ?? [], uniquingKeysWith: { a, _ in a })
            let after = Dictionary(candidateFlags[id] ?? [], uniquingKeysWith: { a, _ in a })
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
        for case .rule(let r) in plan.nodes where r.kind != .elimination {
            if let s = r.slots[.main] { out.append((r.name, s)) }
            if r.kind == .productAward, let s = r.slots[.firstMover] { out.append(("\(r.name).first_mover", s)) }
        }
        return out
    }

    static func totals(_ r: EvaluationResult) -> [String: Exact] {
        var out: [String: Exact] = [:]
        let rules = payoutRules(r.plan)
        for rep in r.current.population {
            let id = r.data.repIDs[rep]
            if let slot = r.plan.symbolSlots[.total] {
                out[id] = r.current.value(slot, rep).number ?? .zero
            } else {
                var sum = Exact.zero
                for (_, s) in rules { sum = (try? sum + (r.current.value(s, rep).number ?? .zero)) ?? sum }
                out[id] = sum
            }
        }
        return out
    }

    static func component(_ r: EvaluationResult, _ rules: [(String, Int)], _ name: String, _ id: String) -> Exact? {
        guard let (_, slot) = rules.first(where: { $0.0 == name }) else { return nil }
        guard let rep = r.data.repIndex(id), r.current.inPopulation[rep] else { return .zero }
        return r.current.value(slot, rep).number
    }

    static func who(_ r: EvaluationResult, _ id: String) -> (String, String)? {
        guard let rep = r.data.repIndex(id) else { return nil }
        let name = r.data.reps.columnIndex("name").map { r.data.reps.text($0, rep) } ?? ""
        let team = r.data.reps.columnIndex("team").map { r.data.reps.text($0, rep) } ?? ""
        return (name, team)
    }

    /// rep_id → [(elimination rule, level)].
    static func flags(_ r: EvaluationResult) -> [String: [(String, String)]] {
        var out: [String: [(String, String)]] = [:]
        for case .rule(let rule) in r.plan.nodes where rule.kind == .elimination {
            guard let slot = rule.slots[.flag] else { continue }
            for rep in r.current.population {
                if case .text(let level) = r.current.value(slot, rep) { out[r.data.repIDs[rep], default: []].append((rule.name, level)) }
            }
        }
        return out
    }

    /// "rule\0group" → (rank, prize).
    static func teams(_ r: EvaluationResult) -> [String: (rank: Int?, prize: Exact)] {
        var out: [String: (rank: Int?, prize: Exact)] = [:]
        for case .rule(let rule) in r.plan.nodes where rule.kind == .teamRanking {
            guard let g = rule.slots[.group], let rank = rule.slots[.rank], let prize = rule.slots[.prize] else { continue }
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

    func pct(_ x: Exact?) -> String {
        guard let x else { return "new" }
        let t = (try? x.formatted(scale: 1, mode: .halfAwayFromZero)) ?? x.description
        return (x.isPositive ? "+" : "") + t + "%"
    }

    func signed(_ x: Exact) -> String { (x.isPositive ? "+" : "") + formatter.money(x) }

    public func summaryText() -> String {
        var out: [String] = []
        out.append("what-if \(period): \(baseName) (\(baseFingerprint.prefix(12))) → \(candidateName) (\(candidateFingerprint.prefix(12)))")
        let total = baseCost.isZero ? "" : " (\(pct(try? delta / baseCost * Exact(100))))"
        out.append("cost: \(formatter.money(baseCost)) → \(formatter.money(candidateCost)), \(signed(delta))\(total)")
        out.append("reps: \(up) up, \(down) down, \(unchanged) unchanged")
        let gains = rows.filter { $0.delta.isPositive }.prefix(top)
        let losses = rows.filter { $0.delta.isNegative }.prefix(top)
        if !gains.isEmpty { out.append("largest gains: " + gains.map { "\($0.repID) \(signed($0.delta))" }.joined(separator: ", ")) }
        if !losses.isEmpty { out.append("largest losses: " + losses.map { "\($0.repID) \(signed($0.delta))" }.joined(separator: ", ")) }
        if !flagChanges.isEmpty {
            out.append("flags changing level: " + flagChanges.map { "\($0.repID) \($0.from) → \($0.to)" }.joined(separator: ", "))
        }
        for t in teamChanges {
            out.append(
                "\(t.rule): team \(t.group) rank \(t.baseRank.map(String.init) ?? "—") → \(t.candidateRank.map(String.init) ?? "—"), prize \(formatter.money(t.basePrize)) → \(formatter.money(t.candidatePrize))"
            )
        }
        out.append("distribution: " + distribution.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Formats

    func money(_ x: Exact?) -> String { x.map { formatter.plain(.number($0), type: .money) } ?? "" }

    public func table() -> String {
        var grid: [[String]] = [["rep_id", "name", "team", "base", "candidate", "delta", "delta %"] + components.map { "Δ " + $0 }]
        for r in rows {
            var line = [r.repID, r.name, r.team, money(r.base), money(r.candidate), money(r.delta), pct(r.percent)]
            for (b, c) in r.components {
                if let b, let c, let d = try? c - b { line.append(money(d)) } else { line.append(b == nil ? "new" : "removed") }
            }
            grid.append(line)
        }
        let widths = grid[0].indices.map { c in grid.map { TextWidth.of($0[c]) }.max() ?? 0 }
        var out = summaryText() + "\n"
        for (i, line) in grid.enumerated() {
            var cells: [String] = []
            for (c, text) in line.enumerated() {
                cells.append(c >= 3 && i > 0 ? TextWidth.padLeft(text, to: widths[c]) : TextWidth.padRight(text, to: widths[c]))
            }
            var s = cells.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            out += s + "\n"
            if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    public func csv() -> String {
        var header = ["rep_id", "name", "team", "base_total", "candidate_total", "delta", "delta_percent"]
        for c in components { header += ["base_\(c)", "candidate_\(c)"] }
        header += ["base_flag", "candidate_flag"]
        var out = header.map(CSVText.quote).joined(separator: ",") + "\n"
        for r in rows.sorted(by: { CodePoint.less($0.repID, $1.repID) }) {
            var line = [r.repID, r.name, r.team, money(r.base), money(r.candidate), money(r.delta)]
            line.append(r.percent.map { (try? $0.formatted(scale: 4, mode: .halfAwayFromZero)) ?? "" } ?? "")
            for (b, c) in r.components { line += [money(b), money(c)] }
            line += [r.baseFlag ?? "", r.candidateFlag ?? ""]
            out += line.map(CSVText.quote).joined(separator: ",") + "\n"
        }
        return out
    }

    public func json() -> JSON {
        func num(_ x: Exact?) -> JSON { x.map { .number(money($0)) } ?? .null }
        return .object([
            ("period", .string(period.description)),
            ("base", .object([("plan", .string(baseName)), ("fingerprint", .string(baseFingerprint)), ("cost", num(baseCost))])),
            ("candidate", .object([("plan", .string(candidateName)), ("fingerprint", .string(candidateFingerprint)), ("cost", num(candidateCost))])),
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
                            ("candidate_rank", $0.candidateRank.map { .int($0) } ?? .null), ("base_prize", num($0.basePrize)),
                            ("candidate_prize", num($0.candidatePrize)),
                        ])
                    })
            ),
            (
                "rows",
                .array(
                    rows.map { r in
                        .object([
                            ("rep_id", .string(r.repID)), ("name", .string(r.name)), ("team", .string(r.team)), ("base", num(r.base)),
                            ("candidate", num(r.candidate)), ("delta", num(r.delta)),
                            ("delta_percent", r.percent.map { .number((try? $0.formatted(scale: 4, mode: .halfAwayFromZero)) ?? "0") } ?? .null),
                            ("components", .object(zip(components, r.components).map { ($0.0, .array([num($0.1.0), num($0.1.1)])) })),
                        ])
                    })
            ),
        ])
    }
}
