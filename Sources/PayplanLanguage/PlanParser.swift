import PayplanCore
import PayplanYAML

/// Reads a composed YAML document into a `Plan`. It checks structure (keys,
/// value kinds, constant tables) and reports every problem of the file; name
/// resolution and types are the checker's job.
public enum PlanParser {
    public static let topLevelKeys = [
        "plan", "label", "description", "version", "currency", "locale", "rounding", "period", "effective", "data",
        "population", "filters", "shapes", "metrics", "rules", "total", "output",
    ]

    public static func parse(_ document: YAMLDocument, kinds: RuleKindSet, limits: Limits = .default) -> (Plan?, [Diagnostic]) {
        var context = ReadContext(document: document, kinds: kinds, limits: limits)
        let plan = readPlan(document.root, &context)
        let diagnostics = context.diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (plan, diagnostics)
    }

    /// What could be read of a plan that has structural errors (a rule or
    /// metric that could not be read is left out), for checks that do not
    /// depend on the missing parts; nil when even the plan's header is broken.
    public static func partial(_ document: YAMLDocument, kinds: RuleKindSet, limits: Limits = .default) -> Plan? {
        var context = ReadContext(document: document, kinds: kinds, limits: limits)
        return readPlan(document.root, &context)
    }

    static func readPlan(_ root: YAMLNode, _ c: inout ReadContext) -> Plan? {
        guard var f = Fields(root, "the plan", known: topLevelKeys, context: &c) else {
            return nil
        }
        let p = Path.root
        let name = f.require("plan", &c, help: "start the file with `plan: NAME`").flatMap { c.text($0, p.key("plan"), "the plan's name") }
        let labels = f.take("label").map { c.labels($0, p.key("label")) } ?? Labels()
        let description = f.take("description").flatMap { c.text($0, p.key("description"), "a description")?.value }
        let version = f.take("version").flatMap { c.text($0, p.key("version"), "a version") }
        let currency = f.require("currency", &c, help: "add `currency: CNY` (an ISO 4217 code)").flatMap {
            c.text($0, p.key("currency"), "a currency code")
        }
        if let cur = currency, !(cur.value.count == 3 && cur.value.allSatisfy({ $0.isUppercase && $0.isASCII })) {
            c.error(PlanCode.badCurrency, "`\(cur.value)` is not an ISO 4217 currency code (three capital letters, e.g. CNY)", at: cur.range)
        }
        let locale = f.take("locale").flatMap { c.text($0, p.key("locale"), "a language (zh or en)") }
        if let l = locale, !["zh", "en"].contains(l.value) {
            c.error(PlanCode.badLocale, "unknown locale `\(l.value)`; expected `zh` or `en`", at: l.range)
        }
        let rounding = f.require("rounding", &c, help: "add `rounding: {scale: 2, mode: half_away_from_zero}`").flatMap {
            readRounding($0, p.key("rounding"), &c)
        }
        let period = f.require("period", &c, help: "add `period: quarter` (month, quarter or year)").flatMap {
            c.choice($0, p.key("period"), "period kind", PeriodKind.self)
        }
        var effectiveFrom: Located<CivilDate>?
        var effectiveTo: Located<CivilDate>?
        if let node = f.take("effective"), var e = Fields(node, "`effective`", known: ["from", "to"], context: &c) {
            effectiveFrom = e.take("from").flatMap { c.date($0, p.key("effective").key("from"), "the effective start") }
            effectiveTo = e.take("to").flatMap { c.date($0, p.key("effective").key("to"), "the effective end") }
            e.finish(&c)
            if let a = effectiveFrom, let b = effectiveTo, b.value < a.value {
                c.error(PlanCode.effectiveEndBeforeStart, "the plan's effective end \(b.value) is before its start \(a.value)", at: b.range)
            }
        }
        let data = f.take("data").map { readData($0, p.key("data"), &c) } ?? withDefaultTargets(DataSpec.contract)
        var population = Population(when: nil, require: [])
        if let node = f.take("population") { population = readPopulation(node, p.key("population"), &c) }
        let filters = f.take("filters").map { readFilters($0, p.key("filters"), &c) } ?? []
        let shapes = f.take("shapes").map { readShapes($0, p.key("shapes"), &c) } ?? []
        let metrics = f.take("metrics").map { readMetrics($0, p.key("metrics"), &c) } ?? []
        let rules = f.take("rules").map { readRules($0, p.key("rules"), &c) } ?? []
        let total = f.take("total").flatMap { readTotal($0, p.key("total"), &c) }
        let output = f.take("output").map { readOutput($0, p.key("output"), &c) } ?? []
        f.finish(&c)

        if metrics.count > c.limits.metrics {
            c.error(
                PlanCode.tooManyDefinitions, "the plan defines \(metrics.count) metrics, over the limit of \(c.limits.metrics) (Limits.metrics)",
                at: root.range)
        }
        if rules.count > c.limits.rules {
            c.error(
                PlanCode.tooManyDefinitions, "the plan defines \(rules.count) rules, over the limit of \(c.limits.rules) (Limits.rules)",
                at: root.range)
        }
        guard let name, let currency, let rounding, let period else { return nil }
        return Plan(
            file: c.document.file, name: name, labels: labels, description: description, version: version,
            currency: currency, locale: locale, rounding: rounding, period: period, effectiveFrom: effectiveFrom,
            effectiveTo: effectiveTo, data: data, population: population, filters: filters, shapes: shapes,
            metrics: metrics, rules: rules, total: total, output: output, parameters: c.parameters, range: root.range)
    }

    static func readRounding(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Rounding? {
        guard var f = Fields(node, "`rounding`", known: ["scale", "mode"], context: &c) else { return nil }
        let scale = f.require("scale", &c).flatMap { c.integer($0, p.key("scale"), "the rounding scale", range: 0...12) }
        let mode = f.require("mode", &c).flatMap { c.choice($0, p.key("mode"), "rounding mode", RoundingMode.self) }
        f.finish(&c)
        guard let scale, let mode else { return nil }
        return Rounding(scale: scale.value, mode: mode.value, range: node.range)
    }

    static func readRoundChoice(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> RoundingChoice {
        if node.scalar != nil {
            guard let b = c.bool(node, p, "`round` (true, false, or {scale, mode})") else { return .plan }
            return b.value ? .plan : .none
        }
        return readRounding(node, p, &c).map { .custom($0) } ?? .plan
    }

    // MARK: - Data

    static func withDefaultTargets(_ spec: DataSpec) -> DataSpec {
        var s = spec
        if !s.targets.columns.contains(where: { !$0.contract }) {
            s.targets.columns += DataSpec.defaultTargetColumns
        }
        return s
    }

    static func readData(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> DataSpec {
        var spec = DataSpec.contract
        guard var f = Fields(node, "`data`", known: TableKind.allCases.map(\.rawValue), context: &c) else {
            return withDefaultTargets(spec)
        }
        for kind in TableKind.allCases {
            guard let tableNode = f.take(kind.rawValue) else { continue }
            let tp = p.key(kind.rawValue)
            guard var t = Fields(tableNode, "`data.\(kind.rawValue)`", known: ["file", "columns"], context: &c) else { continue }
            var table = spec.table(kind)
            table.range = tableNode.range
            if let file = t.take("file").flatMap({ c.text($0, tp.key("file"), "a file name") }) {
                if file.value.contains("/") || file.value == ".." {
                    c.error(PlanCode.dataFilePath, "a data file is named relative to the data folder, without `/`", at: file.range)
                } else {
                    table.file = file.value
                }
            }
            if let cols = t.take("columns") {
                for pair in cols.mapping ?? [] {
                    guard let name = pair.key.scalar else { continue }
                    let cp = tp.key("columns").key(name)
                    var optional = false
                    var typeNode = pair.value
                    if pair.value.mapping != nil, var cf = Fields(pair.value, "column `\(name)`", known: ["type", "optional"], context: &c) {
                        guard let tn = cf.require("type", &c) else { continue }
                        typeNode = tn
                        optional = cf.take("optional").flatMap { c.bool($0, cp.key("optional"), "`optional`")?.value } ?? false
                        cf.finish(&c)
                    }
                    guard let type = c.choice(typeNode, pair.value.mapping != nil ? cp.key("type") : cp, "column type", ColumnType.self) else {
                        continue
                    }
                    if let existing = table.column(name) {
                        if existing.contract {
                            if existing.type != type.value {
                                c.error(
                                    PlanCode.contractColumnRedeclared,
                                    "`\(name)` is a column of the data contract with type \(existing.type.rawValue); it cannot be redeclared as \(type.value.rawValue)",
                                    at: pair.key.range)
                            }
                            continue
                        }
                        c.error(PlanCode.columnTwice, "column `\(name)` is declared twice", at: pair.key.range)
                        continue
                    }
                    table.columns.append(ColumnSpec(name: name, type: type.value, optional: optional, range: pair.key.range))
                }
                if cols.mapping == nil {
                    c.error(PlanCode.wrongKind, "expected a mapping of column names to types, found \(cols.kindDescription)", at: cols.range)
                }
            }
            t.finish(&c)
            switch kind {
            case .reps: spec.reps = table
            case .targets: spec.targets = table
            case .transactions: spec.transactions = table
            case .products: spec.products = table
            }
        }
        f.finish(&c)
        return withDefaultTargets(spec)
    }

    static func readPopulation(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Population {
        guard var f = Fields(node, "`population`", known: ["when", "require"], context: &c) else {
            return Population(when: nil, require: [])
        }
        let when = f.take("when").flatMap { c.formula($0, p.key("when"), "a condition") }
        var require: [Expr] = []
        if let r = f.take("require") {
            let items = r.sequence ?? [r]
            for (i, item) in items.enumerated() {
                if let e = c.formula(item, r.sequence == nil ? p.key("require") : p.key("require").index(i), "a condition") {
                    require.append(e)
                }
            }
        }
        f.finish(&c)
        return Population(when: when, require: require)
    }

    public static func checkName(_ key: YAMLNode, _ c: inout ReadContext, _ what: String) -> Located<String>? {
        guard let name = key.scalar else { return nil }
        if let problem = c.identifierProblem(name) {
            c.error(PlanCode.badName, "`\(name)` cannot name \(what): \(problem)", at: key.range)
            return nil
        }
        return Located(name, key.range)
    }

    static func readFilters(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [FilterDefinition] {
        guard let pairs = node.mapping else {
            c.error(PlanCode.wrongKind, "expected a mapping of filter names to conditions, found \(node.kindDescription)", at: node.range)
            return []
        }
        var out: [FilterDefinition] = []
        for pair in pairs {
            guard let name = checkName(pair.key, &c, "a filter") else { continue }
            let fp = p.key(name.value)
            var labels = Labels()
            var condNode = pair.value
            if pair.value.mapping != nil {
                guard var f = Fields(pair.value, "filter `\(name.value)`", known: ["when", "label"], context: &c),
                    let w = f.require("when", &c)
                else { continue }
                condNode = w
                labels = f.take("label").map { c.labels($0, fp.key("label")) } ?? Labels()
                f.finish(&c)
            }
            guard let e = c.formula(condNode, pair.value.mapping != nil ? fp.key("when") : fp, "a condition on a transaction") else { continue }
            out.append(FilterDefinition(name: name, condition: e, labels: labels))
        }
        return out
    }

    static func readMetrics(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [MetricDefinition] {
        guard let pairs = node.mapping else {
            c.error(PlanCode.wrongKind, "expected a mapping of metric names to formulas, found \(node.kindDescription)", at: node.range)
            return []
        }
        var out: [MetricDefinition] = []
        for pair in pairs {
            guard let name = checkName(pair.key, &c, "a metric") else { continue }
            let mp = p.key(name.value)
            if pair.value.mapping != nil {
                guard var f = Fields(pair.value, "metric `\(name.value)`", known: ["formula", "label", "description", "type"], context: &c)
                else { continue }
                let formulaNode = f.require("formula", &c, help: "write `\(name.value): FORMULA` or `{formula: FORMULA, label: ...}`")
                let labels = f.take("label").map { c.labels($0, mp.key("label")) } ?? Labels()
                let description = f.take("description").flatMap { c.text($0, mp.key("description"), "a description")?.value }
                let type = f.take("type").flatMap { c.choice($0, mp.key("type"), "type", ColumnType.self) }
                f.finish(&c)
                guard let formulaNode, let e = c.formula(formulaNode, mp.key("formula"), "a formula") else { continue }
                out.append(
                    MetricDefinition(
                        name: name, formula: e, labels: labels, description: description, declaredType: type,
                        range: SourceRange(start: pair.key.range.start, end: pair.value.range.end)))
            } else {
                guard let e = c.formula(pair.value, mp, "a formula") else { continue }
                out.append(
                    MetricDefinition(
                        name: name, formula: e, labels: Labels(), description: nil, declaredType: nil,
                        range: SourceRange(start: pair.key.range.start, end: pair.value.range.end)))
            }
        }
        return out
    }

    // MARK: - Shapes

    public static let shapeKinds = ["curve", "band", "tiers", "matrix"]

    static func readShapes(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [ShapeDefinition] {
        guard let pairs = node.mapping else {
            c.error(PlanCode.wrongKind, "expected a mapping of shape names to shapes, found \(node.kindDescription)", at: node.range)
            return []
        }
        var out: [ShapeDefinition] = []
        for pair in pairs {
            guard let name = checkName(pair.key, &c, "a shape") else { continue }
            let sp = p.key(name.value)
            guard var f = Fields(pair.value, "shape `\(name.value)`", known: shapeKinds + ["label"], context: &c) else { continue }
            let labels = f.take("label").map { c.labels($0, sp.key("label")) } ?? Labels()
            let present = shapeKinds.filter { f.has($0) }
            guard present.count == 1 else {
                c.error(
                    PlanCode.shapeKind,
                    present.isEmpty
                        ? "shape `\(name.value)` needs one of `curve`, `band`, `tiers`, `matrix`"
                        : "shape `\(name.value)` has \(present.map { "`\($0)`" }.joined(separator: " and ")); give exactly one",
                    at: pair.key.range)
                for k in present { _ = f.take(k) }
                f.finish(&c)
                continue
            }
            let kind = present[0]
            let shapeNode = f.take(kind)!
            f.finish(&c)
            var inputs: [Expr] = []
            if let shape = readShape(kind, shapeNode, sp.key(kind), &c, inline: false, inputs: &inputs) {
                out.append(
                    ShapeDefinition(
                        name: name, shape: shape, labels: labels,
                        range: SourceRange(start: pair.key.range.start, end: pair.value.range.end)))
            }
        }
        return out
    }

    static func readShape(
        _ kind: String, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, inline: Bool, inputs: inout [Expr]
    ) -> Shape? {
        switch kind {
        case "curve": return readCurve(node, p, &c).map { .curve($0) }
        case "band": return readBand(node, p, &c).map { .band($0) }
        case "tiers": return readTiers(node, p, &c).map { .tiers($0) }
        case "matrix": return readMatrix(node, p, &c, inline: inline, inputs: &inputs).map { .matrix($0) }
        default: return nil
        }
    }

    /// Reads an `[x, y]` pair or a `{KEYX: x, KEYY: y}` mapping.
    static func readPair(
        _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, names: (String, String), what: String
    ) -> (YAMLNode, Path, YAMLNode, Path)? {
        if let items = node.sequence {
            guard items.count == 2 else {
                c.error(PlanCode.notAPair, "\(what) is a pair [\(names.0), \(names.1)], found \(items.count) values", at: node.range)
                return nil
            }
            return (items[0], p.alias(names.0, index: 0), items[1], p.alias(names.1, index: 1))
        }
        guard var f = Fields(node, what, known: [names.0, names.1], context: &c) else { return nil }
        let a = f.require(names.0, &c)
        let b = f.require(names.1, &c)
        f.finish(&c)
        guard let a, let b else { return nil }
        return (a, p.key(names.0), b, p.key(names.1))
    }

    static func readCurve(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Curve? {
        var pointsNode = node
        var pointsPath = p
        var below = Located(Curve.Below.zero, node.range)
        var above = Located(Curve.Above.flat, node.range)
        if node.mapping != nil {
            guard var f = Fields(node, "a curve", known: ["points", "below", "above"], context: &c) else { return nil }
            guard let pn = f.require("points", &c, help: "list the points as [[x, y], ...]") else {
                f.finish(&c)
                return nil
            }
            pointsNode = pn
            pointsPath = p.key("points")
            if let b = f.take("below"), let v = c.choice(b, p.key("below"), "curve start", Curve.Below.self) { below = v }
            if let a = f.take("above"), let v = c.choice(a, p.key("above"), "curve end", Curve.Above.self) { above = v }
            f.finish(&c)
        }
        guard let items = pointsNode.sequence else {
            c.error(PlanCode.wrongKind, "expected a list of curve points [[x, y], ...], found \(pointsNode.kindDescription)", at: pointsNode.range)
            return nil
        }
        if items.count > c.limits.shapeRows {
            c.error(
                PlanCode.shapeTooLarge, "the curve has \(items.count) points, over the limit of \(c.limits.shapeRows) (Limits.shapeRows)",
                at: pointsNode.range)
            return nil
        }
        var points: [CurvePoint] = []
        for (i, item) in items.enumerated() {
            guard let (xn, xp, yn, yp) = readPair(item, pointsPath.index(i), &c, names: ("at", "pay"), what: "a curve point") else {
                continue
            }
            guard let x = c.number(xn, xp, "a curve point's x"), let y = c.number(yn, yp, "a curve point's value") else { continue }
            points.append(CurvePoint(x: x, y: y, range: item.range))
        }
        if points.isEmpty && !items.isEmpty { return nil }
        if items.isEmpty {
            c.error(PlanCode.emptyShape, "a curve needs at least one point", at: pointsNode.range)
            return nil
        }
        return Curve(points: points, below: below, above: above, range: node.range)
    }

    static func readBand(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Band? {
        var rowsNode = node
        var rowsPath = p
        var hit = Located(HitPolicy.first, node.range)
        if node.mapping != nil {
            guard var f = Fields(node, "a band", known: ["hit", "rows"], context: &c) else { return nil }
            guard let rn = f.require("rows", &c) else {
                f.finish(&c)
                return nil
            }
            rowsNode = rn
            rowsPath = p.key("rows")
            if let h = f.take("hit"), let v = c.choice(h, p.key("hit"), "hit policy", HitPolicy.self) { hit = v }
            f.finish(&c)
        }
        guard let items = rowsNode.sequence else {
            c.error(PlanCode.wrongKind, "expected a list of band rows [[TEST, VALUE], ...], found \(rowsNode.kindDescription)", at: rowsNode.range)
            return nil
        }
        if items.count > c.limits.shapeRows {
            c.error(
                PlanCode.shapeTooLarge, "the band has \(items.count) rows, over the limit of \(c.limits.shapeRows) (Limits.shapeRows)",
                at: rowsNode.range)
            return nil
        }
        var rows: [BandRow] = []
        var failed = false
        for (i, item) in items.enumerated() {
            let rp = rowsPath.index(i)
            var testNode: YAMLNode
            var testPath: Path
            var valueNode: YAMLNode
            var valuePath: Path
            if let m = item.mapping, m.count == 1, m[0].key.scalar == "else" {
                testNode = m[0].key
                testPath = rp.key("when")
                valueNode = m[0].value
                valuePath = rp.key("else")
            } else {
                guard let (tn, tp, vn, vp) = readPair(item, rp, &c, names: ("when", "value"), what: "a band row") else {
                    failed = true
                    continue
                }
                (testNode, testPath, valueNode, valuePath) = (tn, tp, vn, vp)
            }
            guard let test = readUnaryTest(testNode, testPath, &c),
                let value = c.formula(valueNode, valuePath, "a band value")
            else {
                failed = true
                continue
            }
            rows.append(BandRow(test: test, value: value, range: item.range))
        }
        if failed { return nil }
        if rows.isEmpty {
            c.error(PlanCode.emptyShape, "a band needs at least one row", at: rowsNode.range)
            return nil
        }
        return Band(hit: hit, rows: rows, range: node.range)
    }

    /// Reads a band test: `>= 0.90`, `< 70%`, `[0.7, 0.9)`, `(0.7, 0.9]`, `== 1`, `else`.
    static func readUnaryTest(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> UnaryTest? {
        guard let text = c.scalarText(node, "a test such as `>= 0.90` or `[0.7, 0.9)`") else { return nil }
        c.register(p, node)
        let source = FormulaSource(node: node, document: c.document)
        let trimmed = text.trimmingSpaces
        if trimmed == "else" || trimmed == "*" || trimmed == "any" {
            return UnaryTest(kind: .any, range: node.range, text: text)
        }
        switch UnaryTestParser.parse(source) {
        case .success(let kind): return UnaryTest(kind: kind, range: node.range, text: text)
        case .failure(let d):
            c.diagnostics.append(d)
            return nil
        }
    }

    static func readTiers(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Tiers? {
        guard var f = Fields(node, "a tier table", known: ["method", "on_boundary", "rows"], context: &c) else { return nil }
        let method = f.require("method", &c, help: "`method: marginal` (each slice at its rate) or `method: retroactive`").flatMap {
            c.choice($0, p.key("method"), "tier method", Tiers.Method.self)
        }
        let boundary =
            f.take("on_boundary").flatMap { c.choice($0, p.key("on_boundary"), "boundary rule", Tiers.Boundary.self) }
            ?? Located(.higher, node.range)
        let rowsNode = f.require("rows", &c)
        f.finish(&c)
        guard let method, let rowsNode else { return nil }
        guard let items = rowsNode.sequence else {
            c.error(PlanCode.wrongKind, "expected a list of tiers [{from: 0, rate: 1%}, ...], found \(rowsNode.kindDescription)", at: rowsNode.range)
            return nil
        }
        if items.count > c.limits.shapeRows {
            c.error(
                PlanCode.shapeTooLarge, "the tier table has \(items.count) rows, over the limit of \(c.limits.shapeRows) (Limits.shapeRows)",
                at: rowsNode.range)
            return nil
        }
        var rows: [TierRow] = []
        var failed = false
        for (i, item) in items.enumerated() {
            let rp = p.key("rows").index(i)
            guard var rf = Fields(item, "a tier", known: ["from", "to", "rate", "amount"] + patternKeys, context: &c) else {
                failed = true
                continue
            }
            let from = rf.require("from", &c).flatMap { c.number($0, rp.key("from"), "a tier's lower bound") }
            let to = rf.take("to").flatMap { c.number($0, rp.key("to"), "a tier's upper bound") }
            let rate = rf.take("rate").flatMap { c.formula($0, rp.key("rate"), "a rate") }
            let amount = rf.take("amount").flatMap { c.formula($0, rp.key("amount"), "an amount") }
            if rf.has("rate") == rf.has("amount") {
                c.error(
                    PlanCode.tierRateOrAmount, "a tier pays either a `rate` (per unit) or an `amount` (for the whole tier); give exactly one",
                    at: item.range)
                failed = true
            }
            var pattern: TierPattern?
            if patternKeys.contains(where: { rf.has($0) }) {
                pattern = readTierPattern(&rf, item, rp, &c)
                if pattern == nil { failed = true }
            }
            rf.finish(&c)
            guard let from else {
                failed = true
                continue
            }
            rows.append(TierRow(from: from, to: to, rate: rate, amount: amount, range: item.range, pattern: pattern))
        }
        if failed { return nil }
        if rows.isEmpty {
            c.error(PlanCode.emptyShape, "a tier table needs at least one tier", at: rowsNode.range)
            return nil
        }
        return Tiers(method: method, boundary: boundary, rows: rows, range: node.range)
    }

    static let patternKeys = ["every", "step", "max_rate"]

    /// The pattern part of a tier row: `every`, `step` and `max_rate`,
    /// all three, with a `rate` (the first tier's) rather than an `amount`.
    static func readTierPattern(_ rf: inout Fields, _ item: YAMLNode, _ rp: Path, _ c: inout ReadContext) -> TierPattern? {
        let missing = patternKeys.filter { !rf.has($0) }
        let every = rf.take("every").flatMap { c.number($0, rp.key("every"), "the width of each generated tier") }
        let step = rf.take("step").flatMap { c.number($0, rp.key("step"), "the rate step between generated tiers") }
        let maxRate = rf.take("max_rate").flatMap { c.number($0, rp.key("max_rate"), "the highest generated rate") }
        if !missing.isEmpty {
            c.error(
                PlanCode.tierPattern,
                "a tier pattern needs `every`, `step` and `max_rate`; \(missing.map { "`\($0)`" }.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") missing",
                at: item.range, help: "e.g. `{from: 100000, every: 100000, rate: 3%, step: 1%, max_rate: 6%}`")
            return nil
        }
        if rf.has("amount") && !rf.has("rate") {
            c.error(PlanCode.tierPattern, "a tier pattern generates rates: give the first tier's `rate`, not an `amount`", at: item.range)
            return nil
        }
        guard let every, let step, let maxRate else { return nil }
        return TierPattern(every: every, step: step, maxRate: maxRate)
    }

    static func readMatrix(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext, inline: Bool, inputs: inout [Expr]) -> Matrix? {
        guard var f = Fields(node, "a matrix", known: ["rows", "columns", "values", "hit"], context: &c) else { return nil }
        let hit = f.take("hit").flatMap { c.choice($0, p.key("hit"), "hit policy", HitPolicy.self) } ?? Located(.unique, node.range)
        var axes: [(tests: [UnaryTest], label: String?)] = []
        var failed = false
        for axis in ["rows", "columns"] {
            guard let axisNode = f.require(axis, &c) else {
                failed = true
                continue
            }
            let ap = p.key(axis)
            var bandsNode = axisNode
            var bandsPath = ap
            var label: String?
            if axisNode.mapping != nil {
                let known = inline ? ["input", "label", "bands"] : ["label", "bands"]
                guard var af = Fields(axisNode, "the matrix `\(axis)`", known: known, context: &c) else {
                    failed = true
                    continue
                }
                if inline {
                    if let inNode = af.require("input", &c, help: "name the value this axis tests, e.g. `input: attainment`"),
                        let e = c.formula(inNode, ap.key("input"), "an input")
                    {
                        inputs.append(e)
                    } else {
                        failed = true
                    }
                }
                label = af.take("label").flatMap { c.text($0, ap.key("label"), "a label")?.value }
                guard let bn = af.require("bands", &c) else {
                    af.finish(&c)
                    failed = true
                    continue
                }
                af.finish(&c)
                bandsNode = bn
                bandsPath = ap.key("bands")
            } else if inline {
                c.error(PlanCode.matrixInputs, "an inline matrix names its inputs: `\(axis): {input: ..., bands: [...]}`", at: axisNode.range)
                failed = true
            }
            guard let items = bandsNode.sequence, !items.isEmpty else {
                c.error(
                    PlanCode.wrongKind, "expected a list of bands such as [\"< 0.8\", \">= 0.8\"], found \(bandsNode.kindDescription)",
                    at: bandsNode.range)
                failed = true
                continue
            }
            var tests: [UnaryTest] = []
            for (i, item) in items.enumerated() {
                if let t = readUnaryTest(item, bandsPath.index(i), &c) { tests.append(t) } else { failed = true }
            }
            axes.append((tests, label))
        }
        let valuesNode = f.require("values", &c)
        f.finish(&c)
        guard !failed, axes.count == 2, let valuesNode else { return nil }
        guard let rowsOfValues = valuesNode.sequence else {
            c.error(PlanCode.wrongKind, "expected `values` as a list of rows, found \(valuesNode.kindDescription)", at: valuesNode.range)
            return nil
        }
        if rowsOfValues.count * axes[1].tests.count > c.limits.shapeRows {
            c.error(PlanCode.shapeTooLarge, "the matrix has too many cells (Limits.shapeRows)", at: valuesNode.range)
            return nil
        }
        var values: [[Located<Exact>]] = []
        if rowsOfValues.count != axes[0].tests.count {
            c.error(
                PlanCode.matrixShape, "the matrix has \(axes[0].tests.count) row bands but \(rowsOfValues.count) rows of values", at: valuesNode.range
            )
            return nil
        }
        for (r, rowNode) in rowsOfValues.enumerated() {
            guard let cells = rowNode.sequence else {
                c.error(PlanCode.wrongKind, "expected a row of values, found \(rowNode.kindDescription)", at: rowNode.range)
                return nil
            }
            if cells.count != axes[1].tests.count {
                c.error(
                    PlanCode.matrixShape, "row \(r + 1) of the matrix has \(cells.count) values; there are \(axes[1].tests.count) column bands",
                    at: rowNode.range)
                return nil
            }
            var row: [Located<Exact>] = []
            for (k, cell) in cells.enumerated() {
                guard let v = c.number(cell, p.key("values").index(r).index(k), "a matrix value") else { return nil }
                row.append(v)
            }
            values.append(row)
        }
        return Matrix(
            rowTests: axes[0].tests, columnTests: axes[1].tests, values: values, hit: hit, rowsLabel: axes[0].label,
            columnsLabel: axes[1].label, range: node.range)
    }

    /// A shape used by a rule: `shape: NAME` (with `input`/`inputs`), or a
    /// shape written in place under its kind's key.
    public static func readShapeUse(
        _ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, defaultInputs: [Expr], what: String,
        allowed: [String] = shapeKinds
    ) -> ShapeUse? {
        let present = (allowed + ["shape"]).filter { f.has($0) }
        guard present.count == 1 else {
            c.error(
                PlanCode.shapeKind,
                present.isEmpty
                    ? "\(what) needs a shape: one of \((allowed + ["shape"]).map { "`\($0)`" }.joined(separator: ", "))"
                    : "\(what) has \(present.map { "`\($0)`" }.joined(separator: " and ")); give exactly one shape",
                at: node.range)
            for k in present { _ = f.take(k) }
            return nil
        }
        let key = present[0]
        let valueNode = f.take(key)!
        var inputs = defaultInputs
        if let inNode = f.take("input") {
            inputs = c.formula(inNode, p.key("input"), "an input").map { [$0] } ?? []
        } else if let insNode = f.take("inputs") {
            inputs = (insNode.sequence ?? []).enumerated().compactMap { i, n in c.formula(n, p.key("inputs").index(i), "an input") }
        }
        if key == "shape" {
            guard let name = c.text(valueNode, p.key("shape"), "a shape name") else { return nil }
            return ShapeUse(target: .named(name), inputs: inputs, range: valueNode.range)
        }
        var matrixInputs: [Expr] = []
        guard let shape = readShape(key, valueNode, p.key(key), &c, inline: true, inputs: &matrixInputs) else { return nil }
        if case .matrix = shape { inputs = matrixInputs }
        return ShapeUse(target: .inline(shape), inputs: inputs, range: valueNode.range)
    }

    // MARK: - Rules

    static let commonRuleKeys = ["kind", "label", "description", "round"]
    public static let limiterKeys = ["gate", "floor", "cap"]

    static func readRules(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [Rule] {
        guard let pairs = node.mapping else {
            c.error(PlanCode.wrongKind, "expected a mapping of rule names to rules, found \(node.kindDescription)", at: node.range)
            return []
        }
        var out: [Rule] = []
        for pair in pairs {
            guard let name = checkName(pair.key, &c, "a rule") else { continue }
            if let rule = readRule(name, pair.value, p.key(name.value), &c) { out.append(rule) }
        }
        return out
    }

    static func readRule(_ name: Located<String>, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Rule? {
        guard node.mapping != nil else {
            c.error(PlanCode.wrongKind, "expected a mapping for rule `\(name.value)`, found \(node.kindDescription)", at: node.range)
            return nil
        }
        let names = c.kinds.names
        guard let kindNode = node["kind"] else {
            c.error(
                PlanCode.missingKey, "rule `\(name.value)` needs `kind`", at: name.range,
                help: "one of " + names.map { "`\($0)`" }.joined(separator: ", "))
            return nil
        }
        guard let kindText = c.text(kindNode, p.key("kind"), "rule kind") else { return nil }
        guard let kind = c.kinds.named(kindText.value) else {
            c.error(
                PlanCode.unknownChoice, "unknown rule kind `\(kindText.value)`; expected one of \(names.map { "`\($0)`" }.joined(separator: ", "))",
                at: kindText.range, help: Suggest.didYouMean(kindText.value, among: names))
            return nil
        }
        let what = "rule `\(name.value)` (\(kind.name))"
        guard var f = Fields(node, what, known: commonRuleKeys + kind.keys, context: &c) else { return nil }
        _ = f.take("kind")
        let labels = f.take("label").map { c.labels($0, p.key("label")) } ?? Labels()
        let description = f.take("description").flatMap { c.text($0, p.key("description"), "a description")?.value }
        var round = RoundingChoice.plan
        if let r = f.take("round") { round = readRoundChoice(r, p.key("round"), &c) }
        let body = kind.read(&f, node, p, &c, what)
        f.finish(&c)
        guard let body else { return nil }
        return Rule(
            name: name, kind: kindText, labels: labels, description: description, body: body, round: round,
            range: SourceRange(start: name.range.start, end: node.range.end))
    }

    /// `gate`, `floor` and `cap`, which every paying rule kind may carry.
    public static func readLimiters(_ f: inout Fields, _ p: Path, _ c: inout ReadContext) -> Limiters {
        Limiters(
            gate: f.take("gate").flatMap { c.formula($0, p.key("gate"), "a gate condition") },
            floor: f.take("floor").flatMap { c.formula($0, p.key("floor"), "a floor") },
            cap: f.take("cap").flatMap { c.formula($0, p.key("cap"), "a cap") })
    }

    // MARK: - Total and output

    static func readTotal(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> Total? {
        guard var f = Fields(node, "`total`", known: ["components", "cap", "floor", "round"], context: &c) else { return nil }
        var components: [Located<String>] = []
        if let cn = f.require("components", &c, help: "list the rules that add up to the total") {
            if let items = cn.sequence {
                for (i, item) in items.enumerated() {
                    if let t = c.text(item, p.key("components").index(i), "a rule name") { components.append(t) }
                }
            } else {
                c.error(PlanCode.wrongKind, "expected `components` as a list of rule names, found \(cn.kindDescription)", at: cn.range)
            }
        }
        let cap = f.take("cap").flatMap { c.formula($0, p.key("cap"), "a cap") }
        let floor = f.take("floor").flatMap { c.formula($0, p.key("floor"), "a floor") }
        var round = RoundingChoice.plan
        if let r = f.take("round") { round = readRoundChoice(r, p.key("round"), &c) }
        f.finish(&c)
        return Total(components: components, cap: cap, floor: floor, round: round, range: node.range)
    }

    static func readOutput(_ node: YAMLNode, _ p: Path, _ c: inout ReadContext) -> [OutputColumn] {
        guard let items = node.sequence else {
            c.error(PlanCode.wrongKind, "expected `output` as a list of columns, found \(node.kindDescription)", at: node.range)
            return []
        }
        var out: [OutputColumn] = []
        var seen: [String: SourceRange] = [:]
        for (i, item) in items.enumerated() {
            let op = p.index(i)
            var column: OutputColumn?
            if item.scalar != nil {
                if let e = c.formula(item, op, "a column") {
                    guard let name = e.dottedName else {
                        c.error(
                            PlanCode.columnHeader, "a column given by a formula needs a header: `{column: NAME, value: \(e)}`", at: item.range)
                        continue
                    }
                    let header = String(name.split(separator: ".").last ?? Substring(name))
                    column = OutputColumn(header: Located(header, item.range), value: e, decimals: nil, range: item.range)
                }
            } else if var f = Fields(item, "an output column", known: ["column", "value", "decimals"], context: &c) {
                let header = f.require("column", &c).flatMap { c.text($0, op.key("column"), "a column header") }
                let valueNode = f.take("value")
                let decimals = f.take("decimals").flatMap { c.integer($0, op.key("decimals"), "decimals", range: 0...12) }
                f.finish(&c)
                guard let header else { continue }
                var value: Expr?
                if let valueNode {
                    value = c.formula(valueNode, op.key("value"), "a column value")
                } else {
                    let source = FormulaSource(text: header.value, startingAt: header.range.start)
                    if case .success(let (e, _)) = FormulaParser.parse(source) { value = e }
                }
                if let value { column = OutputColumn(header: header, value: value, decimals: decimals, range: item.range) }
            }
            guard let column else { continue }
            if let first = seen[column.header.value] {
                c.error(
                    PlanCode.columnTwiceInOutput, "the output column `\(column.header.value)` appears twice", at: column.header.range,
                    notes: [.init("first here", at: first)])
                continue
            }
            seen[column.header.value] = column.header.range
            out.append(column)
        }
        return out
    }
}

/// Parses band tests: `>= 0.9`, `< 70%`, `== 1`, `[0.7, 0.9)`, `(0, 1]`.
enum UnaryTestParser {
    static func parse(_ source: FormulaSource) -> Result<UnaryTest.Kind, Diagnostic> {
        var warnings: [Diagnostic] = []
        let tokens: [Token]
        do {
            tokens = try BracketLexer.tokens(source, warnings: &warnings)
        } catch {
            return .failure(error)
        }
        func number(_ i: Int) -> Exact? {
            guard i < tokens.count else { return nil }
            if case .number(let v, _, _) = tokens[i].kind { return v }
            if tokens[i].kind == .symbol("-"), i + 1 < tokens.count, case .number(let v, _, _) = tokens[i + 1].kind {
                return try? v.negated()
            }
            return nil
        }
        func width(_ i: Int) -> Int { tokens[i].kind == .symbol("-") ? 2 : 1 }
        let help = "write a test such as `>= 0.90`, `< 70%`, `== 1` or `[0.7, 0.9)`"
        let whole = source.range(0, source.text.count)
        guard let first = tokens.first, first.kind != .end else {
            return .failure(.error(FormulaCode.emptyTest, "expected a test, found nothing", at: whole, help: help))
        }
        if case .symbol(let op) = first.kind, ["<", "<=", ">", ">=", "=="].contains(op) {
            guard let v = number(1) else {
                return .failure(.error(FormulaCode.testWithoutNumber, "expected a number after `\(op)`", at: whole, help: help))
            }
            guard tokens[1 + width(1)].kind == .end else {
                return .failure(
                    .error(
                        FormulaCode.textAfterTest, "unexpected text after the test", at: source.range(tokens[1 + width(1)].start, source.text.count),
                        help: help))
            }
            switch op {
            case "<": return .success(.interval(low: nil, lowInclusive: false, high: v, highInclusive: false))
            case "<=": return .success(.interval(low: nil, lowInclusive: false, high: v, highInclusive: true))
            case ">": return .success(.interval(low: v, lowInclusive: false, high: nil, highInclusive: false))
            case ">=": return .success(.interval(low: v, lowInclusive: true, high: nil, highInclusive: false))
            default: return .success(.interval(low: v, lowInclusive: true, high: v, highInclusive: true))
            }
        }
        if first.kind == .symbol("[") || first.kind == .symbol("(") {
            let lowInclusive = first.kind == .symbol("[")
            var i = 1
            guard let lo = number(i) else {
                return .failure(.error(FormulaCode.testWithoutNumber, "expected the interval's lower bound", at: whole, help: help))
            }
            i += width(i)
            guard i < tokens.count, tokens[i].kind == .symbol(",") else {
                return .failure(.error(FormulaCode.intervalComma, "expected `,` between the interval's bounds", at: whole, help: help))
            }
            i += 1
            guard let hi = number(i) else {
                return .failure(.error(FormulaCode.testWithoutNumber, "expected the interval's upper bound", at: whole, help: help))
            }
            i += width(i)
            guard i < tokens.count, tokens[i].kind == .symbol("]") || tokens[i].kind == .symbol(")") else {
                return .failure(.error(FormulaCode.intervalComma, "expected `]` or `)` to close the interval", at: whole, help: help))
            }
            let highInclusive = tokens[i].kind == .symbol("]")
            guard tokens[i + 1].kind == .end else {
                return .failure(.error(FormulaCode.textAfterTest, "unexpected text after the interval", at: whole, help: help))
            }
            if hi < lo {
                return .failure(.error(FormulaCode.intervalReversed, "the interval's upper bound \(hi) is below its lower bound \(lo)", at: whole))
            }
            return .success(.interval(low: lo, lowInclusive: lowInclusive, high: hi, highInclusive: highInclusive))
        }
        if number(0) != nil {
            return .failure(
                .error(
                    FormulaCode.bareNumberTest, "a bare number is not a test", at: whole,
                    help: "write `== \(number(0)!)` for equality, or `>= \(number(0)!)`"))
        }
        return .failure(.error(FormulaCode.emptyTest, "`\(String(String.UnicodeScalarView(source.text)))` is not a test", at: whole, help: help))
    }
}

/// The formula lexer extended with `[` and `]` for interval tests.
enum BracketLexer {
    static func tokens(_ source: FormulaSource, warnings: inout [Diagnostic]) throws(Diagnostic) -> [Token] {
        // Split on brackets so the ordinary lexer never sees them.
        var tokens: [Token] = []
        var segmentStart = 0
        let text = source.text
        func lexSegment(_ from: Int, _ to: Int) throws(Diagnostic) {
            guard from < to else { return }
            let sub = FormulaSource(
                text: String(String.UnicodeScalarView(text[from..<to])), locations: Array(source.locations[from..<to]))
            var part = try Lexer(source: sub).tokens(warnings: &warnings)
            part.removeLast()
            tokens += part.map { Token(kind: $0.kind, start: $0.start + from, end: $0.end + from) }
        }
        for (i, ch) in text.enumerated() where ch == "[" || ch == "]" {
            try lexSegment(segmentStart, i)
            tokens.append(Token(kind: .symbol(String(ch)), start: i, end: i + 1))
            segmentStart = i + 1
        }
        try lexSegment(segmentStart, text.count)
        tokens.append(Token(kind: .end, start: text.count, end: text.count))
        return tokens
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
