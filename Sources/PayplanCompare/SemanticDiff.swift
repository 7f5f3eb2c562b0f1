import Foundation
import PayplanCore
import PayplanLanguage

/// One change in meaning between two versions of a plan.
public struct PlanChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added, removed, changed, renamed
    }

    public var kind: Kind
    /// The line in domain words: `bonus: curve point 3 pay 2.00 → 2.20`.
    public var text: String
    public var old: SourceRange?
    public var new: SourceRange?
    /// The parameter path in the new plan (or the old one when removed).
    public var path: String

    public static func == (a: PlanChange, b: PlanChange) -> Bool { a.kind == b.kind && a.text == b.text && a.path == b.path }

    /// `text   (old.yaml:31:9 → new.yaml:33:9)`
    public var line: String {
        var where_ = ""
        switch (old, new) {
        case (let o?, let n?): where_ = "(\(o.start) → \(n.start))"
        case (let o?, nil): where_ = "(\(o.start))"
        case (nil, let n?): where_ = "(\(n.start))"
        default: break
        }
        return where_.isEmpty ? text : "\(text)   \(where_)"
    }
}

/// A value of a plan in domain words, for comparison.
struct Entry {
    /// Where it sits, independent of the YAML layout: `rules.bonus.curve.points[3].pay`.
    var key: String
    /// What it is, in words: `bonus: curve point 3 pay`.
    var label: String
    /// Its meaning, for comparison (`0.05` whether written 5% or 5.0e-2).
    var canonical: String
    /// How to show it (the author's spelling when it is a single value).
    var shown: String
    var range: SourceRange?
    /// Group for additions and removals: a rule, a metric.
    var owner: String
    /// For an item of a list (curve points, band rows, tiers, prizes): the
    /// list's key, the item's 1-based position and the item's noun.
    var list: ListItem?
}

struct ListItem {
    var prefix: String
    var index: Int
    var noun: String
}

/// Compares plans by meaning: reordered keys, comments, formatting, quoting
/// and number spellings are not changes; a renamed metric, rule, filter or
/// shape whose definition is unchanged is a rename, and references to it
/// are compared through the rename.
public enum SemanticDiff {
    public static func compare(_ old: Plan, _ new: Plan) -> [PlanChange] {
        let renames = findRenames(old, new)
        var oldLister = Entries(parameters: old.parameters, renames: renames)
        var newLister = Entries(parameters: new.parameters, renames: [:])
        var oldEntries = oldLister.all(old)
        var newEntries = newLister.all(new)
        var changes: [PlanChange] = []
        alignLists(&oldEntries, &newEntries, &changes)
        var renameChanges: [PlanChange] = []
        for r in renames.sorted(by: { $0.key < $1.key }) {
            renameChanges.append(
                PlanChange(
                    kind: .renamed, text: "\(r.value.kind) \(r.key) renamed to \(r.value.name)", old: r.value.oldRange, new: r.value.newRange,
                    path: "\(r.value.section).\(r.value.name)"))
        }
        let listChanges = changes
        changes = renameChanges
        let oldByKey = Dictionary(oldEntries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let newByKey = Dictionary(newEntries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var reportedOwners: Set<String> = []
        // Additions and changes, in the new plan's order.
        for e in newEntries {
            if let o = oldByKey[e.key] {
                if o.canonical != e.canonical {
                    changes.append(
                        PlanChange(
                            kind: .changed, text: "\(e.label) \(o.shown) → \(e.shown)\(impact(e.key))", old: o.range, new: e.range, path: e.key))
                }
            } else if !oldEntries.contains(where: { $0.owner == e.owner }) {
                if reportedOwners.insert("+" + e.owner).inserted {
                    changes.append(PlanChange(kind: .added, text: "\(e.owner) added", old: nil, new: e.range, path: e.key))
                }
            } else {
                changes.append(PlanChange(kind: .added, text: "\(e.label) added: \(e.shown)", old: nil, new: e.range, path: e.key))
            }
        }
        changes += listChanges
        for o in oldEntries where newByKey[o.key] == nil {
            if !newEntries.contains(where: { $0.owner == o.owner }) {
                if reportedOwners.insert("-" + o.owner).inserted {
                    changes.append(PlanChange(kind: .removed, text: "\(o.owner) removed", old: o.range, new: nil, path: o.key))
                }
            } else {
                changes.append(PlanChange(kind: .removed, text: "\(o.label) removed (was \(o.shown))", old: o.range, new: nil, path: o.key))
            }
        }
        return changes
    }

    /// Lines up the items of each list (curve points, band rows, tiers,
    /// prizes) by longest common subsequence, so inserting a point is one
    /// addition rather than every later point "changed". Matched and
    /// replaced items are renumbered to their new position; inserted and
    /// removed items become changes and leave the entry lists.
    static func alignLists(_ old: inout [Entry], _ new: inout [Entry], _ changes: inout [PlanChange]) {
        func items(_ entries: [Entry]) -> [String: [Int: [Entry]]] {
            var out: [String: [Int: [Entry]]] = [:]
            for e in entries { if let l = e.list { out[l.prefix, default: [:]][l.index, default: []].append(e) } }
            return out
        }
        let oldLists = items(old)
        let newLists = items(new)
        var dropOld: Set<String> = []
        var dropNew: Set<String> = []
        var renumber: [String: String] = [:]
        for prefix in Set(oldLists.keys).union(newLists.keys).sorted() {
            let o = oldLists[prefix] ?? [:]
            let n = newLists[prefix] ?? [:]
            let oi = o.keys.sorted()
            let ni = n.keys.sorted()
            func signature(_ es: [Entry]) -> String {
                es.map { "\($0.key.split(separator: "]").last ?? "")=\($0.canonical)" }.joined(separator: "|")
            }
            let so = oi.map { signature(o[$0]!) }
            let sn = ni.map { signature(n[$0]!) }
            // LCS table.
            var t = [[Int]](repeating: [Int](repeating: 0, count: sn.count + 1), count: so.count + 1)
            for i in stride(from: so.count - 1, through: 0, by: -1) {
                for j in stride(from: sn.count - 1, through: 0, by: -1) {
                    t[i][j] = so[i] == sn[j] ? t[i + 1][j + 1] + 1 : max(t[i + 1][j], t[i][j + 1])
                }
            }
            var i = 0
            var j = 0
            var pendingOld: [Int] = []
            var pendingNew: [Int] = []
            func flush() {
                // Items between matches: pair them in order (changed), the rest added or removed.
                let paired = min(pendingOld.count, pendingNew.count)
                for k in 0..<paired { map(oi[pendingOld[k]], ni[pendingNew[k]]) }
                for k in pendingOld.dropFirst(paired) {
                    let es = o[oi[k]]!
                    for e in es { dropOld.insert(e.key) }
                    let l = es[0].list!
                    changes.append(
                        PlanChange(
                            kind: .removed, text: "\(l.noun) \(l.index) removed (was \(summary(es)))", old: es[0].range, new: nil,
                            path: "\(prefix)[\(l.index)]"))
                }
                for k in pendingNew.dropFirst(paired) {
                    let es = n[ni[k]]!
                    for e in es { dropNew.insert(e.key) }
                    let l = es[0].list!
                    changes.append(
                        PlanChange(
                            kind: .added, text: "\(l.noun) \(l.index) added: \(summary(es))", old: nil, new: es[0].range,
                            path: "\(prefix)[\(l.index)]"))
                }
                pendingOld = []
                pendingNew = []
            }
            func map(_ from: Int, _ to: Int) {
                for e in o[from]! {
                    renumber[e.key] = e.key.replacingFirst("\(prefix)[\(from)]", with: "\(prefix)[\(to)]")
                }
            }
            while i < so.count || j < sn.count {
                if i < so.count, j < sn.count, so[i] == sn[j] {
                    flush()
                    map(oi[i], ni[j])
                    i += 1
                    j += 1
                } else if j < sn.count, i == so.count || t[i][j + 1] >= t[i + 1][j] {
                    pendingNew.append(j)
                    j += 1
                } else {
                    pendingOld.append(i)
                    i += 1
                }
            }
            flush()
        }
        old = old.filter { !dropOld.contains($0.key) }.map { e in
            var e = e
            if let k = renumber[e.key] { e.key = k }
            return e
        }
        new = new.filter { !dropNew.contains($0.key) }
    }

    static func summary(_ entries: [Entry]) -> String {
        let values = entries.filter { $0.shown != "-" }.map(\.shown)
        return values.count == 1 ? values[0] : "(" + values.joined(separator: ", ") + ")"
    }

    static func impact(_ key: String) -> String {
        if key == "rounding.mode" || key == "rounding.scale" { return " (affects every rule)" }
        if key == "period" { return " (every payout is for a different length of time)" }
        if key == "currency" { return " (every amount)" }
        return ""
    }

    struct Rename {
        var kind: String
        var section: String
        var name: String
        var oldRange: SourceRange
        var newRange: SourceRange
    }

    /// Old name → new definition with the same meaning.
    static func findRenames(_ old: Plan, _ new: Plan) -> [String: Rename] {
        var renames: [String: Rename] = [:]
        // Repeat: a metric renamed makes the rules that read it equal too.
        for _ in 0..<4 {
            let before = renames.count
            let map = renames.mapValues(\.name)
            let groups: [(String, String, [(String, SourceRange, String)], [(String, SourceRange, String)])] = [
                (
                    "metric", "metrics", old.metrics.map { ($0.name.value, $0.name.range, Entries.metricMeaning($0, map)) },
                    new.metrics.map { ($0.name.value, $0.name.range, Entries.metricMeaning($0, [:])) }
                ),
                (
                    "rule", "rules", old.rules.map { ($0.name.value, $0.name.range, Entries.ruleMeaning($0, map)) },
                    new.rules.map { ($0.name.value, $0.name.range, Entries.ruleMeaning($0, [:])) }
                ),
                (
                    "filter", "filters", old.filters.map { ($0.name.value, $0.name.range, Formula.text($0.condition, map)) },
                    new.filters.map { ($0.name.value, $0.name.range, Formula.text($0.condition, [:])) }
                ),
                (
                    "shape", "shapes", old.shapes.map { ($0.name.value, $0.name.range, Canonical.shape($0.shape)) },
                    new.shapes.map { ($0.name.value, $0.name.range, Canonical.shape($0.shape)) }
                ),
            ]
            for (kind, section, olds, news) in groups {
                let oldNames = Set(olds.map(\.0))
                let newNames = Set(news.map(\.0))
                for o in olds where !newNames.contains(o.0) && renames[o.0] == nil {
                    let taken = Set(renames.values.map(\.name))
                    if let n = news.first(where: { !oldNames.contains($0.0) && !taken.contains($0.0) && $0.2 == o.2 }) {
                        renames[o.0] = Rename(kind: kind, section: section, name: n.0, oldRange: o.1, newRange: n.1)
                    }
                }
            }
            if renames.count == before { break }
        }
        return renames
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}

/// Formula text with names mapped through renames.
enum Formula {
    static func text(_ e: Expr, _ renames: [String: String]) -> String {
        guard !renames.isEmpty else { return e.description }
        return renamed(e, renames).description
    }

    static func renamed(_ e: Expr, _ renames: [String: String]) -> Expr {
        var copy = e
        switch e.kind {
        case .name(var parts):
            if let n = renames[parts[0].text], !["rep", "tx", "product", "period", "target"].contains(parts[0].text) || parts.count == 1 {
                parts[0].text = n
            }
            copy.kind = .name(parts)
        case .unary(let op, let x): copy.kind = .unary(op, renamed(x, renames))
        case .binary(let op, let a, let b): copy.kind = .binary(op, renamed(a, renames), renamed(b, renames))
        case .conditional(let c, let t, let f): copy.kind = .conditional(renamed(c, renames), then: renamed(t, renames), else: renamed(f, renames))
        case .call(var name, let args, let filter):
            if let n = renames[name.text] { name.text = n }
            copy.kind = .call(name, args.map { renamed($0, renames) }, filter: filter.map { renamed($0, renames) })
        case .over(let value, let group): copy.kind = .over(renamed(value, renames), group: renamed(group, renames))
        default: break
        }
        return copy
    }
}

/// Lists a plan's meaningful values as entries.
struct Entries: ParameterSink {
    let parameters: [String: Parameter]
    let renames: [String: String]
    var out: [Entry] = []

    init(parameters: [String: Parameter], renames: [String: SemanticDiff.Rename]) {
        self.init(parameters: parameters, renameMap: renames.mapValues(\.name))
    }

    init(parameters: [String: Parameter], renameMap: [String: String]) {
        self.parameters = parameters
        renames = renameMap
    }

    /// A name through the renames; `np_award.first_mover` maps its rule part.
    func name(_ n: String) -> String {
        if let r = renames[n] { return r }
        let parts = n.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, let r = renames[parts[0]] { return r + "." + parts[1] }
        return n
    }

    func spelled(_ path: String, _ fallback: String) -> String {
        parameters[path]?.text ?? fallback
    }

    func f(_ e: Expr) -> String { Formula.text(e, renames) }
    func text(_ e: Expr) -> String { f(e) }

    /// The list item the next entries belong to (set while listing one).
    var currentItem: ListItem?

    mutating func add(_ key: String, _ label: String, _ canonical: String, _ shown: String? = nil, _ range: SourceRange?, owner: String) {
        out.append(Entry(key: key, label: label, canonical: canonical, shown: shown ?? canonical, range: range, owner: owner, list: currentItem))
    }

    mutating func item(_ prefix: String, _ index: Int, _ noun: String, _ body: (inout Entries) -> Void) {
        currentItem = ListItem(prefix: prefix, index: index, noun: noun)
        body(&self)
        currentItem = nil
    }

    mutating func formula(_ key: String, _ label: String, _ e: Expr?, owner: String) {
        guard let e else { return }
        let text = f(e)
        if let v = e.constantNumber {
            add(key, label, v.description, spelled(key, text), e.range, owner: owner)
        } else {
            add(key, label, text, text, e.range, owner: owner)
        }
    }

    static func metricMeaning(_ m: MetricDefinition, _ renames: [String: String]) -> String {
        "\(Formula.text(m.formula, renames)) type=\(m.declaredType?.value.rawValue ?? "-")"
    }

    static func ruleMeaning(_ r: Rule, _ renames: [String: String]) -> String {
        var copy = Entries(parameters: [:], renameMap: renames)
        copy.rule(r, canonicalOnly: true)
        return r.kind.value + "|"
            + copy.out.map { "\($0.key.split(separator: ".").dropFirst(2).joined(separator: "."))=\($0.canonical)" }.joined(separator: "|")
    }

    mutating func all(_ p: Plan) -> [Entry] {
        add("plan", "plan name", p.name.value, nil, p.name.range, owner: "plan name")
        add("version", "version", p.version?.value ?? "-", nil, p.version?.range, owner: "version")
        add("currency", "currency", p.currency.value, nil, p.currency.range, owner: "currency")
        add("locale", "locale", p.locale?.value ?? "-", nil, p.locale?.range, owner: "locale")
        add("rounding.mode", "rounding:", p.rounding.mode.rawValue, nil, p.rounding.range, owner: "rounding")
        add("rounding.scale", "rounding: decimal places", String(p.rounding.scale), nil, p.rounding.range, owner: "rounding")
        add("period", "period:", p.period.value.rawValue, nil, p.period.range, owner: "period")
        add("effective.from", "effective from", p.effectiveFrom.map { "\($0.value)" } ?? "-", nil, p.effectiveFrom?.range, owner: "effective dates")
        add("effective.to", "effective to", p.effectiveTo.map { "\($0.value)" } ?? "-", nil, p.effectiveTo?.range, owner: "effective dates")
        labels("label", "plan label", p.labels, p.name.range, owner: "plan name")
        for kind in TableKind.allCases {
            let t = p.data.table(kind)
            add("data.\(kind.rawValue).file", "data: \(kind.rawValue) file", t.file, nil, t.range, owner: "data \(kind.rawValue)")
            for c in t.columns where !c.contract {
                add(
                    "data.\(kind.rawValue).columns.\(c.name)", "data: column \(kind.rowName).\(c.name)",
                    "\(c.type.rawValue)\(c.optional ? " (optional)" : "")", nil, c.range, owner: "column \(kind.rowName).\(c.name)")
            }
        }
        add(
            "population.when", "population:", p.population.when.map { f($0) } ?? "active_days > 0", nil, p.population.when?.range,
            owner: "population")
        for (i, r) in p.population.require.enumerated() {
            add("population.require[\(i + 1)]", "population: requirement \(i + 1)", f(r), nil, r.range, owner: "population requirement \(f(r))")
        }
        for filter in p.filters {
            let n = name(filter.name.value)
            add("filters.\(n)", "filter \(n):", f(filter.condition), nil, filter.condition.range, owner: "filter \(n)")
            labels("filters.\(n).label", "filter \(n) label", filter.labels, filter.name.range, owner: "filter \(n)")
        }
        for s in p.shapes {
            let n = name(s.name.value)
            shape(s.shape, key: "shapes.\(n)", label: "shape \(n):", owner: "shape \(n)")
            labels("shapes.\(n).label", "shape \(n) label", s.labels, s.name.range, owner: "shape \(n)")
        }
        for m in p.metrics {
            let n = name(m.name.value)
            let text = f(m.formula)
            add("metrics.\(n)", "metric \(n):", text, nil, m.formula.range, owner: "metric \(n)")
            if let t = m.declaredType { add("metrics.\(n).type", "metric \(n) type", t.value.rawValue, nil, t.range, owner: "metric \(n)") }
            labels("metrics.\(n).label", "metric \(n) label", m.labels, m.name.range, owner: "metric \(n)")
        }
        for r in p.rules { rule(r, canonicalOnly: false) }
        if let t = p.total {
            add("total.components", "total: components", t.components.map { name($0.value) }.joined(separator: " + "), nil, t.range, owner: "total")
            formula("total.cap", "total: cap", t.cap, owner: "total")
            formula("total.floor", "total: floor", t.floor, owner: "total")
            add("total.round", "total: rounding", Canonical.roundChoice(t.round), nil, t.range, owner: "total")
        }
        add(
            "output", "output columns",
            p.output.map { "\($0.header.value)=\(f($0.value))\($0.decimals.map { "/\($0.value)" } ?? "")" }.joined(separator: ", "),
            p.output.map(\.header.value).joined(separator: ", "), p.output.first?.range, owner: "output")
        return out
    }

    mutating func labels(_ key: String, _ label: String, _ l: Labels, _ range: SourceRange?, owner: String) {
        let text = l.entries.sorted { $0.language < $1.language }.map { $0.language.isEmpty ? $0.text : "\($0.language): \($0.text)" }
            .joined(separator: ", ")
        add(key, label, text.isEmpty ? "-" : text, nil, range, owner: owner)
    }

    mutating func shape(_ s: Shape, key: String, label: String, owner: String) {
        switch s {
        case .curve(let c):
            add(key + ".kind", label + " kind", "curve", nil, c.range, owner: owner)
            for (i, p) in c.points.enumerated() {
                let pk = "\(key).points[\(i + 1)]"
                item("\(key).points", i + 1, "\(label) curve point") { e in
                    e.add(
                        pk + ".at", "\(label) curve point \(i + 1) at", p.x.value.description, e.spelled(pk + ".at", p.x.value.description),
                        p.x.range, owner: owner)
                    e.add(
                        pk + ".pay", "\(label) curve point \(i + 1) pay", p.y.value.description, e.spelled(pk + ".pay", p.y.value.description),
                        p.y.range, owner: owner)
                }
            }
            add(key + ".below", "\(label) below the first point", c.below.value.rawValue, nil, c.below.range, owner: owner)
            add(key + ".above", "\(label) after the last point", c.above.value.rawValue, nil, c.above.range, owner: owner)
        case .band(let b):
            add(key + ".kind", label + " kind", "band", nil, b.range, owner: owner)
            add(key + ".hit", "\(label) hit policy", b.hit.value.rawValue, nil, b.hit.range, owner: owner)
            for (i, row) in b.rows.enumerated() {
                let rk = "\(key).rows[\(i + 1)]"
                item("\(key).rows", i + 1, "\(label) band row") { e in
                    e.add(rk + ".when", "\(label) band row \(i + 1) test", row.test.canonical, row.test.text, row.test.range, owner: owner)
                    e.formula(rk + ".value", "\(label) band row \(i + 1) value", row.value, owner: owner)
                }
            }
        case .tiers(let t):
            add(key + ".kind", label + " kind", "tiers", nil, t.range, owner: owner)
            add(key + ".method", "\(label) tiers", t.method.value.rawValue, nil, t.method.range, owner: owner)
            add(
                key + ".on_boundary", "\(label) a value on a boundary takes", "the \(t.boundary.value.rawValue) tier", nil, t.boundary.range,
                owner: owner)
            for (i, row) in t.rows.enumerated() {
                let rk = "\(key).rows[\(i + 1)]"
                item("\(key).rows", i + 1, "\(label) tier") { e in
                    e.add(
                        rk + ".from", "\(label) tier \(i + 1) from", row.from.value.description, e.spelled(rk + ".from", row.from.value.description),
                        row.from.range, owner: owner)
                    e.add(
                        rk + ".to", "\(label) tier \(i + 1) to", row.to.map { $0.value.description } ?? "-",
                        row.to.map { e.spelled(rk + ".to", $0.value.description) } ?? "-", row.to?.range ?? row.range, owner: owner)
                    e.formula(rk + ".rate", "\(label) tier \(i + 1) rate", row.rate, owner: owner)
                    e.formula(rk + ".amount", "\(label) tier \(i + 1) amount", row.amount, owner: owner)
                    if let p = row.pattern {
                        for (name, words, v) in [
                            ("every", "pattern width", p.every), ("step", "pattern rate step", p.step),
                            ("max_rate", "pattern highest rate", p.maxRate),
                        ] {
                            e.add(
                                "\(rk).\(name)", "\(label) tier \(i + 1) \(words)", v.value.description,
                                e.spelled("\(rk).\(name)", v.value.description),
                                v.range, owner: owner)
                        }
                    }
                }
            }
        case .matrix(let m):
            add(key + ".kind", label + " kind", "matrix", nil, m.range, owner: owner)
            add(key + ".hit", "\(label) hit policy", m.hit.value.rawValue, nil, m.hit.range, owner: owner)
            add(key + ".rows", "\(label) row bands", m.rowTests.map(\.canonical).joined(separator: "; "), nil, m.range, owner: owner)
            add(key + ".columns", "\(label) column bands", m.columnTests.map(\.canonical).joined(separator: "; "), nil, m.range, owner: owner)
            for (r, row) in m.values.enumerated() {
                for (c, v) in row.enumerated() {
                    let vk = "\(key).values[\(r + 1)][\(c + 1)]"
                    add(vk, "\(label) matrix cell (\(r + 1), \(c + 1))", v.value.description, spelled(vk, v.value.description), v.range, owner: owner)
                }
            }
        }
    }

    mutating func shapeUse(_ u: ShapeUse, key: String, label: String, owner: String) {
        switch u.target {
        case .named(let n):
            add(key + ".shape", "\(label) shape", "shape " + name(n.value), nil, n.range, owner: owner)
        case .inline(let s):
            shape(s, key: key + "." + s.kindName, label: label, owner: owner)
        }
        for (i, input) in u.inputs.enumerated() {
            formula(key + ".inputs[\(i + 1)]", "\(label) input \(i + 1)", input, owner: owner)
        }
    }

    mutating func limiters(_ l: Limiters, _ key: String, _ label: String, owner: String) {
        formula(key + ".gate", "\(label) gate", l.gate, owner: owner)
        formula(key + ".floor", "\(label) floor", l.floor, owner: owner)
        formula(key + ".cap", "\(label) cap", l.cap, owner: owner)
    }

    mutating func rule(_ r: Rule, canonicalOnly: Bool) {
        let n = canonicalOnly ? "_" : name(r.name.value)
        let k = "rules.\(n)"
        let l = "\(n):"
        let owner = "rule \(n)"
        add(k + ".kind", "\(l) kind", r.kind.value, nil, r.kind.range, owner: owner)
        if !canonicalOnly { labels(k + ".label", "\(l) label", r.labels, r.name.range, owner: owner) }
        add(k + ".round", "\(l) rounding", Canonical.roundChoice(r.round), nil, r.range, owner: owner)
        r.body.describe(&self, key: k, label: l, owner: owner)
    }
}
