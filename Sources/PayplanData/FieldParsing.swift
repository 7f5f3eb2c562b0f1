import CPrefetch
import PayplanCore

#if canImport(Glibc)
    import Glibc
#endif

/// Exact fixed-point decimals as read from data: units of 10⁻⁹ in an Int128.
///
/// Why fixed-point here and rationals elsewhere: the scan adds up millions of
/// amounts, and an Int128 addition costs a nanosecond where an exact
/// rational costs tens. Every decimal the data contract allows (optional
/// sign, digits, optional fraction) with up to 9 decimal places and up to
/// 10²⁰ in magnitude is represented exactly; anything else is a located
/// data error, never a rounded number. Sums stay exact up to ±1.7·10²⁹.
public enum Fixed {
    public static let scale = 9
    public static let one: Int128 = 1_000_000_000
    /// 10^(9 − digits): what a fraction of `digits` digits is multiplied by.
    static let scaleUp: [Int64] = [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1]

    public enum Problem: Error, Sendable {
        case notDecimal
        case tooManyDecimals
        case outOfRange
    }

    /// Parses `-12.5`, `300`, `0.05`; rejects blanks, exponents, separators.
    @inline(__always)
    public static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Result<Int128, Problem> {
        var i = start
        guard i < end else { return .failure(.notDecimal) }
        var negative = false
        if p[i] == 0x2D || p[i] == 0x2B {
            negative = p[i] == 0x2D
            i += 1
        }
        var units: Int64 = 0
        var intDigits = 0
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            if intDigits >= 18 { return parseWide(p, start, end) }
            units = units &* 10 &+ Int64(d)
            intDigits += 1
            i += 1
        }
        guard intDigits > 0 else { return .failure(.notDecimal) }
        var fraction: Int64 = 0
        var fracDigits = 0
        if i < end {
            guard p[i] == 0x2E else { return .failure(.notDecimal) }
            i += 1
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { return .failure(.notDecimal) }
                if fracDigits < 9 {
                    fraction = fraction &* 10 &+ Int64(d)
                } else if d != 0 {
                    // digits beyond the 9th are allowed only as trailing zeros
                    var j = i
                    while j < end {
                        let e = p[j] &- 0x30
                        if e > 9 { return .failure(.notDecimal) }
                        if e != 0 { return .failure(.tooManyDecimals) }
                        j += 1
                    }
                }
                fracDigits += 1
                i += 1
            }
            guard fracDigits > 0 else { return .failure(.notDecimal) }
        }
        let f = fraction &* Fixed.scaleUp[min(fracDigits, 9)]
        let value = Int128(units) * one + Int128(f)
        return .success(negative ? -value : value)
    }

    /// The rare path for more than 18 integer digits.
    static func parseWide(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Result<Int128, Problem> {
        var text = Substring(String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self))
        var negative = false
        if let first = text.first, first == "-" || first == "+" {
            negative = first == "-"
            text = text.dropFirst()
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        func digits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard parts.count <= 2, digits(parts[0]), parts.count == 1 || digits(parts[1]) else { return .failure(.notDecimal) }
        let integer = parts[0].drop { $0 == "0" }
        guard integer.count <= 20 else { return .failure(.outOfRange) }
        var fraction = parts.count == 2 ? parts[1] : ""
        while fraction.count > 9, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 9 else { return .failure(.tooManyDecimals) }
        var units: Int128 = 0
        for c in integer.utf8 { units = units * 10 + Int128(c - 0x30) }
        var f: Int128 = 0
        for c in fraction.utf8 { f = f * 10 + Int128(c - 0x30) }
        for _ in fraction.count..<9 { f *= 10 }
        let value = units * one + f
        return .success(negative ? -value : value)
    }

    public static func exact(_ units: Int128) -> Exact { Exact(units: units, scale: scale) }

    /// A rational as fixed-point, when it is exactly representable.
    public static func from(_ v: Exact) -> Int128? {
        guard let units = try? v.roundedUnits(scale: scale, mode: .towardZero), Exact(units: units, scale: scale) == v else {
            return nil
        }
        return units
    }
}

/// Dates repeat a lot in a transaction file (a quarter has 92 days): a small
/// direct-mapped cache from the date's digits to its day number skips the
/// calendar arithmetic and validation for all but the first occurrence.
final class DateCache {
    // Raw storage: an array here paid a uniqueness check on every row.
    private let keys = UnsafeMutablePointer<Int32>.allocate(capacity: 1024)
    private let days = UnsafeMutablePointer<Int32>.allocate(capacity: 1024)

    init() {
        keys.initialize(repeating: -1, count: 1024)
        days.initialize(repeating: 0, count: 1024)
    }

    deinit {
        keys.deallocate()
        days.deallocate()
    }

    @inline(__always)
    func day(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int32? {
        guard end - start == 10, p[start + 4] == 0x2D, p[start + 7] == 0x2D else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int32 { Int32(p[start + i] &- 0x30) }
        let d = (digit(0), digit(1), digit(2), digit(3), digit(5), digit(6), digit(8), digit(9))
        guard d.0 <= 9, d.1 <= 9, d.2 <= 9, d.3 <= 9, d.4 <= 9, d.5 <= 9, d.6 <= 9, d.7 <= 9 else { return nil }
        let key = ((d.0 * 10 + d.1) * 100 + d.2 * 10 + d.3) * 10000 + (d.4 * 10 + d.5) * 100 + d.6 * 10 + d.7
        let slot = Int(key & 1023)
        if keys[slot] == key { return days[slot] }
        guard let date = DateField.parse(p, start, end) else { return nil }
        keys[slot] = key
        days[slot] = date.dayNumber
        return date.dayNumber
    }
}

public enum DateField {
    /// Strict `YYYY-MM-DD`, a real calendar date.
    @inline(__always)
    public static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> CivilDate? {
        guard end - start == 10, p[start + 4] == 0x2D, p[start + 7] == 0x2D else { return nil }
        var y = 0
        for i in start..<(start + 4) {
            let d = p[i] &- 0x30
            if d > 9 { return nil }
            y = y * 10 + Int(d)
        }
        let m1 = p[start + 5] &- 0x30
        let m2 = p[start + 6] &- 0x30
        let d1 = p[start + 8] &- 0x30
        let d2 = p[start + 9] &- 0x30
        guard m1 <= 9, m2 <= 9, d1 <= 9, d2 <= 9 else { return nil }
        return CivilDate(year: y, month: Int(m1) * 10 + Int(m2), day: Int(d1) * 10 + Int(d2))
    }
}

/// Looks ids up by their bytes without building a `String` per row: an
/// open-addressing table whose slots hold the id's length and first eight
/// bytes, so an id of up to eight bytes is found with one memory access.
/// (A `[String: Int]` lookup with a String made per row halves the scan
/// speed; a slot → offset → bytes chain costs three cache misses.)
public struct IDIndex: Sendable {
    struct Slot {
        var index: Int32 = -1
        var length: Int32 = 0
        var prefix: UInt64 = 0
    }

    /// The slots, in raw memory on huge pages (see `HugePages`): looked up
    /// at random once per transaction row.
    final class Slots: @unchecked Sendable {
        let base: UnsafeMutablePointer<Slot>
        let capacity: Int
        /// False: ordinary Swift memory, when huge pages could not be had
        /// (the table is no larger than the id list it indexes).
        let onHugePages: Bool

        init(capacity: Int) {
            self.capacity = capacity
            if let raw = HugePages.allocate(bytes: capacity * MemoryLayout<Slot>.stride, zeroed: false) {
                base = raw.bindMemory(to: Slot.self, capacity: capacity)
                onHugePages = true
            } else {
                base = .allocate(capacity: capacity)
                onHugePages = false
            }
            base.initialize(repeating: Slot(), count: capacity)
        }

        deinit {
            base.deinitialize(count: capacity)
            if onHugePages { HugePages.deallocate(base) } else { base.deallocate() }
        }
    }

    private var blob: [UInt8] = []
    private var offsets: [Int] = [0]
    private let table: Slots
    private let mask: Int

    public init(_ ids: [String]) {
        var capacity = 16
        while capacity < ids.count * 2 { capacity <<= 1 }
        table = Slots(capacity: capacity)
        let slots = table.base
        mask = capacity - 1
        for id in ids {
            blob.append(contentsOf: id.utf8)
            offsets.append(blob.count)
        }
        blob.withUnsafeBufferPointer { b in
            for index in ids.indices {
                let (s, e) = (offsets[index], offsets[index + 1])
                let base = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let prefix = IDIndex.prefix(base, s, e)
                var h = IDIndex.hash(prefix: prefix, base, s, e) & mask
                while slots[h].index >= 0 { h = (h + 1) & mask }
                slots[h] = Slot(index: Int32(index), length: Int32(e - s), prefix: prefix)
            }
        }
    }

    /// The id's first eight bytes, little-endian, zero-padded. When eight
    /// bytes from `start` lie before `limit` (inside the mapped file), one
    /// load reads them.
    @inline(__always)
    static func prefix(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int = 0) -> UInt64 {
        let length = end - start
        if start + 8 <= max(limit, end) {
            let w = UInt64(littleEndian: UnsafeRawPointer(p + start).loadUnaligned(as: UInt64.self))
            return length >= 8 ? w : w & ((UInt64(1) << UInt64(length &* 8)) &- 1)
        }
        var v: UInt64 = 0
        var i = 0
        while i < 8 && start + i < end {
            v |= UInt64(p[start + i]) << UInt64(8 * i)
            i += 1
        }
        return v
    }

    /// Mixes the prefix with the length and any bytes after the eighth: ids
    /// of up to eight bytes (the usual `R000123`) hash without a byte loop.
    @inline(__always)
    static func hash(prefix: UInt64, _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var h = (prefix ^ (UInt64(truncatingIfNeeded: end - start) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        var i = start + 8
        while i < end {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
            i += 1
        }
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The index of the id spelled by these bytes.
    public func lookup(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        withLookup { $0.find(p, start, end) }
    }

    /// Runs `body` with raw-pointer access to the table, for hot loops.
    public func withLookup<T>(_ body: (IDLookup) -> T) -> T {
        blob.withUnsafeBufferPointer { b in
            offsets.withUnsafeBufferPointer { o in
                withExtendedLifetime(table) {
                    body(IDLookup(blob: b.baseAddress, offsets: o.baseAddress!, slots: table.base, mask: mask))
                }
            }
        }
    }

    public func lookup(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else {
                // The empty id (a blank cell) still needs a valid pointer.
                let zero: UInt8 = 0
                return withUnsafePointer(to: zero) { lookup($0, 0, 0) }
            }
            return lookup(base, 0, bytes.count)
        }
    }
}

/// Raw-pointer view of an `IDIndex`, valid inside `withLookup`.
public struct IDLookup {
    /// Announces the hash slot of the id in field `field` of the record that
    /// starts at `start`, so that its lookup a row later finds it in cache
    /// (ids come in no order; the table of 100,000 ids outgrows the cache).
    /// A hint only: a quoted or unusually long record is simply not hinted.
    @inline(__always)
    public func prefetchField(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, field: Int) {
        let stop = min(end, start + 128)
        var b = start
        var seen = 0
        while seen < field {
            guard b < stop else { return }
            let c = p[b]
            if c == 0x2C {
                seen += 1
            } else if c == 0x0A || c == 0x22 {
                return
            }
            b += 1
        }
        var e = b
        while e < stop, p[e] != 0x2C, p[e] != 0x0A, p[e] != 0x0D { e += 1 }
        payplan_prefetch(slots + (IDIndex.hash(prefix: IDIndex.prefix(p, b, e, limit: end), p, b, e) & mask))
    }

    let blob: UnsafePointer<UInt8>?
    let offsets: UnsafePointer<Int>
    let slots: UnsafePointer<IDIndex.Slot>
    let mask: Int

    @inline(__always)
    /// `limit`: bytes up to it may be read (the end of the mapped file).
    public func find(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, limit: Int = 0) -> Int? {
        let length = end - start
        let prefix = IDIndex.prefix(p, start, end, limit: limit)
        var h = IDIndex.hash(prefix: prefix, p, start, end) & mask
        while true {
            let slot = slots[h]
            if slot.index < 0 { return nil }
            if Int(slot.length) == length && slot.prefix == prefix {
                if length <= 8 { return Int(slot.index) }
                let ks = offsets[Int(slot.index)]
                if let blob, memcmp(blob + ks + 8, p + start + 8, length - 8) == 0 { return Int(slot.index) }
            }
            h = (h + 1) & mask
        }
    }
}
