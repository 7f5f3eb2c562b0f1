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
            add("rule \(r.name.value) \(r.kind.value) \(labels(r.labels)) round=\(roundChoice(r.round))")
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

    static func quoted(_ s: String) -> String { CanonicalText.quoted(s) }
    static func labels(_ l: Labels) -> String { CanonicalText.labels(l) }
    static func rounding(_ r: Rounding) -> String { CanonicalText.rounding(r) }
    static func roundChoice(_ r: RoundingChoice) -> String { CanonicalText.roundChoice(r) }
    public static func shape(_ s: Shape) -> String { CanonicalText.shape(s) }

    /// The rule's parameters as (name, canonical value) pairs, in a fixed order.
    public static func ruleFields(_ r: Rule) -> [(String, String)] { r.body.canonicalFields }
}
