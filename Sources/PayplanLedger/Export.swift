import Foundation
import PayplanCore
import PayplanReports
import ZIPFoundation

/// Payroll exports of closed periods: CSV, and an Excel workbook with one
/// sheet per period (numbers as numbers, text as shared strings).
public enum LedgerExport {
    /// RFC 4180, the columns of `ledger show`; with several periods a
    /// `period` column comes first.
    public static func csv(_ periods: [ClosedPeriod]) -> String {
        guard let first = periods.first else { return "" }
        let several = periods.count > 1
        var out = (several ? ["period"] : []) + first.columns.map { CSVText.quote($0.header) }
        var text = out.joined(separator: ",") + "\n"
        for p in periods {
            for row in p.cells {
                out = (several ? [p.info.period] : []) + zip(row, p.columns).map { $1.numeric ? $0 : CSVText.quote($0) }
                text += out.joined(separator: ",") + "\n"
            }
        }
        return text
    }

    /// The workbook's bytes (an Office Open XML package).
    public static func xlsx(_ periods: [ClosedPeriod]) throws -> Data {
        var strings = SharedStrings()
        var sheets: [(name: String, xml: String)] = []
        for p in periods { sheets.append((p.info.period, sheet(p, &strings))) }
        let archive = try Archive(accessMode: .create)
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheets.count)),
            ("_rels/.rels", rootRels),
            ("xl/workbook.xml", workbook(sheets.map(\.name))),
            ("xl/_rels/workbook.xml.rels", workbookRels(sheets.count)),
            ("xl/styles.xml", styles),
            ("xl/sharedStrings.xml", strings.xml),
        ]
        for (i, s) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", s.xml)) }
        let date = Date(timeIntervalSince1970: 315_532_800)  // fixed: the same ledger exports the same bytes
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date, compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<min(data.count, Int(position) + size)) })
        }
        guard let bytes = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return bytes
    }

    struct SharedStrings {
        var index: [String: Int] = [:]
        var list: [String] = []
        var count = 0

        mutating func id(_ s: String) -> Int {
            count += 1
            if let i = index[s] { return i }
            index[s] = list.count
            list.append(s)
            return list.count - 1
        }

        var xml: String {
            var out =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"\(count)\" uniqueCount=\"\(list.count)\">"
            for s in list { out += "<si><t xml:space=\"preserve\">\(XML.escape(s))</t></si>" }
            return out + "</sst>"
        }
    }

    static func columnName(_ i: Int) -> String {
        var n = i + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Numeric columns as numbers (money with a #,##0.00 format), the rest as
    /// shared strings; empty cells are left out.
    static func sheet(_ p: ClosedPeriod, _ strings: inout SharedStrings) -> String {
        let names = p.columns.indices.map(columnName)
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews><sheetData>"
        out += "<row r=\"1\">"
        for (c, col) in p.columns.enumerated() { out += "<c r=\"\(names[c])1\" t=\"s\" s=\"2\"><v>\(strings.id(col.header))</v></c>" }
        out += "</row>"
        for (r, row) in p.cells.enumerated() {
            let n = r + 2
            out += "<row r=\"\(n)\">"
            for (c, text) in row.enumerated() where !text.isEmpty && c < p.columns.count {
                let col = p.columns[c]
                if col.numeric && Exact(decimal: text) != nil {
                    out += "<c r=\"\(names[c])\(n)\"\(col.type == "money" ? " s=\"1\"" : "")><v>\(text)</v></c>"
                } else {
                    out += "<c r=\"\(names[c])\(n)\" t=\"s\"><v>\(strings.id(text))</v></c>"
                }
            }
            out += "</row>"
        }
        return out + "</sheetData></worksheet>"
    }

    static func contentTypes(_ n: Int) -> String {
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
        for i in 1...max(n, 1) where n > 0 {
            out +=
                "<Override PartName=\"/xl/worksheets/sheet\(i).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return out + "</Types>"
    }

    static let rootRels =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"

    static func workbook(_ names: [String]) -> String {
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
        for (i, name) in names.enumerated() { out += "<sheet name=\"\(XML.escape(name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>" }
        return out + "</sheets></workbook>"
    }

    static func workbookRels(_ n: Int) -> String {
        var out =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for i in 0..<n {
            out +=
                "<Relationship Id=\"rId\(i + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        out +=
            "<Relationship Id=\"rId\(n + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        out +=
            "<Relationship Id=\"rId\(n + 2)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        return out + "</Relationships>"
    }

    /// Style 1: money (#,##0.00, built-in format 4); style 2: bold header.
    static let styles =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"4\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>"
}

enum XML {
    /// Escapes markup, and drops the control characters XML 1.0 cannot hold.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
