import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanLanguage

/// Evaluates rules. Per-rep rules take an optional step list: nil on the
/// fast path, a list when an explanation is wanted. The arithmetic is the
/// same either way.
enum RuleEvaluator {
    typealias E = ExpressionEvaluator

    static func arithmetic<T>(_ range: SourceRange?, _ body: () throws(ArithmeticError) -> T) throws(EvalError) -> T {
        do {
            return try body()
        } catch {
            throw EvalError(error == .divisionByZero ? .divisionByZero : .overflow, range)
        }
    }

    /// Evaluates a parameter, recording its formula when tracing.
    static func value(_ e: CExpr, _ name: String, _ rep: Int, _ c: Context, _ trace: inout [Step]?) throws(EvalError) -> Value {
        guard trace != nil else { return try E.eval(e, rep, c) }
        var steps: [Step] = []
        let (v, segments) = try E.explain(e, rep, c, &steps)
        trace!.append(contentsOf: steps)
        if segments.count > 1 {
            trace!.append(.formula(source: "\(name) = \(E.render(e, c))", substituted: segments, result: v))
        }
        return v
    }

    static func number(_ e: CExpr, _ name: String, _ rep: Int, _ c: Context, _ trace: inout [Step]?, _ range: SourceRange?) throws(EvalError) -> Exact
    {
        try E.number(try value(e, name, rep, c, &trace), range)
    }

    static func round(_ x: Exact, _ rounding: Rounding?, _ trace: inout [Step]?, _ range: SourceRange?) throws(EvalError) -> Exact {
        guard let rounding else { return x }
        let r = try arithmetic(range) { () throws(ArithmeticError) in try x.rounded(scale: rounding.scale, mode: rounding.mode) }
        if trace != nil, r != x { trace!.append(.round(before: x, after: r, rounding: rounding)) }
        return r
    }

    /// Gate, then floor, then cap.
    static func limit(_ x: Exact, _ l: CompiledLimiters, _ rep: Int, _ c: Context, _ trace: inout [Step]?, _ range: SourceRange?) throws(EvalError)
        -> Exact
    {
        var v = x
        if let gate = l.gate {
            let met = try E.truth(try value(gate, "gate", rep, c, &trace), range)
            if trace != nil { trace!.append(.gate(condition: E.render(gate, c), met: met)) }
            if !met { return .zero }
        }
        if let floor = l.floor {
            let f = try number(floor, "floor", rep, c, &trace, range)
            if v < f {
                if trace != nil { trace!.append(.floor(before: v, floor: f, after: f)) }
                v = f
            }
        }
        if let cap = l.cap {
            let k = try number(cap, "cap", rep, c, &trace, range)
            if v > k {
                if trace != nil { trace!.append(.cap(before: v, cap: k, after: k)) }
                v = k
            }
        }
        return v
    }

    static func shape(_ index: Int, _ inputs: [CExpr], _ rep: Int, _ c: Context, _ trace: inout [Step]?, label: Labels? = nil, name: String? = nil)
        throws(EvalError) -> Exact
    {
        var xs: [Exact] = []
        for i in inputs { xs.append(try E.number(try value(i, "input", rep, c, &trace), nil)) }
        // The shape is borrowed from the plan, not copied: a copy per rep
        // retained each of its arrays.
        do throws(EvalFailure) {
            let (v, detail) = try ShapeEvaluator.evaluate(c.plan.shapes[index], xs, detail: trace != nil)
            if trace != nil {
                let s = c.plan.shapes[index]
                trace!.append(.shape(name: name ?? s.name, labels: label ?? s.labels, inputs: xs, detail: detail, result: v))
            }
            return v
        } catch {
            throw EvalError(error, c.plan.shapes[index].range)
        }
    }

    /// Rules that need nothing but the rep's own values. Results go to `emit`
    /// (straight into the slot buffer on the fast path: no array per call).
    static func perRep(_ r: CompiledRule, _ rep: Int, _ c: Context, _ trace: inout [Step]?, _ emit: (Int, Value) -> Void) throws(EvalError) {
        switch r.body {
        case .attainmentBonus(let baseExpr, _, let shapeIndex, let inputs, let multipliers, let limits):
            let base = try number(baseExpr, "base", rep, c, &trace, r.range)
            let factor = try shape(shapeIndex, inputs, rep, c, &trace)
            var product = try arithmetic(r.range) { () throws(ArithmeticError) in try base * factor }
            // The list of factors is for explanations only.
            var factors: [(String, Exact)] = trace == nil ? [] : [("base", base), (c.plan.shapes[shapeIndex].name, factor)]
            var multiplier = Exact.one
            for m in multipliers {
                let f: Exact
                if let s = m.shape {
                    f = try shape(s, m.inputs, rep, c, &trace, label: m.labels, name: m.name)
                } else if let e = m.factor {
                    f = try number(e, m.name, rep, c, &trace, r.range)
                } else {
                    f = .one
                }
                if trace != nil { factors.append((m.name, f)) }
                let p = product
                let mm = multiplier
                product = try arithmetic(r.range) { () throws(ArithmeticError) in try p * f }
                multiplier = try arithmetic(r.range) { () throws(ArithmeticError) in try mm * f }
            }
            if trace != nil { trace!.append(.product(factors: factors, result: product)) }
            let limited = try limit(product, limits, rep, c, &trace, r.range)
            let paid = try round(limited, r.rounding, &trace, r.range)
            emit(r.slots[.main]!, .number(paid))
            emit(r.slots[.base]!, .number(base))
            emit(r.slots[.factor]!, .number(factor))
            emit(r.slots[.multiplier]!, .number(multiplier))
        case .productAward(let measureExpr, let thresholdExpr, let inclusive, let awardExpr, let rateExpr, let limits, _):
            let measure = try number(measureExpr, "measure", rep, c, &trace, r.range)
            let threshold = try number(thresholdExpr, "threshold", rep, c, &trace, r.range)
            let reached = inclusive ? measure >= threshold : measure > threshold
            if trace != nil { trace!.append(.threshold(measure: measure, threshold: threshold, inclusive: inclusive, reached: reached)) }
            var amount = Exact.zero
            if reached {
                let award = try number(awardExpr, "award", rep, c, &trace, r.range)
                var rate: Exact?
                var above = Exact.zero
                amount = award
                if let rateExpr {
                    let rr = try number(rateExpr, "rate above the threshold", rep, c, &trace, r.range)
                    rate = rr
                    above = try arithmetic(r.range) { () throws(ArithmeticError) in try measure - threshold }
                    let extra = try arithmetic(r.range) { () throws(ArithmeticError) in try rr * (measure - threshold) }
                    amount = try arithmetic(r.range) { () throws(ArithmeticError) in try award + extra }
                }
                if trace != nil { trace!.append(.award(award: award, rate: rate, above: above, result: amount)) }
                amount = try limit(amount, limits, rep, c, &trace, r.range)
            }
            let paid = try round(amount, r.rounding, &trace, r.range)
            emit(r.slots[.main]!, .number(paid))
            emit(r.slots[.breakthrough]!, .bool(reached))
        case .commission(let list, let rateOn, let shapeIndex, let limits):
            let entries = c.periodData.lists[list].entries(of: rep)
            let s = c.plan.shapes[shapeIndex]
            func rate(_ x: Exact) throws(EvalError) -> Exact {
                do throws(EvalFailure) { return try ShapeEvaluator.evaluate(s, [x], detail: false).0 } catch { throw EvalError(error, s.range) }
            }
            var total = Exact.zero
            var lines: [CommissionLine] = []
            switch rateOn {
            case .each:
                for e in entries {
                    let pay = try rate(e.value)
                    let t = total
                    total = try arithmetic(r.range) { () throws(ArithmeticError) in try t + pay }
                    if trace != nil { lines.append(CommissionLine(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: pay)) }
                }
            case .running:
                var running = Exact.zero
                var paidSoFar = Exact.zero
                for e in entries {
                    let before = running
                    let after = try arithmetic(r.range) { () throws(ArithmeticError) in try before + e.value }
                    let upTo = try rate(after)
                    let pay = try arithmetic(r.range) { () throws(ArithmeticError) in try upTo - paidSoFar }
                    paidSoFar = upTo
                    running = after
                    if trace != nil { lines.append(CommissionLine(date: e.date, deal: e.deal, amount: e.value, before: before, pay: pay)) }
                }
                total = paidSoFar
            case .total:
                var sum = Exact.zero
                for e in entries {
                    let s0 = sum
                    sum = try arithmetic(r.range) { () throws(ArithmeticError) in try s0 + e.value }
                }
                total = try rate(sum)
                if trace != nil {
                    for e in entries { lines.append(CommissionLine(date: e.date, deal: e.deal, amount: e.value, before: nil, pay: .zero)) }
                }
            }
            if trace != nil {
                trace!.append(.commission(rateOn: rateOn, lines: Array(lines.prefix(200)), shown: min(lines.count, 200), total: total))
                if rateOn == .total, let detail = try? ShapeEvaluator.evaluate(s, [entries.reduce(Exact.zero) { (try? $0 + $1.value) ?? $0 }]) {
                    trace!.append(.shape(name: s.name, labels: s.labels, inputs: [], detail: detail.1, result: detail.0))
                }
            }
            let limited = try limit(total, limits, rep, c, &trace, r.range)
            let paid = try round(limited, r.rounding, &trace, r.range)
            emit(r.slots[.main]!, .number(paid))
        case .formula(let valueExpr, let limits):
            let v = try number(valueExpr, r.name, rep, c, &trace, r.range)
            let limited = try limit(v, limits, rep, c, &trace, r.range)
            let paid = try round(limited, r.rounding, &trace, r.range)
            emit(r.slots[.main]!, .number(paid))
        case .teamRanking, .elimination:
            break
        }
    }

    static func total(_ t: CompiledTotal, _ rep: Int, _ c: Context, _ trace: inout [Step]?, _ emit: (Int, Value) -> Void) throws(EvalError) {
        var sum = Exact.zero
        var parts: [(String, Exact)] = []
        for (slot, name) in t.components {
            let v = try E.number(c.slot(slot, rep), nil)
            let s = sum
            sum = try arithmetic(nil) { () throws(ArithmeticError) in try s + v }
            parts.append((name, v))
        }
        var limited = sum
        var capValue: Exact?
        var floorValue: Exact?
        // The cap's own formula is explained after the sum it limits.
        var limitSteps: [Step]? = trace == nil ? nil : []
        if let cap = t.cap {
            let k = try number(cap, "cap", rep, c, &limitSteps, nil)
            capValue = k
            limited = Swift.min(limited, k)
        }
        if let floor = t.floor {
            let f = try number(floor, "floor", rep, c, &limitSteps, nil)
            floorValue = f
            limited = Swift.max(limited, f)
        }
        var noTrace: [Step]? = nil
        let total = try round(limited, t.rounding, &noTrace, nil)
        let capped = try arithmetic(nil) { () throws(ArithmeticError) in try sum - total }
        if trace != nil {
            trace!.append(.total(components: parts, sum: sum, cap: capValue, floor: floorValue, total: total, capped: capped))
            trace! += limitSteps ?? []
        }
        emit(t.totalSlot, .number(total))
        emit(t.cappedSlot, .number(capped))
    }
}
