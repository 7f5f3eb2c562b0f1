import CYAML
import PayplanCore

/// Loads one YAML document with libyaml's event parser and composes it into
/// `YAMLNode`s, enforcing what libyaml does not:
///
/// - duplicate mapping keys are errors (libyaml accepts them silently);
/// - aliases expand under a budget of nodes (`Limits.aliasExpansionNodes`),
///   so a "billion laughs" file fails at once instead of eating memory;
/// - nesting is limited (`Limits.yamlDepth`) by a composer with an explicit
///   stack, because Debian's libyaml 0.2.5 has no depth limit and recursion
///   could overflow the thread's stack;
/// - invalid UTF-8, NUL bytes, an empty file and more than one document are
///   located errors.
public enum YAMLLoader {
    public static func load(file: String, limits: Limits = .default) -> (YAMLDocument?, [Diagnostic]) {
        do {
            let bytes = try FileReader.readBytes(file, limit: limits.planFileBytes)
            return load(bytes: bytes, file: file, limits: limits)
        } catch {
            return (nil, [Diagnostic(.error, YAMLCode.cannotRead, "cannot read the plan: \(error.reason)", at: nil, file: file)])
        }
    }

    public static func load(text: String, file: String, limits: Limits = .default) -> (YAMLDocument?, [Diagnostic]) {
        load(bytes: Array(text.utf8), file: file, limits: limits)
    }

    public static func load(bytes: [UInt8], file: String, limits: Limits = .default) -> (YAMLDocument?, [Diagnostic]) {
        if bytes.count > limits.planFileBytes {
            return (
                nil,
                [
                    Diagnostic(
                        .error, YAMLCode.fileTooLarge,
                        "the plan file is \(bytes.count) bytes, over the limit of \(limits.planFileBytes) (Limits.planFileBytes)",
                        at: nil, file: file)
                ]
            )
        }
        if let problem = Encoding.firstProblem(bytes, file: file) {
            return (nil, [problem])
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        let text = String(decoding: body, as: UTF8.self)
        if text.allSatisfy({ $0.isWhitespace }) {
            return (
                nil,
                [
                    Diagnostic(
                        .error, YAMLCode.emptyFile, "the plan file is empty",
                        at: SourceRange(at: SourceLocation(file: file, line: 1, column: 1)),
                        help: "a plan starts with `plan: NAME`; see rules/README.md")
                ]
            )
        }
        var composer = Composer(file: file, limits: limits)
        let root = composer.run(body)
        if !composer.diagnostics.isEmpty {
            return (nil, composer.diagnostics)
        }
        guard let root else {
            return (
                nil,
                [
                    Diagnostic(
                        .error, YAMLCode.emptyFile, "the plan file holds only comments",
                        at: SourceRange(at: SourceLocation(file: file, line: 1, column: 1)))
                ]
            )
        }
        return (YAMLDocument(file: file, root: root, text: text), [])
    }
}

/// Byte-level checks done before libyaml sees the file, so that the message
/// names the exact line and column.
enum Encoding {
    static func firstProblem(_ bytes: [UInt8], file: String) -> Diagnostic? {
        var line = 1
        var column = 1
        var i = 0
        let n = bytes.count
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < n {
            let b = bytes[i]
            let here = SourceRange(at: SourceLocation(file: file, line: line, column: column))
            if b == 0 {
                return Diagnostic(
                    .error, YAMLCode.binaryFile, "the file contains a NUL byte: it is binary, not a YAML plan", at: here)
            }
            if b < 0x80 {
                if b == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            if b & 0xE0 == 0xC0 {
                length = 2
                minimum = 0x80
                scalar = UInt32(b & 0x1F)
            } else if b & 0xF0 == 0xE0 {
                length = 3
                minimum = 0x800
                scalar = UInt32(b & 0x0F)
            } else if b & 0xF8 == 0xF0 {
                length = 4
                minimum = 0x10000
                scalar = UInt32(b & 0x07)
            } else {
                return invalid(here, b)
            }
            guard i + length <= n else { return invalid(here, b) }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return invalid(here, b) }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                return invalid(here, b)
            }
            i += length
            column += 1
        }
        return nil
    }

    static func invalid(_ at: SourceRange, _ byte: UInt8) -> Diagnostic {
        let hex = String(byte, radix: 16, uppercase: true)
        return Diagnostic(
            .error, YAMLCode.invalidUTF8, "invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex)): a plan file must be UTF-8 text",
            at: at, help: "re-save the file as UTF-8")
    }
}

/// The event-to-node composer. An explicit stack of open collections replaces
/// recursion; the stack depth is the YAML nesting depth and is bounded.
struct Composer {
    let file: String
    let limits: Limits
    var diagnostics: [Diagnostic] = []
    private var anchors: [String: YAMLNode] = [:]
    private var expandedByAliases = 0
    private var totalNodes = 0

    private struct Frame {
        var isMapping: Bool
        var start: SourceLocation
        var tag: String?
        var anchor: String?
        var items: [YAMLNode] = []
        var size = 1
    }

    init(file: String, limits: Limits) {
        self.file = file
        self.limits = limits
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    func range(_ event: yaml_event_t) -> SourceRange {
        SourceRange(start: location(event.start_mark), end: location(event.end_mark))
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    mutating func run(_ bytes: [UInt8]) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.append(Diagnostic(.error, YAMLCode.parserFailed, "libyaml could not start (out of memory)", at: nil, file: file))
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            return compose(&parser, bytes: buffer)
        }
    }

    private mutating func compose(_ parser: inout yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> YAMLNode? {
        var stack: [Frame] = []
        var root: YAMLNode?
        var documents = 0
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                reportParserError(parser, bytes: bytes)
                return nil
            }
            defer { yaml_event_delete(&event) }
            let type = event.type
            if type == YAML_STREAM_END_EVENT { break }
            switch type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    diagnostics.append(
                        .error(
                            YAMLCode.secondDocument, "a plan file holds one YAML document; this is a second one",
                            at: range(event), help: "remove the `---` line and what follows, or split the file"))
                    return nil
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                if scalar.length > limits.yamlScalarBytes {
                    diagnostics.append(
                        .error(
                            YAMLCode.scalarTooLong,
                            "a scalar of \(scalar.length) bytes is longer than \(limits.yamlScalarBytes) (Limits.yamlScalarBytes)",
                            at: range(event), help: "labels, names and formulas are short; is this the right file?"))
                    return nil
                }
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let style: ScalarStyle
                switch scalar.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: style = .literal
                case YAML_FOLDED_SCALAR_STYLE: style = .folded
                default: style = .plain
                }
                let tag = Composer.string(scalar.tag)
                let node = YAMLNode(kind: .scalar(text, style), range: range(event), tag: tag)
                if let anchor = Composer.string(scalar.anchor) { anchors[anchor] = node }
                guard count(1, at: node.range) else { return nil }
                if !attach(node, to: &stack, root: &root) { return nil }
            case YAML_ALIAS_EVENT:
                let name = Composer.string(event.data.alias.anchor) ?? ""
                guard var node = anchors[name] else {
                    diagnostics.append(.error(YAMLCode.unknownAlias, "unknown alias `*\(name)`", at: range(event)))
                    return nil
                }
                expandedByAliases += node.size
                if expandedByAliases > limits.aliasExpansionNodes {
                    diagnostics.append(
                        .error(
                            YAMLCode.aliasBomb,
                            "aliases expand to more than \(limits.aliasExpansionNodes) nodes (Limits.aliasExpansionNodes)",
                            at: range(event),
                            help: "use named shapes and metrics instead of deeply nested aliases"))
                    return nil
                }
                guard count(node.size, at: range(event)) else { return nil }
                node.range = range(event)
                if !attach(node, to: &stack, root: &root) { return nil }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = type == YAML_MAPPING_START_EVENT
                if stack.count >= limits.yamlDepth {
                    diagnostics.append(
                        .error(
                            YAMLCode.tooDeep, "nesting is deeper than \(limits.yamlDepth) levels (Limits.yamlDepth)",
                            at: range(event)))
                    return nil
                }
                let anchor =
                    isMapping
                    ? Composer.string(event.data.mapping_start.anchor)
                    : Composer.string(event.data.sequence_start.anchor)
                let tag =
                    isMapping
                    ? Composer.string(event.data.mapping_start.tag)
                    : Composer.string(event.data.sequence_start.tag)
                stack.append(Frame(isMapping: isMapping, start: location(event.start_mark), tag: tag, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { break }
                let end = location(event.end_mark)
                let nodeRange = SourceRange(start: frame.start, end: end)
                var node: YAMLNode
                if frame.isMapping {
                    guard let pairs = buildMapping(frame.items) else { return nil }
                    node = YAMLNode(kind: .mapping(pairs), range: nodeRange, tag: frame.tag, size: frame.size)
                } else {
                    node = YAMLNode(kind: .sequence(frame.items), range: nodeRange, tag: frame.tag, size: frame.size)
                }
                node.size = frame.size
                if let anchor = frame.anchor { anchors[anchor] = node }
                guard count(1, at: nodeRange) else { return nil }
                if !attach(node, to: &stack, root: &root) { return nil }
            default:
                break
            }
        }
        return root
    }

    private mutating func count(_ nodes: Int, at range: SourceRange) -> Bool {
        totalNodes += nodes
        if totalNodes > limits.yamlNodes {
            diagnostics.append(
                .error(YAMLCode.tooManyNodes, "the plan has more than \(limits.yamlNodes) YAML nodes (Limits.yamlNodes)", at: range))
            return false
        }
        return true
    }

    private mutating func attach(_ node: YAMLNode, to stack: inout [Frame], root: inout YAMLNode?) -> Bool {
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].items.append(node)
            stack[stack.count - 1].size += node.size
        }
        return true
    }

    /// Pairs up keys and values, rejecting duplicate and non-text keys and
    /// applying YAML merge keys (`<<: *defaults`).
    private mutating func buildMapping(_ items: [YAMLNode]) -> [YAMLPair]? {
        var pairs: [YAMLPair] = []
        var seen: [String: SourceRange] = [:]
        var merged: [YAMLPair] = []
        var index = 0
        var ok = true
        while index + 1 < items.count {
            let key = items[index]
            let value = items[index + 1]
            index += 2
            guard let name = key.scalar else {
                diagnostics.append(
                    .error(YAMLCode.complexKey, "a mapping key must be plain text, not \(key.kindDescription)", at: key.range))
                ok = false
                continue
            }
            if name == "<<", key.isPlainScalar {
                let sources: [YAMLNode] = value.mapping != nil ? [value] : (value.sequence ?? [])
                for source in sources {
                    guard let sourcePairs = source.mapping else {
                        diagnostics.append(
                            .error(YAMLCode.badMerge, "a merge key `<<` takes a mapping or a list of mappings", at: source.range))
                        ok = false
                        continue
                    }
                    merged.append(contentsOf: sourcePairs)
                }
                continue
            }
            if let first = seen[name] {
                diagnostics.append(
                    .error(
                        YAMLCode.duplicateKey, "duplicate key `\(name)`", at: key.range,
                        notes: [.init("`\(name)` is first given here", at: first)],
                        help: "remove one of them; YAML keeps only one silently, Payplan refuses to guess which"))
                ok = false
                continue
            }
            seen[name] = key.range
            pairs.append(YAMLPair(key: key, value: value))
        }
        // Explicit keys win over merged ones, as the merge-key spec says.
        for pair in merged {
            guard let name = pair.key.scalar, seen[name] == nil else { continue }
            seen[name] = pair.key.range
            pairs.append(pair)
        }
        return ok ? pairs : nil
    }

    private mutating func reportParserError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) {
        let problem = Composer.cString(parser.problem) ?? "malformed YAML"
        var location: SourceLocation
        if parser.error == YAML_READER_ERROR {
            location = lineColumn(ofByte: parser.problem_offset, in: bytes)
        } else {
            location = self.location(parser.problem_mark)
        }
        if location.line < 1 { location.line = 1 }
        if location.column < 1 { location.column = 1 }
        var notes: [Diagnostic.Note] = []
        if let context = Composer.cString(parser.context) {
            notes.append(.init(context, at: SourceRange(at: self.location(parser.context_mark))))
        }
        var help: String?
        let offset = parser.problem_mark.index
        if offset < bytes.count, bytes[offset] == 0x09 {
            help = "YAML does not allow tabs for indentation; indent with spaces"
        } else if problem.contains("end of stream") || problem.contains("could not find expected") {
            help = "the file may be truncated, or a quote or bracket is not closed"
        } else if problem.contains("mapping values are not allowed") {
            help = "quote a value that contains `: `, or check the indentation of this line"
        }
        diagnostics.append(.error(YAMLCode.syntax, "YAML syntax: \(problem)", at: SourceRange(at: location), notes: notes, help: help))
    }

    static func cString(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func lineColumn(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        var line = 1
        var column = 1
        var i = 0
        while i < min(offset, bytes.count) {
            if bytes[i] == 0x0A {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
