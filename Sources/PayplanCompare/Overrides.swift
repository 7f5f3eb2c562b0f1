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

/// The codes of `whatif --set` problems: one home for them (`W5xx`).
public enum OverrideCode: String, DiagnosticCode {
    /// Not `PATH=VALUE`, or a path that cannot be read.
    case syntax = "W501"
    /// A key of the path that the plan does not have there.
    case noSuchKey = "W502"
    /// A list index beyond the list.
    case noSuchItem = "W503"
    /// A path that names a mapping or a list, not one value.
    case notAValue = "W504"

    public var severity: Severity { .error }

    public var title: String {
        switch self {
        case .syntax: "a --set that is not PATH=VALUE"
        case .noSuchKey: "a --set path through a key the plan does not have"
        case .noSuchItem: "a --set path with an index beyond its list"
        case .notAValue: "a --set path that names a mapping or a list, not one value"
        }
    }
}

/// A `--set` that does not name one value of the plan: a usage error,
/// located in the argument (`--set:1:COL`, the caret under the part of the
/// path that is wrong), with the keys or the index range that would do.
public struct OverrideError: Error, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic
    /// The argument as given, for the snippet under the message.
    public var argument: String

    /// The source name diagnostics of `--set` arguments use.
    public static let sourceName = "--set"

    public var sources: SourceTexts {
        var texts = SourceTexts()
        texts.add(file: Self.sourceName, text: argument)
        return texts
    }

    public var description: String { diagnostic.description }

    init(_ code: OverrideCode, _ message: String, argument: String, columns: Range<Int>, help: String? = nil) {
        let start = SourceLocation(file: Self.sourceName, line: 1, column: columns.lowerBound + 1)
        let range = SourceRange(start: start, end: start.advanced(by: max(columns.count, 1)))
        diagnostic = .error(code, message, at: range, help: help)
        self.argument = argument
    }
}

public enum Overrides {
    /// One step of a parameter path, with the columns (0-based, in
    /// Unicode scalars) it spans in the argument.
    struct Segment: Equatable {
        enum Kind: Equatable {
            case key(String)
            case index(Int)
        }
        var kind: Kind
        var columns: Range<Int>
    }

    /// Splits `rules.bonus.curve.points[3].pay` into keys and 0-based indexes.
    static func segments(_ path: String) -> [Segment]? {
        var out: [Segment] = []
        var current = ""
        var from = 0
        let scalars = Array(path.unicodeScalars)
        var i = 0
        func flush(_ at: Int) {
            if !current.isEmpty { out.append(Segment(kind: .key(current), columns: from..<at)) }
            current = ""
        }
        while i < scalars.count {
            let c = scalars[i]
            if c == "." {
                flush(i)
                from = i + 1
            } else if c == "[" {
                flush(i)
                guard let close = scalars[i...].firstIndex(of: "]"),
                    let n = Int(String(String.UnicodeScalarView(scalars[(i + 1)..<close]))), n >= 1
                else { return nil }
                out.append(Segment(kind: .index(n - 1), columns: i..<(close + 1)))
                i = close
                from = close + 1
            } else {
                current.unicodeScalars.append(c)
            }
            i += 1
        }
        flush(scalars.count)
        return out.isEmpty ? nil : out
    }

    /// Names of the two numbers of a pair written `[x, y]`.
    static let pairNames: [String: Int] = ["at": 0, "pay": 1, "when": 0, "value": 1]

    /// Applies overrides to a document, returning the changed document and
    /// the texts of the overridden values (for diagnostics). Suggestions come
    /// from the keys found where the path goes wrong (`known` is not needed
    /// any more and kept for callers).
    public static func apply(_ overrides: [Override], to document: YAMLDocument, known: [String] = []) throws(OverrideError) -> (
        YAMLDocument, SourceTexts
    ) {
        var root = document.root
        var texts = SourceTexts()
        for o in overrides {
            let argument = "\(o.path)=\(o.value)"
            guard let segs = segments(o.path) else {
                throw OverrideError(
                    .syntax, "expected PATH=VALUE with a path of keys and [n] items counted from 1", argument: argument,
                    columns: 0..<o.path.unicodeScalars.count,
                    help: "e.g. --set rules.np_award.threshold=60000 or --set 'rules.bonus.curve.points[2].pay=1.2'")
            }
            let start = SourceLocation(file: o.sourceName, line: 1, column: 1)
            let end = start.advanced(by: max(o.value.unicodeScalars.count, 1))
            let replacement = YAMLNode(kind: .scalar(o.value, .plain), range: SourceRange(start: start, end: end))
            root = try replace(root, segs[...], with: replacement, walked: [], argument: argument)
            texts.add(file: o.sourceName, text: o.value)
        }
        return (YAMLDocument(file: document.file, root: root, text: document.text), texts)
    }

    /// Replaces the value at `path` below `node`; `walked` is the path so far
    /// (for messages).
    static func replace(
        _ node: YAMLNode, _ path: ArraySlice<Segment>, with value: YAMLNode, walked: [Segment], argument: String
    ) throws(OverrideError) -> YAMLNode {
        let here = walked.isEmpty ? "the plan" : "`" + display(walked, argument) + "`"
        guard let first = path.first else {
            if node.scalar == nil {
                let columns = (walked.first?.columns.lowerBound ?? 0)..<(walked.last?.columns.upperBound ?? 0)
                throw OverrideError(
                    .notAValue, "\(here) is \(node.kindDescription), not a single value", argument: argument, columns: columns,
                    help: "name one value inside it; `payplan diff --format json` prints the paths of a plan's values")
            }
            return value
        }
        var copy = node
        let rest = path.dropFirst()
        let next = walked + [first]
        switch (first.kind, node.kind) {
        case (.key(let k), .mapping(var pairs)):
            if let i = pairs.firstIndex(where: { $0.key.scalar == k }) {
                pairs[i].value = try replace(pairs[i].value, rest, with: value, walked: next, argument: argument)
            } else {
                let keys = pairs.compactMap { $0.key.scalar }
                let suggestion = Suggest.closest(to: k, among: keys)
                guard rest.isEmpty, suggestion == nil else {
                    throw OverrideError(
                        .noSuchKey, "\(here) has no key `\(k)`", argument: argument, columns: first.columns,
                        help: suggestion.map { "did you mean `\($0)`?" } ?? "its keys: " + keys.map { "`\($0)`" }.joined(separator: ", "))
                }
                // A key the plan does not have yet (e.g. a cap to try): add it.
                pairs.append(YAMLPair(key: YAMLNode(kind: .scalar(k, .plain), range: value.range), value: value))
            }
            copy.kind = .mapping(pairs)
        case (.key(let k), .sequence(var items)) where items.count == 2:
            guard let i = pairNames[k] else {
                throw OverrideError(
                    .noSuchKey, "\(here) is a pair; its two numbers are named `at`/`pay` (curves) or `when`/`value` (bands)",
                    argument: argument, columns: first.columns, help: Suggest.didYouMean(k, among: pairNames.keys.sorted()))
            }
            items[i] = try replace(items[i], rest, with: value, walked: next, argument: argument)
            copy.kind = .sequence(items)
        case (.index(let i), .sequence(var items)):
            guard i < items.count else {
                throw OverrideError(
                    .noSuchItem, "\(here) has \(items.count) item\(items.count == 1 ? "" : "s"), not \(i + 1)", argument: argument,
                    columns: first.columns, help: items.isEmpty ? nil : "items are counted from 1: [1] to [\(items.count)]")
            }
            items[i] = try replace(items[i], rest, with: value, walked: next, argument: argument)
            copy.kind = .sequence(items)
        case (.key(let k), _):
            throw OverrideError(
                .noSuchKey, "\(here) is \(node.kindDescription), it has no key `\(k)`", argument: argument, columns: first.columns)
        case (.index, _):
            throw OverrideError(.noSuchItem, "\(here) is \(node.kindDescription), not a list", argument: argument, columns: first.columns)
        }
        return copy
    }

    /// The text of the path so far, as written in the argument.
    static func display(_ walked: [Segment], _ argument: String) -> String {
        let scalars = Array(argument.unicodeScalars)
        let end = min(walked.last?.columns.upperBound ?? 0, scalars.count)
        return String(String.UnicodeScalarView(scalars[0..<end]))
    }
}
