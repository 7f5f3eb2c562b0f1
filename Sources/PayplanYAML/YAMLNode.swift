import PayplanCore

/// How a scalar was written. Payplan reads a scalar's text the same way
/// whatever its style (quoting never changes meaning); the style matters only
/// for mapping positions inside the scalar back to the file.
public enum ScalarStyle: String, Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A node of a composed YAML document. Every node knows its file and its
/// 1-based start and end line:column.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var kind: Kind
    public var range: SourceRange
    /// An explicit tag (`!!str`), if any. Payplan honours none but `!!str`,
    /// which it treats like quoting.
    public var tag: String?
    /// Nodes in this subtree, itself included (aliases expanded).
    public var size: Int

    public init(kind: Kind, range: SourceRange, tag: String? = nil, size: Int = 1) {
        self.kind = kind
        self.range = range
        self.tag = tag
        self.size = size
    }

    public var start: SourceLocation { range.start }

    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    public var style: ScalarStyle? {
        if case .scalar(_, let style) = kind { return style }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// A plain scalar with no tag: the only kind YAML 1.1 would have typed
    /// (`yes`, `010`, `~`). Payplan types it by what the key expects instead.
    public var isPlainScalar: Bool {
        if case .scalar(_, .plain) = kind { return tag == nil }
        return false
    }

    /// An empty plain scalar (`key:` with nothing after it, or `~`/`null`).
    public var isNull: Bool {
        guard isPlainScalar, let text = scalar else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// A short description for messages: "a mapping", "a list", "the text `x`".
    public var kindDescription: String {
        switch kind {
        case .scalar(let text, _):
            if isNull { return "nothing" }
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "`\(shown)`"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The value under `key` in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }
}

public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A loaded plan file: its root node and the text, for mapping positions
/// inside scalars and for printing snippets.
public struct YAMLDocument: Sendable {
    public let file: String
    public let root: YAMLNode
    public let text: String
    let lines: [[Unicode.Scalar]]

    public init(file: String, root: YAMLNode, text: String) {
        self.file = file
        self.root = root
        self.text = text
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var scalars = Array(line.unicodeScalars)
            if scalars.last == "\r" { scalars.removeLast() }
            return scalars
        }
    }

    /// Source locations of every character of a scalar's value, in order.
    ///
    /// libyaml marks a quoted scalar at its opening quote and a block scalar
    /// at its `|` or `>` indicator, and folds lines and escapes in the value.
    /// This walks the raw text from the right starting point and aligns each
    /// value character with its source character, so a caret inside a
    /// formula points at the right place. When alignment is impossible (an
    /// escape such as `\u4e2d`), the remaining characters map to the last
    /// aligned place rather than to a wrong line.
    public func characterLocations(of node: YAMLNode) -> [SourceLocation] {
        guard case .scalar(let value, let style) = node.kind else { return [] }
        if node.range.start.file != file {
            // A value given elsewhere (`whatif --set`): one line from its start.
            return (0..<value.unicodeScalars.count).map { node.range.start.advanced(by: $0) }
        }
        var line = node.range.start.line
        var column = node.range.start.column
        switch style {
        case .singleQuoted, .doubleQuoted:
            column += 1
        case .literal, .folded:
            line += 1
            column = 1
        case .plain:
            break
        }
        let endLine = node.range.end.line
        var result: [SourceLocation] = []
        result.reserveCapacity(value.unicodeScalars.count)
        var lost = false
        func at(_ l: Int, _ c: Int) -> Unicode.Scalar? {
            guard l >= 1, l <= lines.count else { return nil }
            let row = lines[l - 1]
            return c >= 1 && c <= row.count ? row[c - 1] : nil
        }
        for v in value.unicodeScalars {
            if lost {
                result.append(result.last ?? node.range.start)
                continue
            }
            if v == " " || v == "\t" || v == "\n" {
                if let s = at(line, column), s == " " || s == "\t" || s == v {
                    result.append(SourceLocation(file: file, line: line, column: column))
                    column += 1
                } else if at(line, column) == nil {
                    result.append(SourceLocation(file: file, line: line, column: column))
                    line += 1
                    column = 1
                } else {
                    result.append(SourceLocation(file: file, line: line, column: column))
                }
                continue
            }
            var found = false
            var l = line
            var c = column
            while l <= max(endLine, line) && l <= lines.count {
                if let s = at(l, c) {
                    if s == v {
                        found = true
                        break
                    }
                    c += 1
                } else {
                    l += 1
                    c = 1
                }
            }
            if found {
                result.append(SourceLocation(file: file, line: l, column: c))
                line = l
                column = c + 1
            } else {
                lost = true
                result.append(result.last ?? node.range.start)
            }
        }
        return result
    }
}
