/// An exact rational number: the only number type Payplan computes money and
/// the ratios that decide money with.
///
/// Why a rational and not a decimal: the reference plan divides (proration is
/// `active days / days in period`, attainment is `revenue / target`), and
/// 45/92 has no finite decimal form. A rational keeps every intermediate value
/// exact, so rounding happens only where the plan says and nowhere else.
///
/// Why `Int128` components and no big-integer fallback: realistic plans keep
/// numerators and denominators far below 10^38 (inputs have at most 9 decimal
/// places, and a rep's chain of formulas multiplies a handful of them).
/// Reductions by the greatest common divisor are done lazily, only when an
/// operation would overflow, because they dominate the cost of arithmetic.
/// When a reduced result still does not fit, the operation throws
/// `ArithmeticError.overflow`; the evaluator turns that into a located error.
/// A wrong number is never produced.
public struct Exact: Sendable {
    /// Signed numerator.
    @usableFromInline var numerator: Int128
    /// Always > 0. The fraction is not necessarily in lowest terms.
    @usableFromInline var denominator: Int128

    /// Signed numerator (not necessarily in lowest terms).
    @inlinable public var numeratorValue: Int128 { numerator }
    /// Positive denominator (not necessarily in lowest terms).
    @inlinable public var denominatorValue: Int128 { denominator }

    @inlinable
    public init(_ integer: Int) {
        numerator = Int128(integer)
        denominator = 1
    }

    @inlinable
    public init(integer: Int128) {
        numerator = integer
        denominator = 1
    }

    /// `numerator / denominator`; throws on a zero denominator.
    public init(numerator: Int128, denominator: Int128) throws(ArithmeticError) {
        guard denominator != 0 else { throw .divisionByZero }
        if denominator < 0 {
            guard numerator != .min, denominator != .min else { throw .overflow }
            self.numerator = -numerator
            self.denominator = -denominator
        } else {
            self.numerator = numerator
            self.denominator = denominator
        }
    }

    @usableFromInline
    init(unchecked numerator: Int128, _ denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// A fixed-point value `units / 10^scale` (scale 0...30).
    public init(units: Int128, scale: Int) {
        self.init(unchecked: units, Exact.powerOfTen(scale))
        self.stripPowersOfTen()
    }

    public static let zero = Exact(0)
    public static let one = Exact(1)

    public var isZero: Bool { numerator == 0 }
    public var isNegative: Bool { numerator < 0 }
    public var isPositive: Bool { numerator > 0 }
    public var signum: Int { numerator == 0 ? 0 : (numerator < 0 ? -1 : 1) }

    /// The same value in lowest terms.
    public var reduced: Exact {
        var copy = self
        copy.reduce()
        return copy
    }

    public var isInteger: Bool { numerator % denominator == 0 }

    @usableFromInline
    mutating func reduce() {
        if denominator == 1 { return }
        if numerator == 0 {
            denominator = 1
            return
        }
        let g = Exact.gcd(numerator.magnitude, denominator.magnitude)
        if g > 1 {
            numerator /= Int128(g)
            denominator /= Int128(g)
        }
    }

    /// Cheap partial reduction for values that came from decimal text: the
    /// denominator is a power of ten, so strip common factors of ten, in
    /// 64-bit arithmetic when the numerator fits (Int128 division is a
    /// library call, and this runs for every aggregate of every rep).
    mutating func stripPowersOfTen() {
        if numerator == 0 {
            denominator = 1
            return
        }
        if let n = Int64(exactly: numerator), let d = Int64(exactly: denominator) {
            var n = n
            var d = d
            while d >= 10_000 && n % 10_000 == 0 {
                n /= 10_000
                d /= 10_000
            }
            while d >= 10 && n % 10 == 0 {
                n /= 10
                d /= 10
            }
            numerator = Int128(n)
            denominator = Int128(d)
            return
        }
        while denominator % 10 == 0 && numerator % 10 == 0 && denominator > 1 {
            numerator /= 10
            denominator /= 10
        }
    }

    // MARK: - Arithmetic

    /// Whether a component fits in 64 bits, so that products of two such
    /// components are exact in 128 bits without overflow checks.
    @inline(__always)
    static func small(_ x: Int128) -> Bool { x == Int128(Int64(truncatingIfNeeded: x)) }

    public static func + (lhs: Exact, rhs: Exact) throws(ArithmeticError) -> Exact {
        // The common case: every component fits in 64 bits, so the cross
        // products and their sum are exact in 128 bits (no overflow checks,
        // no library calls).
        if small(lhs.numerator), small(lhs.denominator), small(rhs.numerator), small(rhs.denominator) {
            let d1 = Int64(truncatingIfNeeded: lhs.denominator)
            let d2 = Int64(truncatingIfNeeded: rhs.denominator)
            if d1 == d2 { return Exact(unchecked: lhs.numerator &+ rhs.numerator, lhs.denominator) }
            // Decimal inputs have power-of-ten denominators: keep the larger
            // one rather than multiplying them, so chains of sums stay small.
            if d1 > d2, d1 % d2 == 0 {
                return Exact(unchecked: lhs.numerator &+ rhs.numerator &* Int128(d1 / d2), lhs.denominator)
            }
            if d2 > d1, d2 % d1 == 0 {
                return Exact(unchecked: lhs.numerator &* Int128(d2 / d1) &+ rhs.numerator, rhs.denominator)
            }
            return Exact(
                unchecked: lhs.numerator &* rhs.denominator &+ rhs.numerator &* lhs.denominator, lhs.denominator &* rhs.denominator)
        }
        if lhs.denominator == rhs.denominator {
            let (sum, overflow) = lhs.numerator.addingReportingOverflow(rhs.numerator)
            if !overflow { return Exact(unchecked: sum, lhs.denominator) }
        } else if let fast = crossAdd(lhs, rhs) {
            return fast
        }
        return try slowAdd(lhs.reduced, rhs.reduced)
    }

    public static func - (lhs: Exact, rhs: Exact) throws(ArithmeticError) -> Exact {
        try lhs + rhs.negated()
    }

    public static func * (lhs: Exact, rhs: Exact) throws(ArithmeticError) -> Exact {
        if small(lhs.numerator), small(lhs.denominator), small(rhs.numerator), small(rhs.denominator) {
            return Exact(unchecked: lhs.numerator &* rhs.numerator, lhs.denominator &* rhs.denominator)
        }
        let (n, o1) = lhs.numerator.multipliedReportingOverflow(by: rhs.numerator)
        let (d, o2) = lhs.denominator.multipliedReportingOverflow(by: rhs.denominator)
        if !o1 && !o2 { return Exact(unchecked: n, d) }
        // Cross-reduce first (Knuth 4.5.1): the result is then in lowest terms
        // whenever the operands were, which is the smallest it can be.
        let a = lhs.reduced
        let b = rhs.reduced
        let g1 = Int128(gcd(a.numerator.magnitude, b.denominator.magnitude))
        let g2 = Int128(gcd(b.numerator.magnitude, a.denominator.magnitude))
        let an = a.numerator / max(g1, 1)
        let bd = b.denominator / max(g1, 1)
        let bn = b.numerator / max(g2, 1)
        let ad = a.denominator / max(g2, 1)
        let (n2, p1) = an.multipliedReportingOverflow(by: bn)
        let (d2, p2) = ad.multipliedReportingOverflow(by: bd)
        if p1 || p2 { throw .overflow }
        return Exact(unchecked: n2, d2)
    }

    public static func / (lhs: Exact, rhs: Exact) throws(ArithmeticError) -> Exact {
        try lhs * rhs.reciprocal()
    }

    public func negated() throws(ArithmeticError) -> Exact {
        guard numerator != .min else { throw .overflow }
        return Exact(unchecked: -numerator, denominator)
    }

    public func reciprocal() throws(ArithmeticError) -> Exact {
        guard numerator != 0 else { throw .divisionByZero }
        guard numerator != .min else { throw .overflow }
        return numerator < 0
            ? Exact(unchecked: -denominator, -numerator)
            : Exact(unchecked: denominator, numerator)
    }

    public func absolute() throws(ArithmeticError) -> Exact {
        numerator < 0 ? try negated() : self
    }

    @inline(__always)
    static func crossAdd(_ a: Exact, _ b: Exact) -> Exact? {
        let (x, o1) = a.numerator.multipliedReportingOverflow(by: b.denominator)
        let (y, o2) = b.numerator.multipliedReportingOverflow(by: a.denominator)
        let (d, o3) = a.denominator.multipliedReportingOverflow(by: b.denominator)
        if o1 || o2 || o3 { return nil }
        let (n, o4) = x.addingReportingOverflow(y)
        if o4 { return nil }
        return Exact(unchecked: n, d)
    }

    static func slowAdd(_ a: Exact, _ b: Exact) throws(ArithmeticError) -> Exact {
        let g = Int128(gcd(a.denominator.magnitude, b.denominator.magnitude))
        let bOverG = b.denominator / g
        let aOverG = a.denominator / g
        let (x, o1) = a.numerator.multipliedReportingOverflow(by: bOverG)
        let (y, o2) = b.numerator.multipliedReportingOverflow(by: aOverG)
        let (d, o3) = a.denominator.multipliedReportingOverflow(by: bOverG)
        if o1 || o2 || o3 { throw .overflow }
        let (n, o4) = x.addingReportingOverflow(y)
        if o4 { throw .overflow }
        var result = Exact(unchecked: n, d)
        result.reduce()
        return result
    }

    // MARK: - Rounding

    /// The value rounded to `scale` decimal places with `mode`, as an integer
    /// count of `10^-scale` units.
    public func roundedUnits(scale: Int, mode: RoundingMode) throws(ArithmeticError) -> Int128 {
        let p = Exact.powerOfTen(scale)
        if scale <= 18, Exact.small(numerator), Exact.small(denominator), denominator > 0 {
            // numerator × 10^scale is exact in 128 bits; divide in 128 bits.
            let product = numerator &* p
            let negative = product < 0
            let mag = negative ? 0 &- product : product
            var q: Int128
            var r: Int128
            let magnitude = UInt128(mag)
            let high = UInt64(truncatingIfNeeded: magnitude >> 64)
            let d64 = UInt64(truncatingIfNeeded: denominator)
            if high < d64 {
                // One 128÷64 division instruction instead of a library call.
                let (q64, r64) = d64.dividingFullWidth((high, UInt64(truncatingIfNeeded: magnitude)))
                q = Int128(q64)
                r = Int128(r64)
            } else {
                q = mag / denominator
                r = mag - q &* denominator
            }
            let twice = r &* 2
            let cmpHalf = twice < denominator ? -1 : (twice == denominator ? 0 : 1)
            let away: Bool
            switch mode {
            case .towardZero: away = false
            case .awayFromZero: away = r != 0
            case .halfAwayFromZero: away = cmpHalf >= 0
            case .halfEven: away = cmpHalf > 0 || (cmpHalf == 0 && q & 1 == 1)
            case .halfTowardZero: away = cmpHalf > 0
            case .floor: away = negative && r != 0
            case .ceiling: away = !negative && r != 0
            }
            let units = away ? q + 1 : q
            return negative ? 0 &- units : units
        }
        // units = numerator * p / denominator, computed without overflow by
        // widening the product to 256 bits.
        let product = numerator.multipliedFullWidth(by: p)
        let negative = numerator < 0
        // Work on magnitudes so that the quotient truncates toward zero.
        let mag = Exact.magnitude256(high: product.high, low: product.low)
        let den = UInt128(denominator)
        guard mag.high < den else { throw .overflow }
        let (q, r) = den.dividingFullWidth((mag.high, mag.low))
        var units = q
        let twice = r.multipliedReportingOverflow(by: 2)
        let cmpHalf: Int  // sign of (r - den/2)
        if twice.overflow {
            cmpHalf = 1
        } else {
            cmpHalf = twice.partialValue < den ? -1 : (twice.partialValue == den ? 0 : 1)
        }
        let roundAway: Bool
        switch mode {
        case .towardZero: roundAway = false
        case .awayFromZero: roundAway = r != 0
        case .halfAwayFromZero: roundAway = cmpHalf >= 0
        case .halfEven: roundAway = cmpHalf > 0 || (cmpHalf == 0 && q & 1 == 1)
        case .halfTowardZero: roundAway = cmpHalf > 0
        case .floor: roundAway = negative && r != 0
        case .ceiling: roundAway = !negative && r != 0
        }
        if roundAway {
            // q can be 2^128 − 1: one more does not fit in 128 bits (and
            // would be past Int128 anyway).
            guard units < UInt128.max else { throw .overflow }
            units += 1
        }
        guard units <= UInt128(Int128.max) else { throw .overflow }
        return negative ? -Int128(units) : Int128(units)
    }

    /// The value rounded to `scale` decimal places.
    public func rounded(scale: Int, mode: RoundingMode) throws(ArithmeticError) -> Exact {
        Exact(units: try roundedUnits(scale: scale, mode: mode), scale: scale)
    }

    /// The largest integer ≤ the value.
    public func floor() -> Int128 {
        let q = numerator / denominator
        return (numerator % denominator != 0 && numerator < 0) ? q - 1 : q
    }

    static func magnitude256(high: Int128, low: UInt128) -> (high: UInt128, low: UInt128) {
        if high >= 0 { return (UInt128(high), low) }
        // two's complement negate of the 256-bit value
        let notLow = ~low
        let notHigh = ~UInt128(bitPattern: high)
        let (l, carry) = notLow.addingReportingOverflow(1)
        return (notHigh &+ (carry ? 1 : 0), l)
    }

    // MARK: - Helpers

    @usableFromInline
    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var a = a
        var b = b
        if a == 0 { return b }
        if b == 0 { return a }
        let shift = (a | b).trailingZeroBitCount
        a >>= a.trailingZeroBitCount
        repeat {
            b >>= b.trailingZeroBitCount
            if a > b { swap(&a, &b) }
            b -= a
        } while b != 0
        return a << shift
    }

    public static func powerOfTen(_ n: Int) -> Int128 {
        precondition(n >= 0 && n <= 38, "scale out of range")
        return powersOfTen[n]
    }

    static let powersOfTen: [Int128] = {
        var table: [Int128] = [1]
        for _ in 1...38 { table.append(table.last! * 10) }
        return table
    }()
}

public enum ArithmeticError: Error, Sendable, Equatable {
    case overflow
    case divisionByZero
}

extension Exact: Comparable {
    public static func == (lhs: Exact, rhs: Exact) -> Bool {
        if lhs.denominator == rhs.denominator { return lhs.numerator == rhs.numerator }
        return compare(lhs, rhs) == 0
    }

    public static func < (lhs: Exact, rhs: Exact) -> Bool {
        if lhs.denominator == rhs.denominator { return lhs.numerator < rhs.numerator }
        return compare(lhs, rhs) < 0
    }

    /// Three-way comparison that never overflows: the cross products are taken
    /// at full 256-bit width.
    public static func compare(_ a: Exact, _ b: Exact) -> Int {
        if small(a.numerator), small(a.denominator), small(b.numerator), small(b.denominator) {
            let x = a.numerator &* b.denominator
            let y = b.numerator &* a.denominator
            return x == y ? 0 : (x < y ? -1 : 1)
        }
        let x = a.numerator.multipliedFullWidth(by: b.denominator)
        let y = b.numerator.multipliedFullWidth(by: a.denominator)
        if x.high != y.high { return x.high < y.high ? -1 : 1 }
        if x.low != y.low { return x.low < y.low ? -1 : 1 }
        return 0
    }
}

extension Exact: Hashable {
    public func hash(into hasher: inout Hasher) {
        let r = reduced
        hasher.combine(r.numerator)
        hasher.combine(r.denominator)
    }
}

// MARK: - Text

extension Exact: CustomStringConvertible {
    /// Exact decimal text when the value has one (a denominator made of 2s and
    /// 5s), otherwise 12 decimal places followed by "…".
    public var description: String { decimalText(maxFractionDigits: 12) }

    /// Decimal text with up to `maxFractionDigits` places; a value that needs
    /// more (or is not a finite decimal) is truncated and marked with "…".
    public func decimalText(maxFractionDigits: Int) -> String {
        let (text, truncated) = decimalDigits(maxFractionDigits: maxFractionDigits)
        return truncated ? text + "…" : text
    }

    /// Plain decimal text cut after `maxFractionDigits` places, and whether
    /// anything was cut. Built in bytes: this sits under every number of an
    /// explanation (`run --explain` renders millions of them).
    public func decimalDigits(maxFractionDigits: Int) -> (text: String, truncated: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        let truncated = appendDecimal(maxFractionDigits: maxFractionDigits, to: &out)
        return (String(decoding: out, as: UTF8.self), truncated)
    }

    /// Appends the plain decimal text (cut after `maxFractionDigits` places)
    /// to a byte buffer; returns whether anything was cut.
    public func appendDecimal(maxFractionDigits: Int, to out: inout [UInt8]) -> Bool {
        let r = reduced
        if r.numerator < 0 { out.append(0x2D) }
        var n = r.numerator.magnitude
        let d = UInt128(r.denominator)
        let intPart = n / d
        n %= d
        if let small = UInt64(exactly: intPart) {
            Exact.appendDigits(small, to: &out)
        } else {
            out.append(contentsOf: String(intPart).utf8)
        }
        var count = 0
        if n != 0 && maxFractionDigits > 0 { out.append(0x2E) }
        while n != 0 && count < maxFractionDigits {
            // n < d ≤ Int128.max, but 10 * n fits in UInt128 only while
            // n ≤ UInt128.max / 10; past that, divide at full width.
            if n <= UInt128.max / 10 {
                n *= 10
                out.append(UInt8(truncatingIfNeeded: n / d) &+ 0x30)
                n %= d
            } else {
                let (digit, rest) = d.dividingFullWidth(n.multipliedFullWidth(by: 10))
                out.append(UInt8(truncatingIfNeeded: digit) &+ 0x30)
                n = rest
            }
            count += 1
        }
        return n != 0
    }

    static func appendDigits(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { raw in
            var i = raw.count
            repeat {
                i -= 1
                raw[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                v /= 10
            } while v > 0
            out.append(contentsOf: raw[i...])
        }
    }

    /// Fixed-point text with exactly `scale` decimals, rounded with `mode`.
    public func formatted(scale: Int, mode: RoundingMode) throws(ArithmeticError) -> String {
        Exact.formatUnits(try roundedUnits(scale: scale, mode: mode), scale: scale)
    }

    /// Appends `units / 10^scale` as plain decimal text with exactly `scale`
    /// places to a byte buffer, without building intermediate strings.
    public static func appendUnits(_ units: Int128, scale: Int, to out: inout [UInt8]) {
        if units < 0 { out.append(0x2D) }
        var mag = units.magnitude
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: mag % 10) &+ 0x30
                mag /= 10
                count += 1
            } while mag > 0 && count < 64
            while count <= scale {
                buffer[count] = 0x30
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) {
                out.append(buffer[i])
                if i == scale && scale > 0 { out.append(0x2E) }
            }
        }
    }

    /// `units / 10^scale` as plain decimal text with exactly `scale` places.
    public static func formatUnits(_ units: Int128, scale: Int) -> String {
        // Digit by digit into bytes: `String(Int128)` and `String.insert`
        // made this the slowest part of formatting a 10,000-row table.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(48)
        appendUnits(units, scale: scale, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `"12345/100"` style text, for audits that want the exact fraction.
    public var fractionText: String {
        let r = reduced
        return r.denominator == 1 ? String(r.numerator) : "\(r.numerator)/\(r.denominator)"
    }

    /// Parses a plain decimal: optional sign, digits, optional fraction.
    /// Rejects exponents, separators, blanks and empty input.
    public init?(decimal text: Substring) {
        var units: Int128 = 0
        var scale = 0
        var seenDigit = false
        var seenPoint = false
        var negative = false
        var index = text.startIndex
        if index < text.endIndex, text[index] == "-" || text[index] == "+" {
            negative = text[index] == "-"
            index = text.index(after: index)
        }
        while index < text.endIndex {
            let c = text[index]
            if let v = c.asciiValue, v >= 48, v <= 57 {
                let (m, o1) = units.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(v - 48))
                if o1 || o2 { return nil }
                units = a
                seenDigit = true
                if seenPoint {
                    scale += 1
                    if scale > 30 { return nil }
                }
            } else if c == ".", !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            index = text.index(after: index)
        }
        guard seenDigit else { return nil }
        self.init(units: negative ? -units : units, scale: scale)
    }

    public init?(decimal text: String) { self.init(decimal: text[...]) }
}

/// How a value is rounded to a number of decimal places.
public enum RoundingMode: String, Sendable, CaseIterable, Codable {
    /// 2.345 → 2.35, −2.345 → −2.35 (commercial rounding).
    case halfAwayFromZero = "half_away_from_zero"
    /// 2.345 → 2.34, 2.355 → 2.36 (banker's rounding).
    case halfEven = "half_even"
    /// 2.345 → 2.34.
    case halfTowardZero = "half_toward_zero"
    /// Truncation: 2.349 → 2.34, −2.349 → −2.34.
    case towardZero = "toward_zero"
    /// Any remainder rounds away from zero: 2.341 → 2.35.
    case awayFromZero = "up"
    /// 2.349 → 2.34, −2.341 → −2.35.
    case floor
    /// 2.341 → 2.35, −2.349 → −2.34.
    case ceiling
}
