import PayplanCore
import Testing

@testable import PayplanLanguage

@Suite("Formula parser")
struct FormulaParserTests {
    func parse(_ text: String) -> Result<(Expr, [Diagnostic]), Diagnostic> {
        FormulaParser.parse(FormulaSource(text: text, startingAt: SourceLocation(file: "f", line: 1, column: 1)))
    }

    func canonical(_ text: String) -> String? {
        if case .success(let (e, _)) = parse(text) { return e.description }
        return nil
    }

    func failure(_ text: String) -> Diagnostic? {
        if case .failure(let d) = parse(text) { return d }
        return nil
    }

    @Test(arguments: [
        ("1 + 2 * 3", "1 + 2 * 3"),
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("a - b - c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a / b / c", "a / b / c"),
        ("a / (b * c)", "a / (b * c)"),
        ("-a * b", "-a * b"),
        ("not a and b or c", "not a and b or c"),
        ("not (a and b)", "not (a and b)"),
        ("a or b and c", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("a + b > c * d", "a + b > c * d"),
        ("if a > 0 then b / a else 0", "if a > 0 then b / a else 0"),
        ("x * if c then 1 else 2", "x * (if c then 1 else 2)"),
        ("5%", "0.05"),
        ("5.0e-2", "0.05"),
        ("-3", "-3"),
        ("revenue × 2 ÷ target − 1", "revenue * 2 / target - 1"),
        ("a ≥ b", "a >= b"),
        ("sum(tx.amount where product.category == \"new\")", "sum(tx.amount where product.category == \"new\")"),
        ("count(tx)", "count(tx)"),
        ("min(a, b, c)", "min(a, b, c)"),
        ("np_award.first_mover", "np_award.first_mover"),
        ("回款额 / 销售额", "回款额 / 销售额"),
    ])
    func precedenceAndAssociativity(input: String, expected: String) {
        #expect(canonical(input) == expected)
    }

    @Test func numbersAreExact() throws {
        guard case .success(let (e, _)) = parse("0.1 + 0.2") else { Issue.record("did not parse"); return }
        guard case .binary(.add, let a, let b) = e.kind, let x = a.constantNumber, let y = b.constantNumber else {
            Issue.record("unexpected tree")
            return
        }
        #expect(try x + y == Exact(decimal: "0.3")!)
    }

    @Test func leadingZeroIsDecimalWithAWarning() throws {
        guard case .success(let (e, warnings)) = parse("010") else { Issue.record("did not parse"); return }
        #expect(e.constantNumber == Exact(10))
        #expect(warnings.map(\.message) == ["`010` is read as the decimal number 10, not as octal"])
    }

    @Test(arguments: [
        ("", "F202", "expected a formula, found nothing", 1),
        ("a +", "F206", "expected a value after `+`, found the end of the formula", 3),
        ("(a + b", "F209", "expected `)` to close the `(`, found the end of the formula", 7),
        ("a + b)", "F203", "unexpected `)` with no matching `(`", 6),
        ("a b", "F204", "unexpected `b` after a complete formula", 3),
        ("a < b < c", "F207", "comparisons do not chain: `a < b < c` is ambiguous", 7),
        ("a = b", "F222", "`=` is not a comparison", 3),
        ("a && b", "F224", "`&&` is not an operator", 3),
        ("a <> b", "F221", "`<>` is not an operator", 3),
        ("!a", "F223", "`!` is not an operator", 1),
        ("a % 3", "F225", "`%` must follow a number directly (5%)", 3),
        ("a $ b", "F226", "unexpected character `$` in a formula", 3),
        ("\"open", "F220", "the text starting here is not closed with `\"`", 1),
        ("1_000", "F216", "digit separators are not allowed in numbers", 2),
        (".5", "F215", "a number must start with a digit", 1),
        ("2x", "F219", "a number runs into the name `x`", 1),
        ("if a then b", "F213", "expected `else` after the `then` value, found the end of the formula", 12),
        ("if a b else c", "F213", "expected `then` after the condition of `if`, found `b`", 6),
        ("then", "F211", "`then` is a keyword and cannot start a value here", 1),
        ("f(a b)", "F214", "expected `,` or `)` in the call of `f`, found `b`", 5),
        ("rep.", "F210", "expected a name after `.`, found the end of the formula", 4),
        ("()", "F208", "expected a value inside `()`", 2),
        ("30,000", "F204", "unexpected `,` after a complete formula", 3),
        ("1e999", "F217", "the number `1e999` is out of range", 1),
    ])
    func everySyntaxError(input: String, code: String, message: String, column: Int) {
        let d = failure(input)
        #expect(d?.code == code)
        #expect(d?.message == message)
        #expect(d?.range?.start.column == column)
    }

    @Test func thousandsSeparatorGetsAHelp() {
        #expect(failure("30,000")?.help == "numbers are written without thousands separators: 30000, not 30,000")
    }

    @Test func depthIsLimited() {
        var limits = Limits()
        limits.formulaDepth = 20
        let text = String(repeating: "(", count: 30) + "1" + String(repeating: ")", count: 30)
        let result = FormulaParser.parse(FormulaSource(text: text, startingAt: SourceLocation(file: "f", line: 1, column: 1)), limits: limits)
        guard case .failure(let d) = result else { Issue.record("expected a failure"); return }
        #expect(d.code == "F205")
        #expect(d.message.contains("Limits.formulaDepth"))
    }

    @Test func lengthIsLimited() {
        let text = String(repeating: "1+", count: 6000) + "1"
        guard case .failure(let d) = parse(text) else { Issue.record("expected a failure"); return }
        #expect(d.code == "F201")
    }

    @Test func deepButLegalNestingDoesNotOverflowTheStack() {
        let text = String(repeating: "(", count: 90) + "1" + String(repeating: ")", count: 90)
        #expect(canonical(text) == "1")
    }
}

@Suite("Band tests")
struct UnaryTestTests {
    func parse(_ text: String) -> Result<UnaryTest.Kind, Diagnostic> {
        UnaryTestParser.parse(FormulaSource(text: text, startingAt: SourceLocation(file: "f", line: 1, column: 1)))
    }

    @Test func forms() throws {
        let cases: [(String, Exact, Bool)] = [
            (">= 0.9", Exact(decimal: "0.9")!, true), (">= 0.9", Exact(decimal: "0.89")!, false),
            ("< 70%", Exact(decimal: "0.69")!, true), ("< 70%", Exact(decimal: "0.7")!, false),
            ("[0.7, 0.9)", Exact(decimal: "0.7")!, true), ("[0.7, 0.9)", Exact(decimal: "0.9")!, false),
            ("(0.7, 0.9]", Exact(decimal: "0.7")!, false), ("(0.7, 0.9]", Exact(decimal: "0.9")!, true),
            ("== 1", Exact(1), true), ("<= -1", Exact(-2), true),
        ]
        for (text, value, expected) in cases {
            guard case .success(let kind) = parse(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(
                UnaryTest(kind: kind, range: SourceRange(at: SourceLocation(file: "f", line: 1, column: 1)), text: text).contains(value) == expected,
                "\(text) on \(value)")
        }
    }

    @Test func errors() {
        if case .failure(let d) = parse("0.9") { #expect(d.code == "F235") } else { Issue.record("accepted a bare number") }
        if case .failure(let d) = parse("[0.9, 0.7)") { #expect(d.code == "F234") } else { Issue.record("accepted a reversed interval") }
        if case .failure(let d) = parse(">=") { #expect(d.code == "F231") } else { Issue.record("accepted >=") }
    }
}
