import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// Traces as JSON: each step with its structured facts and the sentence a
/// person reads, so tools and people see the same explanation.
extension ExplanationRenderer {
    func num(_ x: Exact) -> JSON { .number(x.decimalText(maxFractionDigits: 12).replacingAll("…", with: "")) }

    func exact(_ x: Exact) -> [(String, JSON)] {
        var out: [(String, JSON)] = [("value", num(x))]
        if !x.isInteger, x.decimalText(maxFractionDigits: 12).hasSuffix("…") { out.append(("exact", .string(x.fractionText))) }
        return out
    }

    func value(_ v: Value) -> JSON {
        switch v {
        case .number(let x): return num(x)
        case .text(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .date(let d): return .string(d.description)
        case .missing: return .null
        }
    }

    func stepJSON(_ step: Step) -> JSON {
        var fields: [(String, JSON)]
        switch step {
        case .formula(let source, _, let result): fields = [("type", .string("formula")), ("formula", .string(source)), ("result", value(result))]
        case .aggregate(let d, let count, let result):
            fields = [("type", .string("aggregate")), ("aggregate", .string(d)), ("transactions", .int(count)), ("result", value(result))]
        case .branch(let c, let taken): fields = [("type", .string("branch")), ("condition", .string(c)), ("holds", .bool(taken))]
        case .previous(let name, let period, let v):
            fields = [("type", .string("previous")), ("name", .string(name)), ("period", .string(period)), ("value", value(v))]
        case .shape(let name, _, let inputs, let detail, let result):
            fields = [("type", .string("shape")), ("shape", .string(name)), ("inputs", .array(inputs.map(num))), ("result", num(result))]
            switch detail {
            case .curve(let region, let x0, let y0, let x1, let y1, _, _):
                let r: String
                switch region {
                case .below: r = "below"
                case .above: r = "above"
                case .single: r = "single"
                case .segment(let i): r = "segment \(i + 1)"
                }
                fields.append(("region", .string(r)))
                if let x0, let y0 { fields.append(("from", .array([num(x0), num(y0)]))) }
                if let x1, let y1 { fields.append(("to", .array([num(x1), num(y1)]))) }
            case .band(let matched, let hit):
                fields.append(("rows", .array(matched.map { .int($0 + 1) })))
                fields.append(("hit", .string(hit.rawValue)))
            case .tiers(let method, let slices, let tier):
                fields.append(("method", .string(method.rawValue)))
                fields.append(("tier", tier.map { .int($0 + 1) } ?? .null))
                fields.append(
                    (
                        "slices",
                        .array(
                            slices.map { s in
                                .object([
                                    ("tier", .int(s.tier + 1)), ("from", num(s.from)), ("to", s.to.map(num) ?? .null), ("portion", num(s.portion)),
                                    ("pay", num(s.pay)),
                                ])
                            })
                    ))
            case .matrix(let row, let column):
                fields.append(("row", row.map { .int($0 + 1) } ?? .null))
                fields.append(("column", column.map { .int($0 + 1) } ?? .null))
            }
        case .product(let factors, let result):
            fields = [("type", .string("product")), ("factors", .object(factors.map { ($0.0, num($0.1)) })), ("result", num(result))]
        case .gate(let c, let met): fields = [("type", .string("gate")), ("condition", .string(c)), ("met", .bool(met))]
        case .floor(let b, let f, let a): fields = [("type", .string("floor")), ("before", num(b)), ("floor", num(f)), ("after", num(a))]
        case .cap(let b, let c, let a): fields = [("type", .string("cap")), ("before", num(b)), ("cap", num(c)), ("after", num(a))]
        case .round(let b, let a, let r):
            fields = [
                ("type", .string("round")), ("before", num(b)), ("after", num(a)), ("scale", .int(r.scale)), ("mode", .string(r.mode.rawValue)),
            ]
        case .threshold(let m, let t, let inc, let reached):
            fields = [
                ("type", .string("threshold")), ("measure", num(m)), ("threshold", num(t)), ("inclusive", .bool(inc)), ("reached", .bool(reached)),
            ]
        case .award(let a, let rate, let above, let result):
            fields = [
                ("type", .string("award")), ("award", num(a)), ("rate", rate.map(num) ?? .null), ("above", num(above)), ("result", num(result)),
            ]
        case .firstMover(let d):
            fields = [
                ("type", .string("first_mover")), ("breakthrough", .bool(d.breakthrough)),
                ("reached_on", d.reachedOn.map { .string($0.description) } ?? .null),
                ("deal", d.deal.map { .string($0) } ?? .null), ("position", d.position.map { .int($0) } ?? .null), ("contenders", .int(d.contenders)),
                ("winners", .int(d.winners)), ("award", num(d.award)),
            ]
        case .team(let d):
            fields = [
                ("type", .string("team")), ("group", .string(d.group)), ("members", .int(d.members)), ("score", d.score.map(num) ?? .null),
                ("eligible", .bool(d.eligible)), ("rank", d.rank.map { .int($0) } ?? .null), ("tied_with", .array(d.tiedWith.map { .string($0) })),
                ("team_prize", num(d.teamPrize)), ("weight", num(d.weight)), ("total_weight", num(d.totalWeight)), ("excluded", .bool(d.excluded)),
                ("largest_remainder_cent", .bool(d.extraCent)), ("share", num(d.share)),
            ]
        case .elimination(let d):
            fields = [
                ("type", .string("elimination")), ("exempt", .bool(d.exempt)), ("measure", d.measure.map(num) ?? .null),
                ("below", d.below.map(num) ?? .null), ("below_hit", .bool(d.belowHit)), ("ranked", .int(d.population)),
                ("bottom_count", .int(d.bottomCount)), ("cutoff", d.cutoff.map(num) ?? .null), ("position", d.position.map { .int($0) } ?? .null),
                ("bottom_hit", .bool(d.bottomHit)), ("flagged", .bool(d.flagged)), ("consecutive", .int(d.consecutive)), ("level", .string(d.level)),
            ]
        case .commission(let rateOn, let lines, _, let total):
            fields = [
                ("type", .string("commission")), ("rate_on", .string(rateOn.rawValue)),
                (
                    "transactions",
                    .array(
                        lines.map { l in
                            .object([
                                ("date", .string(l.date.description)), ("deal", .string(l.deal)), ("amount", num(l.amount)), ("pay", num(l.pay)),
                            ])
                        })
                ), ("total", num(total)),
            ]
        case .total(let components, let sum, let cap, let floor, let total, let capped):
            fields = [
                ("type", .string("total")), ("components", .object(components.map { ($0.0, num($0.1)) })), ("sum", num(sum)),
                ("cap", cap.map(num) ?? .null), ("floor", floor.map(num) ?? .null), ("total", num(total)), ("capped", num(capped)),
            ]
        case .note(let t): fields = [("type", .string("note"))] + [("note", .string(t))]
        }
        fields.append(("text", .string(lines(step).joined(separator: "\n"))))
        return .object(fields)
    }

    public func json(_ trace: RepTrace, fingerprint: String) -> JSON {
        .object([
            ("rep_id", .string(trace.repID)),
            ("name", .string(trace.name)),
            ("team", .string(trace.team)),
            ("period", .string(trace.period.description)),
            ("plan", .string(plan.plan.name.value)),
            ("fingerprint", .string(fingerprint)),
            (
                "entries",
                .array(
                    trace.entries.map { e in
                        var fields: [(String, JSON)] = [
                            ("name", .string(e.name)), ("label", .string(label(e.name, e.labels))), ("kind", .string(e.kind.rawValue)),
                        ]
                        if let k = e.ruleKind { fields.append(("rule_kind", .string(k.rawValue))) }
                        fields.append(("value", value(e.value)))
                        fields.append(("steps", .array(e.steps.map(stepJSON))))
                        return .object(fields)
                    })
            ),
        ])
    }
}
