import Crypto
import PayplanChecker
import PayplanCore
import PayplanLanguage

/// The meaning of a plan as canonical text: independent of key order,
/// comments, quoting, spacing and number spelling (`0.05`, `5%`, `5.0e-2`),
/// dependent on everything that changes what is paid or shown. Metrics,
/// rules, shapes and filters are listed by name (their order in the file
/// means nothing); output columns keep their order (it is the file layout).
/// Descriptions are commentary and left out.
public enum Canonical {
    public static func text(_ plan: Plan) -> String {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        add("plan \(quoted(plan.name.value))")
        add("label \(labels(plan.labels))")
        add("version \(quoted(plan.version?.value ?? ""))")
        add("currency \(plan.currency.value)")
        add("locale \(plan.locale?.value ?? "")")
        add("rounding \(rounding(plan.rounding))")
        add("period \(plan.period.value.rawValue)")
        add("effective \(plan.effectiveFrom.map { "\($0.value)" } ?? "-") \(plan.effectiveTo.map { "\($0.value)" } ?? "-")")
        for kind in TableKind.allCases {
            let t = plan.data.table(kind)
            let cols = t.columns.map { "\($0.name):\($0.type.rawValue)\($0.optional ? "?" : "")" }.joined(separator: ",")
            add("data \(kind.rawValue) \(quoted(t.file)) \(cols)")
        }
        add("population when \(plan.population.when.map { $0.description } ?? "active_days > 0")")
        for r in plan.population.require { add("population require \(r)") }
        for f in plan.filters.sorted(by: { $0.name.value < $1.name.value }) {
            add("filter \(f.name.value) \(labels(f.labels)) = \(f.condition)")
        }
        for s in plan.shapes.sorted(by: { $0.name.value < $1.name.value }) {
            add("shape \(s.name.value) \(labels(s.labels)) = \(shape(s.shape))")
        }
        for m in plan.metrics.sorted(by: { $0.name.value < $1.name.value }) {
            add("metric \(m.name.value) \(labels(m.labels)) type=\(m.declaredType?.value.rawValue ?? "-") = \(m.formula)")
        }
        for r in plan.rules.sorted(by: { $0.name.value < $1.name.value }) {
            add("rule \(r.name.value) \(r.kind.value.rawValue) \(labels(r.labels)) round=\(roundChoice(r.round))")
            for (key, value) in ruleFields(r) { add("  \(key) = \(value)") }
        }
        if let t = plan.total {
            add(
                "total components=[\(t.components.map(\.value).joined(separator: ","))] cap=\(t.cap?.description ?? "-") floor=\(t.floor?.description ?? "-") round=\(roundChoice(t.round))"
            )
        }
        for c in plan.output {
            add("output \(quoted(c.header.value)) = \(c.value) decimals=\(c.decimals.map { String($0.value) } ?? "-")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 of the canonical text, in hex.
    public static func fingerprint(_ plan: Plan) -> String {
        let digest = SHA256.hash(data: Array(text(plan).utf8))
        return digest.map { byte in
            let h = String(byte, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    static func labels(_ l: Labels) -> String {
        "{" + l.entries.sorted { $0.language < $1.language }.map { "\($0.language)=\(quoted($0.text))" }.joined(separator: ",") + "}"
    }

    static func rounding(_ r: Rounding) -> String { "\(r.scale) \(r.mode.rawValue)" }

    static func roundChoice(_ r: RoundingChoice) -> String {
        switch r {
        case .plan: "plan"
        case .none: "none"
        case .custom(let x): rounding(x)
        }
    }

    public static func shape(_ s: Shape) -> String {
        switch s {
        case .curve(let c):
            return
                "curve points=[\(c.points.map { "(\($0.x.value),\($0.y.value))" }.joined(separator: ","))] below=\(c.below.value.rawValue) above=\(c.above.value.rawValue)"
        case .band(let b):
            return "band hit=\(b.hit.value.rawValue) rows=[\(b.rows.map { "\($0.test.canonical) -> \($0.value)" }.joined(separator: "; "))]"
        case .tiers(let t):
            let rows = t.rows.map { r in
                "from=\(r.from.value) to=\(r.to.map { "\($0.value)" } ?? "-") rate=\(r.rate?.description ?? "-") amount=\(r.amount?.description ?? "-")"
            }
            return "tiers method=\(t.method.value.rawValue) on_boundary=\(t.boundary.value.rawValue) rows=[\(rows.joined(separator: "; "))]"
        case .matrix(let m):
            return
                "matrix hit=\(m.hit.value.rawValue) rows=[\(m.rowTests.map(\.canonical).joined(separator: ","))] columns=[\(m.columnTests.map(\.canonical).joined(separator: ","))] values=[\(m.values.map { $0.map { "\($0.value)" }.joined(separator: ",") }.joined(separator: "; "))]"
        }
    }

    static func shapeUse(_ u: ShapeUse) -> String {
        let target: String
        switch u.target {
        case .named(let n): target = "shape:" + n.value
        case .inline(let s): target = shape(s)
        }
        return target + " inputs=[\(u.inputs.map(\.description).joined(separator: ","))]"
    }

    static func limiters(_ l: Limiters) -> [(String, String)] {
        [("gate", l.gate?.description ?? "-"), ("floor", l.floor?.description ?? "-"), ("cap", l.cap?.description ?? "-")]
    }

    /// The rule's parameters as (name, canonical value) pairs, in a fixed order.
    public static func ruleFields(_ r: Rule) -> [(String, String)] {
        switch r.body {
        case .attainmentBonus(let b):
            var out = [("base", b.base.description), ("measure", b.measure.description), ("shape", shapeUse(b.shape))]
            for (i, m) in b.multipliers.enumerated() {
                let what = m.shape.map(shapeUse) ?? (m.factor?.description ?? "-")
                out.append(("multiplier \(i + 1) \(m.name?.value ?? "") \(labels(m.labels))", what))
            }
            return out + limiters(b.limiters)
        case .productAward(let p):
            var out = [
                ("measure", p.measure.description), ("threshold", p.threshold.description),
                ("at_threshold", p.inclusive.value ? "counts" : "does_not_count"), ("award", p.award.description),
                ("rate_above", p.rateAbove?.description ?? "-"),
            ]
            out += limiters(p.limiters)
            if let f = p.firstMovers {
                out.append(("first_movers", "count=\(f.count.value) award=\(f.award) running=\(f.running) where=\(f.filter?.description ?? "-")"))
            }
            return out
        case .teamRanking(let t):
            let ties: String
            switch t.ties {
            case .share: ties = "share"
            case .breakBy(let b, _): ties = "break_by " + b.map { "\($0.expr) \($0.order.value.rawValue)" }.joined(separator: ", ")
            }
            let split: String
            switch t.split.method {
            case .equal: split = "equal"
            case .proRata(let w): split = "pro_rata \(w)"
            case .role(let r): split = "to_role \(quoted(r))"
            }
            return [
                ("group_by", t.groupBy.description), ("members", t.members?.description ?? "-"), ("score", t.score.description),
                ("eligible", t.eligible?.description ?? "-"), ("order", t.order.value.rawValue),
                ("prizes", t.prizes.map(\.description).joined(separator: ", ")), ("ties", ties), ("split", split),
                ("exclude", t.split.exclude?.description ?? "-"),
            ]
        case .elimination(let e):
            var bottom = "-"
            if let b = e.bottom {
                switch b.size {
                case .share(let s): bottom = "share \(s.value)"
                case .count(let k): bottom = "count \(k.value)"
                }
                bottom += " round \(b.rounding.value.rawValue) ties \(b.includeTies.value ? "include" : "exclude")"
            }
            return [
                ("measure", e.measure.description), ("among", e.among?.description ?? "-"), ("exempt", e.exempt?.description ?? "-"),
                ("below", e.below?.description ?? "-"), ("bottom", bottom), ("levels", e.levels.map(\.value).joined(separator: ", ")),
                ("none", e.none.value),
            ]
        case .commission(let c):
            return [
                ("amount", c.amount.description), ("where", c.filter?.description ?? "-"), ("rate_on", c.rateOn.value.rawValue),
                ("shape", shapeUse(c.shape)),
            ]
                + limiters(c.limiters)
        case .formula(let f):
            return [("value", f.value.description)] + limiters(f.limiters)
        }
    }
}
