import PayplanCore
import PayplanYAML

/// A rule kind, as the plan reader sees it: its name in YAML (what `kind:`
/// says), the keys of its body, and how to read them. Each kind
/// lives in one file of the `PayplanRules` module, which registers it; the
/// reader only knows this protocol (see CONTRIBUTING.md, "Adding a rule kind").
public protocol RuleKindSyntax: Sendable {
    /// The kind's name in plans (what `kind:` says).
    var name: String { get }
    /// The keys of its body, beside `kind`, `label`, `description`, `round`.
    var keys: [String] { get }
    /// The diagnostics only this kind raises (its own enum, beside it).
    var codes: [any DiagnosticCode] { get }
    /// Reads the body of one rule; reports problems to `c` and returns nil
    /// when the body cannot be used.
    func read(_ f: inout Fields, _ node: YAMLNode, _ p: Path, _ c: inout ReadContext, _ what: String) -> (any RuleBodySyntax)?
}

/// The parsed body of one rule, with a source range on everything a
/// diagnostic may point at. Each kind has its own named struct.
public protocol RuleBodySyntax: Sendable {
    /// The rule's parameters as (name, canonical value) pairs, in a fixed
    /// order: the plan's fingerprint hashes these, so they never change for
    /// a plan whose meaning did not.
    var canonicalFields: [(String, String)] { get }
    /// Every parameter, for the semantic diff and `whatif --set` (paths
    /// under `key`, words under `label`).
    func describe<S: ParameterSink>(_ s: inout S, key: String, label: String, owner: String)
    /// The values a text result can take (a flag's levels), so that a
    /// comparison with a value it never takes (`"nonee"`) is an error.
    func textValues(of output: String) -> [String]?
    /// For a rule that flags reps: its levels, in escalation order (not the
    /// value for reps not flagged).
    var flagLevels: [String]? { get }
}

extension RuleKindSyntax {
    public var codes: [any DiagnosticCode] { [] }
}

extension RuleBodySyntax {
    public func textValues(of output: String) -> [String]? { nil }
    public var flagLevels: [String]? { nil }
}

/// Receives a rule's parameters one by one (the semantic diff implements it).
public protocol ParameterSink {
    mutating func add(_ key: String, _ label: String, _ canonical: String, _ shown: String?, _ range: SourceRange?, owner: String)
    mutating func formula(_ key: String, _ label: String, _ e: Expr?, owner: String)
    mutating func item(_ prefix: String, _ index: Int, _ noun: String, _ body: (inout Self) -> Void)
    mutating func shapeUse(_ u: ShapeUse, key: String, label: String, owner: String)
    mutating func limiters(_ l: Limiters, _ key: String, _ label: String, owner: String)
    /// A formula as the diff shows it (with renamed names mapped).
    func text(_ e: Expr) -> String
    /// A number as the plan spells it at `key`, or `fallback`.
    func spelled(_ key: String, _ fallback: String) -> String
}

/// The rule kinds a reader knows, by name, in the order they were registered.
public struct RuleKindSet: Sendable {
    public let all: [any RuleKindSyntax]
    private let byName: [String: Int]

    public init(_ kinds: [any RuleKindSyntax]) {
        all = kinds
        var index: [String: Int] = [:]
        for (i, k) in kinds.enumerated() where index[k.name] == nil { index[k.name] = i }
        byName = index
    }

    public func named(_ name: String) -> (any RuleKindSyntax)? { byName[name].map { all[$0] } }

    public var names: [String] { all.map(\.name) }
}

/// Canonical text of the parts of a plan that many rule kinds share, for
/// fingerprints: independent of spelling, dependent on meaning.
public enum CanonicalText {
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    public static func labels(_ l: Labels) -> String {
        "{" + l.entries.sorted { $0.language < $1.language }.map { "\($0.language)=\(quoted($0.text))" }.joined(separator: ",") + "}"
    }

    public static func rounding(_ r: Rounding) -> String { "\(r.scale) \(r.mode.rawValue)" }

    public static func roundChoice(_ r: RoundingChoice) -> String {
        switch r {
        case .plan: "plan"
        case .none: "none"
        case .custom(let x): rounding(x)
        }
    }

    public static func shape(_ s: Shape) -> String {
        switch s {
        case .curve(let c):
            return
                "curve points=[\(c.points.map { "(\($0.x.value),\($0.y.value))" }.joined(separator: ","))] below=\(c.below.value.rawValue) above=\(c.above.value.rawValue)"
        case .band(let b):
            return "band hit=\(b.hit.value.rawValue) rows=[\(b.rows.map { "\($0.test.canonical) -> \($0.value)" }.joined(separator: "; "))]"
        case .tiers(let t):
            let rows = t.rows.map { r in
                "from=\(r.from.value) to=\(r.to.map { "\($0.value)" } ?? "-") rate=\(r.rate?.description ?? "-") amount=\(r.amount?.description ?? "-")"
                    + (r.pattern.map { " every=\($0.every.value) step=\($0.step.value) max_rate=\($0.maxRate.value)" } ?? "")
            }
            return "tiers method=\(t.method.value.rawValue) on_boundary=\(t.boundary.value.rawValue) rows=[\(rows.joined(separator: "; "))]"
        case .matrix(let m):
            return
                "matrix hit=\(m.hit.value.rawValue) rows=[\(m.rowTests.map(\.canonical).joined(separator: ","))] columns=[\(m.columnTests.map(\.canonical).joined(separator: ","))] values=[\(m.values.map { $0.map { "\($0.value)" }.joined(separator: ",") }.joined(separator: "; "))]"
        }
    }

    public static func shapeUse(_ u: ShapeUse) -> String {
        let target: String
        switch u.target {
        case .named(let n): target = "shape:" + n.value
        case .inline(let s): target = shape(s)
        }
        return target + " inputs=[\(u.inputs.map(\.description).joined(separator: ","))]"
    }

    public static func limiters(_ l: Limiters) -> [(String, String)] {
        [("gate", l.gate?.description ?? "-"), ("floor", l.floor?.description ?? "-"), ("cap", l.cap?.description ?? "-")]
    }
}
