import PayplanCore

/// A formula, as written in a plan: `revenue / target`,
/// `sum(tx.amount where new_product)`, `if revenue > 0 then collected / revenue else 0`.
/// Every node keeps the range of source characters it was parsed from.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        /// A number literal. `spelling` is the text as written (`5%`, `0.05`);
        /// the value is exact.
        case number(Exact, spelling: String, exponent: Bool)
        case string(String)
        case bool(Bool)
        /// A dotted name: `revenue`, `rep.team`, `np_award.first_mover`.
        case name([NamePart])
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        case conditional(Expr, then: Expr, else: Expr)
        /// `f(a, b where cond)`; the `where` filter is only meaningful for
        /// aggregates over transactions.
        case call(NamePart, [Expr], filter: Expr?)
        /// `revenue over rep.team`: the argument of an aggregate over reps,
        /// with the group it runs over (`company`, or a rep's text such as
        /// `rep.team`). Only meaningful as the argument of `sum`, `min`,
        /// `max`, `avg` or `count`.
        case over(Expr, group: Expr)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// The dotted name, when this is one.
    public var dottedName: String? {
        if case .name(let parts) = kind { return parts.map(\.text).joined(separator: ".") }
        return nil
    }

    /// Whether this is a number written as a percentage (`5%`, `-5%`).
    public var isPercentLiteral: Bool {
        switch kind {
        case .number(_, let spelling, _): return spelling.hasSuffix("%")
        case .unary(.negate, let inner): return inner.isPercentLiteral
        default: return false
        }
    }

    /// The constant number, when this is a (possibly negated) number literal.
    public var constantNumber: Exact? {
        switch kind {
        case .number(let v, _, _): return v
        case .unary(.negate, let inner):
            guard let v = inner.constantNumber else { return nil }
            return try? v.negated()
        default: return nil
        }
    }
}

public struct NamePart: Sendable, Hashable {
    public var text: String
    public var range: SourceRange

    public init(_ text: String, _ range: SourceRange) {
        self.text = text
        self.range = range
    }
}

public enum UnaryOperator: String, Sendable {
    case negate = "-"
    case not = "not"
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case equal = "=="
    case notEqual = "!="
    case and
    case or

    public var isComparison: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: true
        default: false
        }
    }

    public var isArithmetic: Bool {
        switch self {
        case .add, .subtract, .multiply, .divide: true
        default: false
        }
    }

    /// Binding strength: higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: 4
        case .add, .subtract: 5
        case .multiply, .divide: 6
        }
    }

    /// How the operator reads in an explanation (`×` rather than `*`;
    /// `==` stays `==`: a bare `=` would read as the result's `=`).
    public var display: String {
        switch self {
        case .multiply: "×"
        case .divide: "÷"
        case .subtract: "−"
        case .lessEqual: "≤"
        case .greaterEqual: "≥"
        case .notEqual: "≠"
        default: rawValue
        }
    }
}

extension Expr: CustomStringConvertible {
    /// Canonical source text: fully explicit where precedence needs it, and
    /// independent of the spacing and spelling the author used.
    public var description: String { render(parentPrecedence: 0) }

    func render(parentPrecedence: Int) -> String {
        switch kind {
        case .number(let value, _, _):
            return value.description
        case .string(let s):
            var out = "\""
            for ch in s {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.append(ch)
                }
            }
            return out + "\""
        case .bool(let b):
            return b ? "true" : "false"
        case .name(let parts):
            return parts.map(\.text).joined(separator: ".")
        case .unary(.negate, let e):
            return "-" + e.render(parentPrecedence: 7)
        case .unary(.not, let e):
            let text = "not " + e.render(parentPrecedence: 3)
            return parentPrecedence > 3 ? "(\(text))" : text
        case .binary(let op, let l, let r):
            let p = op.precedence
            // Left-associative: the right operand needs parentheses at equal precedence.
            let text = "\(l.render(parentPrecedence: op.isComparison ? p + 1 : p)) \(op.rawValue) \(r.render(parentPrecedence: p + 1))"
            return p < parentPrecedence ? "(\(text))" : text
        case .conditional(let c, let t, let e):
            let text = "if \(c.render(parentPrecedence: 0)) then \(t.render(parentPrecedence: 0)) else \(e.render(parentPrecedence: 0))"
            return parentPrecedence > 0 ? "(\(text))" : text
        case .call(let name, let args, let filter):
            var inner = args.map { $0.render(parentPrecedence: 0) }.joined(separator: ", ")
            if let filter { inner += " where " + filter.render(parentPrecedence: 0) }
            return "\(name.text)(\(inner))"
        case .over(let value, let group):
            let text = "\(value.render(parentPrecedence: 1)) over \(group.render(parentPrecedence: 1))"
            return parentPrecedence > 0 ? "(\(text))" : text
        }
    }

    /// Every dotted name the expression mentions, in order of appearance.
    public var names: [(parts: [NamePart], range: SourceRange)] {
        var out: [(parts: [NamePart], range: SourceRange)] = []
        visit { e in
            if case .name(let parts) = e.kind { out.append((parts, e.range)) }
        }
        return out
    }

    /// The deepest path from this node to a leaf, in nodes, and the node
    /// found first at `limit + 1` levels down (where a limit is breached),
    /// computed without recursion so any tree can be measured.
    public func height(limit: Int) -> (height: Int, breach: Expr?) {
        var stack: [(Expr, Int)] = [(self, 1)]
        var deepest = 0
        var breach: Expr?
        while let (e, level) = stack.popLast() {
            deepest = max(deepest, level)
            if level > limit && breach == nil { breach = e }
            switch e.kind {
            case .unary(_, let x): stack.append((x, level + 1))
            case .binary(_, let l, let r): stack += [(r, level + 1), (l, level + 1)]
            case .conditional(let c, let t, let f): stack += [(f, level + 1), (t, level + 1), (c, level + 1)]
            case .call(_, let args, let filter):
                if let filter { stack.append((filter, level + 1)) }
                stack += args.reversed().map { ($0, level + 1) }
            case .over(let value, let group): stack += [(group, level + 1), (value, level + 1)]
            default: break
            }
        }
        return (deepest, breach)
    }

    /// Pre-order walk of every subexpression.
    public func visit(_ body: (Expr) -> Void) {
        var stack: [Expr] = [self]
        while let e = stack.popLast() {
            body(e)
            switch e.kind {
            case .unary(_, let x): stack.append(x)
            case .binary(_, let l, let r):
                stack.append(r)
                stack.append(l)
            case .conditional(let c, let t, let f):
                stack.append(f)
                stack.append(t)
                stack.append(c)
            case .call(_, let args, let filter):
                if let filter { stack.append(filter) }
                stack.append(contentsOf: args.reversed())
            case .over(let value, let group):
                stack.append(group)
                stack.append(value)
            default: break
            }
        }
    }
}
