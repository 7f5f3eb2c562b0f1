import Testing

@testable import PayplanData

/// One record as the iterator reads it: its line and fields as text, or
/// "!" and the problem's message for a malformed record.
struct ReadRecord: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]
    var description: String { "\(line): \(fields)" }
}

/// Every record of `bytes`, read with spans for `capacity` fields.
func records(_ bytes: [UInt8], capacity: Int = 16, maxFieldBytes: Int = 1 << 20) -> [ReadRecord] {
    bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return [] }
        var it = RecordIterator(base: base, from: 0, to: buffer.count, maxFieldBytes: maxFieldBytes)
        let spans = FieldSpans(capacity: capacity)
        defer { spans.deallocate() }
        var out: [ReadRecord] = []
        var record = RecordInfo()
        while true {
            switch it.next(spans, &record) {
            case .end: return out
            case .malformed(let p): out.append(ReadRecord(line: record.line, fields: ["!" + p.message]))
            case .record:
                let n = min(record.fieldCount, spans.capacity)
                out.append(
                    ReadRecord(
                        line: record.line,
                        fields: (0..<n).map { FieldText.string(base, from: spans.starts[$0], to: spans.ends[$0], escaped: spans.escaped[$0]) }))
            }
        }
    }
}

func records(_ text: String, capacity: Int = 16) -> [ReadRecord] { records(Array(text.utf8), capacity: capacity) }

/// The first record's description.
func info(_ bytes: [UInt8]) -> RecordInfo {
    bytes.withUnsafeBufferPointer { buffer in
        var it = RecordIterator(base: buffer.baseAddress!, from: 0, to: buffer.count)
        let spans = FieldSpans(capacity: 8)
        defer { spans.deallocate() }
        var record = RecordInfo()
        _ = it.next(spans, &record)
        return record
    }
}

/// A plain RFC 4180 reader, byte by byte, with the iterator's rules: the
/// reference the iterator's word-at-a-time splitting is checked against.
func referenceRecords(_ b: [UInt8]) -> [ReadRecord] {
    var out: [ReadRecord] = []
    var i = 0
    var line = 1
    func lineBreak() {
        if b[i] == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
        i += 1
        line += 1
    }
    while true {
        while i < b.count && (b[i] == 0x0A || b[i] == 0x0D) { lineBreak() }
        if i >= b.count { return out }
        let start = line
        var fields: [String] = []
        var malformed: String?
        record: while true {
            var field: [UInt8] = []
            if i < b.count && b[i] == 0x22 {
                i += 1
                while true {
                    guard i < b.count else {
                        malformed = "a quoted field is not closed before the end of the file"
                        break record
                    }
                    if b[i] == 0x22 {
                        if i + 1 < b.count && b[i + 1] == 0x22 {
                            field.append(0x22)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if b[i] == 0x0A || (b[i] == 0x0D && !(i + 1 < b.count && b[i + 1] == 0x0A)) { line += 1 }
                    field.append(b[i])
                    i += 1
                }
                fields.append(String(decoding: field, as: UTF8.self))
                if i < b.count && b[i] != 0x2C && b[i] != 0x0A && b[i] != 0x0D {
                    malformed = "unexpected text after the closing quote of field \(fields.count)"
                    while i < b.count && b[i] != 0x0A && b[i] != 0x0D { i += 1 }
                    if i < b.count { lineBreak() }
                    break record
                }
            } else {
                while i < b.count && b[i] != 0x2C && b[i] != 0x0A && b[i] != 0x0D {
                    field.append(b[i])
                    i += 1
                }
                fields.append(String(decoding: field, as: UTF8.self))
            }
            if i >= b.count { break }
            if b[i] == 0x2C {
                i += 1
                if i >= b.count {
                    fields.append("")
                    break
                }
                continue
            }
            lineBreak()
            break
        }
        out.append(ReadRecord(line: start, fields: malformed.map { ["!" + $0] } ?? fields))
        if malformed == "a quoted field is not closed before the end of the file" { return out }
    }
}

@Suite("Record iterator")
struct RecordIteratorTests {
    @Test func plainRecords() {
        #expect(records("a,b,c\n1,2,3\n") == [ReadRecord(line: 1, fields: ["a", "b", "c"]), ReadRecord(line: 2, fields: ["1", "2", "3"])])
    }

    @Test func crlfLoneCrAndNoFinalLineBreak() {
        #expect(records("a,b\r\n1,2\r\n").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\r1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\n1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records("a\r\n\r\nb\r\r\nc").map(\.line) == [1, 3, 5], "CRLF is one line break, a lone CR another")
    }

    @Test func quotedFieldsWithCommasQuotesAndLineBreaks() {
        let r = records("name,note\n\"Chen, Emma\",\"said \"\"hi\"\"\nand left\"\nx,y\n")
        #expect(r[1].fields == ["Chen, Emma", "said \"hi\"\nand left"])
        #expect(r[1].line == 2)
        #expect(r[2].line == 4, "the line after a quoted line break is counted")
        #expect(records("\"a\r\nb\",\"c\rd\"\nz\n").last?.line == 4, "CRLF and a lone CR inside quotes are one line each")
    }

    @Test func aQuoteInsideAnUnquotedFieldIsAnOrdinaryByte() {
        #expect(records("ab\"c,d\"\n").map(\.fields) == [["ab\"c", "d\""]])
    }

    @Test func emptyFieldsAndATrailingComma() {
        #expect(records("a,,c\n,\n").map(\.fields) == [["a", "", "c"], ["", ""]])
        #expect(records("a,b,\n").map(\.fields) == [["a", "b", ""]])
        #expect(records("a,b,").map(\.fields) == [["a", "b", ""]], "a comma that ends the file ends the record with an empty field")
        #expect(records("\"a\",").map(\.fields) == [["a", ""]])
        #expect(records("\"\",\"\"\n").map(\.fields) == [["", ""]])
    }

    @Test func blankLinesAreSkippedButCounted() {
        let r = records("a\n\n\nb\n")
        #expect(r.map(\.fields) == [["a"], ["b"]])
        #expect(r.map(\.line) == [1, 4])
    }

    @Test func malformedRecordsAreSkippedAndReadingGoesOn() {
        #expect(
            records("\"abc\"x,1\nok\n") == [
                ReadRecord(line: 1, fields: ["!unexpected text after the closing quote of field 1"]), ReadRecord(line: 2, fields: ["ok"]),
            ])
        #expect(records("a,\"b\"c\nok\n").first?.fields == ["!unexpected text after the closing quote of field 2"])
        #expect(
            records("a\n\"never closed\nmore\n").last == ReadRecord(line: 2, fields: ["!a quoted field is not closed before the end of the file"]))
    }

    @Test func longFieldsAreRefused() {
        let long = String(repeating: "x", count: 100)
        let bytes = Array("a,\(long),c\nshort,b,c\n\"\(long)\"\n".utf8)
        #expect(
            records(bytes, maxFieldBytes: 99).map(\.fields) == [
                ["!a field is longer than 99 bytes (Limits.csvFieldBytes)"], ["short", "b", "c"],
                ["!a field is longer than 99 bytes (Limits.csvFieldBytes)"],
            ])
        #expect(records(bytes, maxFieldBytes: 100).count == 3, "a field of exactly the limit is read")
    }

    @Test func fieldsBeyondTheSpansAreCountedNotKept() {
        let bytes = Array("1,2,3,4,5,6,7,8,9,10\n".utf8)
        #expect(records(bytes, capacity: 3).first?.fields == ["1", "2", "3"])
        #expect(info(bytes).fieldCount == 10)
    }

    @Test func nulAndHighBytesAreNoticed() {
        #expect(info(Array("a,b\n".utf8)).nul == false)
        #expect(info([0x61, 0x2C, 0x00, 0x62, 0x0A]).nul)
        #expect(info(Array("abcdefgh,ijklmnop,\0\n".utf8)).nul, "in a word of eight bytes")
        #expect(info(Array("\"a\0\",b\n".utf8)).nul, "inside quotes")
        #expect(info(Array("a,b\n\0\n".utf8)).nul == false, "a NUL on the next line is the next record's")
        #expect(info(Array("a,b\n".utf8)).highBytes == false)
        #expect(info(Array("王芳,b\n".utf8)).highBytes)
        #expect(info(Array("abcdefghijklmnop,b\né\n".utf8)).highBytes == false)
        let r = info(Array("a,b\r\nc\n".utf8))
        #expect((r.start, r.end) == (0, 5), "a record's bytes run to after its line break")
    }

    @Test func invalidUTF8IsSplitLikeAnyBytes() {
        let r = records([0x61, 0xFF, 0xFE, 0x2C, 0x62, 0x0A])
        #expect(r.count == 1 && r[0].fields.count == 2)
    }

    @Test func everyRecordLengthAcrossWordBoundaries() {
        // Records of 0 to 40 bytes put every delimiter at every position of a word.
        var text = ""
        var expected: [[String]] = []
        for n in 0...40 {
            let a = String(repeating: "a", count: n / 2)
            let b = String(repeating: "b", count: n - n / 2)
            text += n % 3 == 0 ? "\(a),\"\(b)\"\r\n" : "\(a),\(b)\n"
            expected.append([a, b])
        }
        #expect(records(text).map(\.fields) == expected)
    }

    @Test func agreesWithAPlainReaderOnRandomInput() {
        var g = Rand(seed: 11)
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x2C], [0x2C], [0x22], [0x22], [0x0A], [0x0D], [0x0D, 0x0A], [0xC3, 0xA9], [0x00], [0x20]]
        for round in 0..<3_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(g.next() % 60) { bytes += alphabet[Int(g.next() % UInt64(alphabet.count))] }
            #expect(records(bytes, capacity: 64) == referenceRecords(bytes), "round \(round): \(bytes)")
        }
    }

    @Test func nextRecordReadsAnyNumberOfFields() {
        let header = (0..<40).map { "c\($0)" }.joined(separator: ",") + "\nx\n"
        let bytes = Array(header.utf8)
        bytes.withUnsafeBufferPointer { b in
            var it = RecordIterator(base: b.baseAddress!, from: 0, to: b.count)
            var record = RecordInfo()
            let (step, fields) = it.nextRecord(&record)
            #expect(step == .record)
            #expect(fields.count == 40)
            #expect(FieldText.string(b.baseAddress!, fields[39]) == "c39")
            #expect(it.line == 2, "the iterator stands after the record")
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
            let spans = FieldSpans(capacity: 3)
            defer { spans.deallocate() }
            for k in 0..<(cuts.count - 1) {
                var it = RecordIterator(base: buffer.baseAddress!, from: cuts[k], to: cuts[k + 1])
                var record = RecordInfo()
                while true {
                    let step = it.next(spans, &record)
                    if step == .end { break }
                    #expect(step == .record)
                    #expect(record.fieldCount == 2)
                    total += 1
                }
            }
            #expect(total == 100_000)
        }
    }
}

/// A tiny deterministic generator for test inputs (SplitMix64).
struct Rand {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
