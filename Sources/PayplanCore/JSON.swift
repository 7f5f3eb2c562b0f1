/// A JSON value whose objects keep their keys in the order given, so every
/// JSON Payplan writes is byte-identical from run to run. Foundation's
/// encoders either reorder keys or sort them alphabetically, which would
/// scatter a payout row's columns.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number written verbatim (exact decimal text, never a binary float).
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        a.compact == b.compact
    }

    public subscript(key: String) -> JSON? {
        if case .object(let fields) = self { return fields.first { $0.0 == key }?.1 }
        return nil
    }

    /// One line, no spaces: used for JSON Lines.
    public var compact: String {
        var out: [UInt8] = []
        write(to: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Two-space indentation.
    public var pretty: String {
        var out: [UInt8] = []
        write(to: &out, indent: 2, level: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact form to a byte buffer: JSON Lines writers build
    /// one buffer per block of reps without an intermediate `String`.
    public func appendCompact(to out: inout [UInt8]) {
        write(to: &out, indent: nil, level: 0)
    }

    // Bytes, not `String`: appending to a `String` scalar by scalar cost
    // ~45 % of `run --explain` on 10k reps (perf), a byte buffer ~5 %.
    func write(to out: inout [UInt8], indent: Int?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .number(let s): out.append(contentsOf: s.utf8)
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let indent { JSON.newline(&out, indent * (level + 1)) }
                item.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { JSON.newline(&out, indent * level) }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            if fields.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let indent { JSON.newline(&out, indent * (level + 1)) }
                JSON.escape(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(to: &out, indent: indent, level: level + 1)
            }
            if let indent { JSON.newline(&out, indent * level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func newline(_ out: inout [UInt8], _ spaces: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
    }

    public static func escape(_ s: String, into out: inout String) {
        var bytes: [UInt8] = []
        escape(s, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Copies runs of plain bytes whole; only `"`, `\\` and control
    /// characters are escaped (UTF-8 above 0x7F passes through).
    public static func escape(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var runStart = 0
            for i in 0..<u.count {
                let b = u[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
                runStart = i + 1
                switch b {
                case 0x22: out.append(contentsOf: "\\\"".utf8)
                case 0x5C: out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 15)])
                }
            }
            if runStart < u.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<u.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Writes JSON straight into bytes, keys in the order written, with no
/// intermediate `JSON` tree. Traces of every rep go through here: building
/// a tree first cost ~100 µs a rep (allocations of nested arrays and
/// strings), writing directly a few µs.
public struct JSONStream {
    public private(set) var bytes: [UInt8] = []
    /// nil: one line (JSON Lines); otherwise spaces per level.
    let indent: Int?
    private var first = true
    private var afterKey = false
    private var depth = 0
    private var outer: [Bool] = []

    public init(indent: Int? = nil, capacity: Int = 0) {
        self.indent = indent
        bytes.reserveCapacity(capacity)
    }

    /// A one-line stream that goes on after `bytes`, a list of values
    /// already written (the next value is preceded by a comma if it is not empty).
    public init(continuing bytes: [UInt8]) {
        indent = nil
        self.bytes = bytes
        first = bytes.isEmpty
    }

    /// The bytes written, leaving the stream empty (no copy).
    public mutating func take() -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &bytes)
        return out
    }

    /// Values of the array or object open now, already written as JSON
    /// (comma-separated, one line): appended as they are.
    public mutating func elements(_ written: [UInt8]) {
        guard !written.isEmpty else { return }
        prefix()
        bytes.append(contentsOf: written)
    }

    private mutating func prefix() {
        if afterKey {
            afterKey = false
            return
        }
        if !first { bytes.append(0x2C) }
        first = false
        if let indent, depth > 0 { JSON.newline(&bytes, indent * depth) }
    }

    private mutating func open(_ byte: UInt8) {
        prefix()
        bytes.append(byte)
        outer.append(first)
        first = true
        depth += 1
    }

    private mutating func close(_ byte: UInt8) {
        depth -= 1
        if let indent, !first { JSON.newline(&bytes, indent * depth) }
        bytes.append(byte)
        first = outer.removeLast()
    }

    public mutating func beginObject() { open(0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray() { open(0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func key(_ k: String) {
        prefix()
        JSON.escape(k, into: &bytes)
        bytes.append(0x3A)
        if indent != nil { bytes.append(0x20) }
        afterKey = true
    }

    public mutating func string(_ s: String) {
        prefix()
        JSON.escape(s, into: &bytes)
    }

    public mutating func int(_ i: Int) {
        prefix()
        bytes.append(contentsOf: String(i).utf8)
    }

    public mutating func bool(_ b: Bool) {
        prefix()
        bytes.append(contentsOf: (b ? "true" : "false").utf8)
    }

    public mutating func null() {
        prefix()
        bytes.append(contentsOf: "null".utf8)
    }

    /// An exact number cut after `maxFractionDigits` places (JSON has no
    /// repeating decimals); returns whether anything was cut.
    @discardableResult
    public mutating func number(_ x: Exact, maxFractionDigits: Int = 12) -> Bool {
        prefix()
        return x.appendDecimal(maxFractionDigits: maxFractionDigits, to: &bytes)
    }

    /// A `JSON` value already built, written in this stream's layout.
    public mutating func value(_ v: JSON) {
        prefix()
        v.write(to: &bytes, indent: indent, level: depth)
    }

    public mutating func field(_ k: String, _ s: String) {
        key(k)
        string(s)
    }

    public mutating func field(_ k: String, _ x: Exact) {
        key(k)
        number(x)
    }

    public mutating func field(_ k: String, _ x: Exact?) {
        key(k)
        if let x { number(x) } else { null() }
    }

    public mutating func field(_ k: String, _ i: Int) {
        key(k)
        int(i)
    }

    public mutating func field(_ k: String, _ i: Int?) {
        key(k)
        if let i { int(i) } else { null() }
    }

    public mutating func field(_ k: String, _ b: Bool) {
        key(k)
        bool(b)
    }

    public mutating func field(_ k: String, _ s: String?) {
        key(k)
        if let s { string(s) } else { null() }
    }

    /// Ends a top-level value: the next one starts a new JSON Lines record.
    public mutating func newline() {
        bytes.append(0x0A)
        if depth == 0 { first = true }
    }
}
