/// Layer 1 of the data stage: records and their fields as byte spans.
///
/// The iterator knows CSV (RFC 4180) and nothing else: it finds where each
/// record and each of its fields lie in a mapped file, with the line the
/// record starts on and what its bytes hold (NUL bytes, bytes ≥ 0x80). It
/// reads no value and checks no column: that is the row decoder's job
/// (`RowDecoder`), the same for every table.
///
/// Rules: fields are separated by `,`; a field may be quoted with `"`, with
/// `""` for a quote inside; quoted fields may hold commas and line breaks; a
/// quote inside an unquoted field is an ordinary byte; records end with LF,
/// CRLF or a lone CR; empty lines are skipped; a final record without a line
/// break is read. Line numbers are physical lines (the header is line 1).

/// Where the fields of one record lie: raw memory sized once per file (the
/// header's field count + 1), so reading a record allocates nothing. A
/// record with more fields than that has them counted, not kept.
struct FieldSpans {
    let capacity: Int
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>
    /// The field was quoted and holds `""` pairs, each standing for one `"`.
    let escaped: UnsafeMutablePointer<Bool>

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        starts = .allocate(capacity: self.capacity)
        ends = .allocate(capacity: self.capacity)
        escaped = .allocate(capacity: self.capacity)
    }

    func deallocate() {
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
    }

    @inline(__always) func set(_ i: Int, _ start: Int, _ end: Int, escaped e: Bool) {
        guard i < capacity else { return }
        starts[i] = start
        ends[i] = end
        escaped[i] = e
    }

    @inline(__always) func isBlank(_ i: Int) -> Bool { starts[i] == ends[i] }
}

/// One record as the iterator found it.
struct RecordInfo {
    /// The physical line the record starts on.
    var line = 0
    /// Its first byte, and the byte just past it (line break included).
    var start = 0
    var end = 0
    /// Fields in the record (possibly more than `FieldSpans.capacity`).
    var fieldCount = 0
    /// It holds bytes ≥ 0x80, so its UTF-8 must be checked.
    var highBytes = false
    /// It holds a NUL byte: damaged or binary data.
    var nul = false
}

/// Why a record could not be split into fields.
enum RecordProblem: Equatable, Sendable {
    case unclosedQuote
    /// Text between a closing quote and the next comma (1-based field).
    case textAfterQuote(field: Int)
    case fieldTooLong(limit: Int)

    var message: String {
        switch self {
        case .unclosedQuote: "a quoted field is not closed before the end of the file"
        case .textAfterQuote(let field): "unexpected text after the closing quote of field \(field)"
        case .fieldTooLong(let limit): "a field is longer than \(limit) bytes (Limits.csvFieldBytes)"
        }
    }
}

enum RecordStep: Equatable {
    case record
    case end
    /// The record could not be split; the iterator has moved past it.
    case malformed(RecordProblem)
}

/// Bytes the iterator looks for, eight at a time (SWAR: SIMD within a register).
enum SWAR {
    static let comma: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
    static let newline: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
    static let carriage: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
    static let quote: UInt64 = 0x2222_2222_2222_2222
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// 0x80 in exactly the bytes of `v` that are zero (no false positives,
    /// unlike the cheaper borrow trick: every bit of the mask is used).
    @inline(__always) static func zeroBytes(_ v: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((v & low) &+ low) | v | low)
    }

    /// The bytes below byte `k` (0...8) of a little-endian word.
    @inline(__always) static func below(_ k: Int) -> UInt64 {
        k >= 8 ? .max : (UInt64(1) << UInt64(k &* 8)) &- 1
    }
}

/// Reads records from `[position, end)` of a mapped file.
struct RecordIterator {
    let base: UnsafePointer<UInt8>
    let end: Int
    /// The first byte not yet read.
    private(set) var position: Int
    /// The physical line at `position`.
    private(set) var line: Int
    let maxFieldBytes: Int

    init(base: UnsafePointer<UInt8>, from start: Int, to end: Int, firstLine: Int = 1, maxFieldBytes: Int = 1 << 20) {
        self.base = base
        self.end = end
        position = start
        line = firstLine
        self.maxFieldBytes = maxFieldBytes
    }

    /// Reads the next record: its fields' spans into `fields`, the rest into `record`.
    @inline(__always)
    mutating func next(_ fields: FieldSpans, _ record: inout RecordInfo) -> RecordStep {
        skipLineBreaks()
        guard position < end else { return .end }
        record.line = line
        record.start = position
        var scan = Scan(at: position)
        let outcome = split(fields, &scan)
        line &+= scan.lines
        switch outcome {
        case .done:
            break
        case .unclosed:
            position = end
            return .malformed(.unclosedQuote)
        case .textAfterQuote:
            position = scan.at
            skipRestOfLine()
            return .malformed(.textAfterQuote(field: scan.fields))
        }
        position = scan.at
        if position < end { consumeLineBreak() }
        record.end = position
        record.fieldCount = scan.fields
        record.highBytes = scan.high & SWAR.highs != 0
        record.nul = scan.nul != 0
        if position - record.start > maxFieldBytes && hasLongField(fields, count: scan.fields) {
            return .malformed(.fieldTooLong(limit: maxFieldBytes))
        }
        return .record
    }

    /// The state of splitting one record.
    struct Scan {
        var at: Int
        var fields = 0
        var lines = 0
        var high: UInt64 = 0
        var nul: UInt64 = 0
    }

    enum Outcome {
        case done, unclosed, textAfterQuote
    }

    /// Splits the record at `scan.at` into fields, leaving `scan.at` on its
    /// line break (or the end of the input).
    @inline(__always)
    private func split(_ fields: FieldSpans, _ scan: inout Scan) -> Outcome {
        while true {
            if scan.at < end && base[scan.at] == 0x22 {
                switch quotedField(fields, &scan) {
                case .nextField: continue
                case .recordEnd: return .done
                case .unclosed: return .unclosed
                case .textAfterQuote: return .textAfterQuote
                }
            }
            if !unquotedRun(fields, &scan) { return .done }
        }
    }

    /// Unquoted fields from `scan.at`, eight bytes at a time: every comma
    /// and the first line break of a word are field boundaries. Stops at
    /// the record's end (false) or at a field that starts with a quote (true).
    @inline(__always)
    private func unquotedRun(_ fields: FieldSpans, _ scan: inout Scan) -> Bool {
        var q = scan.at
        var fieldStart = q
        while q &+ 8 <= end {
            let w = UnsafeRawPointer(base + q).loadUnaligned(as: UInt64.self)
            let breaks = SWAR.zeroBytes(w ^ SWAR.newline) | SWAR.zeroBytes(w ^ SWAR.carriage)
            var commas = SWAR.zeroBytes(w ^ SWAR.comma)
            // Bytes up to and including the record's line break belong to it.
            let keep = breaks == 0 ? UInt64.max : SWAR.below((breaks.trailingZeroBitCount >> 3) &+ 1)
            commas &= keep
            scan.high |= w & keep
            scan.nul |= SWAR.zeroBytes(w) & keep
            while commas != 0 {
                let at = q &+ commas.trailingZeroBitCount >> 3
                fields.set(scan.fields, fieldStart, at, escaped: false)
                scan.fields &+= 1
                fieldStart = at &+ 1
                commas &= commas &- 1
                if fieldStart < end && base[fieldStart] == 0x22 {
                    scan.at = fieldStart
                    return true
                }
            }
            if breaks != 0 {
                let at = q &+ breaks.trailingZeroBitCount >> 3
                fields.set(scan.fields, fieldStart, at, escaped: false)
                scan.fields &+= 1
                scan.at = at
                return false
            }
            q &+= 8
        }
        // The last bytes of the input, one at a time.
        while q < end {
            let c = base[q]
            if c == 0x2C {
                fields.set(scan.fields, fieldStart, q, escaped: false)
                scan.fields &+= 1
                fieldStart = q &+ 1
                if fieldStart < end && base[fieldStart] == 0x22 {
                    scan.at = fieldStart
                    return true
                }
            } else if c == 0x0A || c == 0x0D {
                break
            } else {
                scan.high |= UInt64(c)
                if c == 0 { scan.nul = 1 }
            }
            q &+= 1
        }
        fields.set(scan.fields, fieldStart, q, escaped: false)
        scan.fields &+= 1
        scan.at = q
        return false
    }

    enum QuotedOutcome {
        case nextField, recordEnd, unclosed, textAfterQuote
    }

    /// A quoted field at `scan.at` (its opening quote) and the delimiter after it.
    private func quotedField(_ fields: FieldSpans, _ scan: inout Scan) -> QuotedOutcome {
        let open = scan.at
        var i = open &+ 1
        var escaped = false
        var close = 0
        while true {
            guard let k = nextQuote(from: i, &scan) else { return .unclosed }
            if k &+ 1 < end && base[k &+ 1] == 0x22 {
                escaped = true
                i = k &+ 2
                continue
            }
            close = k
            break
        }
        fields.set(scan.fields, open &+ 1, close, escaped: escaped)
        scan.fields &+= 1
        var q = close &+ 1
        scan.at = q
        guard q < end else { return .recordEnd }
        let c = base[q]
        if c == 0x2C {
            q &+= 1
            scan.at = q
            if q >= end {
                // A comma that ends the input ends the record with an empty field.
                fields.set(scan.fields, q, q, escaped: false)
                scan.fields &+= 1
                return .recordEnd
            }
            return .nextField
        }
        if c == 0x0A || c == 0x0D { return .recordEnd }
        return .textAfterQuote
    }

    /// The next quote from `i`, counting the line breaks inside the field
    /// (LF, or a CR not followed by LF); nil when the input ends first.
    @inline(__always)
    private func nextQuote(from i: Int, _ scan: inout Scan) -> Int? {
        var j = i
        while j &+ 8 <= end {
            let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
            let events = SWAR.zeroBytes(w ^ SWAR.quote) | SWAR.zeroBytes(w ^ SWAR.newline) | SWAR.zeroBytes(w ^ SWAR.carriage)
            if events == 0 {
                scan.high |= w
                scan.nul |= SWAR.zeroBytes(w)
                j &+= 8
                continue
            }
            let k = events.trailingZeroBitCount >> 3
            let before = SWAR.below(k)
            scan.high |= w & before
            scan.nul |= SWAR.zeroBytes(w) & before
            j &+= k
            if base[j] == 0x22 { return j }
            countQuotedBreak(at: j, &scan)
            j &+= 1
        }
        while j < end {
            let c = base[j]
            if c == 0x22 { return j }
            if c == 0x0A || c == 0x0D {
                countQuotedBreak(at: j, &scan)
            } else {
                scan.high |= UInt64(c)
                if c == 0 { scan.nul = 1 }
            }
            j &+= 1
        }
        return nil
    }

    @inline(__always)
    private func countQuotedBreak(at j: Int, _ scan: inout Scan) {
        if base[j] == 0x0A || !(j &+ 1 < end && base[j &+ 1] == 0x0A) { scan.lines &+= 1 }
    }

    private func hasLongField(_ fields: FieldSpans, count: Int) -> Bool {
        (0..<min(count, fields.capacity)).contains { fields.ends[$0] - fields.starts[$0] > maxFieldBytes }
    }

    @inline(__always)
    private mutating func skipLineBreaks() {
        while position < end {
            let b = base[position]
            if b == 0x0A {
                position &+= 1
            } else if b == 0x0D {
                position &+= 1
                if position < end && base[position] == 0x0A { position &+= 1 }
            } else {
                return
            }
            line &+= 1
        }
    }

    @inline(__always)
    private mutating func consumeLineBreak() {
        if base[position] == 0x0D {
            position &+= 1
            if position < end && base[position] == 0x0A { position &+= 1 }
        } else {
            position &+= 1
        }
        line &+= 1
    }

    /// After a malformed record: on to the next physical line.
    private mutating func skipRestOfLine() {
        while position < end && base[position] != 0x0A && base[position] != 0x0D { position &+= 1 }
        if position < end { consumeLineBreak() }
    }
}

/// A field's span, as a value (headers, tests).
struct FieldSpan: Equatable {
    var start: Int
    var end: Int
    var escaped: Bool
}

extension RecordIterator {
    /// Reads the next record whatever its number of fields (a header, a
    /// test): the fields are counted first, then read into spans that fit.
    mutating func nextRecord(_ record: inout RecordInfo) -> (step: RecordStep, fields: [FieldSpan]) {
        let (position, line) = (self.position, self.line)
        let counter = FieldSpans(capacity: 1)
        defer { counter.deallocate() }
        guard next(counter, &record) == .record else {
            (self.position, self.line) = (position, line)
            return (next(counter, &record), [])
        }
        (self.position, self.line) = (position, line)
        let fields = FieldSpans(capacity: record.fieldCount)
        defer { fields.deallocate() }
        let step = next(fields, &record)
        let spans = (0..<min(record.fieldCount, fields.capacity)).map {
            FieldSpan(start: fields.starts[$0], end: fields.ends[$0], escaped: fields.escaped[$0])
        }
        return (step, spans)
    }
}

/// Finds where to split a file into chunks for parallel scanning: at the
/// start of a record, never inside a quoted field. The number of quotes
/// before a line break is even exactly when the break ends a record.
public enum ChunkSplitter {
    public static func boundaries(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, chunks: Int) -> [Int] {
        let n = bytes.count
        guard chunks > 1, n - start > 1 << 20, let p = bytes.baseAddress else { return [start, n] }
        var cuts = [start]
        var quotes = 0
        var scanned = start
        for k in 1..<chunks {
            let target = start + (n - start) * k / chunks
            guard target > cuts.last! else { continue }
            // Count quotes up to the target, eight bytes at a time, then move
            // to the next line break that is outside quotes.
            while scanned + 8 <= target {
                let w = UnsafeRawPointer(p + scanned).loadUnaligned(as: UInt64.self)
                quotes += SWAR.zeroBytes(w ^ SWAR.quote).nonzeroBitCount
                scanned += 8
            }
            while scanned < target {
                if p[scanned] == 0x22 { quotes += 1 }
                scanned += 1
            }
            var i = target
            while i < n {
                let c = p[i]
                if c == 0x22 {
                    quotes += 1
                } else if (c == 0x0A || c == 0x0D) && quotes % 2 == 0 {
                    i += 1
                    if c == 0x0D && i < n && p[i] == 0x0A { i += 1 }
                    break
                }
                i += 1
            }
            scanned = i
            if i < n { cuts.append(i) } else { break }
        }
        cuts.append(n)
        return cuts
    }
}
