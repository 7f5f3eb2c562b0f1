import PayplanChecker
import PayplanCompiler
import PayplanLanguage

/// A rule kind: everything about one kind of rule, in one file of this
/// module — its YAML keys and reading, checking, compiling, evaluation per
/// rep or per group, explanation steps, canonical form and diff entries —
/// behind the protocols each stage defines (`RuleKindSyntax` for the
/// reader, `RuleKindChecking`, `RuleKindCompiling`; its compiled body is a
/// `RunnableRule`, its steps `RuleStep`s). CONTRIBUTING.md walks through
/// adding one.
protocol RuleKind: RuleKindCompiling {}

/// The registry: every rule kind a plan may use, in the order the
/// documentation lists them.
public enum RuleKinds {
    public static let standard = RuleKindSet([
        AttainmentBonusKind(), ProductAwardKind(), TeamRankingKind(), PoolKind(), EliminationKind(), CommissionKind(), FormulaRuleKind(),
    ])
}
