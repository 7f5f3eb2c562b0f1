import PayplanCore
import PayplanLanguage

/// Proration by months and quota weights within the period:
///
///     months_active                        months whose first day the rep is active
///     active_weight(20%, 20%, 20%, 40%)    the weights of the period's equal parts,
///                                          each × the share of its months active
///
/// The weights are constants adding up to 100 %, one per equal part of the
/// plan's period (4 quarters or 12 months of a year, 3 months of a quarter).
extension ExpressionChecker {
    mutating func monthProration(_ f: Function, _ args: [TExpr], _ range: SourceRange, _ scope: Scope) -> TExpr? {
        guard scope == .rep || scope == .data else {
            error(
                CheckCode.monthWeights, "`\(f.rawValue)` reads a rep's dates; it cannot be used in \(scope.words)", at: range,
                help: "compute it in a metric")
            return nil
        }
        guard f == .activeWeight else {
            guard args.isEmpty else {
                error(CheckCode.arity, "`months_active` takes no arguments", at: range)
                return nil
            }
            return TExpr(.function(f, []), .count, range)
        }
        let months = ExpressionChecker.months(of: plan.period.value)
        let usage = "e.g. active_weight(20%, 20%, 20%, 40%) for quarter weights in a year"
        guard !args.isEmpty, months % args.count == 0 else {
            error(
                CheckCode.monthWeights,
                "`active_weight` takes one weight per equal part of the \(plan.period.value.rawValue) (\(months) month\(months == 1 ? "" : "s")): \(ExpressionChecker.partCounts(months)) weights, found \(args.count)",
                at: range, help: usage)
            return nil
        }
        var sum = Exact.zero
        for a in args {
            guard case .number(let w) = a.kind, !w.isNegative else {
                error(CheckCode.monthWeights, "a weight of `active_weight` is a number of 0 or more, such as 25%", at: a.range, help: usage)
                return nil
            }
            sum = (try? sum + w) ?? sum
        }
        guard sum == .one else {
            error(
                CheckCode.monthWeights, "the weights of `active_weight` add up to \(sum), not 100 %", at: range,
                help: "weights share the period's quota among its parts; they add up to 100 %")
            return nil
        }
        return TExpr(.function(f, args), .number, range)
    }

    static func months(of kind: PeriodKind) -> Int {
        switch kind {
        case .month, .halfMonth: 1
        case .quarter: 3
        case .year: 12
        case .halfYear: 6
        }
    }

    /// "1, 2, 3, 4, 6 or 12": how many equal parts `months` splits into.
    static func partCounts(_ months: Int) -> String {
        let counts = (1...months).filter { months % $0 == 0 }.map(String.init)
        return counts.count == 1 ? counts[0] : counts.dropLast().joined(separator: ", ") + " or " + counts.last!
    }
}
