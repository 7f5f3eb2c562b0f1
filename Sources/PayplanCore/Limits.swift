/// Every bound a hostile plan or data file could otherwise push past. Each
/// breach is a located error that names the limit; none is a crash, a hang or
/// a silent truncation. The defaults are generous for real plans (the largest
/// plan in `rules/` uses under 5 % of each) and small enough that a breach
/// fails in milliseconds.
public struct Limits: Sendable, Equatable {
    /// Largest plan file read, in bytes.
    public var planFileBytes = 4 << 20
    /// Deepest nesting of YAML collections.
    public var yamlDepth = 64
    /// Nodes created by expanding aliases (guards against "billion laughs").
    public var aliasExpansionNodes = 10_000
    /// Longest scalar (a name, a label, a formula written as YAML text), in bytes.
    public var yamlScalarBytes = 64 << 10
    /// Nodes in one plan file (scalars and collections, aliases expanded).
    public var yamlNodes = 200_000
    /// Longest formula, in characters.
    public var formulaLength = 10_000
    /// Deepest nesting inside one formula (parentheses, operators, calls).
    public var formulaDepth = 100
    /// Named metrics in a plan.
    public var metrics = 2_000
    /// Rules in a plan.
    public var rules = 500
    /// Rows of one shape (tiers, bands, curve points, matrix cells).
    public var shapeRows = 10_000
    /// Compiled evaluation nodes; bounds the evaluation steps per rep and
    /// period, since the language has no loops or recursion.
    public var treeNodes = 500_000
    /// Periods evaluated before the requested one (state carried from the
    /// plan's effective start, previous periods, year to date).
    public var historyPeriods = 240
    /// Longest field in a data file, in bytes.
    public var csvFieldBytes = 1 << 20
    /// Diagnostics reported per file before the rest are summarised.
    public var diagnosticsPerFile = 500

    public init() {}

    public static let `default` = Limits()
}
