import PayplanYAML

/// Re-serialises a YAML document in random but equivalent styles: block or
/// flow collections, plain or quoted scalars, keys in any order, comments
/// between entries. A plan's meaning (and so its fingerprint and payouts)
/// must survive it.
struct Reformatter {
    var g: SplitMixGenerator

    mutating func coin() -> Bool { g.next() % 2 == 0 }

    static func isPlainSafe(_ s: String, flow: Bool) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        if "-?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first) { return false }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") || s.hasSuffix(" ") || s.contains("\n") { return false }
        if flow && s.contains(where: { ",[]{}".contains($0) }) { return false }
        return true
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    mutating func scalar(_ node: YAMLNode, flow: Bool) -> String {
        let text = node.scalar ?? ""
        if node.isNull { return "~" }
        // A plain scalar stays plain or is quoted (quoting never changes a
        // plan's meaning); a quoted one stays quoted.
        if node.isPlainScalar && Reformatter.isPlainSafe(text, flow: flow) && coin() { return text }
        return Reformatter.quoted(text)
    }

    mutating func flow(_ node: YAMLNode) -> String {
        switch node.kind {
        case .scalar: return scalar(node, flow: true)
        case .sequence(let items): return "[" + items.map { flow($0) }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            var shuffled = pairs
            shuffled.shuffle(using: &g)
            return "{" + shuffled.map { scalar($0.key, flow: true) + ": " + flow($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// `node` as the value after "key:" or "- " at `indent`.
    mutating func block(_ node: YAMLNode, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch node.kind {
        case .scalar: return " " + scalar(node, flow: false) + "\n"
        case .sequence(let items):
            if items.isEmpty || coin() { return " " + flow(node) + "\n" }
            var out = "\n"
            for item in items {
                if coin() { out += pad + "# a comment between items\n" }
                out += pad + "-" + block(item, indent: indent + 2)
            }
            return out
        case .mapping(let pairs):
            if pairs.isEmpty || coin() { return " " + flow(node) + "\n" }
            var shuffled = pairs
            shuffled.shuffle(using: &g)
            var out = "\n"
            for pair in shuffled {
                if coin() { out += pad + "# a comment\n" }
                out += pad + scalar(pair.key, flow: false) + ":" + block(pair.value, indent: indent + 2)
            }
            return out
        }
    }

    mutating func document(_ root: YAMLNode) -> String {
        guard case .mapping(let pairs) = root.kind else { return flow(root) + "\n" }
        var shuffled = pairs
        shuffled.shuffle(using: &g)
        var out = "# re-serialised\n"
        for pair in shuffled { out += scalar(pair.key, flow: false) + ":" + block(pair.value, indent: 2) }
        return out
    }
}
