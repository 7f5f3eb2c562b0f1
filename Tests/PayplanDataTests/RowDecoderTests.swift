import PayplanCore
import PayplanLanguage
import Testing

@testable import PayplanData

/// What the decoder made of some rows.
struct Decoded {
    /// Lines of the rows that were read.
    var read: [Int] = []
    /// "line: message [code]", with " (rep R)" when the problem names a rep
    /// and " — help" when it has one.
    var problems: [String] = []
    var unreadableIDs: [String] = []
    var trimmed = 0
    /// Per row read: each column's text as the decoder left it (trimmed spans).
    var texts: [[String]] = []
    /// Per row read: the decoder's rep and product (transactions).
    var ids: [(rep: Int, product: Int)] = []
}

/// Decodes every record of `text` (rows only, in the schema's field order).
func decode(_ text: String, _ schema: RowSchema, policy: KeyPolicy = .strict, lookups: RowLookups? = nil) -> Decoded {
    decode(Array(text.utf8), schema, policy: policy, lookups: lookups)
}

func decode(_ bytes: [UInt8], _ schema: RowSchema, policy: KeyPolicy = .strict, lookups: RowLookups? = nil) -> Decoded {
    bytes.withUnsafeBufferPointer { buffer in
        let base = buffer.baseAddress!
        var it = RecordIterator(base: base, from: 0, to: buffer.count, firstLine: 2)
        let spans = FieldSpans(capacity: schema.fieldCount + 1)
        var decoder = RowDecoder(schema, base: base, limit: buffer.count, policy: policy, lookups: lookups)
        defer {
            spans.deallocate()
            decoder.deallocate()
        }
        var log = ProblemLog(limit: 100)
        var out = Decoded()
        var record = RecordInfo()
        while it.next(spans, &record) == .record {
            guard decoder.decode(record, spans, &log) else { continue }
            out.read.append(record.line)
            out.texts.append(
                (0..<schema.fieldCount).map { FieldText.string(base, from: spans.starts[$0], to: spans.ends[$0], escaped: spans.escaped[$0]) })
            out.ids.append((decoder.rep, decoder.product))
        }
        out.problems = log.entries.map { e in
            "\(e.line ?? 0): \(e.issue.message) [\(e.issue.code)]" + (e.rep.map { " (rep \($0))" } ?? "") + (e.issue.help.map { " — \($0)" } ?? "")
        }
        out.unreadableIDs = decoder.unreadableIDs
        out.trimmed = decoder.trimmedKeys
        return out
    }
}

func tableSchema(_ spec: TableSpec) -> RowSchema {
    .table(spec, fieldOf: Array(spec.columns.indices), fieldCount: spec.columns.count)
}

let repsSchema = tableSchema(DataSpec.contract.reps)
let productsSchema = tableSchema(DataSpec.contract.products)
let targetsSchema: RowSchema = {
    var spec = DataSpec.contract.targets
    spec.columns.append(ColumnSpec(name: "revenue", type: .money))
    spec.columns.append(ColumnSpec(name: "visits", type: .count))
    return tableSchema(spec)
}()

let transactionLookups = RowLookups(
    reps: IDIndex(["R1", "R2"]), repIDs: ["R1", "R2"], products: IDIndex(["P1", "P2"]), unreadableProducts: ["P-BROKEN"])
let transactionsSchema = RowSchema.transactions(
    DataSpec.contract.transactions.columns, fieldOf: Array(DataSpec.contract.transactions.columns.indices),
    fieldCount: DataSpec.contract.transactions.columns.count)

@Suite("Row decoder")
struct RowDecoderTests {
    // MARK: Every table: the row

    @Test func aGoodRowIsRead() {
        let d = decode("R1,王芳,East,华东,rep,2024-01-01,,10000\n", repsSchema)
        #expect(d.problems == [])
        #expect(d.read == [2])
    }

    @Test func aRowWithANULByteNamesItsRepAndKeepsItsIDKnown() {
        let d = decode("R1\0,王芳,East,华东,rep,2024-01-01,,10000\n", repsSchema)
        #expect(d.problems == ["2: the row contains a NUL byte [D616] (rep R1) — the file is damaged or not text; export it again"])
        #expect(d.unreadableIDs == ["R1"])
    }

    @Test func aRowThatIsNotUTF8NamesItsRepAsFarAsItCanBeRead() {
        var bytes = Array("R0".utf8) + [0xFF, 0xFE] + Array("1,a,East,x,rep,2024-01-01,,1\n".utf8)
        bytes += Array("R02,b,East,x,rep,2024-01-01,,1\n".utf8)
        let raw = decode(bytes, repsSchema)
        #expect(raw.problems == ["2: the row is not valid UTF-8 [D610] (rep R01) — save the file as UTF-8"])
        #expect(raw.unreadableIDs == ["R01"])
        #expect(raw.read == [3])
    }

    @Test func aRowWithTheWrongNumberOfFields() {
        let d = decode("R1\nR2,a,East,x,rep,2024-01-01,,1,surplus\n", repsSchema)
        #expect(
            d.problems == [
                "2: the row has 1 field; the header has 8 [D607] (rep R1) — quote fields that contain commas: \"a,b\"",
                "3: the row has 9 fields; the header has 8 [D607] (rep R2) — quote fields that contain commas: \"a,b\"",
            ])
        #expect(d.unreadableIDs == ["R1", "R2"])
        let products = decode("P-CORE\n", productsSchema)
        #expect(products.problems == ["2: the row has 1 field; the header has 4 [D607] — quote fields that contain commas: \"a,b\""])
        #expect(products.unreadableIDs == ["P-CORE"], "a product row that cannot be read still makes its id known")
    }

    @Test func anIDIsNeverBlank() {
        let d = decode(",a,East,x,rep,2024-01-01,,1\n", repsSchema)
        #expect(d.problems == ["2: column rep_id: the id is blank [D618] — every row needs its id"])
        #expect(d.unreadableIDs == [])
    }

    // MARK: Keys

    @Test func blanksAroundAKeyAreAnErrorNamingBothSpellings() {
        let d = decode("R2,a,East ,x,rep,2024-01-01,,1\n", repsSchema)
        #expect(
            d.problems == [
                "2: column team: \"East \" has a space at the end [D619] (rep R2) — keys are compared exactly, so \"East \" and \"East\" would differ; fix the export, or pass --trim-keys"
            ])
        let id = decode("\tR3,a,East,x,rep,2024-01-01,,1\n", repsSchema)
        #expect(id.problems.first?.hasPrefix("2: column rep_id: \"\\tR3\" has a tab at the start [D619] (rep R3)") == true)
        #expect(id.unreadableIDs == ["\tR3", "R3"], "the id as written and trimmed")
        let nbsp = decode("P-CORE\u{A0},Core,2023-01-01,software\n", productsSchema)
        #expect(nbsp.problems.first?.hasPrefix("2: column product: \"P-CORE\u{A0}\" has a no-break space (U+00A0) at the end [D619]") == true)
        #expect(decode("R2,a,\"East\n\",x,rep,2024-01-01,,1\n", repsSchema).problems.count == 1, "a line break is a blank too")
        #expect(decode("R2, a ,East,x,rep,2024-01-01,,1\n", repsSchema).problems == [], "names are not keys")
    }

    @Test func keysAreTrimmedOnRequestAndCounted() {
        let d = decode("R2,a, East\u{3000},x,rep,2024-01-01,,1\n", repsSchema, policy: .trim)
        #expect(d.problems == [])
        #expect(d.trimmed == 1)
        #expect(d.texts.first?[2] == "East")
    }

    // MARK: Values

    @Test func decimalsAndCounts() {
        let rows = """
            R1,2026-Q3,100.5,3
            R2,2026-Q3,five,3
            R3,2026-Q3,1.0000000001,3
            R4,2026-Q3,123456789012345678901,3
            R5,2026-Q3,,3
            R6,2026-Q3,1,2.5
            R7,2026-Q3,1,3.000

            """
        #expect(
            decode(rows, targetsSchema).problems == [
                "3: column revenue: \"five\" is not a decimal [D613] (rep R2)",
                "4: column revenue: \"1.0000000001\" has more than 9 decimal places [D614] (rep R3)",
                "5: column revenue: \"123456789012345678901\" is out of range (at most 20 digits before the decimal point) [D615] (rep R4)",
                "6: column revenue: the value is blank [D613] (rep R5)",
                "7: column visits: \"2.5\" is not a whole number [D611] (rep R6)",
            ])
        #expect(decode(rows, targetsSchema).read == [2, 8])
    }

    @Test func dates() {
        let d = decode(
            "R1,a,East,x,rep,yesterday,,1\nR2,a,East,x,rep,,,1\nR3,a,East,x,rep,2024-02-30,2025-01-01,1\nR4,a,East,x,rep,2024-01-01,,1\n", repsSchema)
        #expect(
            d.problems == [
                "2: column hire_date: \"yesterday\" is not a date (YYYY-MM-DD) [D612] (rep R1)",
                "3: column hire_date: the date is blank [D612] (rep R2)",
                "4: column hire_date: \"2024-02-30\" is not a date (YYYY-MM-DD) [D612] (rep R3)",
            ])
        #expect(d.read == [5], "a blank optional date (exit_date) is fine")
    }

    @Test func everyProblemOfARowIsReported() {
        let d = decode("R1,a,East ,x,rep,soon,,five\n", repsSchema)
        #expect(d.problems.map { String($0.prefix(22)) } == ["2: column team: \"East ", "2: column hire_date: \"", "2: column target_incen"])
        #expect(d.unreadableIDs == ["R1"])
    }

    // MARK: Transactions

    @Test func transactionsLookUpTheRepAndTheProduct() {
        let d = decode("D1,R2,2026-07-05,P2,10,5\n", transactionsSchema, lookups: transactionLookups)
        #expect(d.problems == [])
        #expect(d.ids.map(\.rep) == [1])
        #expect(d.ids.map(\.product) == [1])
    }

    @Test func anUnknownRepStopsTheRowAndNamesNoOne() {
        let d = decode("D1,R9,2026-07-05,P9,x,5\nD2,R1 ,2026-07-05,P1,1,1\n", transactionsSchema, lookups: transactionLookups)
        #expect(
            d.problems == [
                "2: column rep_id: unknown rep \"R9\" (not in reps.csv) [D620]",
                "3: column rep_id: unknown rep \"R1 \" (not in reps.csv) [D620] — `R1` exists; this one has a space at the end",
            ])
    }

    @Test func anUnknownProductNamesTheRep() {
        let d = decode("D1,R1,2026-07-05,P9,1,1\nD2,R1,2026-07-05,P-BROKEN,1,1\n", transactionsSchema, lookups: transactionLookups)
        #expect(d.problems == ["2: column product: unknown product \"P9\" (not in products.csv) [D621] (rep R1)"])
        #expect(d.read == [], "a product whose own row could not be read makes its rows unusable, silently")
    }

    @Test func dealIDsWithBlanks() {
        let d = decode("D1 ,R1,2026-07-05,P1,1,1\n", transactionsSchema, lookups: transactionLookups)
        #expect(
            d.problems == [
                "2: column deal_id: \"D1 \" has a space at the end [D619] (rep R1) — deal ids are compared exactly; fix the export, or pass --trim-keys"
            ])
        let trimmed = decode("D1 ,\tR1 ,2026-07-05,\u{A0}P1,1,1\n", transactionsSchema, policy: .trim, lookups: transactionLookups)
        #expect(trimmed.problems == [])
        #expect(trimmed.texts.first?[0] == "D1")
        #expect(trimmed.ids.first?.rep == 0)
        #expect(trimmed.ids.first?.product == 0)
    }

    @Test func transactionRowProblemsNameNoRep() {
        let d = decode("D1,R1,2026-07-05\nD2,R1\0,2026-07-05,P1,1,1\n", transactionsSchema, lookups: transactionLookups)
        #expect(d.problems.map { String($0.prefix(40)) } == ["2: the row has 3 fields; the header has ", "3: the row contains a NUL byte [D616] — "])
    }

    @Test func quotedIDsAreLookedUpUnescaped() {
        let lookups = RowLookups(reps: IDIndex(["R\"1"]), repIDs: ["R\"1"], products: IDIndex(["P1"]), unreadableProducts: [])
        let d = decode("D1,\"R\"\"1\",2026-07-05,\"P1\",1,1\n", transactionsSchema, lookups: lookups)
        #expect(d.problems == [])
        #expect(d.ids.first?.rep == 0)
    }
}
