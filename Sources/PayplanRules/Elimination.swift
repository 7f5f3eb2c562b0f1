import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage
import PayplanYAML

/// 不达标淘汰机制: flags for review — below a threshold, or among the bottom
/// share or count — escalating over consecutive flagged periods. A flag is
/// a prompt for a conversation, never a dismissal decision.
///
///     elimination:
///       kind: elimination
///       measure: attainment
///       exempt: period.end - rep.hire_date < 90
///       below: 0.60
///       bottom: {share: 5%, round: down, ties: include}
///       levels: [warning, eliminate]
struct EliminationKind: RuleKind {
    let codes: [any DiagnosticCode] = EliminationCode.allCases
    let name = "elimination"
    let keys = ["measure", "among", "exempt", "below", "bottom", "after", "levels", "none"]
    let outputs = [
        RuleOutput("", .text, .flag), RuleOutput("flag", .text, .flag), RuleOutput("flagged", .bool), RuleOutput("exempt", .bool),
        RuleOutput("consecutive", .count), RuleOutput("streak", .count),
    ]

    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)? {
        let measure = f.require("measure", &c).flatMap { c.formula($0, p.key("measure"), "the measure") }
        let among = f.take("among").flatMap { c.formula($0, p.key("among"), "who is ranked") }
        let exempt = f.take("exempt").flatMap { c.formula($0, p.key("exempt"), "an exemption condition") }
        let below = f.take("below").flatMap { c.formula($0, p.key("below"), "the threshold") }
        let bottom = f.take("bottom").flatMap { readBottom($0, p.key("bottom"), &c) }
        let after = f.take("after").flatMap {
            c.integer($0, p.key("after"), "the number of periods in a row before a rep is flagged", range: 1...c.limits.historyPeriods)
        }
        var levels: [Located<String>] = []
        if let ln = f.require("levels", &c, help: "e.g. `levels: [warning, eliminate]`") {
            if let items = ln.sequence, !items.isEmpty {
                for (i, item) in items.enumerated() {
                    if let t = c.text(item, p.key("levels").index(i), "a level name") { levels.append(t) }
                }
            } else {
                c.error(PlanCode.wrongKind, "expected `levels` as a list of names, one per consecutive flagged period", at: ln.range)
            }
        }
        let none = f.take("none").flatMap { c.text($0, p.key("none"), "the name for no flag") } ?? Located("none", node.range)
        var seen: [String: SourceRange] = [none.value: none.range]
        for l in levels {
            if let first = seen[l.value] {
                c.error(
                    EliminationCode.levelTwice, "the level `\(l.value)` is named twice", at: l.range, notes: [.init("first named here", at: first)])
            }
            seen[l.value] = l.range
        }
        if below == nil && bottom == nil && !f.has("below") && !f.has("bottom") {
            c.error(EliminationCode.flagsNobody, "\(what) flags nobody: give `below: THRESHOLD`, `bottom: {share: ...}`, or both", at: node.range)
        }
        guard let measure, !levels.isEmpty else { return nil }
        return Elimination(
            measure: measure, among: among, exempt: exempt, below: below, bottom: bottom, after: after, levels: levels, none: none)
    }

    func readBottom(_ bn: YAMLNode, _ bp: Path, _ c: inout ReadContext) -> Elimination.Bottom? {
        guard var bf = Fields(bn, "`bottom`", known: ["share", "count", "round", "ties"], context: &c) else { return nil }
        var size: Elimination.Bottom.Size?
        if bf.has("share") == bf.has("count") {
            c.error(EliminationCode.bottomSize, "`bottom` needs exactly one of `share: 5%` or `count: 3`", at: bn.range)
            _ = bf.take("share")
            _ = bf.take("count")
        } else if let s = bf.take("share") {
            if let v = c.number(s, bp.key("share"), "the bottom share") {
                if v.value < .zero || v.value > .one {
                    c.error(EliminationCode.bottomShare, "the bottom share must be between 0% and 100%, found \(v.value)", at: v.range)
                } else {
                    size = .share(v)
                }
            }
        } else if let k = bf.take("count") {
            size = c.integer(k, bp.key("count"), "the bottom count", range: 0...1_000_000_000).map { .count($0) }
        }
        let rounding =
            bf.take("round").flatMap { c.choice($0, bp.key("round"), "rounding of the bottom count", Elimination.Bottom.Rounding.self) }
            ?? Located(.down, bn.range)
        var includeTies = Located(true, bn.range)
        if let tn = bf.take("ties"), let t = c.text(tn, bp.key("ties"), "`include` or `exclude`") {
            if t.value == "include" || t.value == "exclude" {
                includeTies = Located(t.value == "include", t.range)
            } else {
                c.error(
                    PlanCode.unknownChoice,
                    "unknown `ties` value `\(t.value)`; expected `include` (reps tied with the last one are flagged too) or `exclude`",
                    at: t.range, help: Suggest.didYouMean(t.value, among: ["include", "exclude"]))
            }
        }
        bf.finish(&c)
        return size.map { Elimination.Bottom(size: $0, rounding: rounding, includeTies: includeTies, range: bn.range) }
    }

    func check(_ rule: Rule, _ c: inout CheckRun) -> (any CheckedRuleBody)? {
        guard let e = rule.body as? Elimination, let me = c.symbol(ofRule: rule.name.value) else { return nil }
        let measure = c.rep(e.measure, nil, "the measure", symbol: me)
        let among = c.rep(e.among, .bool, "who is ranked", symbol: me)
        let exempt = c.rep(e.exempt, .bool, "the exemption", symbol: me)
        var below: TExpr?
        if let measure {
            if !measure.type.base.isNumeric {
                c.error(CheckCode.wrongType, "the measure of \(rule.name.value) must be a number, found \(measure.type)", at: measure.range)
            }
            below = c.rep(e.below, measure.type.base, "the threshold", symbol: me)
        }
        var bottom: Elimination.CheckedBottom?
        if let b = e.bottom {
            switch b.size {
            case .share(let s): bottom = .init(size: .share(s.value), rounding: b.rounding.value, includeTies: b.includeTies.value)
            case .count(let k): bottom = .init(size: .count(k.value), rounding: b.rounding.value, includeTies: b.includeTies.value)
            }
            if case .share(let s) = b.size, s.value.isZero, e.below == nil {
                c.warning(EliminationCode.zeroBottomShare, "a bottom share of 0% flags nobody", at: s.range)
            }
        }
        guard let measure else { return nil }
        return Elimination.Checked(
            measure: measure, among: among, exempt: exempt, below: below, bottom: bottom, after: e.after?.value ?? 1, levels: e.levels.map(\.value),
            none: e.none.value)
    }

    func compile(_ rule: CheckedRule, _ c: inout CompileRun) -> (any CompiledRuleBody)? {
        guard let b = rule.body as? Elimination.Checked else { return nil }
        return Elimination.Compiled(
            measure: c.compile(b.measure), among: b.among.map { c.compile($0) }, exempt: b.exempt.map { c.compile($0) },
            below: b.below.map { c.compile($0) }, bottom: b.bottom, after: b.after, levels: b.levels, none: b.none)
    }
}

/// The syntax of an elimination rule.
struct Elimination: RuleBodySyntax {
    struct Bottom: Sendable {
        enum Size: Sendable {
            case share(Located<Exact>)
            case count(Located<Int>)
        }

        enum Rounding: String, Sendable, CaseIterable {
            case down, up, nearest
        }

        var size: Size
        var rounding: Located<Rounding>
        /// Whether reps tied with the k-th lowest are flagged too.
        var includeTies: Located<Bool>
        var range: SourceRange
    }

    var measure: Expr
    /// Who is ranked; the population when omitted.
    var among: Expr?
    /// Never flagged.
    var exempt: Expr?
    /// Flagged when the measure is below this.
    var below: Expr?
    var bottom: Bottom?
    /// A rep is flagged from the `after`-th period in a row below the
    /// threshold or in the bottom group (the streak); 1 when omitted.
    var after: Located<Int>?
    /// Level names for 1, 2, ... consecutive flagged periods.
    var levels: [Located<String>]
    /// The value for reps not flagged.
    var none: Located<String>

    var flagLevels: [String]? { levels.map(\.value) }

    /// `3rd`, `11th`, `22nd`.
    static func nth(_ k: Int) -> String {
        switch (k % 10, k % 100) {
        case (1, let t) where t != 11: "\(k)st"
        case (2, let t) where t != 12: "\(k)nd"
        case (3, let t) where t != 13: "\(k)rd"
        default: "\(k)th"
        }
    }

    func textValues(of output: String) -> [String]? {
        output.isEmpty || output == "flag" ? [none.value] + levels.map(\.value) : nil
    }

    var canonicalFields: [(String, String)] {
        var bottomText = "-"
        if let b = bottom {
            switch b.size {
            case .share(let s): bottomText = "share \(s.value)"
            case .count(let k): bottomText = "count \(k.value)"
            }
            bottomText += " round \(b.rounding.value.rawValue) ties \(b.includeTies.value ? "include" : "exclude")"
        }
        return [
            ("measure", measure.description), ("among", among?.description ?? "-"), ("exempt", exempt?.description ?? "-"),
            ("below", below?.description ?? "-"), ("bottom", bottomText), ("levels", levels.map(\.value).joined(separator: ", ")),
            ("none", none.value),
        ] + ((after?.value ?? 1) > 1 ? [("after", String(after!.value))] : [])
    }

    func describe<S: ParameterSink>(_ s: inout S, key k: String, label l: String, owner: String) {
        s.formula(k + ".measure", "\(l) measure", measure, owner: owner)
        s.formula(k + ".among", "\(l) ranks", among, owner: owner)
        s.formula(k + ".exempt", "\(l) exempt when", exempt, owner: owner)
        s.formula(k + ".below", "\(l) flags below", below, owner: owner)
        if let b = bottom {
            switch b.size {
            case .share(let v):
                let pct = (try? v.value * Exact(100)).map { "\($0)%" } ?? v.value.description
                s.add(k + ".bottom.share", "\(l) bottom", v.value.description, pct, v.range, owner: owner)
            case .count(let c):
                s.add(k + ".bottom.count", "\(l) bottom", String(c.value), nil, c.range, owner: owner)
            }
            s.add(k + ".bottom.round", "\(l) bottom count rounds", b.rounding.value.rawValue, nil, b.rounding.range, owner: owner)
            s.add(
                k + ".bottom.ties", "\(l) reps tied at the bottom cut", b.includeTies.value ? "flagged too" : "taken by rep_id", nil,
                b.includeTies.range, owner: owner)
        }
        if let a = after { s.add(k + ".after", "\(l) flags from the period in a row", String(a.value), nil, a.range, owner: owner) }
        s.add(k + ".levels", "\(l) levels", levels.map(\.value).joined(separator: " → "), nil, levels.first?.range, owner: owner)
        s.add(k + ".none", "\(l) no-flag value", none.value, nil, none.range, owner: owner)
    }

    struct CheckedBottom: Sendable {
        enum Size: Sendable {
            case share(Exact)
            case count(Int)
        }

        var size: Size
        var rounding: Bottom.Rounding
        var includeTies: Bool
    }

    struct Checked: CheckedRuleBody {
        var measure: TExpr
        var among: TExpr?
        var exempt: TExpr?
        var below: TExpr?
        var bottom: CheckedBottom?
        var after: Int
        var levels: [String]
        var none: String

        var expressions: [TExpr] { [measure] + [among, exempt, below].compactMap { $0 } }
        /// A streak of `after` periods, then one more per further level.
        var ownHistory: Int { after + levels.count - 2 }
    }

    struct Compiled: CompiledRuleBody, RunnableRule {
        var measure: CExpr
        var among: CExpr?
        var exempt: CExpr?
        var below: CExpr?
        var bottom: CheckedBottom?
        var after: Int
        var levels: [String]
        var none: String

        var isGroupStage: Bool { true }
        var hasPerRepPart: Bool { false }
        var readsOwnHistory: Bool { true }
        /// The longest streak a level tells apart: `after` + levels − 1.
        var longestStreak: Int { after + levels.count - 1 }
        var expressions: [CExpr] { [measure] + [among, exempt, below].compactMap { $0 } }

        func treeLines(_ r: (CExpr) -> String, _ plan: CompiledPlan) -> [String] {
            var out = ["measure \(r(measure))"]
            if let exempt { out.append("exempt \(r(exempt))") }
            if let below { out.append("flag when below \(r(below))") }
            if let b = bottom {
                let ties = b.includeTies ? "included" : "excluded"
                switch b.size {
                case .share(let s): out.append("flag bottom \(s) of the ranked, rounded \(b.rounding.rawValue), ties \(ties)")
                case .count(let k): out.append("flag bottom \(k), ties \(ties)")
                }
            }
            if after > 1 { out.append("flagged from the \(Elimination.nth(after)) period in a row") }
            out.append("levels over consecutive periods: \(levels.joined(separator: " → "))")
            return out
        }

        func evaluateGroup(_ g: GroupRun) throws(EvalError) {
            try EliminationRun(rule: self, g: g).run()
        }
    }

    /// Why a rep was flagged or not.
    struct FlagStep: RuleStep, FlagFacts {
        var exempt: Bool
        var measure: Exact?
        var below: Exact?
        var belowHit: Bool
        var population: Int
        var bottomCount: Int
        var cutoff: Exact?
        var position: Int?
        var bottomHit: Bool
        var flagged: Bool
        var consecutive: Int
        var level: String
        /// Periods in a row below the threshold or in the bottom group, and
        /// how many make a flag (1: every such period is a flag).
        var streak = 0
        var after = 1
        /// Where counting stops (a streak this long may be longer).
        var longest = 1

        func lines(_ w: Words) -> [String] {
            let zh = w.zh
            if exempt { return zh ? ["豁免（如入职未满期限），不参与标记"] : ["exempt (for example, new in the role): never flagged"] }
            var out: [String] = []
            if let below, let measure {
                out.append(
                    zh
                        ? "\(w.n(measure)) \(belowHit ? "低于" : "不低于")标准 \(w.n(below))"
                        : "\(w.n(measure)) is \(belowHit ? "below" : "not below") the threshold \(w.n(below))")
            }
            if bottomCount > 0, let position {
                out.append(
                    zh
                        ? "参评 \(population) 人，末位 \(bottomCount) 人（界线 \(cutoff.map(w.n) ?? "")，并列者一并计入）；本人排名倒数第 \(position)\(bottomHit ? "，在末位内" : "")"
                        : "\(population) reps ranked, the bottom \(bottomCount) (cut-off \(cutoff.map(w.n) ?? ""), ties included) are flagged; position \(position) from the bottom\(bottomHit ? ": in the bottom group" : "")"
                )
            } else if bottomCount == 0 {
                out.append(zh ? "参评 \(population) 人，末位比例对应 0 人" : "\(population) reps ranked: the bottom share is 0 reps")
            }
            if after > 1 {
                out.append(streakLine(w))
            } else if flagged {
                out.append(
                    zh ? "连续 \(consecutive) 期被标记 → \(level)" : "flagged \(consecutive) period\(consecutive == 1 ? "" : "s") in a row → \(level)")
            } else {
                out.append(zh ? "未被标记" : "not flagged")
            }
            return out
        }

        /// Where the rep stands in a streak (`after` > 1).
        func streakLine(_ w: Words) -> String {
            if flagged {
                let more = streak >= longest ? w.t(" or more", " 期及以上") : w.t("", " 期")
                return w.t(
                    "\(streak)\(more) periods in a row (flagged from the \(Elimination.nth(after))) → \(level)",
                    "连续 \(streak)\(more)（满 \(after) 期起标记）→ \(level)")
            }
            if streak > 0 {
                return w.t(
                    "\(streak) period\(streak == 1 ? "" : "s") in a row so far; flagged from the \(Elimination.nth(after)): not flagged",
                    "目前连续 \(streak) 期，满 \(after) 期才标记：未被标记")
            }
            return w.t("not flagged (no streak)", "未被标记（未连续）")
        }

        func reason(_ w: Words) -> String {
            var parts: [String] = []
            if belowHit, let b = below { parts.append(w.t("below \(w.formatter.number(b, places: 4))", "低于 \(w.formatter.number(b, places: 4))")) }
            if bottomHit { parts.append(w.t("in the bottom \(bottomCount) of \(population)", "处于 \(population) 人中末位 \(bottomCount) 名")) }
            let inRow = after > 1 ? streak : consecutive
            if inRow > 1 { parts.append(w.t("\(inRow) periods in a row", "连续 \(inRow) 期")) }
            return parts.joined(separator: "; ")
        }

        func json(_ j: inout JSONStream) {
            j.field("type", "elimination")
            j.field("exempt", exempt)
            j.field("measure", measure)
            j.field("below", below)
            j.field("below_hit", belowHit)
            j.field("ranked", population)
            j.field("bottom_count", bottomCount)
            j.field("cutoff", cutoff)
            j.field("position", position)
            j.field("bottom_hit", bottomHit)
            j.field("flagged", flagged)
            j.field("consecutive", consecutive)
            j.field("level", level)
            if after > 1 {
                j.field("streak", streak)
                j.field("after", after)
            }
        }
    }
}

/// One period of an elimination rule: every rep's measure, threshold and
/// exemption in parallel, then the bottom-k ranking and the levels.
struct EliminationRun {
    struct Input {
        var ranked: Bool
        var exempt: Bool
        var measure: Exact
        var threshold: Exact?
    }

    let rule: Elimination.Compiled
    let g: GroupRun

    func run() throws(EvalError) {
        let inputs = try readInputs()
        var candidates: [(rep: Int, measure: Exact)] = []
        var exempt: [Int] = []
        var belowThreshold: [Int: Exact] = [:]
        var belowHit: Set<Int> = []
        for (rep, input) in zip(g.population, inputs) where input.ranked {
            if input.exempt {
                exempt.append(rep)
                continue
            }
            candidates.append((rep, input.measure))
            if let t = input.threshold {
                belowThreshold[rep] = t
                if input.measure < t { belowHit.insert(rep) }
            }
        }
        let k = try bottomCount(candidates.count)
        // Candidates are in rep_id order (the population is), so a stable
        // sort by measure breaks ties by rep_id.
        let sorted = candidates.enumerated().sorted { a, b in
            let cmp = Exact.compare(a.element.measure, b.element.measure)
            return cmp != 0 ? cmp < 0 : a.offset < b.offset
        }.map(\.element)
        var positions: [Int: Int] = [:]
        for (i, e) in sorted.enumerated() { positions[e.rep] = i + 1 }
        let cutoff: Exact? = k > 0 ? sorted[k - 1].measure : nil
        let includeTies = rule.bottom?.includeTies ?? true
        for (rep, m) in candidates {
            var bottomHit = false
            if let cutoff { bottomHit = includeTies ? m <= cutoff : positions[rep]! <= k }
            let below = belowHit.contains(rep)
            let (streak, consecutive) = count(rep, hit: below || bottomHit)
            let flagged = consecutive > 0
            let level = flagged ? rule.levels[min(consecutive, rule.levels.count) - 1] : rule.none
            g.write(0, rep, .text(level))
            g.write(1, rep, .text(level))
            g.write(2, rep, .bool(flagged))
            g.write(4, rep, .number(Exact(consecutive)))
            g.write(5, rep, .number(Exact(streak)))
            let step = Elimination.FlagStep(
                exempt: false, measure: m, below: belowThreshold[rep], belowHit: below, population: candidates.count, bottomCount: k, cutoff: cutoff,
                position: positions[rep], bottomHit: bottomHit, flagged: flagged, consecutive: consecutive, level: level, streak: streak,
                after: rule.after, longest: rule.longestStreak)
            g.note(rep, .rule(step))
        }
        for rep in exempt {
            let step = Elimination.FlagStep(
                exempt: true, measure: nil, below: nil, belowHit: false, population: candidates.count, bottomCount: k, cutoff: cutoff, position: nil,
                bottomHit: false, flagged: false, consecutive: 0, level: rule.none)
            g.note(rep, .rule(step))
        }
    }

    /// The rep's streak (periods in a row below the threshold or in the
    /// bottom group, carried from the previous period as `previous` is) and
    /// its flagged periods in a row: those from the `after`-th of the streak.
    func count(_ rep: Int, hit: Bool) -> (streak: Int, consecutive: Int) {
        guard hit else { return (0, 0) }
        if rule.after == 1 {
            // One period makes a flag: the streak is the flagged run.
            var consecutive = 1
            if case .number(let prev)? = g.previousResult(4, rep) { consecutive = Int(prev.floor()) + 1 }
            return (consecutive, consecutive)
        }
        // Counted up to what the last level needs: the plan looks back that
        // far, and no further count changes a level.
        var streak = 1
        if case .number(let prev)? = g.previousResult(5, rep) { streak = min(Int(prev.floor()) + 1, rule.longestStreak) }
        return (streak, max(0, streak - rule.after + 1))
    }

    func readInputs() throws(EvalError) -> [Input] {
        let rule = self.rule
        let g = self.g
        return try g.perRep { (rep: Int) throws(EvalError) -> Input in
            g.write(0, rep, .text(rule.none))
            g.write(1, rep, .text(rule.none))
            g.write(2, rep, .bool(false))
            g.write(3, rep, .bool(false))
            g.write(4, rep, .number(.zero))
            g.write(5, rep, .number(.zero))
            if let among = rule.among, !(try g.truth(among, rep)) {
                return Input(ranked: false, exempt: false, measure: .zero, threshold: nil)
            }
            let isExempt = try rule.exempt.map { e throws(EvalError) in try g.truth(e, rep) } ?? false
            g.write(3, rep, .bool(isExempt))
            if isExempt { return Input(ranked: true, exempt: true, measure: .zero, threshold: nil) }
            let m = try g.number(rule.measure, rep)
            let t = try rule.below.map { e throws(EvalError) in try g.number(e, rep) }
            return Input(ranked: true, exempt: false, measure: m, threshold: t)
        }
    }

    /// How many of `n` ranked reps the bottom share or count flags.
    func bottomCount(_ n: Int) throws(EvalError) -> Int {
        guard let b = rule.bottom else { return 0 }
        switch b.size {
        case .count(let count): return min(count, n)
        case .share(let share):
            let raw = try g.arithmetic { () throws(ArithmeticError) in try share * Exact(n) }
            let mode: RoundingMode = b.rounding == .down ? .floor : (b.rounding == .up ? .ceiling : .halfAwayFromZero)
            let whole = try g.arithmetic { () throws(ArithmeticError) in Exact(integer: try raw.roundedUnits(scale: 0, mode: mode)) }
            return Int(whole.floor())
        }
    }
}

/// The diagnostics only this kind raises.
enum EliminationCode: String, DiagnosticCode {
    case zeroBottomShare = "L507"
    case bottomSize = "P329"
    case bottomShare = "P330"
    case levelTwice = "P331"
    case flagsNobody = "P332"

    var title: String {
        switch self {
        case .zeroBottomShare: "a bottom share of 0 %"
        case .bottomSize: "a bottom without exactly one of share and count"
        case .bottomShare: "a bottom share outside 0–100 %"
        case .levelTwice: "a flag level named twice"
        case .flagsNobody: "an elimination rule with neither `below` nor `bottom`"
        }
    }

    var severity: Severity { self == .zeroBottomShare ? .warning : .error }
}
