import Foundation
import Testing

/// Payroll exports, read back by an independent reader: Python's openpyxl.
@Suite("Ledger exports")
struct ExportTests {
    @Test func xlsxReadsBackInOpenpyxl() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        #expect(try ws.close("2026-Q3").status == 0)
        let export = try payplan(["ledger", "export", "--ledger", "ledger.db", "--format", "xlsx", "--out", "payroll.xlsx"], in: ws.path)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr == "2026-Q2, 2026-Q3: 38 rows written to payroll.xlsx\n")
        let csv = try payplan(
            ["ledger", "export", "--ledger", "ledger.db", "--period", "2026-Q3", "--format", "csv", "--out", "q3.csv"], in: ws.path)
        #expect(csv.status == 0)
        let shown = try payplan(["ledger", "show", "--ledger", "ledger.db", "--period", "2026-Q3", "--format", "csv"], in: ws.path)
        #expect(ws.read("q3.csv") == shown.stdout)
        // openpyxl: sheet per period, numbers as numbers, text as text,
        // every value equal to the CSV's.
        let script = """
            import csv, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            print(",".join(wb.sheetnames))
            ws = wb["2026-Q3"]
            rows = list(ws.iter_rows(values_only=True))
            expected = list(csv.reader(open(sys.argv[2], encoding="utf-8")))
            assert len(rows) == len(expected), (len(rows), len(expected))
            header = list(rows[0])
            assert header == expected[0], (header, expected[0])
            for got, want in zip(rows[1:], expected[1:]):
                for h, g, w in zip(header, got, want):
                    if w == "":
                        assert g is None, (h, g)
                    elif h in ("rep_id", "name", "team", "flag"):
                        assert isinstance(g, str) and g == w, (h, g, w)
                    else:
                        assert isinstance(g, (int, float)) and not isinstance(g, bool), (h, g)
                        assert abs(g - float(w)) < 1e-9, (h, g, w)
            r01 = rows[1]
            print(r01[0], r01[1], type(r01[header.index("total")]).__name__, ws["A1"].font.b, ws.cell(2, header.index("total") + 1).number_format)
            """
        try ws.write("check.py", script)
        let py = try execute("/usr/bin/env", ["python3", "check.py", "payroll.xlsx", "q3.csv"], in: ws.path)
        #expect(py.status == 0, "openpyxl: \(py.stderr)")
        #expect(py.stdout == "2026-Q2,2026-Q3\nR01 王芳 float True #,##0.00\n", "\(py.stdout)")
        // The same ledger exports the same bytes.
        #expect(try payplan(["ledger", "export", "--ledger", "ledger.db", "--format", "xlsx", "--out", "again.xlsx"], in: ws.path).status == 0)
        #expect(ws.bytes("again.xlsx") == ws.bytes("payroll.xlsx"))
    }

    @Test func showFormats() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.close("2026-Q2").status == 0)
        let json = try payplan(["ledger", "show", "--ledger", "ledger.db", "--period", "2026-Q2", "--format", "json"], in: ws.path)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["period"] as? String == "2026-Q2")
        #expect(object["closed_by"] as? String == "hr@example")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 18)
        #expect(rows[0]["rep_id"] as? String == "R01")
        #expect(rows[0]["adjustment"] is NSNumber)
        let table = try payplan(["ledger", "show", "--ledger", "ledger.db", "--period", "2026-Q2"], in: ws.path)
        #expect(table.stdout.hasPrefix("rep_id  name"))
        #expect(table.stdout.contains("adjustment"))
        let missing = try payplan(["ledger", "show", "--ledger", "ledger.db", "--period", "2026-Q4"], in: ws.path)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Reference plan 2026-Q4 is not closed in this ledger [G812]"))
    }
}
