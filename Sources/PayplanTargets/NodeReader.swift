import PayplanCore
import PayplanLanguage
import PayplanYAML

/// Typed readers for the scalars of a targets plan, collecting diagnostics.
/// Every scalar is read as text and typed by what its key expects (YAML 1.1
/// guesses such as `010` or `yes` never apply).
struct NodeReader {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    mutating func report(_ problem: TargetsProblem, at range: SourceRange) {
        diagnostics.append(problem.diagnostic(at: range))
    }

    mutating func fields(_ node: YAMLNode, _ what: String, known: [String]) -> MappingFields? {
        guard node.mapping != nil else {
            report(.expectedMapping(what: what, found: node.kindDescription), at: node.range)
            return nil
        }
        return MappingFields(node: node, what: what, known: known)
    }

    mutating func scalar(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = node.scalar, !node.isNull else {
            report(.expectedScalar(what: what, found: node.kindDescription), at: node.range)
            return nil
        }
        return text.trimmingSpaces
    }

    mutating func text(_ node: YAMLNode, _ what: String) -> Located<String>? {
        scalar(node, what).map { Located($0, node.range) }
    }

    mutating func integer(_ node: YAMLNode, _ what: String, _ allowed: ClosedRange<Int>) -> Located<Int>? {
        guard let t = scalar(node, what) else { return nil }
        guard let v = Int(t), t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            report(.notWholeNumber(what: what, text: t), at: node.range)
            return nil
        }
        guard allowed.contains(v) else {
            report(.outOfRange(what: what, value: t, allowed: "from \(allowed.lowerBound) to \(allowed.upperBound)"), at: node.range)
            return nil
        }
        return Located(v, node.range)
    }

    /// `12000000`, `1.15`, `20%`, `-3`: exact.
    mutating func number(_ node: YAMLNode, _ what: String) -> Located<Exact>? {
        guard let t = scalar(node, what) else { return nil }
        guard let v = NodeReader.parseNumber(t) else {
            report(.notNumber(what: what, text: t), at: node.range)
            return nil
        }
        return Located(v, node.range)
    }

    static func parseNumber(_ text: String) -> Exact? {
        var t = Substring(text)
        var percent = false
        if t.hasSuffix("%") {
            percent = true
            t = t.dropLast()
            while t.last == " " { t = t.dropLast() }
        }
        guard let v = Exact(decimal: t) else { return nil }
        return percent ? (try? v / Exact(100)) : v
    }

    mutating func choice(_ node: YAMLNode, _ what: String, _ options: [String]) -> Located<String>? {
        guard let t = scalar(node, what) else { return nil }
        guard options.contains(t) else {
            report(.unknownChoice(what: what, text: t, options: options), at: node.range)
            return nil
        }
        return Located(t, node.range)
    }

    mutating func period(_ node: YAMLNode, _ what: String) -> Located<Period>? {
        guard let t = scalar(node, what) else { return nil }
        guard let p = Period(t) else {
            report(.notPeriod(what: what, text: t), at: node.range)
            return nil
        }
        return Located(p, node.range)
    }

    /// `{Q1: 20%, Q2: 25%}`: keys as written, weights as numbers.
    mutating func weights(_ node: YAMLNode, _ what: String) -> [WeightEntry]? {
        guard let pairs = node.mapping else {
            report(.expectedMapping(what: what, found: node.kindDescription), at: node.range)
            return nil
        }
        var out: [WeightEntry] = []
        var ok = true
        for pair in pairs {
            guard let key = text(pair.key, "a name"), let weight = number(pair.value, "the weight of `\(pair.key.scalar ?? "")`") else {
                ok = false
                continue
            }
            out.append(WeightEntry(key: key, weight: weight))
        }
        return ok ? out : nil
    }
}

/// The keys of one mapping: taken one by one; the keys left over are
/// reported as unknown, with the closest known key.
struct MappingFields {
    let node: YAMLNode
    let what: String
    let known: [String]
    private(set) var used: Set<String> = []

    init(node: YAMLNode, what: String, known: [String]) {
        self.node = node
        self.what = what
        self.known = known
    }

    func has(_ key: String) -> Bool { node.mapping?.contains { $0.key.scalar == key } ?? false }

    func keyRange(_ key: String) -> SourceRange? { node.mapping?.first { $0.key.scalar == key }?.key.range }

    mutating func take(_ key: String) -> YAMLNode? {
        used.insert(key)
        return node.mapping?.first { $0.key.scalar == key }?.value
    }

    /// A required key; a misspelling of it is reported once, as the unknown
    /// key with "did you mean", not also as missing.
    mutating func require(_ key: String, _ r: inout NodeReader, help: String) -> YAMLNode? {
        if let v = take(key) { return v }
        let misspelt = (node.mapping ?? []).first { pair in
            guard let k = pair.key.scalar, !known.contains(k), !used.contains(k) else { return false }
            return Suggest.closest(to: k, among: known) == key
        }
        if let pair = misspelt, let k = pair.key.scalar {
            used.insert(k)
            r.report(.unknownKey(key: k, in: what, known: known), at: pair.key.range)
        } else {
            r.report(.missingKey(key: key, in: what, help: help), at: node.range)
        }
        return nil
    }

    /// A key that belongs to another split than the one chosen.
    mutating func refuse(_ key: String, for split: String, actual: String, _ r: inout NodeReader) {
        guard let range = keyRange(key) else { return }
        used.insert(key)
        r.report(.keyNeedsSplit(key: key, split: split, actual: actual), at: range)
    }

    func finish(_ r: inout NodeReader) {
        for pair in node.mapping ?? [] {
            guard let key = pair.key.scalar, !used.contains(key) else { continue }
            r.report(.unknownKey(key: key, in: what, known: known), at: pair.key.range)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
