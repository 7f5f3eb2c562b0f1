import PayplanCore
import PayplanYAML

/// Shared state while reading one plan file: diagnostics, parameter paths,
/// and typed readers for scalars that never fall into YAML 1.1's traps
/// (`no` is never a boolean, `010` never octal, `1e3` never money unless a
/// number is expected).
public struct ReadContext {
    public let document: YAMLDocument
    public let limits: Limits
    /// The rule kinds this reader knows.
    public let kinds: RuleKindSet
    public var diagnostics: [Diagnostic] = []
    public var parameters: [String: Parameter] = [:]

    init(document: YAMLDocument, kinds: RuleKindSet, limits: Limits) {
        self.document = document
        self.kinds = kinds
        self.limits = limits
    }

    static var yaml11Booleans: Set<String> { YAMLTraps.booleans }

    public mutating func error(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        diagnostics.append(.error(code, message, at: range, notes: notes, help: help))
    }

    public mutating func warning(_ code: some DiagnosticCode, _ message: String, at range: SourceRange, help: String? = nil) {
        diagnostics.append(.warning(code, message, at: range, help: help))
    }

    public mutating func register(_ path: Path, _ node: YAMLNode) {
        guard let text = node.scalar else { return }
        parameters[path.text] = Parameter(yamlPath: path.steps, range: node.range, text: text)
    }

    /// A scalar expected; reports what was found otherwise.
    public mutating func scalarText(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = node.scalar else {
            error(PlanCode.wrongKind, "expected \(what), found \(node.kindDescription)", at: node.range)
            return nil
        }
        if node.isNull {
            error(PlanCode.missingValue, "expected \(what), found nothing", at: node.range)
            return nil
        }
        return text
    }

    public mutating func text(_ node: YAMLNode, _ path: Path, _ what: String) -> Located<String>? {
        guard let t = scalarText(node, what) else { return nil }
        register(path, node)
        return Located(t, node.range)
    }

    public mutating func formula(_ node: YAMLNode, _ path: Path, _ what: String) -> Expr? {
        guard scalarText(node, what) != nil else { return nil }
        register(path, node)
        let source = FormulaSource(node: node, document: document)
        switch FormulaParser.parse(source, limits: limits) {
        case .success(let (expr, warnings)):
            diagnostics.append(contentsOf: warnings)
            return expr
        case .failure(let d):
            diagnostics.append(flowCut(node) ?? d)
            return nil
        }
    }

    /// In a `{…}` flow mapping a comma ends a plain value, so
    /// `{formula: divide(collected, revenue, 0)}` gives the formula
    /// `divide(collected`: the cause is YAML, the fix quoting.
    func flowCut(_ node: YAMLNode) -> Diagnostic? {
        guard let (line, _) = Self.flowComma(node, document), let text = node.scalar else { return nil }
        let start = node.range.start
        // The formula as meant: up to the parenthesis that closes the first one.
        var depth = 0
        var end = line.count
        for j in (start.column - 1)..<line.count {
            if line[j] == "(" { depth += 1 }
            if line[j] == ")" {
                depth -= 1
                if depth == 0 {
                    end = j + 1
                    break
                }
            }
        }
        let meant = String(String.UnicodeScalarView(line[(start.column - 1)..<end]))
        return .error(
            PlanCode.formulaCutByFlowComma,
            "this formula was cut short at a comma: inside `{…}` a comma separates the entries, so YAML read the formula `\(text)`",
            at: node.range, help: "quote the formula: \"\(meant)\", or write the mapping's entries on lines of their own")
    }

    /// A plain value with an unclosed parenthesis followed by a comma on its
    /// line: the comma of a flow collection cut it. The line and the comma's
    /// 1-based column.
    static func flowComma(_ node: YAMLNode, _ document: YAMLDocument) -> ([Unicode.Scalar], Int)? {
        guard node.style == .plain, let text = node.scalar else { return nil }
        guard text.filter({ $0 == "(" }).count > text.filter({ $0 == ")" }).count else { return nil }
        let start = node.range.start
        let lines = document.text.split(separator: "\n", omittingEmptySubsequences: false)
        guard start.line >= 1, start.line <= lines.count, start.column >= 1 else { return nil }
        let line = Array(lines[start.line - 1].unicodeScalars)
        var i = start.column - 1 + text.unicodeScalars.count
        while i < line.count, line[i] == " " { i += 1 }
        guard i < line.count, line[i] == ",", start.column - 1 < line.count else { return nil }
        return (line, i + 1)
    }

    /// A constant number (`0.80`, `5%`, `-3`, `30000`).
    public mutating func number(_ node: YAMLNode, _ path: Path, _ what: String) -> Located<Exact>? {
        guard let e = formula(node, path, what) else { return nil }
        guard let v = e.constantNumber else {
            error(PlanCode.notConstant, "expected a constant number for \(what), found the formula `\(e)`", at: e.range)
            return nil
        }
        return Located(v, node.range)
    }

    public mutating func integer(_ node: YAMLNode, _ path: Path, _ what: String, range allowed: ClosedRange<Int>) -> Located<Int>? {
        guard let t = scalarText(node, what) else { return nil }
        register(path, node)
        guard let v = Int(t), String(v) == t || (t.hasPrefix("+") && String(v) == t.dropFirst()) else {
            error(PlanCode.notWholeNumber, "expected \(what) (a whole number), found `\(t)`", at: node.range)
            return nil
        }
        guard allowed.contains(v) else {
            error(PlanCode.outOfRange, "\(what) must be between \(allowed.lowerBound) and \(allowed.upperBound), found \(v)", at: node.range)
            return nil
        }
        return Located(v, node.range)
    }

    public mutating func bool(_ node: YAMLNode, _ path: Path, _ what: String) -> Located<Bool>? {
        guard let t = scalarText(node, what) else { return nil }
        register(path, node)
        switch t {
        case "true": return Located(true, node.range)
        case "false": return Located(false, node.range)
        default:
            let help =
                ReadContext.yaml11Booleans.contains(t)
                ? "YAML 1.1 would read `\(t)` as a boolean; Payplan does not guess: write true or false"
                : "write true or false"
            error(PlanCode.notBoolean, "expected true or false for \(what), found `\(t)`", at: node.range, help: help)
            return nil
        }
    }

    public mutating func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ path: Path, _ what: String, _: E.Type) -> Located<E>?
    where E.RawValue == String {
        guard let t = scalarText(node, what) else { return nil }
        register(path, node)
        if let v = E(rawValue: t) { return Located(v, node.range) }
        let options = E.allCases.map(\.rawValue)
        error(
            PlanCode.unknownChoice, "unknown \(what) `\(t)`; expected one of \(options.map { "`\($0)`" }.joined(separator: ", "))",
            at: node.range, help: Suggest.didYouMean(t, among: options))
        return nil
    }

    public mutating func date(_ node: YAMLNode, _ path: Path, _ what: String) -> Located<CivilDate>? {
        guard let t = scalarText(node, what) else { return nil }
        register(path, node)
        guard let d = CivilDate(iso: t) else {
            error(PlanCode.notDate, "expected \(what) as a calendar date YYYY-MM-DD, found `\(t)`", at: node.range)
            return nil
        }
        return Located(d, node.range)
    }

    /// `label: 文本` or `label: {zh: 文本, en: Text}`.
    public mutating func labels(_ node: YAMLNode, _ path: Path) -> Labels {
        if let text = node.scalar, !node.isNull {
            register(path, node)
            return Labels([(language: "", text: text)])
        }
        guard let pairs = node.mapping else {
            error(PlanCode.wrongKind, "expected a label (text, or a mapping like {zh: 奖金, en: Bonus}), found \(node.kindDescription)", at: node.range)
            return Labels()
        }
        var entries: [(language: String, text: String)] = []
        for pair in pairs {
            guard let lang = pair.key.scalar else { continue }
            if let t = text(pair.value, path.key(lang), "a label") { entries.append((lang, t.value)) }
        }
        return Labels(entries)
    }

    public func identifierProblem(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first else { return "a name cannot be empty" }
        if !(first == "_" || first.properties.isAlphabetic) { return "a name must start with a letter or `_`" }
        for s in name.unicodeScalars where !(s == "_" || s.properties.isAlphabetic || (s.value >= 48 && s.value <= 57)) {
            return "a name may hold only letters, digits and `_` (found `\(s)`)"
        }
        if FormulaParser.keywords.contains(name) { return "`\(name)` is a keyword of the formula language" }
        return nil
    }
}

/// Words YAML 1.1 would have typed behind the author's back. Payplan never
/// does; it names them in messages so the author sees why a value was refused.
public enum YAMLTraps {
    public static let booleans: Set<String> = [
        "yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF", "True", "False", "TRUE", "FALSE",
    ]
}

/// A path into the plan, in two spellings: the parameter path users write
/// (`rules.bonus.curve.points[2].pay`, 1-based) and the YAML steps behind it.
public struct Path: Sendable {
    public var text: String
    public var steps: [PathStep]

    public static let root = Path(text: "", steps: [])

    public func key(_ k: String) -> Path {
        Path(text: text.isEmpty ? k : text + "." + k, steps: steps + [.key(k)])
    }

    public func index(_ i: Int) -> Path {
        Path(text: text + "[\(i + 1)]", steps: steps + [.index(i)])
    }

    /// A semantic name for an element of a YAML pair (`[x, y]` read as at/pay).
    public func alias(_ name: String, index i: Int) -> Path {
        Path(text: text + "." + name, steps: steps + [.index(i)])
    }
}

/// Reads the keys of one YAML mapping, and reports the keys nobody asked for
/// as unknown, with the closest known key as a suggestion.
public struct Fields {
    public let node: YAMLNode
    public let what: String
    public let known: [String]
    private(set) var used: Set<String> = []

    public init?(_ node: YAMLNode, _ what: String, known: [String], context: inout ReadContext) {
        guard node.mapping != nil else {
            context.error(PlanCode.wrongKind, "expected a mapping for \(what), found \(node.kindDescription)", at: node.range)
            return nil
        }
        self.node = node
        self.what = what
        self.known = known
    }

    public mutating func take(_ key: String) -> YAMLNode? {
        used.insert(key)
        return node.mapping?.first { $0.key.scalar == key }?.value
    }

    public mutating func require(_ key: String, _ context: inout ReadContext, help: String? = nil) -> YAMLNode? {
        if let v = take(key) { return v }
        // A misspelling of this key (`rouding`) is reported once, as the
        // unknown key with "did you mean `rounding`?", not also as missing.
        let misspelt = (node.mapping ?? []).first { pair in
            guard let k = pair.key.scalar, !known.contains(k), !used.contains(k) else { return false }
            return Suggest.closest(to: k, among: known) == key
        }
        if let pair = misspelt, let k = pair.key.scalar {
            used.insert(k)
            context.error(PlanCode.unknownKey, "unknown key `\(k)` in \(what)", at: pair.key.range, help: "did you mean `\(key)`?")
        } else {
            context.error(PlanCode.missingKey, "\(what) needs `\(key)`", at: node.range, help: help)
        }
        return nil
    }

    public func has(_ key: String) -> Bool { node.mapping?.contains { $0.key.scalar == key } ?? false }

    public func finish(_ context: inout ReadContext) {
        for pair in node.mapping ?? [] {
            guard let key = pair.key.scalar, !used.contains(key) else { continue }
            // The rest of a formula a flow comma cut off is not a key of its own
            // (the cut formula is reported, with the fix).
            let at = pair.key.range.start
            let cuts = (node.mapping ?? []).compactMap { p in
                ReadContext.flowComma(p.value, context.document).map { (line: p.value.range.start.line, column: $0.1) }
            }
            if cuts.contains(where: { $0.line == at.line && $0.column <= at.column }) { continue }
            var help = Suggest.didYouMean(key, among: known)
            if help == nil {
                help = "the keys of \(what) are " + known.map { "`\($0)`" }.joined(separator: ", ")
            }
            context.error(PlanCode.unknownKey, "unknown key `\(key)` in \(what)", at: pair.key.range, help: help)
        }
    }
}
