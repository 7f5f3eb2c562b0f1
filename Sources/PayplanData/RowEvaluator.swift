import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// What a transaction-level formula can read.
struct RowContext {
    var txValue: (Int) throws(EvalFailure) -> Value
    var product: Int
    var rep: Int
    var period: Period
    let products: Table
    let reps: Table
    let rounding: Rounding
}

/// Evaluates transaction filters and values with the same semantics as the
/// rep evaluator (`Semantics`).
enum RowEvaluator {
    static func eval(_ e: RowExpr, _ c: RowContext) throws(EvalFailure) -> Value {
        switch e {
        case .constant(let v): return v
        case .txColumn(let i): return try c.txValue(i)
        case .productColumn(let i): return c.products.value(i, c.product)
        case .repColumn(let i): return c.reps.value(i, c.rep)
        case .period(let f):
            switch f {
            case .start: return .date(c.period.start)
            case .end: return .date(c.period.end)
            case .days: return .number(Exact(c.period.days))
            case .months: return .number(Exact(c.period.monthCount))
            }
        case .negate(let x): return try Semantics.negate(try eval(x, c))
        case .not(let x): return try Semantics.not(try eval(x, c))
        case .binary(let op, let a, let b): return try Semantics.binary(op, try eval(a, c), try eval(b, c))
        case .and(let a, let b):
            guard case .bool(let x) = try eval(a, c) else { throw .missingValue }
            if !x { return .bool(false) }
            return try eval(b, c)
        case .or(let a, let b):
            guard case .bool(let x) = try eval(a, c) else { throw .missingValue }
            if x { return .bool(true) }
            return try eval(b, c)
        case .conditional(let a, let b, let d):
            guard case .bool(let x) = try eval(a, c) else { throw .missingValue }
            return try eval(x ? b : d, c)
        case .coalesce(let a, let b):
            let v = try eval(a, c)
            return v.isMissing ? try eval(b, c) : v
        case .function(let f, let args):
            var values: [Value] = []
            for a in args { values.append(try eval(a, c)) }
            return try Semantics.function(f, values, rounding: c.rounding)
        }
    }
}
