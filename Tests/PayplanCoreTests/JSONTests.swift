import Foundation
import PayplanCore
import Testing

@Suite("JSON")
struct JSONTests {
    static let sample = JSON.object([
        ("name", .string("陈 \"Emma\"")), ("n", .number("1.50")), ("i", .int(-3)), ("ok", .bool(true)), ("none", .null),
        ("list", .array([.int(1), .array([]), .object([])])), ("obj", .object([("a", .array([.string("x")]))])),
    ])

    @Test func compactAndPrettyLayout() {
        #expect(Self.sample.compact == #"{"name":"陈 \"Emma\"","n":1.50,"i":-3,"ok":true,"none":null,"list":[1,[],{}],"obj":{"a":["x"]}}"#)
        #expect(
            Self.sample.pretty == """
                {
                  "name": "陈 \\"Emma\\"",
                  "n": 1.50,
                  "i": -3,
                  "ok": true,
                  "none": null,
                  "list": [
                    1,
                    [],
                    {}
                  ],
                  "obj": {
                    "a": [
                      "x"
                    ]
                  }
                }

                """)
        var bytes = Array("> ".utf8)
        Self.sample.appendCompact(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "> " + Self.sample.compact)
    }

    /// Keys stay in the order given (payout columns), and equality sees it.
    @Test func keyOrderIsKept() {
        let ba = JSON.object([("b", .int(1)), ("a", .int(2))])
        #expect(ba.compact == #"{"b":1,"a":2}"#)
        #expect(ba != JSON.object([("a", .int(2)), ("b", .int(1))]))
        #expect(ba == JSON.object([("b", .number("1")), ("a", .int(2))]), "equal when written alike")
        #expect(ba["a"] == .int(2) && ba["c"] == nil && JSON.int(1)["a"] == nil)
    }

    /// Numbers are written as given, never through a binary float.
    @Test func numbersAsGiven() {
        let values = ["0.1", "1.50", "-0.000000000001", "123456789012345678901234567890.123456789", "1e400"]
        #expect(JSON.array(values.map(JSON.number)).compact == "[" + values.joined(separator: ",") + "]")
        #expect(JSON.int(Int.min).compact == "-9223372036854775808")
    }

    @Test func controlCharactersAreEscaped() {
        var expected = ""
        for b in 0..<0x20 {
            switch b {
            case 0x0A: expected += "\\n"
            case 0x0D: expected += "\\r"
            case 0x09: expected += "\\t"
            default: expected += "\\u00" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        let all = String(decoding: Array(UInt8(0)..<0x20), as: UTF8.self)
        #expect(JSON.string(all).compact == "\"" + expected + "\"")
        #expect(JSON.string("\u{1B}[31m").compact == #""\u001b[31m""#)
        #expect(JSON.string("a\"b\\c/d\u{7F}").compact == "\"a\\\"b\\\\c/d\u{7F}\"", "DEL and / need no escape")
        #expect(JSON.string("中文 é 😀 \u{2028}\u{FEFF}").compact == "\"中文 é 😀 \u{2028}\u{FEFF}\"", "non-ASCII passes through as UTF-8")
        var text = "x"
        JSON.escape("a\nb", into: &text)
        #expect(text == #"x"a\nb""#)
    }

    /// The escaping of random strings (every control character, quotes,
    /// backslashes, Latin-1, CJK, astral and separator characters) matches
    /// one written per scalar, and Foundation reads the text back. (No
    /// U+FEFF here: Foundation's reader on Linux drops some of them; that
    /// one passes through is checked above.)
    @Test(arguments: propertySeeds)
    func randomStringsRoundTrip(_ seed: UInt64) throws {
        var g = SplitMixGenerator(seed: seed)
        let pools: [ClosedRange<UInt32>] = [
            0...0x7F, 0x00...0x20, 0x22...0x22, 0x5C...0x5C, 0x80...0xFF, 0x4E00...0x9FFF, 0x1F300...0x1F64F, 0x2028...0x2029,
        ]
        for _ in 0..<300 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &g) {
                s.append(Unicode.Scalar(UInt32.random(in: pools.randomElement(using: &g)!, using: &g))!)
            }
            let text = String(s)
            var expected = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": expected += "\\\""
                case "\\": expected += "\\\\"
                case "\n": expected += "\\n"
                case "\r": expected += "\\r"
                case "\t": expected += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    expected += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: expected.unicodeScalars.append(scalar)
                }
            }
            expected += "\""
            let written = JSON.array([.string(text)]).compact
            #expect(written == "[" + expected + "]")
            let back = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String]
            #expect(back == [text], "\(written)")
        }
    }

    /// The stream writes what the tree writes, in both layouts.
    @Test func streamMatchesTree() {
        for indent in [nil, 2] as [Int?] {
            var s = JSONStream(indent: indent)
            s.beginObject()
            s.field("name", "陈 \"Emma\"")
            s.key("n")
            s.value(.number("1.50"))
            s.field("i", -3)
            s.field("ok", true)
            s.field("none", nil as String?)
            s.key("list")
            s.beginArray()
            s.int(1)
            s.beginArray()
            s.endArray()
            s.beginObject()
            s.endObject()
            s.endArray()
            s.key("obj")
            s.value(.object([("a", .array([.string("x")]))]))
            s.endObject()
            let text = String(decoding: s.bytes, as: UTF8.self)
            #expect(text == (indent == nil ? Self.sample.compact : String(Self.sample.pretty.dropLast())), "indent \(String(describing: indent))")
        }
    }

    /// JSON Lines: top-level values on their own lines; exact numbers cut
    /// after 12 places by default.
    @Test func streamLinesAndNumbers() {
        var s = JSONStream()
        s.beginObject()
        s.field("x", Exact(decimal: "1.25")!)
        s.field("third", try? Exact(1) / Exact(3))
        s.field("missing", nil as Exact?)
        s.field("count", nil as Int?)
        s.field("k", 7 as Int?)
        s.endObject()
        s.newline()
        s.beginArray()
        s.string("a")
        #expect(s.number(Exact(decimal: "-0.5")!) == false)
        #expect(s.number(fraction(2, 3), maxFractionDigits: 3) == true)
        s.null()
        s.bool(false)
        s.endArray()
        s.newline()
        #expect(
            String(decoding: s.bytes, as: UTF8.self)
                == "{\"x\":1.25,\"third\":0.333333333333,\"missing\":null,\"count\":null,\"k\":7}\n[\"a\",-0.5,0.666,null,false]\n")
    }
}
