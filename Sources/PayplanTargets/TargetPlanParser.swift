import PayplanCore
import PayplanLanguage
import PayplanYAML

/// Layer 1 — parse: a composed YAML document into a `TargetPlan`. Checks
/// structure only (keys, kinds of values, numbers, periods) and reports every
/// problem at once; what the values mean together is the checker's job.
public enum TargetPlanParser {
    public static let topLevelKeys = [
        "targets", "description", "year", "period", "unit", "currency", "locale", "company", "time", "teams", "reps", "checks",
        "commitments",
    ]

    public static func parse(_ document: YAMLDocument) -> (TargetPlan?, [Diagnostic]) {
        var r = NodeReader(file: document.file)
        let plan = readPlan(document.root, &r)
        if r.diagnostics.contains(where: { $0.severity == .error }) { return (nil, r.diagnostics) }
        return (plan, r.diagnostics)
    }

    static func readPlan(_ root: YAMLNode, _ r: inout NodeReader) -> TargetPlan? {
        guard var f = r.fields(root, "the targets plan", known: topLevelKeys) else { return nil }
        let name = f.require("targets", &r, help: "start the file with `targets: NAME`").flatMap { r.text($0, "the plan's name") }
        _ = f.take("description").flatMap { r.text($0, "a description") }
        let year = f.require("year", &r, help: "add `year: 2027`, the year the targets are for").flatMap {
            r.integer($0, "the year", 1970...9999)
        }
        let period = f.require("period", &r, help: "add `period: quarter` (quarter or month)").flatMap {
            r.choice($0, "period kind", ["quarter", "month"]).map { Located(PeriodKind(rawValue: $0.value)!, $0.range) }
        }
        let unit = f.require("unit", &r, help: "add `unit: 1000`: every target is rounded to whole units of it").flatMap {
            r.number($0, "the rounding unit")
        }
        let currency = f.take("currency").flatMap { r.text($0, "a currency code")?.value } ?? "CNY"
        let locale = f.take("locale").flatMap { r.choice($0, "locale", ["zh", "en"]) }
        let company = f.require("company", &r, help: "add `company: {target: 12000000}`").flatMap { readCompany($0, &r) }
        let time = f.require("time", &r, help: "add `time: {split: weights, weights: {Q1: 25%, …}}`").flatMap { readTime($0, &r) }
        let groups = f.require("teams", &r, help: "add `teams: {by: team, split: share, base: 2026}`").flatMap { readGroups($0, &r) }
        let reps = f.take("reps").flatMap { readReps($0, &r) } ?? RepSplit(method: .equal(root.range), ramp: nil)
        let checks = f.take("checks").map { readChecks($0, &r) } ?? Checks(stretch: nil, floor: nil)
        let commitments = f.take("commitments").flatMap { r.text($0, "the commitments file") }
        f.finish(&r)
        guard let name, let year, let period, let unit, let company, let time, let groups else { return nil }
        return TargetPlan(
            file: r.file, name: name, year: year, period: period, unit: unit, currency: currency, locale: locale, company: company,
            time: time, groups: groups, reps: reps, checks: checks, commitments: commitments)
    }

    static func readCompany(_ node: YAMLNode, _ r: inout NodeReader) -> CompanyTarget? {
        guard var f = r.fields(node, "`company`", known: ["target", "base", "growth"]) else { return nil }
        defer { f.finish(&r) }
        if f.has("target") {
            if let other = ["base", "growth"].first(where: { f.has($0) }) {
                r.report(.conflictingKeys(key: "target", other: other, in: "`company`"), at: f.keyRange(other) ?? node.range)
            }
            _ = f.take("base")
            _ = f.take("growth")
            return f.take("target").flatMap { r.number($0, "the company target") }.map { .amount($0) }
        }
        let base = f.require("base", &r, help: "give `target: 12000000`, or `base: 2026` with `growth: 10%`").flatMap {
            r.period($0, "the base period")
        }
        let growth = f.require("growth", &r, help: "add `growth: 10%`: the target is the base revenue × (1 + growth)").flatMap {
            r.number($0, "the growth")
        }
        guard let base, let growth else { return nil }
        return .growth(base: base, growth: growth)
    }

    static func readTime(_ node: YAMLNode, _ r: inout NodeReader) -> TimeSplit? {
        guard var f = r.fields(node, "`time`", known: ["split", "weights", "base"]) else { return nil }
        defer { f.finish(&r) }
        guard
            let split = f.require("split", &r, help: "add `split: weights` or `split: seasonality`").flatMap({
                r.choice($0, "time split", ["weights", "seasonality"])
            })
        else { return nil }
        switch split.value {
        case "weights":
            f.refuse("base", for: "seasonality", actual: "weights", &r)
            return f.require("weights", &r, help: "add `weights: {Q1: 20%, Q2: 25%, Q3: 25%, Q4: 30%}`").flatMap {
                r.weights($0, "the time weights")
            }.map { .weights($0, node.range) }
        default:
            f.refuse("weights", for: "weights", actual: "seasonality", &r)
            return f.require("base", &r, help: "add `base: 2026`: the year whose seasonality is followed").flatMap {
                r.period($0, "the base year")
            }.map { .seasonality(base: $0) }
        }
    }

    static func readGroups(_ node: YAMLNode, _ r: inout NodeReader) -> GroupSplit? {
        guard var f = r.fields(node, "`teams`", known: ["by", "split", "weights", "base"]) else { return nil }
        defer { f.finish(&r) }
        let by = f.take("by").flatMap { r.choice($0, "grouping column", ["team", "region"]) } ?? Located("team", node.range)
        guard
            let split = f.require("split", &r, help: "add `split: share` (weights, share or headcount)").flatMap({
                r.choice($0, "team split", ["weights", "share", "headcount"])
            })
        else { return nil }
        let method: GroupMethod?
        switch split.value {
        case "weights":
            f.refuse("base", for: "share", actual: "weights", &r)
            method = f.require("weights", &r, help: "add `weights: {East: 30%, …}`").flatMap { r.weights($0, "the team weights") }
                .map { .weights($0, node.range) }
        case "share":
            f.refuse("weights", for: "weights", actual: "share", &r)
            method = f.require("base", &r, help: "add `base: 2026-Q3`: the period whose revenue shares are used").flatMap {
                r.period($0, "the base period")
            }.map { .share(base: $0) }
        default:
            f.refuse("weights", for: "weights", actual: "headcount", &r)
            f.refuse("base", for: "share", actual: "headcount", &r)
            method = .headcount(split.range)
        }
        return method.map { GroupSplit(by: by, method: $0) }
    }

    static func readReps(_ node: YAMLNode, _ r: inout NodeReader) -> RepSplit? {
        guard var f = r.fields(node, "`reps`", known: ["split", "base", "ramp"]) else { return nil }
        defer { f.finish(&r) }
        let split = f.take("split").flatMap { r.choice($0, "rep split", ["equal", "share"]) } ?? Located("equal", node.range)
        var method: RepMethod?
        if split.value == "equal" {
            f.refuse("base", for: "share", actual: "equal", &r)
            method = .equal(split.range)
        } else {
            method = f.require("base", &r, help: "add `base: 2026`: the period whose revenue shares are used").flatMap {
                r.period($0, "the base period")
            }.map { .share(base: $0) }
        }
        var ramp: Ramp?
        if let node = f.take("ramp"), var g = r.fields(node, "`ramp`", known: ["months", "factor"]) {
            let months = g.require("months", &r, help: "add `months: 3`").flatMap { r.integer($0, "the ramp's months", 1...60) }
            let factor = g.require("factor", &r, help: "add `factor: 50%`").flatMap { r.number($0, "the ramp factor") }
            g.finish(&r)
            if let factor, factor.value.isNegative || factor.value > .one {
                r.report(.outOfRange(what: "the ramp factor", value: factor.value.description, allowed: "between 0 and 100 %"), at: factor.range)
            }
            if let months, let factor { ramp = Ramp(months: months, factor: factor) }
        }
        return method.map { RepSplit(method: $0, ramp: ramp) }
    }

    static func readChecks(_ node: YAMLNode, _ r: inout NodeReader) -> Checks {
        var checks = Checks(stretch: nil, floor: nil)
        guard var f = r.fields(node, "`checks`", known: ["stretch", "floor"]) else { return checks }
        if let node = f.take("stretch"), var g = r.fields(node, "`stretch`", known: ["base", "max"]) {
            let base = g.require("base", &r, help: "add `base: 2026`: the year whose best period is the yardstick").flatMap {
                r.period($0, "the base year")
            }
            let max = g.require("max", &r, help: "add `max: 2`: at most twice the best base period").flatMap { r.number($0, "the multiple") }
            g.finish(&r)
            if let max, !max.value.isPositive {
                r.report(.outOfRange(what: "`max`", value: max.value.description, allowed: "greater than 0"), at: max.range)
            }
            if let base, let max { checks.stretch = Stretch(base: base, max: max) }
        }
        checks.floor = f.take("floor").flatMap { r.number($0, "the floor") }
        f.finish(&r)
        return checks
    }
}
