import PayplanCore
import Testing

@testable import PayplanData

/// Reads every record of `text` as arrays of field strings, with their lines.
func records(_ text: String) -> [(line: Int, fields: [String])] {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
        var scanner = CSVScanner(bytes: buffer)
        var out: [(Int, [String])] = []
        while true {
            switch scanner.next() {
            case .end: return out
            case .malformed(let m): out.append((scanner.recordLine, ["!" + m]))
            case .record: out.append((scanner.recordLine, scanner.fields.map { scanner.string($0) }))
            }
        }
    }
}

@Suite("CSV scanner")
struct CSVScannerTests {
    @Test func plainRecords() {
        let r = records("a,b,c\n1,2,3\n")
        #expect(r.map(\.fields) == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(r.map(\.line) == [1, 2])
    }

    @Test func crlfLoneCrAndNoFinalNewline() {
        #expect(records("a,b\r\n1,2\r\n").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\r1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\n1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() {
        let r = records("name,note\n\"Chen, Emma\",\"said \"\"hi\"\"\nand left\"\nx,y\n")
        #expect(r[1].fields == ["Chen, Emma", "said \"hi\"\nand left"])
        #expect(r[1].line == 2)
        #expect(r[2].line == 4, "the line after a quoted line break is counted")
    }

    @Test func emptyFieldsAndTrailingComma() {
        #expect(records("a,,c\n,\n").map(\.fields) == [["a", "", "c"], ["", ""]])
        #expect(records("a,b,\n").map(\.fields) == [["a", "b", ""]])
    }

    @Test func blankLinesAreSkippedButCounted() {
        let r = records("a\n\n\nb\n")
        #expect(r.map(\.fields) == [["a"], ["b"]])
        #expect(r.map(\.line) == [1, 4])
    }

    @Test func malformedQuotes() {
        #expect(records("\"abc\"x,1\nok\n").map(\.fields) == [["!unexpected text after the closing quote of field 1"], ["ok"]])
        #expect(records("a\n\"never closed\n").last?.fields == ["!a quoted field is not closed before the end of the file"])
    }

    @Test func utf8Validation() {
        var bytes = Array("a,b\n1,".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\n".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var s = CSVScanner(bytes: buffer)
            _ = s.next()
            #expect(s.recordIsValidUTF8())
            _ = s.next()
            #expect(s.recordHasHighBytes)
            #expect(!s.recordIsValidUTF8())
        }
    }

    @Test func chunkBoundariesNeverSplitAQuotedField() {
        var text = "h1,h2\n"
        for i in 0..<100_000 {
            text += i % 7 == 0 ? "\(i),\"multi\nline, with comma\"\n" : "\(i),plain\n"
        }
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let cuts = ChunkSplitter.boundaries(buffer, from: 6, chunks: 4)
            #expect(cuts.count == 5)
            var total = 0
            for k in 0..<(cuts.count - 1) {
                var s = CSVScanner(bytes: buffer, from: cuts[k], to: cuts[k + 1])
                while true {
                    let step = s.next()
                    if step == .end { break }
                    #expect(step == .record)
                    #expect(s.fields.count == 2)
                    total += 1
                }
            }
            #expect(total == 100_000)
        }
    }
}

@Suite("Field parsing")
struct FieldParsingTests {
    func fixed(_ s: String) -> Result<Int128, Fixed.Problem> {
        let bytes = Array(s.utf8) + [0]
        return bytes.withUnsafeBufferPointer { Fixed.parse($0.baseAddress!, 0, s.utf8.count) }
    }

    @Test(arguments: [
        ("12345.67", "12345.67"), ("-300", "-300"), ("0.05", "0.05"), ("+7", "7"), ("0", "0"),
        ("12345678901234567890", "12345678901234567890"), ("-123456789012345678.5", "-123456789012345678.5"), ("1.123456789", "1.123456789"),
        ("2.50000000000", "2.5"),
    ])
    func validDecimals(_ text: String, _ expected: String) throws {
        guard case .success(let units) = fixed(text) else {
            Issue.record("\(text) refused")
            return
        }
        #expect(Fixed.exact(units) == Exact(decimal: expected)!)
    }

    @Test(arguments: ["", " 1", "1 ", "1e3", "1,000", "12,34", "1.", ".5", "--1", "1.2.3", "abc", "0x10", "1_000"])
    func invalidDecimals(_ text: String) {
        guard case .failure(.notDecimal) = fixed(text) else {
            Issue.record("\(text) accepted")
            return
        }
    }

    @Test func rangeAndScaleAreExplicitErrors() {
        guard case .failure(.outOfRange) = fixed("123456789012345678901") else { Issue.record("21 digits accepted"); return }
        guard case .failure(.tooManyDecimals) = fixed("0.1234567891") else { Issue.record("10 places accepted"); return }
        guard case .failure(.outOfRange) = fixed("1234567890123456789012") else { Issue.record("22 digits accepted"); return }
    }

    @Test func dates() {
        func date(_ s: String) -> CivilDate? {
            let bytes = Array(s.utf8) + [0]
            return bytes.withUnsafeBufferPointer { DateField.parse($0.baseAddress!, 0, s.utf8.count) }
        }
        #expect(date("2026-07-01")?.description == "2026-07-01")
        #expect(date("2024-02-29") != nil)
        #expect(date("2026-02-29") == nil)
        #expect(date("2026-13-01") == nil)
        #expect(date("2026-7-1") == nil)
        #expect(date("2026/07/01") == nil)
        #expect(date("") == nil)
    }

    @Test func idIndexFindsBytesExactly() {
        let index = IDIndex(["R1", "R2", "é", "e\u{301}"])
        #expect(index.lookup("R2") == 1)
        #expect(index.lookup("é") == 2)
        #expect(index.lookup("e\u{301}") == 3, "canonically equivalent but different code points are different ids")
        #expect(index.lookup("R3") == nil)
        #expect(index.lookup("") == nil)
    }
}
