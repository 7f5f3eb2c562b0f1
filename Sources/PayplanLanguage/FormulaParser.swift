import PayplanCore
import PayplanYAML

/// The text of one formula and where each of its characters sits in the
/// plan file, so that errors inside a formula point at the exact character
/// even when the formula is quoted or in a block scalar.
public struct FormulaSource: Sendable {
    public let text: [Unicode.Scalar]
    /// One location per character, plus one just past the end.
    public let locations: [SourceLocation]

    public init(text: String, locations: [SourceLocation]) {
        self.text = Array(text.unicodeScalars)
        var locs = locations
        if locs.count < self.text.count {
            let fill = locs.last ?? SourceLocation(file: "?", line: 1, column: 1)
            locs += Array(repeating: fill, count: self.text.count - locs.count)
        }
        let end = locs.last.map { $0.advanced(by: 1) } ?? SourceLocation(file: "?", line: 1, column: 1)
        locs = Array(locs.prefix(self.text.count)) + [end]
        self.locations = locs
    }

    /// A formula held in a YAML scalar.
    public init(node: YAMLNode, document: YAMLDocument) {
        self.init(text: node.scalar ?? "", locations: document.characterLocations(of: node))
    }

    /// A formula whose characters sit on one line starting at `start`.
    public init(text: String, startingAt start: SourceLocation) {
        let count = text.unicodeScalars.count
        self.init(text: text, locations: (0..<count).map { start.advanced(by: $0) })
    }

    public func range(_ from: Int, _ to: Int) -> SourceRange {
        let a = locations[max(0, min(from, locations.count - 1))]
        var b = locations[max(0, min(to, locations.count - 1))]
        if to > from, to - 1 < locations.count, locations[to - 1].line == a.line {
            b = locations[to - 1].advanced(by: 1)
        }
        return SourceRange(start: a, end: b)
    }
}

struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case number(Exact, spelling: String, exponent: Bool)
        case string(String)
        case identifier(String)
        case keyword(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    var start: Int
    var end: Int

    var text: String {
        switch kind {
        case .number(_, let s, _): s
        case .string(let s): "\"\(s)\""
        case .identifier(let s), .keyword(let s), .symbol(let s): s
        case .end: "end of formula"
        }
    }
}

/// Parses formulas. Grammar, loosest binding first:
///
///     expr        := 'if' expr 'then' expr 'else' expr | or
///     or          := and ('or' and)*
///     and         := not ('and' not)*
///     not         := 'not' not | comparison
///     comparison  := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?   -- does not chain
///     sum         := product (('+' | '-') product)*
///     product     := unary (('*' | '/') unary)*
///     unary       := '-' unary | primary
///     primary     := number ['%'] | string | 'true' | 'false' | name | call | '(' expr ')'
///     call        := identifier '(' [arg (',' arg)*] ['where' expr] ')'
///     arg         := expr ['over' expr]     -- `over` is a word only here
///     name        := identifier ('.' identifier)*
///
/// `×`, `÷`, `−`, `≤`, `≥` and `≠` are accepted for `*`, `/`, `-`, `<=`,
/// `>=` and `!=`, so formulas copied from a Chinese or English spec parse.
public struct FormulaParser {
    public static let keywords: Set<String> = ["and", "or", "not", "if", "then", "else", "where", "true", "false"]

    let source: FormulaSource
    let limits: Limits
    var tokens: [Token] = []
    var position = 0
    var depth = 0
    public private(set) var warnings: [Diagnostic] = []

    public init(source: FormulaSource, limits: Limits = .default) {
        self.source = source
        self.limits = limits
    }

    /// Parses a whole formula; throws the first syntax error.
    public static func parse(_ source: FormulaSource, limits: Limits = .default) -> Result<(Expr, [Diagnostic]), Diagnostic> {
        var parser = FormulaParser(source: source, limits: limits)
        do {
            let e = try parser.parseFormula()
            return .success((e, parser.warnings))
        } catch {
            return .failure(error)
        }
    }

    mutating func parseFormula() throws(Diagnostic) -> Expr {
        if source.text.count > limits.formulaLength {
            throw .error(
                FormulaCode.tooLong,
                "the formula is \(source.text.count) characters long, over the limit of \(limits.formulaLength) (Limits.formulaLength)",
                at: source.range(0, 1))
        }
        tokens = try Lexer(source: source).tokens(warnings: &warnings)
        if tokens.count == 1 {
            throw .error(FormulaCode.empty, "expected a formula, found nothing", at: source.range(0, 0))
        }
        let e = try parseExpression()
        try checkHeight(e)
        let t = tokens[position]
        if t.kind != .end {
            var help: String?
            if t.kind == .symbol(","), case .number = tokens[max(position - 1, 0)].kind {
                help = "numbers are written without thousands separators: 30000, not 30,000"
            } else if t.kind == .symbol(")") {
                throw .error(FormulaCode.unmatchedClose, "unexpected `)` with no matching `(`", at: range(t))
            } else if t.kind == .identifier("over") {
                throw .error(
                    FormulaCode.overOutsideAggregate, "`over` names the reps an aggregate runs over; it goes inside sum, min, max, avg or count",
                    at: range(t), help: "e.g. sum(revenue over company) or avg(attainment over rep.team)")
            }
            throw .error(
                FormulaCode.trailingText, "unexpected \(describe(t)) after a complete formula", at: range(t),
                help: help ?? "join the parts with an operator such as `+`, `*` or `and`")
        }
        return e
    }

    func range(_ t: Token) -> SourceRange { source.range(t.start, t.end) }

    /// A long chain of operators (`1 + 1 + … + 1`) parses without deep
    /// recursion but builds a tree as deep as the chain is long, and every
    /// later stage walks that tree. Its height is bounded by the same limit
    /// as nesting, so no stage can run out of stack on a formula the limits
    /// allow.
    func checkHeight(_ e: Expr) throws(Diagnostic) {
        let (height, breach) = e.height(limit: limits.formulaDepth)
        guard height > limits.formulaDepth, let breach else { return }
        throw .error(
            FormulaCode.tooDeep, "the formula nests deeper than \(limits.formulaDepth) levels (Limits.formulaDepth): it is \(height) levels deep",
            at: breach.range, help: "split it into metrics and combine those (a long sum: several partial sums)")
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .end: "the end of the formula"
        case .string(let s): "the text \"\(s)\""
        default: "`\(t.text)`"
        }
    }

    mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    func peek(_ offset: Int = 0) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    func isKeyword(_ word: String) -> Bool { peek().kind == .keyword(word) }
    func isSymbol(_ symbol: String) -> Bool { peek().kind == .symbol(symbol) }

    mutating func enter(_ t: Token) throws(Diagnostic) {
        depth += 1
        if depth > limits.formulaDepth {
            throw .error(
                FormulaCode.tooDeep, "the formula nests deeper than \(limits.formulaDepth) levels (Limits.formulaDepth)", at: range(t))
        }
    }

    mutating func parseExpression() throws(Diagnostic) -> Expr {
        try enter(peek())
        defer { depth -= 1 }
        return try parseBinary(minPrecedence: 1)
    }

    static func binaryOperator(_ t: Token) -> BinaryOperator? {
        switch t.kind {
        case .keyword("and"): .and
        case .keyword("or"): .or
        case .symbol("+"): .add
        case .symbol("-"): .subtract
        case .symbol("*"): .multiply
        case .symbol("/"): .divide
        case .symbol("<"): .less
        case .symbol("<="): .lessEqual
        case .symbol(">"): .greater
        case .symbol(">="): .greaterEqual
        case .symbol("=="): .equal
        case .symbol("!="): .notEqual
        default: nil
        }
    }

    mutating func parseBinary(minPrecedence: Int) throws(Diagnostic) -> Expr {
        var left = try parseUnary(minPrecedence: minPrecedence)
        while let op = FormulaParser.binaryOperator(peek()), op.precedence >= minPrecedence {
            let opToken = advance()
            try enter(opToken)
            defer { depth -= 1 }
            if peek().kind == .end {
                throw .error(
                    FormulaCode.missingOperand, "expected a value after `\(opToken.text)`, found the end of the formula", at: range(opToken))
            }
            let right = try parseBinary(minPrecedence: op.precedence + 1)
            if op.isComparison, let next = FormulaParser.binaryOperator(peek()), next.isComparison {
                throw .error(
                    FormulaCode.chainedComparison, "comparisons do not chain: `a \(op.rawValue) b \(next.rawValue) c` is ambiguous",
                    at: range(peek()), help: "write `a \(op.rawValue) b and b \(next.rawValue) c`")
            }
            left = Expr(.binary(op, left, right), SourceRange(start: left.range.start, end: right.range.end))
        }
        return left
    }

    mutating func parseUnary(minPrecedence: Int) throws(Diagnostic) -> Expr {
        let t = peek()
        if t.kind == .keyword("not") {
            _ = advance()
            try enter(t)
            defer { depth -= 1 }
            let operand = try parseBinary(minPrecedence: 3)
            return Expr(.unary(.not, operand), SourceRange(start: range(t).start, end: operand.range.end))
        }
        if t.kind == .symbol("-") {
            _ = advance()
            try enter(t)
            defer { depth -= 1 }
            let operand = try parseUnary(minPrecedence: 7)
            // Fold `-5` into a literal so that `-5` and `- 5` are the same constant.
            if case .number(let v, let spelling, let exp) = operand.kind, let negated = try? v.negated() {
                return Expr(
                    .number(negated, spelling: "-" + spelling, exponent: exp),
                    SourceRange(start: range(t).start, end: operand.range.end))
            }
            return Expr(.unary(.negate, operand), SourceRange(start: range(t).start, end: operand.range.end))
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(Diagnostic) -> Expr {
        let t = advance()
        switch t.kind {
        case .number(let value, let spelling, let exponent):
            return Expr(.number(value, spelling: spelling, exponent: exponent), range(t))
        case .string(let s):
            return Expr(.string(s), range(t))
        case .keyword("true"):
            return Expr(.bool(true), range(t))
        case .keyword("false"):
            return Expr(.bool(false), range(t))
        case .keyword("if"):
            try enter(t)
            defer { depth -= 1 }
            let condition = try parseExpression()
            try expectKeyword("then", after: "the condition of `if`", opening: t)
            let whenTrue = try parseExpression()
            try expectKeyword("else", after: "the `then` value", opening: t)
            let whenFalse = try parseExpression()
            return Expr(
                .conditional(condition, then: whenTrue, else: whenFalse),
                SourceRange(start: range(t).start, end: whenFalse.range.end))
        case .symbol("("):
            // The inner parseExpression counts this level of nesting.
            if isSymbol(")") {
                throw .error(FormulaCode.emptyParentheses, "expected a value inside `()`", at: range(peek()))
            }
            let inner = try parseExpression()
            guard isSymbol(")") else {
                throw .error(
                    FormulaCode.unclosedParenthesis, "expected `)` to close the `(`, found \(describe(peek()))", at: range(peek()),
                    notes: [.init("the `(` opened here", at: range(t))])
            }
            _ = advance()
            return Expr(inner.kind, SourceRange(start: range(t).start, end: range(tokens[position - 1]).end))
        case .identifier(let name):
            if isSymbol("(") { return try parseCall(name: name, nameToken: t) }
            var parts = [NamePart(name, range(t))]
            while isSymbol(".") {
                let dot = advance()
                let next = advance()
                guard case .identifier(let part) = next.kind else {
                    throw .error(
                        FormulaCode.badDottedName, "expected a name after `.`, found \(describe(next))", at: range(next.kind == .end ? dot : next))
                }
                parts.append(NamePart(part, range(next)))
            }
            return Expr(.name(parts), SourceRange(start: parts[0].range.start, end: parts.last!.range.end))
        case .end:
            throw .error(FormulaCode.missingOperand, "expected a value, found the end of the formula", at: range(t))
        case .symbol(")"):
            throw .error(FormulaCode.unmatchedClose, "unexpected `)` where a value was expected", at: range(t))
        case .keyword(let word):
            throw .error(
                FormulaCode.misplacedKeyword, "`\(word)` is a keyword and cannot start a value here", at: range(t),
                help: word == "then" || word == "else" ? "`\(word)` follows `if CONDITION`" : nil)
        case .symbol(let s):
            throw .error(FormulaCode.expectedValue, "expected a value, found `\(s)`", at: range(t))
        }
    }

    mutating func expectKeyword(_ word: String, after what: String, opening: Token) throws(Diagnostic) {
        guard isKeyword(word) else {
            throw .error(
                FormulaCode.expectedKeyword, "expected `\(word)` after \(what), found \(describe(peek()))", at: range(peek()),
                notes: [.init("the `if` starts here", at: range(opening))],
                help: "write `if CONDITION then VALUE else VALUE`")
        }
        _ = advance()
    }

    mutating func parseCall(name: String, nameToken: Token) throws(Diagnostic) -> Expr {
        let open = advance()
        try enter(open)
        defer { depth -= 1 }
        var args: [Expr] = []
        var filter: Expr?
        if !isSymbol(")") {
            while true {
                if isKeyword("where") { break }
                var arg = try parseExpression()
                // `sum(revenue over rep.team)`: `over` is not a keyword, so a
                // metric named `over` still reads as a name elsewhere.
                if peek().kind == .identifier("over") {
                    _ = advance()
                    let group = try parseExpression()
                    if peek().kind == .identifier("over") {
                        throw .error(
                            FormulaCode.overOutsideAggregate, "an aggregate runs over one group; `over` is written once", at: range(peek()))
                    }
                    arg = Expr(.over(arg, group: group), SourceRange(start: arg.range.start, end: group.range.end))
                }
                args.append(arg)
                if isSymbol(",") {
                    _ = advance()
                    continue
                }
                break
            }
            if isKeyword("where") {
                _ = advance()
                filter = try parseExpression()
            }
        }
        guard isSymbol(")") else {
            throw .error(
                FormulaCode.badArguments, "expected `,` or `)` in the call of `\(name)`, found \(describe(peek()))", at: range(peek()),
                notes: [.init("the call opens here", at: range(open))])
        }
        let close = advance()
        return Expr(
            .call(NamePart(name, range(nameToken)), args, filter: filter),
            SourceRange(start: range(nameToken).start, end: range(close).end))
    }
}

/// Splits a formula into tokens.
struct Lexer {
    let source: FormulaSource

    func tokens(warnings: inout [Diagnostic]) throws(Diagnostic) -> [Token] {
        let s = source.text
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
                continue
            }
            let start = i
            if Self.isDigit(c) || (c == "." && i + 1 < s.count && Self.isDigit(s[i + 1])) {
                out.append(try numberToken(&i, warnings: &warnings))
            } else if Self.isIdentifierStart(c) {
                let word = identifier(at: i)
                i += word.unicodeScalars.count
                let kind: Token.Kind = FormulaParser.keywords.contains(word) ? .keyword(word) : .identifier(word)
                out.append(Token(kind: kind, start: start, end: i))
            } else if c == "\"" || c == "'" {
                out.append(try textToken(&i))
            } else {
                out.append(try symbolToken(&i))
            }
        }
        out.append(Token(kind: .end, start: s.count, end: s.count))
        return out
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }

    /// A number at `i`: digits, a fraction, an exponent, a percent sign.
    func numberToken(_ i: inout Int, warnings: inout [Diagnostic]) throws(Diagnostic) -> Token {
        let s = source.text
        let c = s[i]
        let start = i
        func isDigit(_ c: Unicode.Scalar) -> Bool { Self.isDigit(c) }
        func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { Self.isIdentifierStart(c) }
        if c == "." {
            throw .error(
                FormulaCode.numberWithoutDigit, "a number must start with a digit", at: source.range(i, i + 1),
                help: "write 0\(String(String.UnicodeScalarView(s[i..<min(i + 6, s.count)])))")
        }
        var text = ""
        while i < s.count, isDigit(s[i]) {
            text.unicodeScalars.append(s[i])
            i += 1
        }
        if i < s.count, s[i] == "_" {
            throw .error(
                FormulaCode.digitSeparator, "digit separators are not allowed in numbers", at: source.range(i, i + 1),
                help: "write the digits together, e.g. 1000000")
        }
        if i < s.count, s[i] == ".", i + 1 < s.count, isDigit(s[i + 1]) {
            text.append(".")
            i += 1
            while i < s.count, isDigit(s[i]) {
                text.unicodeScalars.append(s[i])
                i += 1
            }
        }
        var exponent = false
        var value: Exact?
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            var negativeExponent = false
            if j < s.count, s[j] == "+" || s[j] == "-" {
                negativeExponent = s[j] == "-"
                j += 1
            }
            var digits = 0
            var e = 0
            while j < s.count, isDigit(s[j]) {
                e = min(e * 10 + Int(s[j].value - 48), 1000)
                digits += 1
                j += 1
            }
            if digits > 0 {
                exponent = true
                let spelled = String(String.UnicodeScalarView(s[start..<j]))
                guard e <= 30, let mantissa = Exact(decimal: text),
                    let scaled = try?
                        (negativeExponent
                        ? mantissa / Exact(integer: Exact.powerOfTen(e))
                        : mantissa * Exact(integer: Exact.powerOfTen(e)))
                else {
                    throw .error(
                        FormulaCode.numberOutOfRange, "the number `\(spelled)` is out of range", at: source.range(start, j))
                }
                value = scaled
                text = spelled
                i = j
            }
        }
        if value == nil {
            guard let v = Exact(decimal: text) else {
                throw .error(
                    FormulaCode.numberOutOfRange, "the number `\(text)` is out of range (more than 30 digits)",
                    at: source.range(start, i))
            }
            value = v
            if text.count > 1, text.hasPrefix("0"), !text.hasPrefix("0.") {
                warnings.append(
                    .warning(
                        FormulaCode.leadingZero, "`\(text)` is read as the decimal number \(v), not as octal",
                        at: source.range(start, i), help: "write \(v) to make that plain"))
            }
        }
        if i < s.count, s[i] == "%" {
            i += 1
            text += "%"
            value = try? value! / Exact(100)
        }
        if i < s.count, isIdentifierStart(s[i]) {
            throw .error(
                FormulaCode.numberRunsIntoName, "a number runs into the name `\(identifier(at: i))`", at: source.range(start, i + 1),
                help: "put an operator between them, e.g. `2 * x`")
        }
        return Token(kind: .number(value!, spelling: text, exponent: exponent), start: start, end: i)
    }

    /// A quoted text at `i`, with its escapes.
    func textToken(_ i: inout Int) throws(Diagnostic) -> Token {
        let s = source.text
        let c = s[i]
        let start = i
        var text = ""
        i += 1
        var closed = false
        while i < s.count {
            let d = s[i]
            if d == c {
                closed = true
                i += 1
                break
            }
            if d == "\\", i + 1 < s.count {
                let e = s[i + 1]
                text.unicodeScalars.append(e == "n" ? "\n" : (e == "t" ? "\t" : e))
                i += 2
                continue
            }
            text.unicodeScalars.append(d)
            i += 1
        }
        if !closed {
            throw .error(
                FormulaCode.unclosedText, "the text starting here is not closed with \(c == "\"" ? "`\"`" : "`'`")",
                at: source.range(start, start + 1))
        }
        return Token(kind: .string(text), start: start, end: i)
    }

    /// An operator or punctuation at `i`; spellings from other languages are errors with the fix.
    func symbolToken(_ i: inout Int) throws(Diagnostic) -> Token {
        let s = source.text
        let c = s[i]
        let start = i
        let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
        var symbol: String?
        var width = 1
        switch c {
        case "+", "*", "/", "(", ")", ",", ".": symbol = String(c)
        case "-", "−": symbol = "-"
        case "×": symbol = "*"
        case "÷": symbol = "/"
        case "≤": symbol = "<="
        case "≥": symbol = ">="
        case "≠": symbol = "!="
        case "<", ">":
            if next == "=" {
                symbol = String(c) + "="
                width = 2
            } else if c == "<", next == ">" {
                throw .error(
                    FormulaCode.notEqualSpelling, "`<>` is not an operator", at: source.range(i, i + 2), help: "write `!=` for not equal")
            } else {
                symbol = String(c)
            }
        case "=":
            if next == "=" {
                symbol = "=="
                width = 2
            } else {
                throw .error(
                    FormulaCode.singleEquals, "`=` is not a comparison", at: source.range(i, i + 1), help: "write `==` to compare")
            }
        case "!":
            if next == "=" {
                symbol = "!="
                width = 2
            } else {
                throw .error(FormulaCode.bang, "`!` is not an operator", at: source.range(i, i + 1), help: "write `not`")
            }
        case "&", "|":
            let word = c == "&" ? "and" : "or"
            throw .error(
                FormulaCode.doubledOperator, "`\(c)\(next == c ? String(c) : "")` is not an operator", at: source.range(i, i + 1),
                help: "write `\(word)`")
        case "%":
            throw .error(
                FormulaCode.strayPercent, "`%` must follow a number directly (5%)", at: source.range(i, i + 1))
        default:
            throw .error(
                FormulaCode.unexpectedCharacter, "unexpected character `\(c)` in a formula", at: source.range(i, i + 1))
        }
        i += width
        return Token(kind: .symbol(symbol!), start: start, end: i)
    }

    func identifier(at start: Int) -> String {
        let s = source.text
        var i = start
        var word = ""
        while i < s.count, s[i] == "_" || s[i].properties.isAlphabetic || (s[i].value >= 48 && s[i].value <= 57) {
            word.unicodeScalars.append(s[i])
            i += 1
        }
        return word
    }
}
