import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanYAML

/// `whatif --set PATH=VALUE`: a change to one value of a plan, by parameter
/// path (`rules.bonus.curve.points[3].pay=2.2`), applied to the
/// YAML tree before the plan is parsed, so the changed plan is checked like
/// any other.
public struct Override: Sendable, Equatable {
    public var path: String
    public var value: String

    /// Parses `PATH=VALUE`.
    public init?(_ argument: String) {
        guard let eq = argument.firstIndex(of: "=") else { return nil }
        path = String(argument[..<eq]).filter { $0 != " " }
        value = String(argument[argument.index(after: eq)...])
        if path.isEmpty { return nil }
    }

    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }

    /// The file name diagnostics about the override's value use.
    public var sourceName: String { "--set \(path)" }
}

public enum OverrideError: Error, Sendable, CustomStringConvertible {
    case badSyntax(String)
    case noSuchPath(String, suggestion: String?)
    case notAValue(String, found: String)

    public var description: String {
        switch self {
        case .badSyntax(let s): return "--set \(s): expected PATH=VALUE, e.g. rules.np_award.threshold=60000"
        case .noSuchPath(let p, let suggestion):
            return "--set \(p): the plan has no such value" + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
        case .notAValue(let p, let found): return "--set \(p): names \(found), not a single value"
        }
    }
}

public enum Overrides {
    /// One step of a parameter path.
    enum Segment: Equatable {
        case key(String)
        case index(Int)
    }

    /// Splits `rules.bonus.curve.points[3].pay` into keys and 1-based indexes.
    static func segments(_ path: String) -> [Segment]? {
        var out: [Segment] = []
        var current = ""
        var i = path.startIndex
        while i < path.endIndex {
            let c = path[i]
            if c == "." {
                if !current.isEmpty { out.append(.key(current)) }
                current = ""
            } else if c == "[" {
                if !current.isEmpty { out.append(.key(current)) }
                current = ""
                guard let close = path[i...].firstIndex(of: "]"), let n = Int(path[path.index(after: i)..<close]), n >= 1 else { return nil }
                out.append(.index(n - 1))
                i = close
            } else {
                current.append(c)
            }
            i = path.index(after: i)
        }
        if !current.isEmpty { out.append(.key(current)) }
        return out.isEmpty ? nil : out
    }

    /// Names of the two numbers of a pair written `[x, y]`.
    static let pairNames: [String: Int] = ["at": 0, "pay": 1, "when": 0, "value": 1]

    /// Applies overrides to a document, returning the changed document and
    /// the texts of the overridden values (for diagnostics).
    public static func apply(_ overrides: [Override], to document: YAMLDocument, known: [String]) throws(OverrideError) -> (YAMLDocument, SourceTexts)
    {
        var root = document.root
        var texts = SourceTexts()
        for o in overrides {
            guard let segs = segments(o.path) else { throw .badSyntax("\(o.path)=\(o.value)") }
            let start = SourceLocation(file: o.sourceName, line: 1, column: 1)
            let end = start.advanced(by: max(o.value.unicodeScalars.count, 1))
            let replacement = YAMLNode(kind: .scalar(o.value, .plain), range: SourceRange(start: start, end: end))
            guard let updated = replace(root, segs[...], with: replacement, path: o.path) else {
                throw .noSuchPath(o.path, suggestion: Suggest.closest(to: o.path, among: known))
            }
            if case .failure(let e) = updated { throw e }
            if case .success(let r) = updated { root = r }
            texts.add(file: o.sourceName, text: o.value)
        }
        return (YAMLDocument(file: document.file, root: root, text: document.text), texts)
    }

    static func replace(_ node: YAMLNode, _ path: ArraySlice<Segment>, with value: YAMLNode, path full: String) -> Result<YAMLNode, OverrideError>? {
        guard let first = path.first else {
            if node.scalar == nil { return .failure(.notAValue(full, found: node.kindDescription)) }
            return .success(value)
        }
        var copy = node
        let rest = path.dropFirst()
        switch (first, node.kind) {
        case (.key(let k), .mapping(var pairs)):
            if let i = pairs.firstIndex(where: { $0.key.scalar == k }) {
                guard let r = replace(pairs[i].value, rest, with: value, path: full) else { return nil }
                guard case .success(let v) = r else { return r }
                pairs[i].value = v
            } else if rest.isEmpty {
                // A key the plan does not have yet (e.g. a cap to try): add it.
                pairs.append(YAMLPair(key: YAMLNode(kind: .scalar(k, .plain), range: value.range), value: value))
            } else {
                return nil
            }
            copy.kind = .mapping(pairs)
        case (.key(let k), .sequence(var items)):
            guard let i = pairNames[k], items.count == 2 else { return nil }
            guard let r = replace(items[i], rest, with: value, path: full) else { return nil }
            guard case .success(let v) = r else { return r }
            items[i] = v
            copy.kind = .sequence(items)
        case (.index(let i), .sequence(var items)):
            guard i < items.count else { return nil }
            guard let r = replace(items[i], rest, with: value, path: full) else { return nil }
            guard case .success(let v) = r else { return r }
            items[i] = v
            copy.kind = .sequence(items)
        default:
            return nil
        }
        return .success(copy)
    }
}
