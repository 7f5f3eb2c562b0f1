import PayplanCore
import PayplanLanguage

/// Aggregates over reps — the whole population or a group of it:
///
///     company_revenue: sum(revenue over company)
///     team_revenue:    sum(revenue over rep.team)
///     team_reps:       count(rep over rep.team where rep.role == "rep")
///
/// Each member's value, the group and the `where` condition are rep
/// formulas. The compiler computes each distinct aggregate once per group
/// and period, in a group stage of its own, before the first node that
/// reads it; every rep then reads its group's value.
extension ExpressionChecker {
    static let populationAggregateNames = PopulationAggregate.Kind.allCases.map(\.rawValue)

    mutating func population(
        _ fn: String, _ name: NamePart, _ args: [Expr], _ filter: Expr?, _ range: SourceRange, _ scope: Scope, selfSymbol: Symbol?
    ) -> TExpr? {
        let usage = "e.g. sum(revenue over company), avg(attainment over rep.team), count(rep over rep.region)"
        guard let kind = PopulationAggregate.Kind(rawValue: fn) else {
            error(
                CheckCode.populationAggregateArguments, "`over` runs an aggregate over reps; `\(fn)` is not one (sum, min, max, avg, count)",
                at: name.range, help: Suggest.didYouMean(fn, among: ExpressionChecker.populationAggregateNames) ?? usage)
            return nil
        }
        guard args.count == 1, case .over(let valueExpr, let groupExpr) = args[0].kind else {
            error(
                CheckCode.populationAggregateArguments, "`\(fn)` over reps takes one value and its group: \(fn)(VALUE over GROUP)", at: range,
                help: usage)
            return nil
        }
        let isCompany = groupExpr.dottedName == "company"
        switch scope {
        case .rep: break
        case .group, .ranking:
            guard isCompany else {
                error(
                    CheckCode.populationAggregateScope,
                    "in \(scope.words), an aggregate over reps runs over the whole population only (`over company`)",
                    at: groupExpr.range, help: "the group's own members are aggregated without `over`: \(fn)(\(valueExpr))")
                return nil
            }
        case .transaction, .data:
            error(
                CheckCode.populationAggregateScope, "an aggregate over reps cannot be used in \(scope.words)", at: range,
                help: scope == .data ? "population conditions read data only" : "transaction conditions are applied while the data is read")
            return nil
        }
        var value: TExpr?
        if kind == .count {
            guard valueExpr.dottedName == "rep" else {
                error(CheckCode.populationAggregateArguments, "`count` over reps counts them: count(rep over \(groupExpr))", at: valueExpr.range)
                return nil
            }
        } else {
            guard let v = check(valueExpr, .rep, selfSymbol: selfSymbol), requireValue(v) else { return nil }
            guard v.type.base.isNumeric || v.type.literal else {
                error(CheckCode.groupAggregateType, "`\(fn)` over reps needs numbers, found \(v.type)", at: v.range)
                return nil
            }
            value = v
        }
        var group: TExpr?
        if !isCompany {
            guard let g = check(groupExpr, .rep, selfSymbol: selfSymbol), requireValue(g) else { return nil }
            guard g.type.base == .text else {
                error(
                    CheckCode.wrongType, "the group an aggregate runs over is a rep's text (such as rep.team), or `company`; found \(g.type)",
                    at: g.range)
                return nil
            }
            group = g
        }
        var members: TExpr?
        if let filter {
            guard let f = check(filter, .rep, selfSymbol: selfSymbol), requireValue(f) else { return nil }
            guard f.type.base == .bool else {
                error(CheckCode.notACondition, "the `where` of an aggregate over reps must be a condition on a rep, found \(f.type)", at: f.range)
                return nil
            }
            members = f
        }
        let aggregate = PopulationAggregate(kind: kind, value: value, group: group, filter: members)
        guard checkInsideParts(aggregate, range) else { return nil }
        return TExpr(.population(aggregate), populationType(kind, value, filtered: members != nil), range)
    }

    /// An aggregate over reps inside another is refused (each is a group
    /// stage of its own), and so is a running total reached by a date
    /// (kept per rep in the run period only): both go in a metric first.
    mutating func checkInsideParts(_ a: PopulationAggregate, _ range: SourceRange) -> Bool {
        var nested: TExpr?
        var reach: TExpr?
        for part in a.parts {
            part.visit { n in
                switch n.kind {
                case .population: if nested == nil { nested = n }
                case .aggregate(let x) where x.kind == .reachDate || x.kind == .reachDeal: if reach == nil { reach = n }
                default: break
                }
            }
        }
        if let nested {
            error(
                CheckCode.populationAggregateScope, "an aggregate over reps cannot run inside another", at: nested.range,
                help: "compute the inner one in a metric, then aggregate the metric")
            return false
        }
        if let reach {
            error(
                CheckCode.populationAggregateScope, "`\(reach)` cannot be aggregated over reps directly", at: reach.range,
                help: "compute it in a metric, then aggregate the metric")
            return false
        }
        return true
    }

    /// sum: the value's type; avg: a count averages to a ratio; min, max
    /// and avg may be missing when `where` can leave the group empty (the
    /// rep itself is otherwise always a member of its own group).
    func populationType(_ kind: PopulationAggregate.Kind, _ value: TExpr?, filtered: Bool) -> ValueType {
        guard let value else { return .count }
        var base = value.type.literal ? BaseType.number : value.type.base
        if kind == .avg && base == .count { base = .number }
        return ValueType(base, optional: filtered && kind != .sum)
    }
}
