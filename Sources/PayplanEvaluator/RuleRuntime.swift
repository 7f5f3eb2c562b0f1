import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

/// A compiled rule body that can run: each kind's compiled struct conforms.
/// Rules needing only the rep's own values run `evaluate` per rep; group
/// rules (rankings, bottom-k, first movers) run `evaluate` per rep when
/// `hasPerRepPart`, then `evaluateGroup` once with every rep's values.
public protocol RunnableRule: Sendable {
    /// Whether `evaluate` computes something per rep.
    var hasPerRepPart: Bool { get }
    func evaluate(_ s: inout RuleScope) throws(EvalError)
    func evaluateGroup(_ g: GroupRun) throws(EvalError)
}

extension RunnableRule {
    public var hasPerRepPart: Bool { true }
    public func evaluate(_ s: inout RuleScope) throws(EvalError) {}
    public func evaluateGroup(_ g: GroupRun) throws(EvalError) {}
}

/// A rule that rates a measure on a shape (an attainment bonus): statements
/// label the shape's chart with the measure's name.
public protocol MeasuredRuleBody {
    var measure: CExpr { get }
}

/// Exact arithmetic inside a rule: an overflow or a division by zero is a
/// failure located at the rule.
@inline(__always)
public func ruleArithmetic<T>(_ range: SourceRange?, _ body: () throws(ArithmeticError) -> T) throws(EvalError) -> T {
    do {
        return try body()
    } catch {
        throw EvalError(error == .divisionByZero ? .divisionByZero : .overflow, range)
    }
}

/// What a rule reads and writes for one rep: its formulas, shapes, limiters
/// and rounding, its results; and, when the rep is explained, the steps that
/// explain them (`trace`, nil on the fast path — the arithmetic is the same
/// either way).
public struct RuleScope {
    public let rep: Int
    public let rule: CompiledRule
    let c: Context
    public var trace: [Step]?

    init(rep: Int, rule: CompiledRule, context: Context, trace: [Step]?) {
        self.rep = rep
        self.rule = rule
        c = context
        self.trace = trace
    }

    public var tracing: Bool { trace != nil }
    public var plan: CompiledPlan { c.plan }

    public mutating func step(_ s: Step) {
        if trace != nil { trace!.append(s) }
    }

    /// Evaluates a parameter, recording its formula when tracing.
    public mutating func value(_ e: CExpr, _ name: String) throws(EvalError) -> Value {
        guard trace != nil else { return try ExpressionEvaluator.eval(e, rep, c) }
        var steps: [Step] = []
        let (v, segments, shows) = try ExpressionEvaluator.explainFormula(e, rep, c, &steps)
        trace!.append(contentsOf: steps)
        if shows {
            trace!.append(.formula(name: name, source: ExpressionEvaluator.render(e, c), substituted: segments, result: v))
        }
        return v
    }

    public mutating func number(_ e: CExpr, _ name: String) throws(EvalError) -> Exact {
        try ExpressionEvaluator.number(try value(e, name), rule.range)
    }

    public func arithmetic<T>(_ body: () throws(ArithmeticError) -> T) throws(EvalError) -> T {
        try ruleArithmetic(rule.range, body)
    }

    /// A shape looked up at the values of `inputs`.
    public mutating func shape(_ index: Int, _ inputs: [CExpr], label: Labels? = nil, name: String? = nil) throws(EvalError) -> Exact {
        var xs: [Exact] = []
        for i in inputs { xs.append(try ExpressionEvaluator.number(try value(i, "input"), nil)) }
        return try shape(index, at: xs, label: label, name: name)
    }

    /// A shape looked up at `xs`; the shape is borrowed from the plan, not
    /// copied (a copy per rep retained each of its arrays).
    public mutating func shape(_ index: Int, at xs: [Exact], label: Labels? = nil, name: String? = nil) throws(EvalError) -> Exact {
        let s = c.plan.shapes[index]
        do throws(EvalFailure) {
            let (v, detail) = try ShapeEvaluator.evaluate(s, xs, detail: trace != nil)
            if trace != nil {
                trace!.append(.shape(index: index, name: name ?? s.name, labels: label ?? s.labels, inputs: xs, detail: detail, result: v))
            }
            return v
        } catch {
            throw EvalError(error, s.range)
        }
    }

    /// Gate, then floor, then cap.
    public mutating func limit(_ x: Exact, _ l: CompiledLimiters) throws(EvalError) -> Exact {
        var v = x
        if let gate = l.gate {
            let met = try ExpressionEvaluator.truth(try value(gate, "gate"), rule.range)
            step(.gate(condition: ExpressionEvaluator.render(gate, c), met: met))
            if !met { return .zero }
        }
        if let floor = l.floor {
            let f = try number(floor, "floor")
            if v < f {
                step(.floor(before: v, floor: f, after: f))
                v = f
            }
        }
        if let cap = l.cap {
            let k = try number(cap, "cap")
            if v > k {
                step(.cap(before: v, cap: k, after: k))
                v = k
            }
        }
        return v
    }

    /// Rounds where the rule says (the plan's rounding unless the rule overrides it).
    public mutating func round(_ x: Exact) throws(EvalError) -> Exact {
        // Moved out and back (a copy would copy the steps when one is added).
        var t: [Step]? = nil
        swap(&t, &trace)
        defer { trace = t }
        return try RuleScope.round(x, rule.rounding, &t, rule.range)
    }

    static func round(_ x: Exact, _ rounding: Rounding?, _ trace: inout [Step]?, _ range: SourceRange?) throws(EvalError) -> Exact {
        guard let rounding else { return x }
        let r = try ruleArithmetic(range) { () throws(ArithmeticError) in try x.rounded(scale: rounding.scale, mode: rounding.mode) }
        if trace != nil, r != x { trace!.append(.round(before: x, after: r, rounding: rounding)) }
        return r
    }

    /// The rep's retained transactions of a list, in (date, deal) order.
    public func entries(list: Int) -> [TxEntry] { c.periodData.lists[list].entries(of: rep) }

    /// Sets result `output` (an index into the kind's outputs).
    public func emit(_ output: Int, _ v: Value) {
        guard let slot = rule.slots[output] else { return }
        c.values[slot * c.repCount + rep] = v
    }
}

/// What a group rule reads and writes once per period: every population
/// rep's values, the group formulas, the rule's results for each rep, and
/// the explanation notes of the reps being explained.
public struct GroupRun {
    public let rule: CompiledRule
    let c: Context
    public let threads: Int

    init(rule: CompiledRule, context: Context, threads: Int) {
        self.rule = rule
        c = context
        self.threads = threads
    }

    /// Whether `rep`'s explanation is being written (notes cost nothing otherwise).
    public func isTraced(_ rep: Int) -> Bool { c.state.traces?.isTraced(rep) ?? false }

    /// Whether any rep is explained.
    public var tracing: Bool { !(c.state.traces?.isEmpty ?? true) }

    public var plan: CompiledPlan { c.plan }
    public var population: [Int] { c.state.population }
    public var repCount: Int { c.repCount }
    public var rounding: Rounding { c.plan.rounding }
    public func repID(_ rep: Int) -> String { c.data.repIDs[rep] }

    /// A column of reps.csv for a rep (text columns as written).
    public func repText(_ column: String, _ rep: Int) -> String? {
        c.data.reps.columnIndex(column).map { c.data.reps.text($0, rep) }
    }

    public func value(_ e: CExpr, _ rep: Int) throws(EvalError) -> Value { try ExpressionEvaluator.eval(e, rep, c) }
    public func number(_ e: CExpr, _ rep: Int) throws(EvalError) -> Exact { try ExpressionEvaluator.number(try value(e, rep), rule.range) }
    public func truth(_ e: CExpr, _ rep: Int) throws(EvalError) -> Bool { try ExpressionEvaluator.truth(try value(e, rep), rule.range) }

    /// A group formula (`sum(revenue) / sum(target)`) over `members`.
    public func groupValue(_ e: CExpr, members: [Int], score: Value?, key: String, pot: Value? = nil) throws(EvalError) -> Value {
        var scope = c
        scope.group = GroupScope(members: members, score: score, key: key, pot: pot)
        return try ExpressionEvaluator.eval(e, members[0], scope)
    }

    /// A formula as the plan writes it, for explanations.
    public func render(_ e: CExpr) -> String { ExpressionEvaluator.render(e, c) }

    /// A formula with the rep's values substituted, as an explanation step
    /// (`rep.role == "rep"` = `"manager" == "rep"` = false); nil when the rep
    /// is not being explained.
    public func formulaStep(_ e: CExpr, _ rep: Int, name: String?) -> Step? {
        guard isTraced(rep) else { return nil }
        var steps: [Step] = []
        guard let (v, segments) = try? ExpressionEvaluator.explain(e, rep, c, &steps) else { return nil }
        return .formula(name: name, source: render(e), substituted: segments, result: v)
    }

    public func arithmetic<T>(_ body: () throws(ArithmeticError) -> T) throws(EvalError) -> T {
        try ruleArithmetic(rule.range, body)
    }

    public func round(_ x: Exact) throws(EvalError) -> Exact {
        var none: [Step]? = nil
        return try RuleScope.round(x, rule.rounding, &none, rule.range)
    }

    /// Sets result `output` of `rep`.
    public func write(_ output: Int, _ rep: Int, _ v: Value) {
        guard let slot = rule.slots[output] else { return }
        c.values[slot * c.repCount + rep] = v
    }

    /// Result `output` of `rep`, as computed so far this period.
    public func result(_ output: Int, _ rep: Int) -> Value {
        guard let slot = rule.slots[output] else { return .missing }
        return c.slot(slot, rep)
    }

    /// Result `output` of `rep` in the previous period, when the rep was in
    /// its population.
    public func previousResult(_ output: Int, _ rep: Int) -> Value? {
        guard let p = c.previous, p.inPopulation[rep], let slot = rule.slots[output] else { return nil }
        return p.value(slot, rep)
    }

    public func entries(list: Int, rep: Int) -> [TxEntry] { c.periodData.lists[list].entries(of: rep) }

    /// Adds a step to the explanation of `rep`, when it is being explained.
    public func note(_ rep: Int, _ step: Step) {
        c.state.traces?.note(rep, step)
    }

    /// Records the period-wide board of the rule (a ranking's groups), read
    /// by reports once per period.
    public func board(_ board: GroupBoard) {
        c.state.boards[rule.index] = board
    }

    /// `body(i)` for each population rep index `i`, on all threads, in order.
    public func perRep<T>(_ body: (Int) throws(EvalError) -> T) throws(EvalError) -> [T] {
        let population = c.state.population
        return try Parallel.map(population.count, threads: threads) { (i: Int) throws(EvalError) -> T in try body(population[i]) }
    }
}

/// Splits amounts to the unit (a cent at scale 2).
public enum Splitting {
    /// `x` in units of the scale, rounded down.
    public static func units(_ x: Exact, _ scale: Int) throws(EvalError) -> Int128 {
        try ruleArithmetic(nil) { () throws(ArithmeticError) in try x.roundedUnits(scale: scale, mode: .floor) }
    }

    /// Splits `total` units among weights by largest remainder: each share is
    /// rounded down, then the leftover units go one each to the largest
    /// remainders, ties by `order` (rep_id or team name, by code point).
    /// The shares always add up to `total` (nothing when every weight is 0).
    public static func largestRemainder(_ total: Int128, weights: [Exact], order: [String]) throws(EvalError) -> (
        shares: [Int128], exact: [Exact], extra: [Bool]
    ) {
        let n = weights.count
        var sum = Exact.zero
        for w in weights { sum = try ruleArithmetic(nil) { () throws(ArithmeticError) in try sum + w } }
        guard n > 0, sum.isPositive else {
            return ([Int128](repeating: 0, count: n), [Exact](repeating: .zero, count: n), [Bool](repeating: false, count: n))
        }
        var floors: [Int128] = []
        var remainders: [Exact] = []
        var exacts: [Exact] = []
        let t = Exact(integer: total)
        for w in weights {
            let exact = try ruleArithmetic(nil) { () throws(ArithmeticError) in try t * w / sum }
            let f = exact.floor()
            exacts.append(exact)
            floors.append(f)
            remainders.append(try ruleArithmetic(nil) { () throws(ArithmeticError) in try exact - Exact(integer: f) })
        }
        var leftover = total - floors.reduce(0, +)
        let ranked = (0..<n).sorted { a, b in
            if remainders[a] != remainders[b] { return remainders[a] > remainders[b] }
            return CodePoint.less(order[a], order[b])
        }
        var extra = [Bool](repeating: false, count: n)
        var k = 0
        while leftover > 0 && k < n {
            floors[ranked[k]] += 1
            extra[ranked[k]] = true
            leftover -= 1
            k += 1
        }
        return (floors, exacts, extra)
    }
}

/// A group rule's results for the whole period, computed once: the period
/// report and every statement read it instead of rebuilding it per rep.
public struct GroupBoard: Sendable {
    public struct Row: Sendable {
        public var group: String
        public var members: Int
        public var score: Exact?
        public var eligible: Bool
        public var rank: Int?
        public var prize: Exact
        /// (rep, share), in rep_id order.
        public var shares: [(rep: Int, share: Exact)]

        public init(group: String, members: Int, score: Exact?, eligible: Bool, rank: Int?, prize: Exact, shares: [(rep: Int, share: Exact)]) {
            self.group = group
            self.members = members
            self.score = score
            self.eligible = eligible
            self.rank = rank
            self.prize = prize
            self.shares = shares
        }
    }

    /// Best rank first, then unranked groups by name.
    public var rows: [Row]

    public init(rows: [Row]) {
        self.rows = rows.sorted { a, b in
            switch (a.rank, b.rank) {
            case (let x?, let y?): return x != y ? x < y : CodePoint.less(a.group, b.group)
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return CodePoint.less(a.group, b.group)
            }
        }
    }

    /// The row of `group`.
    public func row(_ group: String) -> Row? { rows.first { $0.group == group } }
}
