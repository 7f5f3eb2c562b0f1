import PayplanCore

/// A value together with the source range it was read from.
public struct Located<T: Sendable>: Sendable {
    public var value: T
    public var range: SourceRange

    public init(_ value: T, _ range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// Display names in several languages (`zh`, `en`, ...), in the order given.
public struct Labels: Sendable, Equatable {
    public var entries: [(language: String, text: String)]

    public init(_ entries: [(language: String, text: String)] = []) { self.entries = entries }

    public static func == (a: Labels, b: Labels) -> Bool {
        a.entries.sorted { $0.language < $1.language }.map { "\($0.language)=\($0.text)" }
            == b.entries.sorted { $0.language < $1.language }.map { "\($0.language)=\($0.text)" }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The label in `language`, falling back to English, then to any.
    public func text(_ language: String) -> String? {
        entries.first { $0.language == language }?.text
            ?? entries.first { $0.language == "en" }?.text
            ?? entries.first?.text
    }
}

/// A parsed plan file: the language's abstract syntax, with a source range on
/// everything a diagnostic may point at. Produced by `PlanParser`, checked by
/// `PlanChecker`.
public struct Plan: Sendable {
    public var file: String
    public var name: Located<String>
    public var labels: Labels
    public var description: String?
    public var version: Located<String>?
    public var currency: Located<String>
    public var locale: Located<String>?
    public var rounding: Rounding
    public var period: Located<PeriodKind>
    public var effectiveFrom: Located<CivilDate>?
    public var effectiveTo: Located<CivilDate>?
    public var data: DataSpec
    public var population: Population
    public var filters: [FilterDefinition]
    public var shapes: [ShapeDefinition]
    public var metrics: [MetricDefinition]
    public var rules: [Rule]
    public var total: Total?
    public var output: [OutputColumn]
    /// Every tunable value by its parameter path (`rules.bonus.curve.points[2].pay`),
    /// for `whatif --set` and for locating changes in `diff`.
    public var parameters: [String: Parameter]
    public var range: SourceRange
}

public struct Rounding: Sendable, Equatable {
    public var scale: Int
    public var mode: RoundingMode
    public var range: SourceRange?

    public init(scale: Int, mode: RoundingMode, range: SourceRange?) {
        self.scale = scale
        self.mode = mode
        self.range = range
    }

    public static func == (a: Rounding, b: Rounding) -> Bool { a.scale == b.scale && a.mode == b.mode }
}

/// Where a rule's result is rounded.
public enum RoundingChoice: Sendable, Equatable {
    /// The plan's rounding (the default for payouts).
    case plan
    /// Not rounded: the exact value flows on.
    case none
    case custom(Rounding)
}

/// A step of a path into the YAML tree.
public enum PathStep: Sendable, Hashable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
        switch self {
        case .key(let k): ".\(k)"
        case .index(let i): "[\(i + 1)]"
        }
    }
}

/// One settable value of a plan.
public struct Parameter: Sendable {
    /// Where its scalar sits in the YAML tree.
    public var yamlPath: [PathStep]
    public var range: SourceRange
    /// The text as written.
    public var text: String
}

// MARK: - Data

public enum ColumnType: String, Sendable, CaseIterable, Equatable {
    case text, money, number, count, date

    public var isNumeric: Bool { self == .money || self == .number || self == .count }
}

public enum TableKind: String, Sendable, CaseIterable {
    case reps, targets, transactions, products

    /// The name formulas use for a row of this table.
    public var rowName: String {
        switch self {
        case .reps: "rep"
        case .targets: "target"
        case .transactions: "tx"
        case .products: "product"
        }
    }
}

public struct ColumnSpec: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    /// May be blank in the file (only `exit_date` in the data contract).
    public var optional: Bool
    /// Part of the data contract rather than declared by the plan.
    public var contract: Bool
    public var range: SourceRange?

    public init(name: String, type: ColumnType, optional: Bool = false, contract: Bool = false, range: SourceRange? = nil) {
        self.name = name
        self.type = type
        self.optional = optional
        self.contract = contract
        self.range = range
    }

    public static func == (a: ColumnSpec, b: ColumnSpec) -> Bool {
        a.name == b.name && a.type == b.type && a.optional == b.optional
    }
}

public struct TableSpec: Sendable {
    public var kind: TableKind
    public var file: String
    public var columns: [ColumnSpec]
    public var range: SourceRange?

    public func column(_ name: String) -> ColumnSpec? { columns.first { $0.name == name } }
}

/// The CSV files a plan reads and their typed columns. The data contract
/// (`rules/README.md`, section 2) is the default; a plan adds columns.
public struct DataSpec: Sendable {
    public var reps: TableSpec
    public var targets: TableSpec
    public var transactions: TableSpec
    public var products: TableSpec

    public func table(_ kind: TableKind) -> TableSpec {
        switch kind {
        case .reps: reps
        case .targets: targets
        case .transactions: transactions
        case .products: products
        }
    }

    public static let contract = DataSpec(
        reps: TableSpec(
            kind: .reps, file: "reps.csv",
            columns: [
                ColumnSpec(name: "rep_id", type: .text, contract: true),
                ColumnSpec(name: "name", type: .text, contract: true),
                ColumnSpec(name: "team", type: .text, contract: true),
                ColumnSpec(name: "region", type: .text, contract: true),
                ColumnSpec(name: "role", type: .text, contract: true),
                ColumnSpec(name: "hire_date", type: .date, contract: true),
                ColumnSpec(name: "exit_date", type: .date, optional: true, contract: true),
                ColumnSpec(name: "target_incentive", type: .money, contract: true),
            ]),
        targets: TableSpec(
            kind: .targets, file: "targets.csv",
            columns: [
                ColumnSpec(name: "rep_id", type: .text, contract: true),
                ColumnSpec(name: "period", type: .text, contract: true),
            ]),
        transactions: TableSpec(
            kind: .transactions, file: "transactions.csv",
            columns: [
                ColumnSpec(name: "deal_id", type: .text, contract: true),
                ColumnSpec(name: "rep_id", type: .text, contract: true),
                ColumnSpec(name: "date", type: .date, contract: true),
                ColumnSpec(name: "product", type: .text, contract: true),
                ColumnSpec(name: "amount", type: .money, contract: true),
                ColumnSpec(name: "collected", type: .money, contract: true),
            ]),
        products: TableSpec(
            kind: .products, file: "products.csv",
            columns: [
                ColumnSpec(name: "product", type: .text, contract: true),
                ColumnSpec(name: "name", type: .text, contract: true),
                ColumnSpec(name: "launch_date", type: .date, contract: true),
                ColumnSpec(name: "category", type: .text, contract: true),
            ])
    )

    /// Target columns read when a plan declares none.
    public static let defaultTargetColumns = [ColumnSpec(name: "revenue", type: .money)]
}

public struct Population: Sendable {
    /// Who is in a period's population; `active_days > 0` when omitted.
    public var when: Expr?
    /// Conditions every population rep must meet in the period being run;
    /// a rep that does not is a data error (never paid on silently).
    public var require: [Expr]
}

// MARK: - Definitions

public struct FilterDefinition: Sendable {
    public var name: Located<String>
    public var condition: Expr
    public var labels: Labels
}

public struct MetricDefinition: Sendable {
    public var name: Located<String>
    public var formula: Expr
    public var labels: Labels
    public var description: String?
    /// Declared type, checked against the formula's.
    public var declaredType: Located<ColumnType>?
    public var range: SourceRange
}

public struct ShapeDefinition: Sendable {
    public var name: Located<String>
    public var shape: Shape
    public var labels: Labels
    public var range: SourceRange
}

/// A reusable payout shape.
public enum Shape: Sendable {
    case curve(Curve)
    case band(Band)
    case tiers(Tiers)
    case matrix(Matrix)

    public var kindName: String {
        switch self {
        case .curve: "curve"
        case .band: "band"
        case .tiers: "tiers"
        case .matrix: "matrix"
        }
    }

    /// How many inputs the shape reads.
    public var arity: Int {
        if case .matrix = self { return 2 }
        return 1
    }
}

/// A shape applied to inputs: a named shape or one written in place.
public struct ShapeUse: Sendable {
    public enum Target: Sendable {
        case named(Located<String>)
        case inline(Shape)
    }

    public var target: Target
    public var inputs: [Expr]
    public var range: SourceRange
}

public struct CurvePoint: Sendable {
    public var x: Located<Exact>
    public var y: Located<Exact>
    public var range: SourceRange
}

/// A piecewise-linear curve through points, interpolated between them.
public struct Curve: Sendable {
    public enum Below: String, Sendable, CaseIterable {
        /// Below the first point pays nothing (a gate).
        case zero
        /// Below the first point holds the first point's value.
        case first
        /// The first segment extends downward.
        case extend
    }

    public enum Above: String, Sendable, CaseIterable {
        /// After the last point holds the last value (a cap).
        case flat
        /// The last segment extends upward.
        case extend
    }

    public var points: [CurvePoint]
    public var below: Located<Below>
    public var above: Located<Above>
    public var range: SourceRange
}

/// A test on one input value: `>= 0.90`, `< 70%`, `[0.7, 0.9)`, `else`.
public struct UnaryTest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case any
        case interval(low: Exact?, lowInclusive: Bool, high: Exact?, highInclusive: Bool)
    }

    public var kind: Kind
    public var range: SourceRange
    public var text: String

    public static func == (a: UnaryTest, b: UnaryTest) -> Bool { a.kind == b.kind }

    public func contains(_ v: Exact) -> Bool {
        switch kind {
        case .any: return true
        case .interval(let lo, let loInc, let hi, let hiInc):
            if let lo {
                if loInc ? v < lo : v <= lo { return false }
            }
            if let hi {
                if hiInc ? v > hi : v >= hi { return false }
            }
            return true
        }
    }

    /// Canonical text, independent of how it was written.
    public var canonical: String {
        switch kind {
        case .any: return "else"
        case .interval(let lo, let loInc, let hi, let hiInc):
            switch (lo, hi) {
            case (nil, nil): return "else"
            case (let l?, nil): return (loInc ? ">= " : "> ") + l.description
            case (nil, let h?): return (hiInc ? "<= " : "< ") + h.description
            case (let l?, let h?):
                if l == h && loInc && hiInc { return "== \(l)" }
                return "\(loInc ? "[" : "(")\(l), \(h)\(hiInc ? "]" : ")")"
            }
        }
    }
}

public enum HitPolicy: String, Sendable, CaseIterable {
    /// The first row whose test holds.
    case first
    /// Exactly one row may hold; rows must not overlap.
    case unique
    /// The sum of every row that holds.
    case collectSum = "collect_sum"
    /// The largest value among the rows that hold.
    case max
}

public struct BandRow: Sendable {
    public var test: UnaryTest
    public var value: Expr
    public var range: SourceRange
}

/// A decision table on one input.
public struct Band: Sendable {
    public var hit: Located<HitPolicy>
    public var rows: [BandRow]
    public var range: SourceRange
}

public struct TierRow: Sendable {
    public var from: Located<Exact>
    public var to: Located<Exact>?
    /// Paid per unit of the measure in this tier.
    public var rate: Expr?
    /// Paid for the whole tier (marginal: interpolated within it).
    public var amount: Expr?
    public var range: SourceRange
    /// Set when the row is a pattern that stands for several tiers.
    public var pattern: TierPattern?

    public init(from: Located<Exact>, to: Located<Exact>?, rate: Expr?, amount: Expr?, range: SourceRange, pattern: TierPattern? = nil) {
        self.from = from
        self.to = to
        self.rate = rate
        self.amount = amount
        self.range = range
        self.pattern = pattern
    }
}

/// A row that stands for tiers generated from a pattern (`+1 point for
/// each further 100,000, at most 6 %`): from the row's `from`, one tier
/// every `every`, the first at the row's `rate`, each next one `step`
/// higher, until `maxRate`; the tier at `maxRate` runs on (to the row's
/// `to`, the next row, or without end). The checker generates the rows.
public struct TierPattern: Sendable {
    public var every: Located<Exact>
    public var step: Located<Exact>
    public var maxRate: Located<Exact>

    public init(every: Located<Exact>, step: Located<Exact>, maxRate: Located<Exact>) {
        self.every = every
        self.step = step
        self.maxRate = maxRate
    }
}

/// A tier table.
public struct Tiers: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        /// Each slice of the measure at its own tier's rate.
        case marginal
        /// The whole measure at the rate of the tier it reaches.
        case retroactive
    }

    /// Which tier a value exactly on a boundary belongs to.
    public enum Boundary: String, Sendable, CaseIterable {
        /// The tier that starts at the boundary (tiers are [from, to)).
        case higher
        /// The tier that ends at the boundary (tiers are (from, to]).
        case lower
    }

    public var method: Located<Method>
    public var boundary: Located<Boundary>
    public var rows: [TierRow]
    public var range: SourceRange
}

/// A two-dimensional table: a row band × a column band → value.
public struct Matrix: Sendable {
    public var rowTests: [UnaryTest]
    public var columnTests: [UnaryTest]
    public var values: [[Located<Exact>]]
    public var hit: Located<HitPolicy>
    public var rowsLabel: String?
    public var columnsLabel: String?
    public var range: SourceRange
}

// MARK: - Rules

public struct Rule: Sendable {
    public var name: Located<String>
    /// The kind's name, as written after `kind:`.
    public var kind: Located<String>
    public var labels: Labels
    public var description: String?
    /// The kind's own body (a named struct of the kind's module).
    public var body: any RuleBodySyntax
    public var round: RoundingChoice
    public var range: SourceRange

    public init(
        name: Located<String>, kind: Located<String>, labels: Labels, description: String?, body: any RuleBodySyntax, round: RoundingChoice,
        range: SourceRange
    ) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.description = description
        self.body = body
        self.round = round
        self.range = range
    }
}

/// Gates, floors and caps every paying rule may carry.
public struct Limiters: Sendable {
    /// When false, the rule pays nothing.
    public var gate: Expr?
    public var floor: Expr?
    public var cap: Expr?

    public init(gate: Expr?, floor: Expr?, cap: Expr?) {
        self.gate = gate
        self.floor = floor
        self.cap = cap
    }
}

public enum SortOrder: String, Sendable, CaseIterable {
    case descending, ascending
}

public struct Total: Sendable {
    public var components: [Located<String>]
    public var cap: Expr?
    public var floor: Expr?
    public var round: RoundingChoice
    public var range: SourceRange
}

public struct OutputColumn: Sendable {
    public var header: Located<String>
    public var value: Expr
    public var decimals: Located<Int>?
    public var range: SourceRange
}
