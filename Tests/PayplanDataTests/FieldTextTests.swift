import Testing

@testable import PayplanData

func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> T) -> T {
    let padded = bytes + [0]
    return padded.withUnsafeBufferPointer { body($0.baseAddress!, bytes.count) }
}

@Suite("Field text")
struct FieldTextTests {
    @Test func doubledQuotesCollapseOnlyInEscapedFields() {
        let raw = Array("say \"\"hi\"\"".utf8)
        #expect(withBytes(raw) { FieldText.string($0, from: 0, to: $1, escaped: true) } == "say \"hi\"")
        #expect(withBytes(raw) { FieldText.string($0, from: 0, to: $1, escaped: false) } == "say \"\"hi\"\"")
    }

    @Test func salvagedIDsLeaveOutNULAndBytesThatAreNotUTF8() {
        func salvaged(_ bytes: [UInt8], escaped: Bool = false) -> String {
            withBytes(bytes) { FieldText.salvaged($0, from: 0, to: $1, escaped: escaped) }
        }
        #expect(salvaged(Array("P-CORE".utf8)) == "P-CORE")
        #expect(salvaged(Array("P-CORE".utf8) + [0]) == "P-CORE")
        #expect(salvaged([0x50, 0x2D, 0xFF, 0xFE] + Array("CORE".utf8)) == "P-CORE")
        #expect(salvaged(Array("王芳".utf8)) == "王芳", "valid UTF-8 is kept")
        #expect(salvaged([0xE7, 0x8E]) == "", "a truncated sequence is left out")
        #expect(salvaged(Array("a\"\"b".utf8), escaped: true) == "a\"b")
    }

    @Test func utf8Validation() {
        func valid(_ bytes: [UInt8]) -> Bool { withBytes(bytes) { UTF8Check.isValid($0, from: 0, to: $1) } }
        #expect(valid(Array("plain, 王芳, é, 😀".utf8)))
        #expect(!valid([0xC3, 0x28]), "a lead byte without its continuation")
        #expect(!valid([0x80]), "a stray continuation byte")
        #expect(!valid([0xC0, 0xAF]), "an overlong encoding")
        #expect(!valid([0xED, 0xA0, 0x80]), "a surrogate")
        #expect(!valid([0xF4, 0x90, 0x80, 0x80]), "beyond U+10FFFF")
        #expect(!valid([0xE7, 0x8E]), "truncated at the end")
        #expect(valid([]))
    }
}
