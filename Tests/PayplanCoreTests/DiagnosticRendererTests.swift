import PayplanCore
import Testing

/// A renderer over one file, and a diagnostic at `line:column` spanning
/// `length` scalars.
func render(_ text: String, line: Int = 1, column: Int, length: Int = 1, file: String = "plan.yaml", message: String = "bad") -> String {
    var sources = SourceTexts()
    sources.add(file: file, text: text)
    let at = PayplanCore.SourceLocation(file: file, line: line, column: column)
    return DiagnosticRenderer(sources: sources).text(.error(TestCode.p100, message, at: SourceRange(at: at, length: length)))
}

@Suite("DiagnosticRenderer")
struct DiagnosticRendererTests {
    @Test func headlineSnippetAndHelp() {
        var sources = SourceTexts()
        sources.add(file: "plan.yaml", text: "rules:\n  - name: bonus\n    rate: 5%x\n")
        let at = PayplanCore.SourceLocation(file: "plan.yaml", line: 3, column: 11)
        let d = Diagnostic.error(TestCode.p123, "bad rate", at: SourceRange(at: at, length: 2), help: "write `5%`")
        #expect(
            DiagnosticRenderer(sources: sources).text(d) == """
                plan.yaml:3:11: error: bad rate [P123]
                 3 |     rate: 5%x
                   |           ^~
                  = help: write `5%`

                """)
    }

    @Test func notesWithAndWithoutPlaces() {
        var sources = SourceTexts()
        sources.add(file: "a.yaml", text: "x: 1\ny: 2\n")
        let first = SourceRange(at: PayplanCore.SourceLocation(file: "a.yaml", line: 1, column: 1))
        let second = SourceRange(at: PayplanCore.SourceLocation(file: "a.yaml", line: 2, column: 1))
        let d = Diagnostic(.warning, "L500", "twice", at: second, notes: [.init("first here", at: first), .init("keys are unique", at: nil)])
        #expect(
            DiagnosticRenderer(sources: sources).text([d, .error(TestCode.p1, "x", at: nil)]) == """
                a.yaml:2:1: warning: twice [L500]
                 2 | y: 2
                   | ^
                a.yaml:1:1: note: first here
                 1 | x: 1
                   | ^
                  = note: keys are unique
                error: x [P1]

                """)
    }

    /// Data errors name a whole line (column 0) or a whole file: no snippet.
    @Test func wholeLinesAndFiles() {
        let line = render("a,b\n1,2\n", line: 2, column: 0, file: "transactions.csv")
        #expect(line == "transactions.csv:2: error: bad [P100]\n")
        let file = Diagnostic(.error, "D600", "empty file", at: nil, file: "reps.csv")
        #expect(DiagnosticRenderer(sources: SourceTexts()).text(file) == "reps.csv: error: empty file [D600]\n")
        #expect(render("x\n", line: 5, column: 1) == "plan.yaml:5:1: error: bad [P100]\n", "a line past the end shows no snippet")
    }

    /// The caret line that puts `^` after `spaces` columns.
    func caret(_ spaces: Int, underline: Int = 1) -> String {
        "   | " + String(repeating: " ", count: spaces) + "^" + String(repeating: "~", count: underline - 1) + "\n"
    }

    /// Wide (CJK) characters take two columns, so the caret moves two.
    @Test func caretUnderWideCharacters() {
        #expect(render("名字: 陈明 x", column: 8).hasSuffix(" 1 | 名字: 陈明 x\n" + caret(11)))
        #expect(render("名字: 陈明 x", column: 5, length: 2).hasSuffix(caret(6, underline: 4)))
        #expect(render("ｘ＝１", column: 3).hasSuffix(caret(4, underline: 2)), "fullwidth forms")
        #expect(render("😀 x", column: 3).hasSuffix(caret(3)), "emoji")
    }

    /// Tabs are copied into the caret line, so the terminal expands both alike.
    @Test func caretAfterTabs() {
        #expect(render("\tkey:\t1", column: 7).hasSuffix(" 1 | \tkey:\t1\n   | \t    \t^\n"))
        #expect(render("\tkey:\t1", column: 1, length: 2).hasSuffix("   | ^~\n"))
    }

    /// A combining mark takes no column: neither before the caret nor under
    /// the underline (it once drew one `~` too many per mark).
    @Test func caretOverCombiningMarks() {
        let cafe = "Cafe\u{301}: 1"
        #expect(render(cafe, column: 8).hasSuffix(caret(6)))
        #expect(render(cafe, column: 1, length: 5).hasSuffix(caret(0, underline: 4)), "Café is four columns")
    }

    @Test func caretPastTheEndAndAcrossLines() {
        #expect(render("abc", column: 4).hasSuffix(caret(3)))
        #expect(render("abc", column: 9).hasSuffix(caret(3)), "clamped to the end of the line")
        var sources = SourceTexts()
        sources.add(file: "f", text: "abc\ndef")
        let range = SourceRange(
            start: PayplanCore.SourceLocation(file: "f", line: 1, column: 2), end: PayplanCore.SourceLocation(file: "f", line: 2, column: 2))
        #expect(DiagnosticRenderer(sources: sources).text(.error(TestCode.p1, "m", at: range)).hasSuffix(" 1 | abc\n" + caret(1)))
    }

    /// Control, bidirectional and invisible characters are shown escaped,
    /// in the snippet and in every headline, and the caret counts the escape.
    @Test func hostileCharactersAreEscaped() {
        let esc = render("name: \u{1B}[31mred", column: 12)
        #expect(esc.hasSuffix(" 1 | name: \\u{1B}[31mred\n" + caret(16)))
        #expect(render("a\u{1B}b", column: 2).hasSuffix(caret(1, underline: 6)), "the escape is underlined whole")
        #expect(render("x\u{202E}y\u{200B}z", column: 5).hasSuffix(" 1 | x\\u{202E}y\\u{200B}z\n" + caret(18)))
        let message = render("x", column: 1, message: "bad \u{1B}]0;title\u{7}")
        #expect(message.hasPrefix("plan.yaml:1:1: error: bad \\u{1B}]0;title\\u{7} [P100]\n"))
        let crlf = render("a: 1\r\nb: x\r\n", line: 2, column: 4)
        #expect(crlf.hasSuffix(" 2 | b: x\n" + caret(3)), "CRLF line ends are not shown")
    }

    /// File names are escaped like messages, with a place or without.
    @Test func hostileFileNamesAreEscaped() {
        var sources = SourceTexts()
        sources.add(file: "p\u{1B}.yaml", text: "x: 1\n")
        let at = SourceRange(at: PayplanCore.SourceLocation(file: "p\u{1B}.yaml", line: 1, column: 1))
        let renderer = DiagnosticRenderer(sources: sources)
        #expect(
            renderer.text(.error(TestCode.p1, "m", at: at, notes: [.init("n", at: at)])).components(separatedBy: "\n").filter { $0.hasPrefix("p") }
                == [
                    "p\\u{1B}.yaml:1:1: error: m [P1]", "p\\u{1B}.yaml:1:1: note: n",
                ])
        #expect(renderer.text(Diagnostic(.error, "D1", "m", at: nil, file: "r\u{7}.csv")) == "r\\u{7}.csv: error: m [D1]\n")
    }

    /// A long line is shown as a window around the caret, marked with `…`.
    @Test func longLinesAreClipped() {
        let line = String(repeating: "a", count: 299) + "@" + String(repeating: "b", count: 100)
        let out = render(line, column: 300)
        let expectedShown = "…" + String(repeating: "a", count: 40) + "@" + String(repeating: "b", count: 100) + "…"
        let expectedShownEnd = "…" + String(repeating: "a", count: 40) + "@" + String(repeating: "b", count: 100)
        #expect(out.contains(" 1 | " + expectedShownEnd), "\(out)")
        #expect(!out.contains(expectedShown), "the window reaches the end of the line")
        #expect(out.hasSuffix("   | " + String(repeating: " ", count: 41) + "^\n"))
    }

    /// Random lines of ASCII, tabs, CJK, emoji, combining marks and
    /// characters that must be escaped, with one `@` under the caret: the
    /// caret line lines up with the `@` as shown (tabs as tabs, every other
    /// scalar by its width), the underline spans the range's columns, and a
    /// line wider than 150 columns is a window of it marked with `…`.
    @Test(arguments: propertySeeds)
    func caretAlwaysUnderTheCharacter(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        let pool: [Unicode.Scalar] = ["a", "b", " ", "\t", "中", "文", "😀", "\u{301}", "\u{1B}", "\u{200B}", "\u{7F}", "Ａ", ":", "\u{202E}"]
        /// A scalar as the snippet shows it: tabs as they are, others escaped or not.
        func shownForm(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
            s != "\t" && VisibleText.needsEscape(s) ? Array(VisibleText.escape(s).unicodeScalars) : [s]
        }
        for _ in 0..<300 {
            var scalars = (0..<Int.random(in: 0...320, using: &g)).map { _ in pool.randomElement(using: &g)! }
            let at = Int.random(in: 0...scalars.count, using: &g)
            scalars.insert("@", at: at)
            let length = Int.random(in: 1...4, using: &g)
            var line = String.UnicodeScalarView()
            line.append(contentsOf: scalars)
            // Split by scalars: a line may start with a combining mark.
            let out = render(String(line), column: at + 1, length: length).unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
                .map(Array.init)
            guard out.count == 4, out[1].starts(with: " 1 | ".unicodeScalars), out[2].starts(with: "   | ".unicodeScalars) else {
                Issue.record("unexpected layout: \(out)")
                return
            }
            let shown = Array(out[1].dropFirst(5))
            let caret = String(String.UnicodeScalarView(out[2].dropFirst(5)))
            let whole = scalars.flatMap(shownForm)
            // The window: `…`, a contiguous run of the shown line, `…`.
            let clippedLeft = shown.first == "…"
            let clippedRight = shown.last == "…"
            let inner = Array(shown.dropFirst(clippedLeft ? 1 : 0).dropLast(clippedRight ? 1 : 0))
            guard let markerInWhole = whole.firstIndex(of: "@"), let markerInInner = inner.firstIndex(of: "@"),
                let markerInShown = shown.firstIndex(of: "@")
            else {
                Issue.record("@ not shown: \(shown)")
                return
            }
            let offset = markerInWhole - markerInInner
            var ok =
                offset >= 0 && offset + inner.count <= whole.count && Array(whole[offset..<(offset + inner.count)]) == inner
                && clippedLeft == (offset > 0) && clippedRight == (offset + inner.count < whole.count)
            let wholeWidth = whole.reduce(0) { $0 + TextWidth.of($1) }
            ok = ok && (wholeWidth <= 150 ? inner == whole : inner.reduce(0) { $0 + TextWidth.of($1) } <= 148)
            // The caret: tabs as tabs, every other scalar shown by its width.
            let expectedPrefix = shown[..<markerInShown].map { $0 == "\t" ? "\t" : String(repeating: " ", count: TextWidth.of($0)) }.joined()
            let caretPrefix = String(caret.prefix { $0 != "^" })
            ok = ok && caretPrefix == expectedPrefix
            // The underline, when the whole range is in the window.
            let range = scalars[at..<min(at + length, scalars.count)].flatMap(shownForm)
            if markerInInner + range.count <= inner.count {
                let columns = max(1, range.reduce(0) { $0 + TextWidth.of($1) })
                ok = ok && caret == caretPrefix + "^" + String(repeating: "~", count: columns - 1)
            }
            if !ok {
                Issue.record("line \(scalars.map { String($0.value, radix: 16) }) at \(at + 1)+\(length): shown \(shown), caret \(caret)")
                return
            }
        }
    }

    @Test func jsonForTools() {
        let at = PayplanCore.SourceLocation(file: "plan.yaml", line: 3, column: 5)
        let d = Diagnostic.error(
            TestCode.p101, "unknown key `rat`", at: SourceRange(at: at, length: 3),
            notes: [.init("declared here", at: SourceRange(at: at.advanced(by: -4))), .init("plain note", at: nil)], help: "did you mean `rate`?")
        let r = DiagnosticRenderer(sources: SourceTexts())
        #expect(
            r.json(d).compact
                == #"{"severity":"error","code":"P101","message":"unknown key `rat`","file":"plan.yaml","line":3,"column":5,"end_column":8,"#
                + #""help":"did you mean `rate`?","notes":[{"message":"declared here","file":"plan.yaml","line":3,"column":1},{"message":"plain note"}]}"#
        )
        let wholeLine = Diagnostic.error(
            TestCode.d601, "short row", at: SourceRange(at: PayplanCore.SourceLocation(file: "t.csv", line: 9, column: 0)))
        #expect(r.json([wholeLine]).compact == #"[{"severity":"error","code":"D601","message":"short row","file":"t.csv","line":9}]"#)
    }
}

@Suite("TextWidth and VisibleText")
struct TextWidthTests {
    @Test func widths() {
        let cases: [(String, Int)] = [
            ("abc", 3), ("中文", 4), ("陈明 Chen", 9), ("ｘ＝１", 6), ("한국", 4), ("ひらがな", 8), ("カタカナ", 8), ("。、", 4), ("😀🤝", 4),
            ("e\u{301}", 1), ("a\u{200B}b", 2), ("❤\u{FE0F}", 1), ("\u{0}", 0), ("㐀", 2), ("𠀀", 2), ("", 0),
        ]
        for (text, width) in cases { #expect(TextWidth.of(text) == width, "\(text)") }
    }

    @Test func padding() {
        #expect(TextWidth.padRight("中", to: 4) == "中  ")
        #expect(TextWidth.padLeft("中", to: 4) == "  中")
        #expect(TextWidth.padRight("中文字", to: 4) == "中文字", "never cut")
    }

    @Test func visibleText() {
        for s in [
            "\u{0}", "\u{1B}", "\n", "\r", "\u{7F}", "\u{85}", "\u{9F}", "\u{200B}", "\u{200F}", "\u{2028}", "\u{202E}", "\u{2066}", "\u{2069}",
            "\u{FEFF}", "\u{2060}",
        ] as [Unicode.Scalar] {
            #expect(VisibleText.needsEscape(s), "\(s.value)")
        }
        for s in ["\t", " ", "a", "é", "中", "\u{A0}", "\u{301}", "😀", "\u{2065}"] as [Unicode.Scalar] {
            #expect(!VisibleText.needsEscape(s), "\(s.value)")
        }
        #expect(VisibleText.escape("a\tb\u{1B}[0m\u{202E}c") == "a\\tb\\u{1B}[0m\\u{202E}c")
        #expect(VisibleText.escape("陈 plain") == "陈 plain")
    }
}
