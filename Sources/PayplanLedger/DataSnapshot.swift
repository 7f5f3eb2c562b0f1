import Crypto
import Dispatch
import Foundation
import PayplanCompiler
import PayplanCore
import PayplanLanguage

#if canImport(Glibc)
    import Glibc
#endif

/// One transaction line a rep was paid on: enough to say later which deal
/// changed, and how.
struct DealLine: Sendable, Equatable {
    var deal: String
    var date: String
    var amount: String
    var line: Int
    /// FNV-1a of the whole line: any other change (product, collected).
    var hash: UInt64
}

/// A data file as read by a close.
struct DataFileHash: Sendable, Equatable {
    var file: String
    var bytes: Int
    var sha256: String
}

/// What a close keeps of the data: the SHA-256 of every file read, and per
/// rep the transaction lines of the period (deal, date, amount, file line).
enum DataSnapshot {
    static func path(_ directory: String, _ spec: TableSpec) -> String {
        directory.hasSuffix("/") ? directory + spec.file : directory + "/" + spec.file
    }

    /// Hashes the files and scans the transactions in parallel: the SHA-256
    /// of each file, and per rep of `reps` its deal lines as `encode` writes them.
    static func take(directory: String, plan: Plan, period: Period, reps: [String]) -> ([DataFileHash], [[UInt8]]) {
        let kinds = TableKind.allCases
        nonisolated(unsafe) var hashes = [DataFileHash?](repeating: nil, count: kinds.count)
        nonisolated(unsafe) var deals: [[UInt8]] = []
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            if k == 0 {
                for (i, kind) in kinds.enumerated() { hashes[i] = hash(path(directory, plan.data.table(kind)), name: plan.data.table(kind).file) }
                PhaseTimer.shared.mark("ledger: data files hashed")
            } else {
                deals = DealScan.encoded(path(directory, plan.data.transactions), period: period, reps: reps)
                PhaseTimer.shared.mark("ledger: deal lines read")
            }
        }
        return (hashes.compactMap { $0 }, deals)
    }

    static func hash(_ path: String, name: String) -> DataFileHash? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += chunk.count
        }
        return DataFileHash(file: name, bytes: bytes, sha256: Hex.string(hasher.finalize()))
    }

    /// The period's transaction lines per rep id (`reps` nil: every rep).
    /// The file was read and checked by the run first; this scan only picks
    /// fields out (RFC 4180 quoting, BOM, CRLF).
    static func scanDeals(_ path: String, period: Period, reps: Set<String>?) -> [String: [DealLine]] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return [:] }
        let from = Array(period.start.description.utf8)
        let to = Array(period.end.description.utf8)
        var result: [String: [DealLine]] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var columns: (deal: Int, rep: Int, date: Int, amount: Int) = (-1, -1, -1, -1)
            var line = 1
            CSVRecords.each(raw) { fields, recordLine, start, end in
                line = recordLine
                if line == 1 || columns.rep < 0 {
                    let names = fields.map { CSVRecords.text(raw, $0) }
                    columns = (
                        names.firstIndex(of: "deal_id") ?? -1, names.firstIndex(of: "rep_id") ?? -1, names.firstIndex(of: "date") ?? -1,
                        names.firstIndex(of: "amount") ?? -1
                    )
                    return
                }
                guard columns.rep < fields.count, columns.date < fields.count, columns.date >= 0 else { return }
                let date = fields[columns.date]
                guard CSVRecords.compare(raw, date, from) >= 0, CSVRecords.compare(raw, date, to) <= 0 else { return }
                let rep = CSVRecords.text(raw, fields[columns.rep])
                if let reps, !reps.contains(rep) { return }
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for i in start..<end {
                    h ^= UInt64(raw[i])
                    h = h &* 0x100_0000_01b3
                }
                let deal = columns.deal >= 0 && columns.deal < fields.count ? CSVRecords.text(raw, fields[columns.deal]) : ""
                let amount = columns.amount >= 0 && columns.amount < fields.count ? CSVRecords.text(raw, fields[columns.amount]) : ""
                result[rep, default: []].append(
                    DealLine(deal: deal, date: CSVRecords.text(raw, date), amount: amount, line: line, hash: h))
            }
        }
        return result
    }

    /// One rep's lines as bytes for the ledger: `deal \t date \t amount \t line \t hash \n`.
    static func encode(_ lines: [DealLine]) -> [UInt8] {
        var out: [UInt8] = []
        for l in lines {
            out += Array(l.deal.utf8) + [9] + Array(l.date.utf8) + [9] + Array(l.amount.utf8) + [9]
            out += Array(String(l.line).utf8) + [9] + Array(String(l.hash, radix: 16).utf8) + [10]
        }
        return out
    }

    static func decode(_ data: Data) -> [DealLine] {
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").compactMap { row in
            let f = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 5, let line = Int(f[3]), let hash = UInt64(f[4], radix: 16) else { return nil }
            return DealLine(deal: String(f[0]), date: String(f[1]), amount: String(f[2]), line: line, hash: hash)
        }
    }
}

/// A small RFC 4180 record splitter over bytes.
enum CSVRecords {
    /// Calls `body` with each record's field ranges (quotes included), the
    /// record's first line number, and its byte range.
    static func each(_ raw: UnsafeRawBufferPointer, _ body: ([Range<Int>], Int, Int, Int) -> Void) {
        var i = 0
        if raw.count >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF { i = 3 }
        var line = 1
        var fields: [Range<Int>] = []
        while i < raw.count {
            let recordStart = i
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            var fieldStart = i
            var inQuotes = false
            var end = raw.count
            while i < raw.count {
                let b = raw[i]
                if inQuotes {
                    if b == 0x22 {
                        if i + 1 < raw.count && raw[i + 1] == 0x22 { i += 1 } else { inQuotes = false }
                    } else if b == 0x0A {
                        line += 1
                    }
                } else if b == 0x22 {
                    inQuotes = true
                } else if b == 0x2C {
                    fields.append(fieldStart..<i)
                    fieldStart = i + 1
                } else if b == 0x0A {
                    end = i
                    break
                }
                i += 1
            }
            var last = end
            if last > fieldStart && raw[last - 1] == 0x0D { last -= 1 }
            fields.append(fieldStart..<last)
            i = end + 1
            line += 1
            if end > recordStart { body(fields, recordLine, recordStart, last) }
        }
    }

    /// A field's text, unquoted.
    static func text(_ raw: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        if r.count >= 2 && raw[r.lowerBound] == 0x22 && raw[r.upperBound - 1] == 0x22 {
            let inner = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(r.lowerBound + 1)..<(r.upperBound - 1)]), as: UTF8.self)
            return inner.replacingOccurrences(of: "\"\"", with: "\"")
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: raw[r]), as: UTF8.self)
    }

    /// Byte-wise comparison of a field with `b` (ISO dates compare so).
    static func compare(_ raw: UnsafeRawBufferPointer, _ r: Range<Int>, _ b: [UInt8]) -> Int {
        var i = r.lowerBound
        var j = 0
        while i < r.upperBound && j < b.count {
            if raw[i] != b[j] { return raw[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        return (r.upperBound - i) - (b.count - j)
    }
}

/// The close's scan of the deal lines: no string per row, rep ids matched
/// as bytes, each rep's lines appended in `encode`'s format.
enum DealScan {
    /// A rep id's bytes inside `ids`, hashable without copying.
    struct Key: Hashable {
        let start: UnsafeRawPointer
        let count: Int

        static func == (a: Key, b: Key) -> Bool { a.count == b.count && memcmp(a.start, b.start, a.count) == 0 }

        func hash(into hasher: inout Hasher) { hasher.combine(bytes: UnsafeRawBufferPointer(start: start, count: count)) }
    }

    static func encoded(_ path: String, period: Period, reps: [String]) -> [[UInt8]] {
        var out = [[UInt8]](repeating: [], count: reps.count)
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return out }
        let ids = reps.flatMap { Array($0.utf8) }
        let from = Array(period.start.description.utf8)
        let to = Array(period.end.description.utf8)
        ids.withUnsafeBytes { idBytes in
            var index: [Key: Int] = [:]
            index.reserveCapacity(reps.count)
            var offset = 0
            for (i, r) in reps.enumerated() {
                let n = r.utf8.count
                if let base = idBytes.baseAddress { index[Key(start: base + offset, count: n)] = i }
                offset += n
            }
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                scan(raw, index, from, to, &out)
            }
        }
        return out
    }

    static func appendDecimal(_ n: Int, _ out: inout [UInt8]) {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = max(0, n)
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    static func appendHex(_ h: UInt64, _ out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = Int((h >> UInt64(shift)) & 15)
            if nibble != 0 || started || shift == 0 {
                started = true
                out.append(digits.utf8Start[nibble])
            }
        }
    }

    static func scan(_ raw: UnsafeRawBufferPointer, _ index: [Key: Int], _ from: [UInt8], _ to: [UInt8], _ out: inout [[UInt8]]) {
        guard let base = raw.baseAddress else { return }
        var columns: (deal: Int, rep: Int, date: Int, amount: Int) = (-1, -1, -1, -1)
        CSVRecords.each(raw) { fields, line, start, end in
            if columns.rep < 0 {
                let names = fields.map { CSVRecords.text(raw, $0) }
                columns = (
                    names.firstIndex(of: "deal_id") ?? -1, names.firstIndex(of: "rep_id") ?? -1, names.firstIndex(of: "date") ?? -1,
                    names.firstIndex(of: "amount") ?? -1
                )
                if columns.rep < 0 { columns.rep = Int.max }
                return
            }
            guard columns.rep < fields.count, columns.date >= 0, columns.date < fields.count else { return }
            let date = fields[columns.date]
            guard CSVRecords.compare(raw, date, from) >= 0, CSVRecords.compare(raw, date, to) <= 0 else { return }
            let repField = fields[columns.rep]
            guard let rep = index[Key(start: base + repField.lowerBound, count: repField.count)] else { return }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in start..<end {
                h ^= UInt64(raw[i])
                h = h &* 0x100_0000_01b3
            }
            func field(_ c: Int) {
                guard c >= 0 && c < fields.count else { return }
                let r = fields[c]
                if r.count >= 2 && raw[r.lowerBound] == 0x22 {
                    out[rep] += Array(CSVRecords.text(raw, r).utf8)
                } else {
                    // A typed buffer: appended with one copy, not byte by byte.
                    out[rep].append(contentsOf: UnsafeBufferPointer(start: (base + r.lowerBound).assumingMemoryBound(to: UInt8.self), count: r.count))
                }
            }
            field(columns.deal)
            out[rep].append(9)
            field(columns.date)
            out[rep].append(9)
            field(columns.amount)
            out[rep].append(9)
            appendDecimal(line, &out[rep])
            out[rep].append(9)
            appendHex(h, &out[rep])
            out[rep].append(10)
        }
    }
}
