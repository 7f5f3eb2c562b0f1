import PayplanChecker
import PayplanCore
import PayplanLanguage

/// A runtime value. Money and ratios are both exact rationals; their
/// difference was settled by the checker and needs no runtime tag.
public enum Value: Sendable, Equatable, CustomStringConvertible {
    case number(Exact)
    case date(CivilDate)
    case text(String)
    case bool(Bool)
    /// An empty optional column, `min` over no rows, `previous` before the
    /// first period. Any arithmetic on it is an error, never a zero.
    case missing

    public var number: Exact? {
        if case .number(let v) = self { return v }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .number(let v): v.description
        case .date(let d): d.description
        case .text(let s): s
        case .bool(let b): b ? "true" : "false"
        case .missing: "(missing)"
        }
    }

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): x == y
        case (.date(let x), .date(let y)): x == y
        case (.text(let x), .text(let y)): x.utf8.elementsEqual(y.utf8)
        case (.bool(let x), .bool(let y)): x == y
        case (.missing, .missing): true
        default: false
        }
    }
}

/// Why evaluating a formula failed. The evaluator adds the rep, the period
/// and the formula's location.
public enum EvalFailure: Error, Sendable, Equatable {
    case divisionByZero
    case overflow
    case missingValue
    case typeMismatch(String)
    case negativeWeight
    case invalid(String)

    public var words: String {
        switch self {
        case .divisionByZero: "division by zero"
        case .overflow: "a value exceeds Payplan's exact range (numerators and denominators up to 38 digits)"
        case .missingValue: "a value is missing"
        case .typeMismatch(let s): "internal type mismatch (\(s))"
        case .negativeWeight: "a split weight is negative"
        case .invalid(let s): s
        }
    }
}

/// Ids, team names and other text compare by Unicode code point, as plain
/// strings (the data contract); Swift's `String` comparison would apply
/// canonical equivalence instead. UTF-8 byte order is code-point order.
public enum CodePoint {
    @inlinable
    public static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    @inlinable
    public static func equal(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }
}

/// A `String` key that hashes and compares by its bytes.
public struct TextKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: TextKey, b: TextKey) -> Bool { CodePoint.equal(a.text, b.text) }
    public static func < (a: TextKey, b: TextKey) -> Bool { CodePoint.less(a.text, b.text) }

    public func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public var description: String { text }
}

/// The meaning of every operator and function, shared by the transaction
/// scanner and the rep evaluator so that both compute identically.
public enum Semantics {
    @inline(__always)
    static func num(_ v: Value) throws(EvalFailure) -> Exact {
        switch v {
        case .number(let x): return x
        case .missing: throw .missingValue
        default: throw .typeMismatch("expected a number, found \(v)")
        }
    }

    @inline(__always)
    static func wrap(_ body: () throws(ArithmeticError) -> Exact) throws(EvalFailure) -> Value {
        do {
            return .number(try body())
        } catch {
            throw error == .divisionByZero ? .divisionByZero : .overflow
        }
    }

    public static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(EvalFailure) -> Value {
        if case .missing = a { throw .missingValue }
        if case .missing = b { throw .missingValue }
        switch op {
        case .add:
            if case .date(let d) = a { return .date(try shift(d, b, sign: 1)) }
            if case .date(let d) = b { return .date(try shift(d, a, sign: 1)) }
            let x = try num(a)
            let y = try num(b)
            return try wrap { () throws(ArithmeticError) in try x + y }
        case .subtract:
            if case .date(let d) = a {
                if case .date(let e) = b { return .number(Exact(d.days(since: e))) }
                return .date(try shift(d, b, sign: -1))
            }
            let x = try num(a)
            let y = try num(b)
            return try wrap { () throws(ArithmeticError) in try x - y }
        case .multiply:
            let x = try num(a)
            let y = try num(b)
            return try wrap { () throws(ArithmeticError) in try x * y }
        case .divide:
            let x = try num(a)
            let y = try num(b)
            return try wrap { () throws(ArithmeticError) in try x / y }
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        case .less, .lessEqual, .greater, .greaterEqual:
            let c = try compare(a, b)
            switch op {
            case .less: return .bool(c < 0)
            case .lessEqual: return .bool(c <= 0)
            case .greater: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case .and, .or:
            guard case .bool(let x) = a, case .bool(let y) = b else { throw .typeMismatch("and/or") }
            return .bool(op == .and ? x && y : x || y)
        }
    }

    static func shift(_ d: CivilDate, _ days: Value, sign: Int) throws(EvalFailure) -> CivilDate {
        let n = try num(days)
        guard n.isInteger, let whole = Int(exactly: n.floor()), abs(whole) < 3_000_000 else {
            throw .invalid("a date moves by whole days")
        }
        return d.adding(days: sign * whole)
    }

    /// Three-way comparison of two values of one type.
    public static func compare(_ a: Value, _ b: Value) throws(EvalFailure) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)): return Exact.compare(x, y)
        case (.date(let x), .date(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.text(let x), .text(let y)): return CodePoint.equal(x, y) ? 0 : (CodePoint.less(x, y) ? -1 : 1)
        case (.missing, _), (_, .missing): throw .missingValue
        default: throw .typeMismatch("cannot compare \(a) with \(b)")
        }
    }

    public static func negate(_ a: Value) throws(EvalFailure) -> Value {
        let x = try num(a)
        return try wrap { () throws(ArithmeticError) in try x.negated() }
    }

    public static func not(_ a: Value) throws(EvalFailure) -> Value {
        guard case .bool(let b) = a else { throw a.isMissing ? .missingValue : .typeMismatch("not") }
        return .bool(!b)
    }

    /// Functions other than the short-circuiting `coalesce`.
    public static func function(_ f: Function, _ args: [Value], rounding: Rounding) throws(EvalFailure) -> Value {
        switch f {
        case .min, .max:
            var best = args[0]
            if best.isMissing { throw .missingValue }
            for v in args.dropFirst() {
                let c = try compare(v, best)
                if f == .min ? c < 0 : c > 0 { best = v }
            }
            return best
        case .clamp:
            let lo = args[1]
            let hi = args[2]
            if try compare(lo, hi) > 0 { throw .invalid("clamp: the low bound is above the high bound") }
            if try compare(args[0], lo) < 0 { return lo }
            if try compare(args[0], hi) > 0 { return hi }
            return args[0]
        case .round:
            let x = try num(args[0])
            var scale = rounding.scale
            if args.count > 1, let s = args[1].number, let whole = Int(exactly: s.floor()) { scale = whole }
            let mode = rounding.mode
            return try wrap { () throws(ArithmeticError) in try x.rounded(scale: scale, mode: mode) }
        case .abs:
            let x = try num(args[0])
            return try wrap { () throws(ArithmeticError) in try x.absolute() }
        case .floor:
            let x = try num(args[0])
            return try wrap { () throws(ArithmeticError) in try x.rounded(scale: 0, mode: .floor) }
        case .ceil:
            let x = try num(args[0])
            return try wrap { () throws(ArithmeticError) in try x.rounded(scale: 0, mode: .ceiling) }
        case .divide:
            let y = try num(args[1])
            if y.isZero { return args[2] }
            return try binary(.divide, args[0], args[1])
        case .coalesce:
            return args[0].isMissing ? args[1] : args[0]
        case .isSet:
            return .bool(!args[0].isMissing)
        case .date:
            return args[0]
        case .monthsActive, .activeWeight:
            // Computed where the rep is known (the evaluator's `Proration`).
            throw .invalid("`\(f.rawValue)` reads the rep's dates")
        }
    }
}
