import PayplanCore
import Testing

@testable import PayplanData

/// The fast paths of reading reps, products and targets against their slow
/// references, and the targets checks they must keep.
@Suite("Small tables: fast paths and targets")
struct SmallTableTests {
    @Test func blankByCodePointAgreesWithUnicodeOnEveryScalar() {
        for v in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            #expect(KeyHygiene.isBlankValue(v) == KeyHygiene.isBlank(s), "U+\(String(v, radix: 16))")
        }
    }

    @Test func outerBlanksOnBytesAgreeWithTheStringCheck() {
        let keys = [
            "R1", " R1", "R1 ", "R1\t", "\u{3000}王芳", "王芳\u{A0}", "王芳", "é", "e\u{301}", "\u{FEFF}R1", "R1\u{2028}", "😀", "a\u{85}",
            "\u{200B}R1", "",
        ]
        for key in keys {
            let bytes = Array(key.utf8)
            let onBytes = withBytes(bytes) { KeyHygiene.hasOuterBlank($0, 0, $1) }
            #expect(onBytes == (KeyHygiene.outerBlank(key) != nil), "\(key.unicodeScalars.map(\.value))")
        }
        // Bytes that are not UTF-8 at an end fall back to the string check (U+FFFD is no blank).
        #expect(!withBytes([0x52, 0xFF]) { KeyHygiene.hasOuterBlank($0, 0, $1) })
    }

    @Test func codePointsDecodedAtAnyStart() {
        func scalar(_ text: String, at i: Int) -> UInt32? {
            withBytes(Array(text.utf8)) { UTF8Check.scalar($0, at: i, end: $1) }
        }
        #expect(scalar("a", at: 0) == 0x61)
        #expect(scalar("é", at: 0) == 0xE9)
        #expect(scalar("王", at: 0) == 0x738B)
        #expect(scalar("😀", at: 0) == 0x1F600)
        #expect(scalar("王", at: 1) == nil, "a continuation byte starts nothing")
        #expect(withBytes([0xE7, 0x8E]) { UTF8Check.scalar($0, at: 0, end: $1) } == nil, "truncated")
    }

    @Test func sameBytesIsNotCanonicalEquivalence() {
        #expect(FieldText.sameBytes("R1", "R1"))
        #expect(FieldText.sameBytes("", ""))
        #expect(!FieldText.sameBytes("R1", "R10"))
        #expect("\u{E9}" == "e\u{301}", "Swift's == calls them equal")
        #expect(!FieldText.sameBytes("\u{E9}", "e\u{301}"))
    }

    @Test func rowBoundIsNeverBelowTheRows() {
        // (file after its header, fields in the header, rows in it)
        let files: [(String, Int, Int)] = [
            ("1,2,3\n4,5,6\n", 3, 2), ("1,2,3\r\n4,5,6", 3, 2), ("\"x,\ny\",2,3\n\"q\"\"\",5,6\n", 3, 2), ("1\n2\n3\n", 1, 3),
            ("", 2, 0), ("1,2,3,4,5\n1\n", 3, 2), ("\u{FEFF}R1,\"a\r\nb\",x\r\n", 3, 1),
        ]
        for (text, fields, rows) in files {
            let bound = Array(text.utf8).withUnsafeBufferPointer { TableReader.rowBound($0, from: 0, fields: fields) }
            #expect(bound >= rows, "\(text.debugDescription)")
        }
    }

    /// Targets in the reps file's order, out of order, for reps listed twice
    /// and for periods outside the run: the same rows and messages as a
    /// look-up of every row would give.
    @Test func targetsFoundInOrderOrNotAndRowsGivenTwice() throws {
        let plan = try referencePlan()
        let reps = TempData.reps + "R3,Li,West,x,rep,2024-01-01,,1\nR1,Dup,West,x,rep,2024-01-01,,1\n"
        let targets = """
            rep_id,period,revenue
            R1,2026-Q3,100
            R2,2026-Q3,200
            R3,2026-Q3,300
            R1,2026-Q2,10
            R3,2026-Q2,30
            R2,2026-Q2,20
            R3,2026-Q3,301
            R3,2026-Q2,31
            R9,2026-Q3,1
            R2,2025-Q1,5
            R2,2025-Q1,6
            R2,2025-01,7
            R1,2026-Q3,101

            """
        let data = try TempData.valid(["reps.csv": reps, "targets.csv": targets])
        let r = DataLoader.load(directory: data.path, plan: plan, periods: [q2, q3])
        let p = data.path
        #expect(
            messages(r)
                == [
                    "\(p)/reps.csv:5: error: duplicate rep_id \"R1\" (first on line 2) [D630]",
                    "\(p)/targets.csv:12: error: rep R2 has a second target row for 2025-Q1 (first on line 11) [D633]",
                    "\(p)/targets.csv:14: error: rep R1 has a second target row for 2026-Q3 (first on line 2) [D633]",
                    "\(p)/targets.csv:8: error: rep R3 has a second target row for 2026-Q3 (first on line 4) [D633]",
                    "\(p)/targets.csv:9: error: rep R3 has a second target row for 2026-Q2 (first on line 6) [D633]",
                ].sorted(by: byLine))
        #expect(r.warnings.map(\.code) == ["D641"])
        #expect(r.warnings.first?.message == "target for unknown rep \"R9\" (not in reps.csv) is ignored")
    }

    /// Reps, products and targets as some exports write them — a byte order
    /// mark, CRLF, every field quoted, commas, doubled quotes and a line break
    /// inside names, an extra column — give the same ids, values and sums
    /// as the plain files, and the same located problems.
    @Test func quotedCRLFAndExtraColumnsReadLikePlainFiles() throws {
        let plan = try referencePlan()
        let reps = """
            \u{FEFF}"rep_id","name","team","region","role","hire_date","exit_date","target_incentive","note"\r
            "R1","王芳, ""Fang""\r
            second line","East","华东","rep","2024-01-01","","10000","a, b"\r
            "R2","Emma","East","华东","rep","2024-01-01",,"10000",""\r

            """
        let targets = "\u{FEFF}\"rep_id\",\"period\",\"revenue\",\"x\"\r\n\"R1\",\"2026-Q3\",\"100000\",\"\"\"\"\r\n\"R2\",2026-Q3,100000,\r\n"
        let products = "product,name,launch_date,category,extra\r\n\"P1\",\"Core, \"\"gold\"\"\",2020-01-01,a,1\r\nP2,New,2026-08-01,\"b\",2\r\n"
        let odd = try TempData.valid(["reps.csv": reps, "targets.csv": targets, "products.csv": products])
        let plain = try TempData.valid()
        let a = DataLoader.load(directory: plain.path, plan: plan, periods: [q2, q3])
        let b = DataLoader.load(directory: odd.path, plan: plan, periods: [q2, q3])
        #expect(b.problems.isEmpty, "\(messages(b))")
        #expect(fingerprint(b, plan) == fingerprint(a, plan))
        let d = try #require(b.data)
        #expect(d.repIDs == ["R1", "R2"])
        #expect(d.reps.text(d.reps.columnIndex("name")!, 0) == "王芳, \"Fang\"\r\nsecond line")
        #expect(d.reps.lines == [2, 4], "a record starts on the line it starts on")
        #expect(d.targetRow(1, q3) == 1)
        // A problem after a quoted line break is located on its physical line.
        let bad = try TempData.valid(["reps.csv": reps + "\"R3\",\"x\",\"West\",\"x\",\"rep\",\"2024-13-01\",,1,\r\n"])
        #expect(
            messages(DataLoader.load(directory: bad.path, plan: plan, periods: [q3])).first
                == "\(bad.path)/reps.csv:5: error: column hire_date: \"2024-13-01\" is not a date (YYYY-MM-DD) [D612]")
    }
}

/// Messages in the loader's order: by file, then line.
private func byLine(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (String, Int) {
        let parts = s.split(separator: ":", maxSplits: 2)
        return (String(parts[0]), Int(parts[1]) ?? 0)
    }
    return key(a) < key(b)
}
