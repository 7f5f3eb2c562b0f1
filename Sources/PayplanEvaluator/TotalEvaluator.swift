import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

/// The plan's total: the sum of its components, capped and floored, rounded.
enum TotalEvaluator {
    typealias E = ExpressionEvaluator

    static func number(_ e: CExpr, _ name: String, _ rep: Int, _ c: Context, _ trace: inout [Step]?) throws(EvalError) -> Exact {
        guard trace != nil else { return try E.number(try E.eval(e, rep, c), nil) }
        var steps: [Step] = []
        let (v, segments, shows) = try E.explainFormula(e, rep, c, &steps)
        trace!.append(contentsOf: steps)
        if shows {
            trace!.append(.formula(name: name, source: E.render(e, c), substituted: segments, result: v))
        }
        return try E.number(v, nil)
    }

    static func total(_ t: CompiledTotal, _ rep: Int, _ c: Context, _ trace: inout [Step]?, _ emit: (Int, Value) -> Void) throws(EvalError) {
        var sum = Exact.zero
        var parts: [(String, Exact)] = []
        for (slot, name) in t.components {
            let v = try E.number(c.slot(slot, rep), nil)
            let s = sum
            sum = try ruleArithmetic(nil) { () throws(ArithmeticError) in try s + v }
            parts.append((name, v))
        }
        var limited = sum
        var capValue: Exact?
        var floorValue: Exact?
        // The cap's own formula is explained after the sum it limits.
        var limitSteps: [Step]? = trace == nil ? nil : []
        if let cap = t.cap {
            let k = try number(cap, "cap", rep, c, &limitSteps)
            capValue = k
            limited = Swift.min(limited, k)
        }
        if let floor = t.floor {
            let f = try number(floor, "floor", rep, c, &limitSteps)
            floorValue = f
            limited = Swift.max(limited, f)
        }
        var noTrace: [Step]? = nil
        let total = try RuleScope.round(limited, t.rounding, &noTrace, nil)
        let capped = try ruleArithmetic(nil) { () throws(ArithmeticError) in try sum - total }
        if trace != nil {
            trace!.append(.total(components: parts, sum: sum, cap: capValue, floor: floorValue, total: total, capped: capped))
            trace! += limitSteps ?? []
        }
        emit(t.totalSlot, .number(total))
        emit(t.cappedSlot, .number(capped))
    }
}
