import PayplanCore
import PayplanLanguage

/// Where a formula is evaluated, which decides what its names mean.
public enum Scope: Equatable, Sendable {
    /// Once per rep and period: metrics, rule parameters, output columns.
    case rep
    /// Once per transaction while data is read: filters, `where` clauses.
    case transaction
    /// Once per group of reps: team scores, eligibility, tie-breakers, a
    /// pool's pot.
    case group(scoreVisible: Bool)
    /// Once per period for a whole ranking: its pot and its prizes. Member
    /// aggregates read every member of every group; prizes read `pot`.
    case ranking(potVisible: Bool)
    /// Population conditions: data only, decided before anything is computed.
    case data

    var words: String {
        switch self {
        case .rep: "a rep formula"
        case .transaction: "a transaction condition"
        case .group: "a group formula"
        case .ranking(let pot): pot ? "a prize formula" : "a pot formula"
        case .data: "a population condition"
        }
    }

    /// Reads aggregates over a set of members (`sum(revenue)`, `members`).
    var hasMembers: Bool {
        switch self {
        case .group, .ranking: true
        default: false
        }
    }
}

/// Resolves names and types formulas. Reports each problem once, at the
/// exact characters, and returns nil for a formula that does not check, so
/// one mistake does not cascade into many messages.
public struct ExpressionChecker {
    let plan: Plan
    var diagnostics: [Diagnostic] = []

    var metricIndex: [String: Int] = [:]
    var ruleIndex: [String: Int] = [:]
    var filterIndex: [String: Int] = [:]
    public var shapeIndex: [String: Int] = [:]
    public var shapeArity: [Int] = []
    public var shapeKinds: [String] = []

    /// Metric types, filled lazily so metrics may be defined in any order.
    var metricTypes: [Int: TExpr] = [:]
    var metricVisiting: [Int] = []
    var metricFailed: Set<Int> = []
    /// Types assumed for metrics read through `previous` before they were
    /// typed; verified by `verifyAssumedTypes` once all metrics are typed.
    var assumedSelfTypes: [Int: (ValueType, SourceRange)] = [:]
    var filterTypes: [Int: TExpr] = [:]
    var filterVisiting: Set<Int> = []
    var filterFailed: Set<Int> = []

    /// Exponent literals (`1e3`): accepted as ratios, refused as money.
    var exponentLiterals: Set<SourceRange> = []
    var usesPrevious = false
    var previousOfSelf = false
    var usesYearToDate = false
    var readsTargets = false
    var hasTotal = false

    static let reservedNames: Set<String> = [
        "rep", "tx", "product", "period", "active_days", "months_active", "total", "capped", "members", "score", "group",
    ]
    static let aggregateNames = ["sum", "count", "min", "max", "reach_date", "reach_deal"]
    static let specialFunctions = ["previous", "ytd", "avg"]

    /// Each plan rule's results, by the rule's index (its kind's outputs).
    let ruleOutputs: [[RuleOutput]]

    init(plan: Plan, ruleOutputs: [[RuleOutput]]) {
        self.plan = plan
        self.ruleOutputs = ruleOutputs
        hasTotal = plan.total != nil
    }

    public mutating func error(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        diagnostics.append(.error(code, message, at: range, notes: notes, help: help))
    }

    // MARK: - Metrics (lazily typed)

    mutating func metric(_ i: Int) -> TExpr? {
        if let t = metricTypes[i] { return t }
        if metricFailed.contains(i) { return nil }
        if let start = metricVisiting.firstIndex(of: i) {
            reportMetricCycle(Array(metricVisiting[start...]), closing: i)
            return nil
        }
        metricVisiting.append(i)
        let def = plan.metrics[i]
        let typed = check(def.formula, .rep, selfSymbol: .metric(i))
        metricVisiting.removeLast()
        if metricFailed.contains(i) { return nil }
        guard var typed else {
            metricFailed.insert(i)
            return nil
        }
        if let declared = def.declaredType {
            let want = BaseType(declared.value)
            if typed.type.literal, want.isNumeric {
                typed.type = ValueType(want)
            } else if typed.type.base != want && !(want == .number && typed.type.base == .count) {
                error(
                    CheckCode.declaredType, "metric `\(def.name.value)` is declared \(want.words) but its formula gives \(typed.type)",
                    at: def.formula.range, notes: [.init("declared here", at: declared.range)])
            }
        }
        if typed.type.literal {
            typed.type = ValueType(.number, optional: typed.type.optional)
        }
        metricTypes[i] = typed
        return typed
    }

    /// `path` reads one another in turn and its last member reads `closing`
    /// (the first): reported once, at the metric the cycle comes back to.
    mutating func reportMetricCycle(_ path: [Int], closing i: Int) {
        // A long cycle is shown by its first and last steps: a message of
        // 2,000 names and notes helps nobody.
        let shown = 8
        var names = path.map { plan.metrics[$0].name.value }
        if names.count > shown + 2 {
            names = names.prefix(shown) + ["… \(names.count - shown - 1) more …", names[names.count - 1]]
        }
        var notes = path.dropFirst().prefix(shown).map { j in
            Diagnostic.Note("`\(plan.metrics[j].name.value)` is defined here", at: plan.metrics[j].name.range)
        }
        if path.count - 1 > shown, let last = path.last {
            notes.append(.init("… and \(path.count - 1 - shown) more metrics of the cycle, the last defined here", at: plan.metrics[last].name.range))
        }
        error(
            CheckCode.cycle, "metrics form a cycle: \((names + [plan.metrics[i].name.value]).joined(separator: " → "))",
            at: plan.metrics[i].name.range,
            notes: notes,
            help: "a metric cannot depend on itself; use previous(\(plan.metrics[i].name.value), 0) for last period's value")
        metricFailed.formUnion(path)
    }

    mutating func filter(_ i: Int) -> TExpr? {
        if let t = filterTypes[i] { return t }
        if filterFailed.contains(i) { return nil }
        if filterVisiting.contains(i) {
            error(CheckCode.cycle, "filter `\(plan.filters[i].name.value)` refers to itself", at: plan.filters[i].name.range)
            return nil
        }
        filterVisiting.insert(i)
        defer { filterVisiting.remove(i) }
        guard let t = check(plan.filters[i].condition, .transaction) else { return nil }
        guard t.type.base == .bool, !t.type.optional else {
            error(CheckCode.notACondition, "filter `\(plan.filters[i].name.value)` must be a condition (true/false), found \(t.type)", at: t.range)
            return nil
        }
        filterTypes[i] = t
        return t
    }

    mutating func verifyAssumedTypes() {
        for (i, (assumed, at)) in assumedSelfTypes.sorted(by: { $0.key < $1.key }) {
            guard let typed = metricTypes[i], typed.type.base != assumed.base else { continue }
            let name = plan.metrics[i].name.value
            error(
                CheckCode.previousTypeGuess, "previous(\(name)) was taken as \(assumed.base.words), but the formula of `\(name)` gives \(typed.type)",
                at: at, help: "declare its type: `\(name): {formula: ..., type: \(typed.type.base == .count ? "count" : "number")}`")
        }
    }

    // MARK: - Expressions

    public mutating func check(_ e: Expr, _ scope: Scope, selfSymbol: Symbol? = nil) -> TExpr? {
        switch e.kind {
        case .number(let v, _, let exponent):
            if exponent { exponentLiterals.insert(e.range) }
            return TExpr(.number(v), ValueType(.number, literal: true, percent: e.isPercentLiteral), e.range)
        case .string(let s):
            return TExpr(.text(s), .text, e.range)
        case .bool(let b):
            return TExpr(.bool(b), .bool, e.range)
        case .name(let parts):
            return resolveName(parts, e.range, scope, selfSymbol: selfSymbol)
        case .unary(let op, let inner):
            guard let x = check(inner, scope, selfSymbol: selfSymbol) else { return nil }
            guard requireValue(x) else { return nil }
            switch op {
            case .not:
                guard x.type.base == .bool else {
                    error(CheckCode.badUnary, "`not` needs a condition, found \(x.type)", at: x.range)
                    return nil
                }
                return TExpr(.unary(.not, x), .bool, e.range)
            case .negate:
                guard x.type.base.isNumeric else {
                    error(CheckCode.badUnary, "cannot negate \(x.type)", at: x.range)
                    return nil
                }
                return TExpr(.unary(.negate, x), x.type, e.range)
            }
        case .binary(let op, let l, let r):
            guard let a = check(l, scope, selfSymbol: selfSymbol) else {
                _ = check(r, scope, selfSymbol: selfSymbol)
                return nil
            }
            guard let b = check(r, scope, selfSymbol: selfSymbol) else { return nil }
            return binary(op, a, b, e.range)
        case .conditional(let c, let t, let f):
            let cond = check(c, scope, selfSymbol: selfSymbol)
            let whenTrue = check(t, scope, selfSymbol: selfSymbol)
            let whenFalse = check(f, scope, selfSymbol: selfSymbol)
            guard let cond, let whenTrue, let whenFalse else { return nil }
            guard cond.type.base == .bool, !cond.type.optional else {
                error(CheckCode.badIfCondition, "the condition of `if` must be true/false, found \(cond.type)", at: cond.range)
                return nil
            }
            guard let type = unify(whenTrue, whenFalse, what: "the two branches of `if`") else { return nil }
            return TExpr(.conditional(cond, adapt(whenTrue, to: type), adapt(whenFalse, to: type)), type, e.range)
        case .call(let name, let args, let filter):
            return call(name, args, filter, e.range, scope, selfSymbol: selfSymbol)
        case .over(_, let group):
            error(
                CheckCode.populationAggregateArguments, "`over` names the reps an aggregate runs over; it belongs inside sum, min, max, avg or count",
                at: group.range, help: "e.g. sum(\(e)) — the sum of the value over those reps")
            return nil
        }
    }

    /// Refuses values that may be missing where a value is needed.
    public mutating func requireValue(_ x: TExpr) -> Bool {
        if x.type.optional {
            error(
                CheckCode.mayBeMissing, "`\(x)` may be missing here", at: x.range,
                help: "give a fallback: coalesce(\(x), VALUE), or test it with is_set(\(x))")
            return false
        }
        return true
    }

    // MARK: Names

    func visibleNames(_ scope: Scope) -> [String] {
        var names = ["rep", "period"]
        switch scope {
        case .rep:
            names += plan.metrics.map(\.name.value) + plan.rules.map(\.name.value) + ["target", "active_days", "months_active"]
            if hasTotal { names += ["total", "capped"] }
        case .transaction:
            names += ["tx", "product"] + plan.filters.map(\.name.value)
        case .group(let scoreVisible):
            names += ["members", "group"] + (scoreVisible ? ["score"] : [])
        case .ranking(let potVisible):
            names += ["members"] + (potVisible ? ["pot"] : [])
        case .data:
            names += ["target", "active_days", "months_active"]
        }
        return names
    }

    /// Every rule result as a formula names it: `np_award`, `np_award.first_mover`, `team_prize`.
    func dottedResults() -> [String] {
        plan.rules.indices.flatMap { i in
            ruleOutputs[i].map { $0.name.isEmpty ? plan.rules[i].name.value : "\(plan.rules[i].name.value).\($0.name)" }
        }
    }

    mutating func unknownName(_ name: String, _ range: SourceRange, _ scope: Scope) {
        var help = Suggest.didYouMean(name, among: visibleNames(scope))
        if help == nil, name.contains("."), scope == .rep {
            // A misspelt rule result (`elimnation.flag`): the rules' results by their dotted names.
            help = Suggest.didYouMean(name, among: dottedResults())
        }
        if YAMLTraps.booleans.contains(name) {
            help = "YAML 1.1 would read `\(name)` as a boolean; Payplan does not guess: write true or false"
        } else if help == nil {
            // A name that exists but not here says more than "unknown".
            if metricIndex[name] != nil || ruleIndex[name] != nil {
                switch scope {
                case .transaction:
                    error(
                        CheckCode.repValueInOtherScope, "`\(name)` is a rep's value and cannot be used in \(scope.words)", at: range,
                        help: "transaction conditions are applied while the data is read, before metrics exist")
                    return
                case .group, .ranking:
                    error(
                        CheckCode.repValueInOtherScope, "`\(name)` is a rep's value; in \(scope.words) aggregate it over the members", at: range,
                        help: "e.g. sum(\(name)), max(\(name)) or avg(\(name))")
                    return
                case .data:
                    error(
                        CheckCode.repValueInOtherScope, "`\(name)` is computed by the plan; \(scope.words) reads data only", at: range,
                        help: "population conditions decide who is evaluated, so they cannot read results")
                    return
                case .rep: break
                }
            }
            if name == "pot", scope.hasMembers {
                error(
                    CheckCode.unknownName, "`pot` is the ranking's pot; only its prizes read it", at: range,
                    help: "write the condition on the group's own values, e.g. sum(revenue) > 0")
                return
            }
            if filterIndex[name] != nil {
                error(
                    CheckCode.repValueInOtherScope, "`\(name)` is a transaction filter; use it in a `where` clause", at: range,
                    help: "e.g. sum(tx.amount where \(name))")
                return
            }
        }
        error(CheckCode.unknownName, "unknown name `\(name)`", at: range, help: help)
    }

    mutating func resolveName(_ parts: [NamePart], _ range: SourceRange, _ scope: Scope, selfSymbol: Symbol?) -> TExpr? {
        let head = parts[0].text
        let tableFor: [String: TableKind] = ["rep": .reps, "target": .targets, "tx": .transactions, "product": .products]
        if let table = tableFor[head], !(parts.count == 1 && metricIndex[head] != nil) {
            guard parts.count == 2 else {
                error(
                    CheckCode.badField, parts.count == 1 ? "`\(head)` needs a column: `\(head).COLUMN`" : "`\(head).\(parts[1].text)` has no fields",
                    at: range, help: parts.count == 1 ? Suggest.didYouMean(head, among: visibleNames(scope)) : nil)
                return nil
            }
            let column = parts[1].text
            let spec = plan.data.table(table)
            guard let col = spec.column(column) else {
                let names = spec.columns.map(\.name)
                error(
                    CheckCode.unknownColumn, "`\(column)` is not a column of \(spec.file)", at: parts[1].range,
                    help: Suggest.didYouMean(column, among: names)
                        ?? "declare it under `data: {\(table.rawValue): {columns: {\(column): TYPE}}}`")
                return nil
            }
            let type = ValueType(BaseType(col.type), optional: col.optional)
            switch (table, scope) {
            case (.reps, .group), (.reps, .ranking):
                error(CheckCode.wrongScope, "`rep.\(column)` differs between members; in \(scope.words) aggregate a metric instead", at: range)
                return nil
            case (.reps, _):
                return TExpr(.repColumn(column), type, range)
            case (.targets, .rep), (.targets, .data):
                readsTargets = true
                return TExpr(.targetColumn(column), type, range)
            case (.targets, _):
                error(CheckCode.wrongScope, "`target.\(column)` is a rep's target; it cannot be read in \(scope.words)", at: range)
                return nil
            case (.transactions, .transaction):
                return TExpr(.txColumn(column), type, range)
            case (.products, .transaction):
                return TExpr(.productColumn(column), type, range)
            case (.transactions, _), (.products, _):
                let help =
                    col.type.isNumeric
                    ? "aggregate the rep's transactions: sum(\(head).\(column)) or sum(tx.amount where \(head).\(column) ...)"
                    : "use it inside a `where` clause, e.g. sum(tx.amount where \(head).\(column) == ...)"
                error(
                    CheckCode.wrongScope, "`\(head).\(column)` is a value of one transaction; \(scope.words) cannot read it directly", at: range,
                    help: help)
                return nil
            }
        }
        if head == "period" {
            guard parts.count == 2, let field = PeriodField(rawValue: parts[1].text) else {
                error(
                    CheckCode.badField, "`period` has the fields `start`, `end`, `days` and `months`", at: range,
                    help: parts.count == 2 ? Suggest.didYouMean(parts[1].text, among: ["start", "end", "days", "months"]) : nil)
                return nil
            }
            return TExpr(.period(field), field == .days || field == .months ? .count : .date, range)
        }
        if parts.count == 1 {
            switch (head, scope) {
            case ("active_days", .rep), ("active_days", .data):
                return TExpr(.activeDays, .count, range)
            case ("months_active", .rep), ("months_active", .data):
                return TExpr(.function(.monthsActive, []), .count, range)
            case ("members", .group), ("members", .ranking):
                return TExpr(.groupMembers, .count, range)
            case ("pot", .ranking(true)):
                return TExpr(.groupPot, .money, range)
            case ("score", .group(true)):
                return TExpr(.groupScore, .number, range)
            case ("group", .group):
                return TExpr(.groupKey, .text, range)
            case ("total", .rep) where hasTotal:
                return TExpr(.symbol(.total, name: "total"), .money, range)
            case ("capped", .rep) where hasTotal:
                return TExpr(.symbol(.capped, name: "capped"), .money, range)
            default: break
            }
        }
        if let i = filterIndex[head], parts.count == 1, scope == .transaction {
            guard let inner = filter(i) else { return nil }
            return TExpr(.filter(i, name: head, inner), .bool, range)
        }
        if let i = metricIndex[head], scope == .rep {
            guard parts.count == 1 else {
                error(CheckCode.badField, "metric `\(head)` has no field `\(parts[1].text)`", at: parts[1].range)
                return nil
            }
            if selfSymbol == .metric(i) {
                error(
                    CheckCode.cycle, "metric `\(head)` refers to itself", at: range,
                    help: "for last period's value write previous(\(head), 0)")
                return nil
            }
            guard let t = metric(i) else { return nil }
            return TExpr(.symbol(.metric(i), name: head), t.type, range)
        }
        if let i = ruleIndex[head], scope == .rep {
            let rule = plan.rules[i]
            let outputs = ruleOutputs[i]
            let wanted = parts.count == 2 ? parts[1].text : ""
            guard parts.count <= 2, let output = outputs.firstIndex(where: { $0.name == wanted }) else {
                let names = outputs.map(\.name).filter { !$0.isEmpty }
                error(
                    CheckCode.unknownResult, "rule `\(head)` (\(rule.kind.value)) has no result `\(wanted)`",
                    at: parts.count >= 2 ? parts[1].range : range,
                    help: Suggest.didYouMean(wanted, among: names) ?? "its results are " + names.map { "`\(head).\($0)`" }.joined(separator: ", "))
                return nil
            }
            if case .rule(let j, _) = selfSymbol, j == i {
                error(CheckCode.cycle, "rule `\(head)` refers to its own result", at: range)
                return nil
            }
            let name = output == 0 ? head : "\(head).\(outputs[output].name)"
            return TExpr(.symbol(.rule(i, output), name: name), outputs[output].type, range)
        }
        unknownName(parts.map(\.text).joined(separator: "."), range, scope)
        return nil
    }

    // MARK: Operators

    /// The common type of two values, adapting untyped constants.
    mutating func unify(_ a: TExpr, _ b: TExpr, what: String) -> ValueType? {
        if a.type.base == b.type.base && !a.type.literal && !b.type.literal {
            return ValueType(a.type.base, optional: a.type.optional || b.type.optional)
        }
        let optional = a.type.optional || b.type.optional
        if a.type.literal && b.type.literal {
            return ValueType(.number, optional: optional, literal: true, percent: a.type.percent || b.type.percent)
        }
        if a.type.literal || b.type.literal {
            let (lit, other) = a.type.literal ? (a, b) : (b, a)
            guard other.type.base.isNumeric else {
                error(CheckCode.numberWithNonNumber, "\(what) mix a number with \(other.type)", at: lit.range)
                return nil
            }
            if other.type.base == .money, lit.type.percent {
                percentAsMoney(lit, "\(what) mix it with money")
                return nil
            }
            if other.type.base == .money, exponentLiterals.contains(lit.range) {
                error(
                    CheckCode.exponentMoney, "`\(lit)` is written with an exponent and is not accepted as money", at: lit.range,
                    help: "write money as plain digits: \(lit)")
                return nil
            }
            return ValueType(other.type.base, optional: optional)
        }
        let bases: Set<BaseType> = [a.type.base, b.type.base]
        if bases == [.count, .number] { return ValueType(.number, optional: optional) }
        error(
            CheckCode.mixedTypes, "\(what) mix \(a.type.base.words) and \(b.type.base.words)", at: b.range,
            notes: [.init("this is \(a.type.base.words)", at: a.range)],
            help: a.type.base == .money || b.type.base == .money ? "a ratio is not added to money; multiply it by an amount first" : nil)
        return nil
    }

    /// A percentage where money is wanted: refused, with what was probably meant.
    public mutating func percentAsMoney(_ e: TExpr, _ context: String) {
        let value = e.constantValue
        let spelled = value.flatMap { v in (try? v * Exact(100)).map { "\($0)%" } } ?? e.description
        let factor = value.map { "\($0)" } ?? "the ratio"
        error(
            CheckCode.percentAsMoney, "`\(spelled)` is a percentage, a ratio, but \(context)", at: e.range,
            help: "a percentage of what? Multiply it by an amount, e.g. `\(factor) * rep.target_incentive`")
    }

    public func adapt(_ e: TExpr, to type: ValueType) -> TExpr {
        guard e.type.literal, !type.literal else { return e }
        var copy = e
        copy.type = ValueType(type.base, optional: e.type.optional)
        return copy
    }

    mutating func binary(_ op: BinaryOperator, _ a: TExpr, _ b: TExpr, _ range: SourceRange) -> TExpr? {
        guard requireValue(a), requireValue(b) else { return nil }
        let ta = a.type
        let tb = b.type
        func make(_ type: ValueType, _ x: TExpr = a, _ y: TExpr = b) -> TExpr {
            TExpr(.binary(op, x, y), type, range)
        }
        switch op {
        case .and, .or:
            guard ta.base == .bool else {
                error(CheckCode.andOrOperands, "`\(op.rawValue)` joins conditions; the left side is \(ta)", at: a.range)
                return nil
            }
            guard tb.base == .bool else {
                error(CheckCode.andOrOperands, "`\(op.rawValue)` joins conditions; the right side is \(tb)", at: b.range)
                return nil
            }
            return make(.bool)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            if ta.base == .date || tb.base == .date {
                guard ta.base == .date, tb.base == .date else {
                    error(
                        CheckCode.incomparable, "cannot compare \(ta) with \(tb)", at: range,
                        help: "compare a date with a date, e.g. date(\"2026-07-01\")")
                    return nil
                }
                return make(.bool)
            }
            if ta.base == .text || tb.base == .text || ta.base == .bool || tb.base == .bool {
                guard ta.base == tb.base else {
                    error(CheckCode.incomparable, "cannot compare \(ta) with \(tb)", at: range)
                    return nil
                }
                if ta.base != .text || (op != .equal && op != .notEqual) {
                    if ta.base == .bool || ![.equal, .notEqual].contains(op) {
                        if ta.base == .bool, op == .equal || op == .notEqual { return make(.bool) }
                        error(CheckCode.incomparable, "\(ta.base.words) can only be compared with `==` and `!=`", at: range)
                        return nil
                    }
                }
                checkLevelLiteral(a, b)
                checkLevelLiteral(b, a)
                return make(.bool)
            }
            guard let t = unify(a, b, what: "the two sides of `\(op.rawValue)`") else { return nil }
            return TExpr(.binary(op, adapt(a, to: t), adapt(b, to: t)), .bool, range)
        case .add, .subtract:
            if ta.base == .date || tb.base == .date {
                if ta.base == .date, tb.base == .date, op == .subtract { return make(.count) }
                if ta.base == .date, tb.base == .count || (tb.literal && (tb.base == .number)) {
                    if case .number(let v) = b.kind, !v.isInteger {
                        error(CheckCode.dateArithmetic, "dates move by whole days; `\(v)` is not whole", at: b.range)
                        return nil
                    }
                    return make(.date, a, adapt(b, to: .count))
                }
                if tb.base == .date, op == .add, ta.base == .count || ta.literal { return make(.date, adapt(a, to: .count), b) }
                error(
                    CheckCode.dateArithmetic, "cannot \(op == .add ? "add" : "subtract") \(tb) \(op == .add ? "to" : "from") \(ta)", at: range,
                    help: "a date minus a date is a number of days; a date plus or minus a number of days is a date")
                return nil
            }
            guard ta.base.isNumeric || ta.literal, tb.base.isNumeric || tb.literal else {
                error(
                    CheckCode.arithmeticOnNonNumber, "cannot \(op == .add ? "add" : "subtract") \(ta.base.isNumeric ? tb : ta)",
                    at: ta.base.isNumeric ? b.range : a.range)
                return nil
            }
            guard let t = unify(a, b, what: "the two sides of `\(op.display)`") else { return nil }
            return make(t, adapt(a, to: t), adapt(b, to: t))
        case .multiply:
            guard (ta.base.isNumeric || ta.literal), (tb.base.isNumeric || tb.literal) else {
                error(CheckCode.arithmeticOnNonNumber, "cannot multiply \(ta.base.isNumeric ? tb : ta)", at: ta.base.isNumeric ? b.range : a.range)
                return nil
            }
            if ta.base == .money && tb.base == .money && !ta.literal && !tb.literal {
                // Name both operands: the caret alone covers the whole product.
                error(
                    CheckCode.moneyTimesMoney, "money × money has no meaning: `\(a)` and `\(b)` are both amounts of money", at: range,
                    notes: [.init("`\(a)` is money", at: a.range), .init("`\(b)` is money", at: b.range)],
                    help:
                        "an amount times an amount is no amount; one side should be a ratio or a rate, e.g. base × factor or revenue ÷ target × bonus"
                )
                return nil
            }
            // 50% * 20000 is an amount; 5% * 5% is still a ratio.
            if ta.literal && tb.literal { return make(ValueType(.number, literal: true, percent: ta.percent && tb.percent)) }
            // An amount per unit times a count (`500 * deals`) is as untyped as
            // the amount: it becomes money where money is expected.
            if (ta.literal && tb.base == .count) || (tb.literal && ta.base == .count) {
                return make(ValueType(.count, literal: true, percent: ta.percent || tb.percent))
            }
            if ta.base == .money && !ta.literal { return make(.money, a, adapt(b, to: .number)) }
            if tb.base == .money && !tb.literal { return make(.money, adapt(a, to: .number), b) }
            if ta.base == .count && tb.base == .count && !ta.literal && !tb.literal { return make(.count) }
            return make(.number, adapt(a, to: .number), adapt(b, to: .number))
        case .divide:
            guard (ta.base.isNumeric || ta.literal), (tb.base.isNumeric || tb.literal) else {
                error(CheckCode.arithmeticOnNonNumber, "cannot divide \(ta.base.isNumeric ? tb : ta)", at: ta.base.isNumeric ? b.range : a.range)
                return nil
            }
            if case .number(let x) = b.kind, x.isZero {
                error(
                    CheckCode.divisionByZeroConstant, "division by zero: the divisor is the constant 0", at: b.range,
                    help: "divide by a value that can be non-zero")
                return nil
            }
            if ta.literal && tb.literal { return make(ValueType(.number, literal: true, percent: ta.percent && !tb.percent)) }
            if tb.base == .money && !tb.literal {
                if ta.base == .money || ta.literal { return make(.number, adapt(a, to: .money), b) }
                error(CheckCode.moneyTimesMoney, "dividing \(ta) by money has no meaning", at: range, help: "divide money by money for a ratio")
                return nil
            }
            if ta.base == .money && !ta.literal { return make(.money, a, adapt(b, to: .number)) }
            return make(.number, adapt(a, to: .number), adapt(b, to: .number))
        }
    }

    /// `review.flag != "nonee"` would never be true: catch the typo.
    mutating func checkLevelLiteral(_ symbolSide: TExpr, _ literalSide: TExpr) {
        guard case .symbol(.rule(let i, let output), _) = symbolSide.kind, case .text(let s) = literalSide.kind,
            let names = plan.rules[i].body.textValues(of: ruleOutputs[i][output].name)
        else { return }
        if !names.contains(s) {
            let shown = output == 0 ? "flag" : ruleOutputs[i][output].name
            error(
                CheckCode.unknownLevel, "\"\(s)\" is not a level of `\(plan.rules[i].name.value).\(shown)`", at: literalSide.range,
                help: Suggest.didYouMean(s, among: names) ?? "its levels are " + names.map { "\"\($0)\"" }.joined(separator: ", "))
        }
    }

    // MARK: Calls

    mutating func call(
        _ name: NamePart, _ args: [Expr], _ filter: Expr?, _ range: SourceRange, _ scope: Scope, selfSymbol: Symbol?
    ) -> TExpr? {
        let fn = name.text
        if args.contains(where: { if case .over = $0.kind { return true } else { return false } }) {
            return population(fn, name, args, filter, range, scope, selfSymbol: selfSymbol)
        }
        // Aggregates over a rep's transactions.
        if scope == .rep, ExpressionChecker.aggregateNames.contains(fn) {
            let isAggregate =
                fn == "sum" || fn == "count" || fn.hasPrefix("reach_") || filter != nil
                || (args.count == 1 && mentionsTransaction(args[0]))
            if isAggregate { return aggregate(fn, name, args, filter, range) }
        }
        if scope.hasMembers, ["sum", "min", "max", "avg", "count"].contains(fn), args.count == 1 || fn == "count" {
            return memberAggregate(fn, args, filter, range, selfSymbol: selfSymbol)
        }
        if let filter {
            error(
                CheckCode.whereMisplaced, "`where` filters transactions; `\(fn)` is not an aggregate over transactions", at: filter.range,
                help: scope == .rep ? "e.g. sum(tx.amount where ...)" : nil)
            return nil
        }
        if fn == "previous" || fn == "ytd" { return history(fn, args, range, scope) }
        if let s = shapeIndex[fn] { return shapeCall(s, fn, args, range, scope, selfSymbol: selfSymbol) }
        guard let f = Function(rawValue: fn) else {
            let known =
                Function.allCases.map(\.rawValue) + ExpressionChecker.aggregateNames + ExpressionChecker.specialFunctions
                + Array(shapeIndex.keys)
            var help = Suggest.didYouMean(fn, among: known)
            if help == nil, ExpressionChecker.aggregateNames.contains(fn) || fn == "avg" {
                help = "`\(fn)` of one value is only meaningful over transactions (\(fn)(tx.amount)) or over a group's members"
            }
            error(CheckCode.unknownFunction, "unknown function `\(fn)`", at: name.range, help: help)
            return nil
        }
        if f == .date {
            guard args.count == 1, case .string(let s) = args[0].kind else {
                error(CheckCode.dateLiteral, "`date` takes one text argument: date(\"2026-07-01\")", at: range)
                return nil
            }
            guard let d = CivilDate(iso: s) else {
                error(CheckCode.dateLiteral, "\"\(s)\" is not a calendar date YYYY-MM-DD", at: args[0].range)
                return nil
            }
            return TExpr(.date(d), .date, range)
        }
        var typed: [TExpr] = []
        var failed = false
        for arg in args {
            if let x = check(arg, scope, selfSymbol: selfSymbol) { typed.append(x) } else { failed = true }
        }
        if failed { return nil }
        func arity(_ n: ClosedRange<Int>, _ usage: String) -> Bool {
            if n.contains(typed.count) { return true }
            error(CheckCode.arity, "`\(fn)` takes \(usage), found \(typed.count) argument\(typed.count == 1 ? "" : "s")", at: range)
            return false
        }
        switch f {
        case .min, .max:
            guard arity(2...1000, "two or more values") else { return nil }
            var type = typed[0].type
            for x in typed { guard requireValue(x) else { return nil } }
            guard typed[0].type.base.isNumeric || typed[0].type.literal || typed[0].type.base == .date else {
                error(CheckCode.functionArgumentType, "`\(fn)` compares numbers or dates, found \(typed[0].type)", at: typed[0].range)
                return nil
            }
            for x in typed.dropFirst() {
                var probe = x
                probe.type = x.type
                guard let t = unify(TExpr(typed[0].kind, type, typed[0].range), probe, what: "the values of `\(fn)`") else { return nil }
                type = t
            }
            return TExpr(.function(f, typed.map { adapt($0, to: type) }), type, range)
        case .clamp:
            guard arity(3...3, "a value, a low and a high bound"), typed.allSatisfy({ requireValue($0) }) else { return nil }
            guard let t1 = unify(typed[0], typed[1], what: "the value and the low bound of `clamp`"),
                let t2 = unify(TExpr(typed[0].kind, t1, typed[0].range), typed[2], what: "the value and the high bound of `clamp`")
            else { return nil }
            return TExpr(.function(f, typed.map { adapt($0, to: t2) }), t2, range)
        case .round:
            guard arity(1...2, "a value and an optional number of decimals"), requireValue(typed[0]) else { return nil }
            guard typed[0].type.base.isNumeric || typed[0].type.literal else {
                error(CheckCode.functionArgumentType, "`round` needs a number, found \(typed[0].type)", at: typed[0].range)
                return nil
            }
            if typed.count == 2 {
                guard case .number(let v) = typed[1].kind, v.isInteger, v >= .zero, v <= Exact(12) else {
                    error(CheckCode.roundDecimals, "the decimals of `round` must be a whole number from 0 to 12", at: typed[1].range)
                    return nil
                }
            }
            return TExpr(.function(f, typed), typed[0].type, range)
        case .abs, .floor, .ceil:
            guard arity(1...1, "one value"), requireValue(typed[0]) else { return nil }
            guard typed[0].type.base.isNumeric || typed[0].type.literal else {
                error(CheckCode.functionArgumentType, "`\(fn)` needs a number, found \(typed[0].type)", at: typed[0].range)
                return nil
            }
            return TExpr(.function(f, typed), typed[0].type, range)
        case .divide:
            guard arity(3...3, "a dividend, a divisor and the value when the divisor is zero"),
                typed.allSatisfy({ requireValue($0) })
            else { return nil }
            guard let q = binary(.divide, typed[0], typed[1], range) else { return nil }
            guard let t = unify(q, typed[2], what: "the quotient and the fallback of `divide`") else { return nil }
            return TExpr(.function(f, [typed[0], typed[1], adapt(typed[2], to: t)]), t, range)
        case .coalesce:
            guard arity(2...2, "a value that may be missing and a fallback") else { return nil }
            guard typed[0].type.optional else {
                error(CheckCode.needlessCoalesce, "`\(typed[0])` is never missing; `coalesce` is not needed", at: typed[0].range)
                return nil
            }
            guard requireValue(typed[1]) else { return nil }
            var first = typed[0]
            first.type.optional = false
            guard let t = unify(first, typed[1], what: "the value and the fallback of `coalesce`") else { return nil }
            return TExpr(.function(f, [typed[0], adapt(typed[1], to: t)]), t, range)
        case .isSet:
            guard arity(1...1, "one value") else { return nil }
            return TExpr(.function(f, typed), .bool, range)
        case .date:
            return nil
        case .monthsActive, .activeWeight:
            return monthProration(f, typed, range, scope)
        }
    }

    /// `sum|min|max|avg(VALUE)` over a group's members (`count` is `members`).
    mutating func memberAggregate(_ fn: String, _ args: [Expr], _ filter: Expr?, _ range: SourceRange, selfSymbol: Symbol?) -> TExpr? {
        if fn == "count" {
            error(CheckCode.countInGroup, "count members with `members`", at: range, help: "e.g. `members >= 3`")
            return nil
        }
        if let filter {
            error(CheckCode.whereMisplaced, "`where` is not supported in a group aggregate", at: filter.range)
            return nil
        }
        guard let x = check(args[0], .rep, selfSymbol: selfSymbol) else { return nil }
        guard requireValue(x) else { return nil }
        guard x.type.base.isNumeric || x.type.literal else {
            error(CheckCode.groupAggregateType, "`\(fn)` over members needs numbers, found \(x.type)", at: x.range)
            return nil
        }
        let kind = GroupAggregateKind(rawValue: fn)!
        let type = x.type.literal ? ValueType.number : ValueType(fn == "avg" && x.type.base == .count ? .number : x.type.base)
        return TExpr(.groupAggregate(kind, x), type, range)
    }

    /// A shape (tiers, curve, table) applied to its inputs.
    mutating func shapeCall(_ s: Int, _ fn: String, _ args: [Expr], _ range: SourceRange, _ scope: Scope, selfSymbol: Symbol?) -> TExpr? {
        if scope == .transaction {
            // The scan computes transaction values while the data is read;
            // a shape there has no rep or period to stand in.
            error(
                CheckCode.shapeInTransaction, "the shape `\(fn)` cannot be applied to one transaction's values", at: range,
                help: "rate transactions on tiers with a `commission` rule (`rate_on: each`), or apply the shape to an aggregate in a metric")
            return nil
        }
        guard args.count == shapeArity[s] else {
            error(
                CheckCode.shapeArity, "shape `\(fn)` takes \(shapeArity[s]) input\(shapeArity[s] == 1 ? "" : "s"), found \(args.count)", at: range
            )
            return nil
        }
        var inputs: [TExpr] = []
        for arg in args {
            guard let x = check(arg, scope, selfSymbol: selfSymbol), requireValue(x) else { return nil }
            guard x.type.base.isNumeric || x.type.literal else {
                error(CheckCode.shapeInputType, "a shape looks up a number, found \(x.type)", at: x.range)
                return nil
            }
            inputs.append(x)
        }
        let type: ValueType = shapeKinds[s] == "tiers" && inputs[0].type.base == .money ? .money : .number
        return TExpr(.shape(s, name: fn, inputs), type, range)
    }

    func mentionsTransaction(_ e: Expr) -> Bool {
        var found = false
        e.visit { x in
            if case .name(let parts) = x.kind, parts[0].text == "tx" || parts[0].text == "product" { found = true }
        }
        return found
    }

    mutating func aggregate(_ fn: String, _ name: NamePart, _ args: [Expr], _ filter: Expr?, _ range: SourceRange) -> TExpr? {
        var typedFilter: TExpr?
        if let filter {
            guard let f = check(filter, .transaction) else { return nil }
            guard f.type.base == .bool, requireValue(f) else {
                error(CheckCode.notACondition, "a `where` clause must be a condition, found \(f.type)", at: f.range)
                return nil
            }
            typedFilter = f
        }
        switch fn {
        case "count":
            if args.count > 1 || (args.count == 1 && args[0].dottedName != "tx") {
                error(CheckCode.aggregateArguments, "`count` counts transactions: count(tx) or count(tx where ...)", at: range)
                return nil
            }
            return TExpr(.aggregate(Aggregate(kind: .count, value: nil, threshold: nil, filter: typedFilter)), .count, range)
        case "sum", "min", "max":
            guard args.count == 1 else {
                error(
                    CheckCode.aggregateArguments, "`\(fn)` over transactions takes one value, e.g. \(fn)(tx.amount where ...)", at: range)
                return nil
            }
            guard let v = check(args[0], .transaction) else { return nil }
            guard requireValue(v) else { return nil }
            if fn == "sum" {
                guard v.type.base.isNumeric || v.type.literal else {
                    error(CheckCode.aggregateValueType, "\(v.type.base == .date ? "a date is not summed" : "cannot sum \(v.type)")", at: v.range)
                    return nil
                }
            } else if !(v.type.base.isNumeric || v.type.base == .date) {
                error(CheckCode.aggregateValueType, "`\(fn)` needs numbers or dates, found \(v.type)", at: v.range)
                return nil
            }
            let kind = AggregateKind(rawValue: fn)!
            let base = v.type.literal ? BaseType.number : v.type.base
            return TExpr(
                .aggregate(Aggregate(kind: kind, value: v, threshold: nil, filter: typedFilter)),
                ValueType(base, optional: fn != "sum"), range)
        default:
            guard args.count == 2 else {
                error(
                    CheckCode.aggregateArguments, "`\(fn)` takes the running value and the amount to reach: \(fn)(tx.amount, 50000 where ...)",
                    at: range)
                return nil
            }
            guard let v = check(args[0], .transaction), requireValue(v) else { return nil }
            guard v.type.base.isNumeric else {
                error(CheckCode.aggregateValueType, "the running value must be a number or money, found \(v.type)", at: v.range)
                return nil
            }
            guard let t = check(args[1], .rep), requireValue(t) else { return nil }
            guard unify(v, t, what: "the running value and the amount to reach") != nil else { return nil }
            let kind: AggregateKind = fn == "reach_date" ? .reachDate : .reachDeal
            return TExpr(
                .aggregate(Aggregate(kind: kind, value: v, threshold: adapt(t, to: v.type), filter: typedFilter)),
                ValueType(kind == .reachDate ? .date : .text, optional: true), range)
        }
    }

    mutating func history(_ fn: String, _ args: [Expr], _ range: SourceRange, _ scope: Scope) -> TExpr? {
        guard scope == .rep else {
            error(CheckCode.historyScope, "`\(fn)` reads another period's result; it cannot be used in \(scope.words)", at: range)
            return nil
        }
        let usage = fn == "previous" ? "previous(NAME) or previous(NAME, FALLBACK)" : "ytd(NAME)"
        guard (fn == "previous" ? 1...2 : 1...1).contains(args.count), case .name(let parts) = args[0].kind else {
            error(CheckCode.historyArgument, "`\(fn)` takes the name of a metric or rule result: \(usage)", at: range)
            return nil
        }
        let head = parts[0].text
        var symbol: Symbol?
        var type: ValueType?
        let display = parts.map(\.text).joined(separator: ".")
        if let i = metricIndex[head], parts.count == 1 {
            symbol = .metric(i)
            // previous() reads another period, so it must not recurse into the
            // metric's own formula (a carried balance refers to itself through
            // other metrics). Use the type when known, otherwise assume the
            // declared type (or money) and verify it once every metric is typed.
            if let known = metricTypes[i] {
                type = known.type
            } else {
                let assumed = declaredOrGuessed(i, plan.metrics[i].formula)
                type = assumed
                if assumedSelfTypes[i] == nil { assumedSelfTypes[i] = (assumed, args[0].range) }
                if metricVisiting.contains(i) { previousOfSelf = true }
            }
        } else if let i = ruleIndex[head] {
            let outputs = ruleOutputs[i]
            let wanted = parts.count == 2 ? parts[1].text : ""
            if let o = outputs.firstIndex(where: { $0.name == wanted }) {
                symbol = .rule(i, o)
                type = outputs[o].type
            }
        } else if head == "total" && hasTotal {
            symbol = .total
            type = .money
        }
        guard let symbol, var type else {
            error(
                CheckCode.historyTarget, "`\(display)` is not a metric or rule result", at: args[0].range,
                help: Suggest.didYouMean(display, among: visibleNames(.rep))
            )
            return nil
        }
        if fn == "ytd" {
            usesYearToDate = true
            guard type.base.isNumeric else {
                error(CheckCode.ytdType, "`ytd` adds up numbers over the year; `\(display)` is \(type)", at: args[0].range)
                return nil
            }
            return TExpr(.yearToDate(symbol, name: display), ValueType(type.base), range)
        }
        usesPrevious = true
        var fallback: TExpr?
        if args.count == 2 {
            guard let d = check(args[1], .rep), requireValue(d) else { return nil }
            let probe = TExpr(.symbol(symbol, name: display), ValueType(type.base), args[0].range)
            guard let t = unify(probe, d, what: "the previous value and its fallback") else { return nil }
            fallback = adapt(d, to: t)
            type = ValueType(t.base)
        } else {
            type.optional = true
        }
        return TExpr(.previous(symbol, name: display, fallback), type, range)
    }

    /// The type of a metric that is being checked (for `previous(self)`):
    /// its declared type, or money when it reads money, else a number.
    func declaredOrGuessed(_ i: Int, _ f: Expr) -> ValueType {
        if let d = plan.metrics[i].declaredType { return ValueType(BaseType(d.value)) }
        return .money
    }
}
