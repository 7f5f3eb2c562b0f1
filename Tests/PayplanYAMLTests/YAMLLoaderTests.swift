import PayplanCore
import Testing

@testable import PayplanYAML

@Suite("YAML loader")
struct YAMLLoaderTests {
    func load(_ text: String, limits: Limits = .default) -> (YAMLDocument?, [Diagnostic]) {
        YAMLLoader.load(text: text, file: "t.yaml", limits: limits)
    }

    func onlyError(_ text: String, limits: Limits = .default) -> Diagnostic? {
        let (doc, diagnostics) = load(text, limits: limits)
        #expect(doc == nil)
        #expect(diagnostics.count == 1)
        return diagnostics.first
    }

    @Test func positionsAreOneBasedAndCoverNodes() throws {
        let (doc, diagnostics) = load("plan: x\nrules:\n  a:\n    kind: formula\n")
        #expect(diagnostics.isEmpty)
        let root = try #require(doc?.root)
        #expect(root.range.start == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let kind = try #require(root["rules"]?["a"]?["kind"])
        #expect(kind.scalar == "formula")
        #expect(kind.range.start == SourceLocation(file: "t.yaml", line: 4, column: 11))
        #expect(kind.range.end == SourceLocation(file: "t.yaml", line: 4, column: 18))
        let key = try #require(root.mapping?[1].key)
        #expect(key.range.start.line == 2 && key.range.start.column == 1)
    }

    @Test func duplicateKeyIsReportedAtTheSecondWithANoteAtTheFirst() throws {
        let d = try #require(onlyError("a: 1\nb: 2\na: 3\n"))
        #expect(d.code == "Y113")
        #expect(d.message == "duplicate key `a`")
        #expect(d.range?.start.line == 3)
        #expect(d.notes.first?.range?.start.line == 1)
    }

    @Test func aliasesExpandAndMergeKeysApply() throws {
        let (doc, diagnostics) = load("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n")
        #expect(diagnostics.isEmpty)
        let other = try #require(doc?.root["other"])
        #expect(other["x"]?.scalar == "1")
        #expect(other["y"]?.scalar == "3", "explicit keys win over merged ones")
        #expect(doc?.root["list"]?.sequence?.count == 2)
    }

    @Test func billionLaughsFailsFastNamingTheLimit() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        var d: Diagnostic?
        let elapsed = clock.measure { d = onlyError(text) }
        #expect(d?.code == "Y108")
        #expect(d?.message.contains("Limits.aliasExpansionNodes") == true)
        #expect(elapsed < .seconds(1))
    }

    @Test func deepNestingIsRefusedByTheComposer() throws {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let d = try #require(onlyError(text))
        #expect(d.code == "Y109")
        #expect(d.message == "nesting is deeper than 64 levels (Limits.yamlDepth)")
        #expect(d.range?.start.column == 65)
    }

    @Test func yaml11TrapsStayText() throws {
        let (doc, _) = load("a: no\nb: 010\nc: 1e3\nd: on\ne: 2026-07-01\n")
        let root = try #require(doc?.root)
        #expect(root["a"]?.scalar == "no")
        #expect(root["b"]?.scalar == "010")
        #expect(root["c"]?.scalar == "1e3")
        #expect(root["d"]?.isPlainScalar == true)
        #expect(root["e"]?.scalar == "2026-07-01")
    }

    @Test func tabsAreLocatedWithAHelp() throws {
        let d = try #require(onlyError("a:\n\tb: 1\n"))
        #expect(d.code == "Y120")
        #expect(d.range?.start.line == 2)
        #expect(d.help == "YAML does not allow tabs for indentation; indent with spaces")
    }

    @Test func invalidUTF8IsLocated() throws {
        var bytes = Array("a: 1\nb: x".utf8)
        bytes.append(0xFF)
        let (doc, diagnostics) = YAMLLoader.load(bytes: bytes, file: "t.yaml")
        #expect(doc == nil)
        #expect(diagnostics.first?.code == "Y104")
        #expect(diagnostics.first?.range?.start == SourceLocation(file: "t.yaml", line: 2, column: 5))
    }

    @Test func emptyBinaryTruncatedAndTwoDocuments() throws {
        #expect(onlyError("")?.code == "Y102")
        #expect(onlyError("  \n\n")?.code == "Y102")
        #expect(onlyError("# only a comment\n")?.code == "Y102")
        let (_, nul) = YAMLLoader.load(bytes: [0x61, 0x3A, 0x00], file: "t.yaml")
        #expect(nul.first?.code == "Y103")
        let truncated = try #require(onlyError("a: \"unclosed\nb: 2\n"))
        #expect(truncated.code == "Y120")
        #expect(truncated.help == "the file may be truncated, or a quote or bracket is not closed")
        #expect(onlyError("a: 1\n---\nb: 2\n")?.code == "Y106")
    }

    @Test func nonScalarKeysAreRefused() throws {
        #expect(onlyError("? [a, b]\n: 1\n")?.code == "Y111")
    }

    @Test func characterLocationsInsideQuotedAndBlockScalars() throws {
        let text = "a: revenue / target\nb: \"x + y\"\nc: |\n  if a\n  then b\nd: 'p''q'\n"
        let (doc, _) = load(text)
        let d = try #require(doc)
        let plain = d.characterLocations(of: d.root["a"]!)
        #expect(plain[10] == SourceLocation(file: "t.yaml", line: 1, column: 14))
        let quoted = d.characterLocations(of: d.root["b"]!)
        #expect(quoted[0] == SourceLocation(file: "t.yaml", line: 2, column: 5))
        #expect(quoted[4] == SourceLocation(file: "t.yaml", line: 2, column: 9))
        let block = d.characterLocations(of: d.root["c"]!)
        #expect(block[0] == SourceLocation(file: "t.yaml", line: 4, column: 3))
        let scalars = Array((d.root["c"]!.scalar!).unicodeScalars)
        let thenIndex = try #require(scalars.firstIndex(of: "t"))
        #expect(block[thenIndex] == SourceLocation(file: "t.yaml", line: 5, column: 3))
        let single = d.characterLocations(of: d.root["d"]!)
        #expect(single[2] == SourceLocation(file: "t.yaml", line: 6, column: 8))
    }

    @Test func chineseTextKeepsColumnsInCharacters() throws {
        let (doc, _) = load("标签: {zh: 销售额, en: revenue}\n")
        let en = try #require(doc?.root["标签"]?["en"])
        #expect(en.range.start.column == 19)
    }
}
