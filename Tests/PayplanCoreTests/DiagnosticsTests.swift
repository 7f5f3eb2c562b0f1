import PayplanCore
import Testing

func location(_ file: String, _ line: Int, _ column: Int) -> PayplanCore.SourceLocation {
    PayplanCore.SourceLocation(file: file, line: line, column: column)
}

@Suite("Diagnostics")
struct DiagnosticsTests {
    @Test func locationsAndRanges() {
        #expect(location("a.yaml", 3, 7).description == "a.yaml:3:7")
        #expect(location("t.csv", 1042, 0).description == "t.csv:1042", "column 0 is the whole line")
        #expect(location("a", 2, 1) < location("a", 2, 5) && location("a", 2, 9) < location("a", 3, 1) && location("a", 9, 9) < location("b", 1, 1))
        #expect(location("a", 1, 4).advanced(by: 3) == location("a", 1, 7))
        #expect(SourceRange(at: location("a", 1, 4), length: 0).end == location("a", 1, 5), "at least one scalar")
        #expect(SourceRange(at: location("a", 1, 4), length: 3).description == "a:1:4")
        #expect(Severity.error < .warning && Severity.warning < .note)
    }

    @Test func headlines() {
        let d = Diagnostic.warning(TestCode.l501, "unused metric", at: SourceRange(at: location("p.yaml", 4, 3)), help: "remove it")
        #expect(d.description == "p.yaml:4:3: warning: unused metric [L501]; help: remove it")
        #expect(d.file == "p.yaml", "the file comes from the range")
        #expect(Diagnostic(.error, "D600", "empty", at: nil, file: "r.csv").description == "r.csv: error: empty [D600]")
        #expect(Diagnostic.error(TestCode.x1, "m", at: nil).description == "error: m [X1]")
    }

    /// By file, then place (whole-file diagnostics first), then as reported.
    @Test func stableOrder() {
        let list: [Diagnostic] = [
            .error(TestCode.a, "1", at: SourceRange(at: location("b", 2, 1))),
            .error(TestCode.b, "2", at: SourceRange(at: location("a", 5, 1))),
            .warning(TestCode.c, "3", at: SourceRange(at: location("a", 1, 9))),
            Diagnostic(.error, "D", "4", at: nil, file: "a"),
            .error(TestCode.e, "5", at: SourceRange(at: location("a", 1, 9))),
            .error(TestCode.f, "6", at: nil),
            .error(TestCode.g, "7", at: SourceRange(at: location("a", 1, 2))),
        ]
        #expect(Diagnostic.sorted(list).map(\.code) == ["F", "D", "G", "C", "E", "B", "A"])
    }

    @Test func bagCounts() {
        var bag = DiagnosticBag()
        #expect(!bag.hasErrors && bag.errorCount == 0)
        bag.warning(TestCode.w, "w", at: nil)
        #expect(!bag.hasErrors)
        bag.error(TestCode.e, "e", at: nil)
        bag.add(.error(TestCode.e2, "e", at: nil))
        bag.add(contentsOf: [.warning(TestCode.w2, "w", at: nil)])
        #expect(bag.hasErrors && bag.errorCount == 2 && bag.warningCount == 2 && bag.items.map(\.code) == ["W", "E", "E2", "W2"])
    }

    @Test func suggestions() {
        #expect(Suggest.distance(Array("treshold".unicodeScalars), Array("threshold".unicodeScalars)) == 1)
        #expect(Suggest.distance(Array("raet".unicodeScalars), Array("rate".unicodeScalars)) == 1, "a transposition is one edit")
        #expect(Suggest.distance([], Array("abc".unicodeScalars)) == 3)
        #expect(Suggest.distance(Array("销售".unicodeScalars), Array("销量".unicodeScalars)) == 1)
        #expect(Suggest.closest(to: "treshold", among: ["threshold", "rate"]) == "threshold")
        #expect(Suggest.closest(to: "RATE", among: ["rate"]) == "rate", "case is ignored")
        #expect(Suggest.closest(to: "rate", among: ["rate"]) == nil, "the name itself is no suggestion")
        #expect(Suggest.closest(to: "cap", among: ["tier", "band"]) == nil, "too far to be a typo")
        #expect(Suggest.closest(to: "ab", among: ["ac", "aa"]) == "aa", "ties go to code-point order")
        #expect(Suggest.didYouMean("raet", among: ["rate"]) == "did you mean `rate`?")
    }
}

/// Codes for the renderer's tests: any stage's enum would do.
enum TestCode: String, DiagnosticCode {
    case a = "A", b = "B", c = "C", e = "E", f = "F", g = "G", w = "W"
    case p101 = "P101"
    case d601 = "D601"
    case e2 = "E2"
    case l501 = "L501"
    case p1 = "P1"
    case p100 = "P100"
    case p123 = "P123"
    case w2 = "W2"
    case x1 = "X1"

    var title: String { "a test code" }
    var severity: Severity { rawValue.hasPrefix("W") || rawValue.hasPrefix("L") ? .warning : .error }
}
