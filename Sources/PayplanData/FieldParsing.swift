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
/// Raw storage owned by whoever makes it (`deallocate()`): an array here
/// paid a uniqueness check on every row, a class a reference count.
struct DateCache {
    private let keys = UnsafeMutablePointer<Int32>.allocate(capacity: 1024)
    private let days = UnsafeMutablePointer<Int32>.allocate(capacity: 1024)

    init() {
        keys.initialize(repeating: -1, count: 1024)
        days.initialize(repeating: 0, count: 1024)
    }

    func deallocate() {
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
