#if canImport(Glibc)
    import Glibc
#endif

/// A field's bytes as text: strings are made only for the values a table
/// keeps and for messages, never per transaction row.
enum FieldText {
    /// The bytes of a field (quotes already stripped) as text; `escaped`:
    /// the field was quoted, so each `""` stands for one `"`.
    static func string(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(start: p + start, count: end - start)
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: unescaped(raw), as: UTF8.self)
    }

    static func string(_ p: UnsafePointer<UInt8>, _ f: FieldSpan) -> String { string(p, from: f.start, to: f.end, escaped: f.escaped) }

    /// The id of a row that cannot be read, as far as it can be read: NUL
    /// bytes and bytes that are not UTF-8 are left out. (An id damaged this
    /// way still names the row's rep or product, so its other rows are not
    /// reported as unknown: the row's own error says it all.)
    static func salvaged(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(start: p + start, count: end - start)
        let bytes = escaped ? unescaped(raw) : Array(raw)
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                let length = UTF8Check.sequenceLength(b.baseAddress!, at: i, end: b.count)
                if length == 0 {
                    i += 1
                    continue
                }
                if !(length == 1 && b[i] == 0) { kept += b[i..<(i + length)] }
                i += length
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// Byte for byte (code point by code point) equal: Swift's `==` would
    /// call canonically equivalent spellings equal.
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    private static func unescaped(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            bytes.append(raw[i])
            i += raw[i] == 0x22 && i + 1 < raw.count && raw[i + 1] == 0x22 ? 2 : 1
        }
        return bytes
    }
}

public enum UTF8Check {
    public static func isValid(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end {
            if p[i] < 0x80 {
                i += 1
                continue
            }
            let length = sequenceLength(p, at: i, end: end)
            if length == 0 { return false }
            i += length
        }
        return true
    }

    /// The code point at `i`, when a well-formed sequence starts there.
    @inline(__always)
    static func scalar(_ p: UnsafePointer<UInt8>, at i: Int, end: Int) -> UInt32? {
        let length = sequenceLength(p, at: i, end: end)
        guard length > 0 else { return nil }
        let b = UInt32(p[i])
        if length == 1 { return b }
        var v = b & (0x7F >> UInt32(length))
        for k in 1..<length { v = v << 6 | UInt32(p[i + k] & 0x3F) }
        return v
    }

    /// The length of the well-formed UTF-8 sequence at `i` (1 to 4), or 0
    /// when the bytes there are not one: a stray continuation byte, a
    /// truncated or overlong sequence, a surrogate, beyond U+10FFFF.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, at i: Int, end: Int) -> Int {
        let b = p[i]
        if b < 0x80 { return 1 }
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
            return 0
        }
        guard i + length <= end else { return 0 }
        for k in 1..<length {
            let c = p[i + k]
            guard c & 0xC0 == 0x80 else { return 0 }
            scalar = scalar << 6 | UInt32(c & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return 0 }
        return length
    }
}
