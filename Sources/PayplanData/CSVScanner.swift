import PayplanCore

#if canImport(Glibc)
    import Glibc
#endif

/// One field of a record, as a byte span of the file. A quoted field's span
/// excludes the quotes; `escaped` says it holds `""` pairs to collapse.
public struct Field: Sendable {
    public var start: Int
    public var end: Int
    public var quoted: Bool
    public var escaped: Bool
}

/// An RFC 4180 record reader working on bytes in place.
///
/// Why not a CSV package: the transaction file of a large sales force is
/// 600 MB; a reader that builds a `String` per field allocates tens of
/// millions of objects. This one hands out byte spans and lets the caller
/// parse only the columns it needs (measured in Benchmarks/README.md).
///
/// Rules: fields separated by `,`; a field may be quoted with `"`, with `""`
/// for a quote inside; quoted fields may hold commas and line breaks;
/// records end with LF, CRLF or a lone CR; empty lines are skipped; a final
/// record without a line break is read. Line numbers are physical lines, the
/// header being line 1, and name the line on which a record starts.
public struct CSVScanner {
    public let base: UnsafePointer<UInt8>?
    public let end: Int
    public private(set) var position: Int
    /// The physical line at `position`.
    public private(set) var line: Int
    public private(set) var fields: [Field] = []
    /// The line on which the last record read starts.
    public private(set) var recordLine = 0
    public private(set) var recordStart = 0
    /// The last record holds bytes ≥ 0x80 (so its UTF-8 must be checked).
    public private(set) var recordHasHighBytes = false
    let maxFieldBytes: Int

    public enum Step: Equatable {
        case record
        case end
        case malformed(String)
    }

    public init(bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, to stop: Int? = nil, firstLine: Int = 1, maxFieldBytes: Int = 1 << 20) {
        base = bytes.baseAddress
        end = stop ?? bytes.count
        position = start
        line = firstLine
        self.maxFieldBytes = maxFieldBytes
        fields.reserveCapacity(16)
    }

    /// Reads the next record into `fields`.
    public mutating func next() -> Step {
        fields.removeAll(keepingCapacity: true)
        guard let p = base else { return .end }
        while position < end {
            let b = p[position]
            if b == 0x0A {
                position += 1
                line += 1
            } else if b == 0x0D {
                position += 1
                if position < end && p[position] == 0x0A { position += 1 }
                line += 1
            } else {
                break
            }
        }
        if position >= end { return .end }
        recordLine = line
        recordStart = position
        var high: UInt8 = 0
        while true {
            if position < end && p[position] == 0x22 {
                position += 1
                let start = position
                var escaped = false
                while true {
                    if position >= end {
                        recordHasHighBytes = high & 0x80 != 0
                        return .malformed("a quoted field is not closed before the end of the file")
                    }
                    let c = p[position]
                    high |= c
                    if c == 0x22 {
                        if position + 1 < end && p[position + 1] == 0x22 {
                            escaped = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if c == 0x0A {
                        line += 1
                    } else if c == 0x0D && !(position + 1 < end && p[position + 1] == 0x0A) {
                        line += 1
                    }
                    position += 1
                }
                fields.append(Field(start: start, end: position, quoted: true, escaped: escaped))
                position += 1
                if position - start > maxFieldBytes { return skipRecord("a field is longer than \(maxFieldBytes) bytes (Limits.csvFieldBytes)") }
                if position >= end { break }
                let c = p[position]
                if c == 0x2C {
                    position += 1
                    if position >= end {
                        fields.append(Field(start: position, end: position, quoted: false, escaped: false))
                        break
                    }
                    continue
                }
                if c == 0x0A || c == 0x0D {
                    consumeLineBreak(p)
                    break
                }
                return skipRecord("unexpected text after the closing quote of field \(fields.count)")
            } else {
                let start = position
                while position < end {
                    let c = p[position]
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    high |= c
                    position += 1
                }
                fields.append(Field(start: start, end: position, quoted: false, escaped: false))
                if position - start > maxFieldBytes { return skipRecord("a field is longer than \(maxFieldBytes) bytes (Limits.csvFieldBytes)") }
                if position >= end { break }
                let c = p[position]
                if c == 0x2C {
                    position += 1
                    if position >= end {
                        fields.append(Field(start: position, end: position, quoted: false, escaped: false))
                        break
                    }
                    continue
                }
                consumeLineBreak(p)
                break
            }
        }
        recordHasHighBytes = high & 0x80 != 0
        return .record
    }

    private mutating func consumeLineBreak(_ p: UnsafePointer<UInt8>) {
        if p[position] == 0x0D {
            position += 1
            if position < end && p[position] == 0x0A { position += 1 }
        } else {
            position += 1
        }
        line += 1
    }

    private mutating func skipRecord(_ message: String) -> Step {
        guard let p = base else { return .malformed(message) }
        while position < end && p[position] != 0x0A && p[position] != 0x0D { position += 1 }
        if position < end { consumeLineBreak(p) }
        return .malformed(message)
    }

    /// The record holds a NUL byte: damaged or binary data, never text.
    public func recordContainsNUL() -> Bool {
        guard let p = base, position > recordStart else { return false }
        return memchr(p + recordStart, 0, position - recordStart) != nil
    }

    /// The record's bytes are valid UTF-8.
    public func recordIsValidUTF8() -> Bool {
        guard let p = base else { return true }
        return UTF8Check.isValid(p, from: recordStart, to: position)
    }

    /// The field as text, with `""` collapsed.
    public func string(_ f: Field) -> String {
        guard let p = base else { return "" }
        return CSVScanner.text(p, from: f.start, to: f.end, escaped: f.escaped)
    }

    /// The bytes of a field (quotes already stripped) as text; `escaped`:
    /// the field was quoted, so each `""` stands for one `"`.
    static func text(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(start: p + start, count: end - start)
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            bytes.append(raw[i])
            i += raw[i] == 0x22 && i + 1 < raw.count && raw[i + 1] == 0x22 ? 2 : 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func string(at index: Int) -> String { index < fields.count ? string(fields[index]) : "" }

    public func isEmpty(_ index: Int) -> Bool { index >= fields.count || fields[index].start == fields[index].end }
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
            // Count quotes up to the target, then move to the next line break
            // that is outside quotes.
            // Count quotes eight bytes at a time.
            while scanned + 8 <= target {
                let w = UnsafeRawPointer(p + scanned).loadUnaligned(as: UInt64.self) ^ 0x2222_2222_2222_2222
                let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
                quotes += (~(((w & low) &+ low) | w | low)).nonzeroBitCount
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

public enum UTF8Check {
    public static func isValid(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end {
            let b = p[i]
            if b < 0x80 {
                i += 1
                continue
            }
            var length = 0
            var scalar: UInt32 = 0
            var minimum: UInt32 = 0
            if b & 0xE0 == 0xC0 {
                length = 2
                scalar = UInt32(b & 0x1F)
                minimum = 0x80
            } else if b & 0xF0 == 0xE0 {
                length = 3
                scalar = UInt32(b & 0x0F)
                minimum = 0x800
            } else if b & 0xF8 == 0xF0 {
                length = 4
                scalar = UInt32(b & 0x07)
                minimum = 0x10000
            } else {
                return false
            }
            guard i + length <= end else { return false }
            for k in 1..<length {
                let c = p[i + k]
                guard c & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            i += length
        }
        return true
    }
}
