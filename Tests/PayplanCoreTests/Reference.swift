import Foundation
import PayplanCore

// Slow, obviously correct references that the fast paths of PayplanCore are
// checked against, and the seeded generator the properties draw from.

/// Seeds of the random properties; `PAYPLAN_SEED=n` reruns one seed.
let propertySeeds: [UInt64] = {
    if let s = ProcessInfo.processInfo.environment["PAYPLAN_SEED"], let n = UInt64(s) { return [n] }
    return [1, 2, 3]
}()

/// SplitMix64: tiny, fast, and the same sequence on every platform.
struct SplitMixGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A signed integer of any size, as sign and magnitude in 32-bit limbs
/// (little-endian, no leading zero limbs; zero is `[]` and never negative).
/// Every operation is the schoolbook one, bit by bit where that is simpler.
struct BigInt: Comparable, Hashable, CustomStringConvertible {
    private(set) var negative: Bool
    private(set) var limbs: [UInt32]

    init(negative: Bool, limbs: [UInt32]) {
        var l = limbs
        while l.last == 0 { l.removeLast() }
        self.limbs = l
        self.negative = negative && !l.isEmpty
    }

    init(_ v: Int128) {
        var m = v.magnitude
        var l: [UInt32] = []
        while m != 0 {
            l.append(UInt32(truncatingIfNeeded: m))
            m >>= 32
        }
        self.init(negative: v < 0, limbs: l)
    }

    init(_ v: Int) { self.init(Int128(v)) }

    static let zero = BigInt(0)
    static let one = BigInt(1)

    static func power(_ base: Int, _ exponent: Int) -> BigInt {
        if base == 10, exponent < powersOfTen.count { return powersOfTen[exponent] }
        var r = BigInt.one
        for _ in 0..<exponent { r = r * BigInt(base) }
        return r
    }

    static let powersOfTen: [BigInt] = {
        var table = [BigInt.one]
        for _ in 0..<80 { table.append(table.last! * BigInt(10)) }
        return table
    }()

    var isZero: Bool { limbs.isEmpty }
    var signum: Int { isZero ? 0 : (negative ? -1 : 1) }
    var magnitude: BigInt { BigInt(negative: false, limbs: limbs) }
    var isEven: Bool { limbs.isEmpty || limbs[0] & 1 == 0 }

    /// The value as an `Int128`, or nil when it does not fit.
    var int128: Int128? {
        guard limbs.count <= 4 else { return nil }
        var m: UInt128 = 0
        for limb in limbs.reversed() { m = m << 32 | UInt128(limb) }
        if negative {
            if m == UInt128(1) << 127 { return .min }
            return m < UInt128(1) << 127 ? -Int128(m) : nil
        }
        return m < UInt128(1) << 127 ? Int128(m) : nil
    }

    /// The magnitude as a `UInt128`, or nil when it needs more bits.
    var magnitude128: UInt128? {
        guard limbs.count <= 4 else { return nil }
        var m: UInt128 = 0
        for limb in limbs.reversed() { m = m << 32 | UInt128(limb) }
        return m
    }

    init(negative: Bool, magnitude: UInt128) {
        var m = magnitude
        var l: [UInt32] = []
        while m != 0 {
            l.append(UInt32(truncatingIfNeeded: m))
            m >>= 32
        }
        self.init(negative: negative, limbs: l)
    }

    // MARK: Magnitudes

    static func compareMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
            return a[i] < b[i] ? -1 : 1
        }
        return 0
    }

    static func addMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let s = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            out.append(UInt32(truncatingIfNeeded: s))
            carry = s >> 32
        }
        if carry != 0 { out.append(UInt32(carry)) }
        return out
    }

    /// `a - b` for `a >= b`.
    static func subtractMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        var borrow: Int64 = 0
        for i in 0..<a.count {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            borrow = 0
            if d < 0 {
                d += 1 << 32
                borrow = 1
            }
            out.append(UInt32(d))
        }
        precondition(borrow == 0, "subtractMagnitudes: a < b")
        return out
    }

    static func multiplyMagnitudes(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty || b.isEmpty { return [] }
        var out = [UInt32](repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            for j in 0..<b.count {
                let t = UInt64(a[i]) * UInt64(b[j]) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            out[i + b.count] = UInt32(carry)
        }
        return out
    }

    /// `a = a * 2`, in place.
    static func doubleInPlace(_ a: inout [UInt32]) {
        var carry: UInt32 = 0
        for i in a.indices {
            let v = a[i]
            a[i] = v << 1 | carry
            carry = v >> 31
        }
        if carry != 0 { a.append(carry) }
    }

    /// `a = a - b` for `a >= b`, in place, trimmed.
    static func subtractInPlace(_ a: inout [UInt32], _ b: [UInt32]) {
        var borrow: Int64 = 0
        for i in a.indices {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 1 << 32 }
            a[i] = UInt32(d)
        }
        precondition(borrow == 0, "subtractInPlace: a < b")
        while a.last == 0 { a.removeLast() }
    }

    /// `a = a >> n`, in place, trimmed.
    static func shiftRightInPlace(_ a: inout [UInt32], _ n: Int) {
        let words = n / 32
        let bits = n % 32
        guard words < a.count else {
            a.removeAll()
            return
        }
        for i in 0..<(a.count - words) {
            var v = a[i + words] >> bits
            if bits > 0, i + words + 1 < a.count { v |= a[i + words + 1] << (32 - bits) }
            a[i] = v
        }
        a.removeLast(words)
        while a.last == 0 { a.removeLast() }
    }

    static func trailingZeros(_ a: [UInt32]) -> Int {
        var i = 0
        while a[i / 32] >> (i % 32) & 1 == 0 { i += 1 }
        return i
    }

    var bitWidth: Int { limbs.isEmpty ? 0 : limbs.count * 32 - limbs.last!.leadingZeroBitCount }

    func bit(_ i: Int) -> Bool { i / 32 < limbs.count && limbs[i / 32] >> (i % 32) & 1 == 1 }

    var trailingZeroBitCount: Int {
        var i = 0
        while !bit(i) { i += 1 }
        return i
    }

    static func << (a: BigInt, n: Int) -> BigInt {
        var out = [UInt32](repeating: 0, count: a.limbs.count + n / 32 + 1)
        for i in 0..<a.bitWidth where a.bit(i) { out[(i + n) / 32] |= 1 << ((i + n) % 32) }
        return BigInt(negative: a.negative, limbs: out)
    }

    /// Shifts the magnitude right (for non-negative values: division by 2^n).
    static func >> (a: BigInt, n: Int) -> BigInt {
        let words = n / 32
        let bits = n % 32
        var out: [UInt32] = []
        for i in words..<max(words, a.limbs.count) {
            var v = a.limbs[i] >> bits
            if bits > 0, i + 1 < a.limbs.count { v |= a.limbs[i + 1] << (32 - bits) }
            out.append(v)
        }
        return BigInt(negative: a.negative, limbs: out)
    }

    // MARK: Signed arithmetic

    static prefix func - (a: BigInt) -> BigInt { BigInt(negative: !a.negative, limbs: a.limbs) }

    static func + (a: BigInt, b: BigInt) -> BigInt {
        if a.negative == b.negative { return BigInt(negative: a.negative, limbs: addMagnitudes(a.limbs, b.limbs)) }
        if compareMagnitudes(a.limbs, b.limbs) >= 0 {
            return BigInt(negative: a.negative, limbs: subtractMagnitudes(a.limbs, b.limbs))
        }
        return BigInt(negative: b.negative, limbs: subtractMagnitudes(b.limbs, a.limbs))
    }

    static func - (a: BigInt, b: BigInt) -> BigInt { a + (-b) }

    static func * (a: BigInt, b: BigInt) -> BigInt {
        BigInt(negative: a.negative != b.negative, limbs: multiplyMagnitudes(a.limbs, b.limbs))
    }

    /// Truncating division: long division one bit at a time (the remainder
    /// is doubled, the next bit brought down, the divisor subtracted when it
    /// fits), or the native division when both fit in 128 bits; the
    /// remainder takes the dividend's sign.
    func quotientAndRemainder(dividingBy d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        precondition(!d.isZero, "division by zero")
        if let a = magnitude128, let b = d.magnitude128 {
            return (BigInt(negative: negative != d.negative, magnitude: a / b), BigInt(negative: negative, magnitude: a % b))
        }
        var q = [UInt32](repeating: 0, count: limbs.count)
        var r: [UInt32] = []
        for i in stride(from: bitWidth - 1, through: 0, by: -1) {
            BigInt.doubleInPlace(&r)
            if bit(i) {
                if r.isEmpty { r.append(1) } else { r[0] |= 1 }
            }
            if BigInt.compareMagnitudes(r, d.limbs) >= 0 {
                BigInt.subtractInPlace(&r, d.limbs)
                q[i / 32] |= 1 << (i % 32)
            }
        }
        return (BigInt(negative: negative != d.negative, limbs: q), BigInt(negative: negative, limbs: r))
    }

    /// Division rounding toward negative infinity, for a positive divisor;
    /// the remainder is in `0..<d`.
    func floorDivided(by d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        precondition(d.signum > 0)
        let (q, r) = quotientAndRemainder(dividingBy: d)
        return r.negative ? (q - .one, r + d) : (q, r)
    }

    /// Greatest common divisor of the magnitudes (Stein's binary algorithm).
    static func gcd(_ x: BigInt, _ y: BigInt) -> BigInt {
        var a = x.limbs
        var b = y.limbs
        if a.isEmpty { return y.magnitude }
        if b.isEmpty { return x.magnitude }
        let shift = min(trailingZeros(a), trailingZeros(b))
        shiftRightInPlace(&a, trailingZeros(a))
        // a is odd: remove factors of 2 from b, subtract the smaller from the
        // larger, repeat (gcd(a, b) = gcd(a, b − a)); Euclid's algorithm
        // once both fit in 128 bits.
        while !b.isEmpty {
            if a.count <= 4, b.count <= 4 {
                var (p, q) = (BigInt(negative: false, limbs: a).magnitude128!, BigInt(negative: false, limbs: b).magnitude128!)
                while q != 0 { (p, q) = (q, p % q) }
                return BigInt(negative: false, magnitude: p) << shift
            }
            shiftRightInPlace(&b, trailingZeros(b))
            if compareMagnitudes(a, b) > 0 { swap(&a, &b) }
            subtractInPlace(&b, a)
        }
        return BigInt(negative: false, limbs: a) << shift
    }

    static func < (a: BigInt, b: BigInt) -> Bool {
        if a.negative != b.negative { return a.negative }
        let c = compareMagnitudes(a.limbs, b.limbs)
        return a.negative ? c > 0 : c < 0
    }

    /// Decimal digits with a leading `-` for negative values (short division
    /// by ten, limb by limb).
    var description: String {
        if isZero { return "0" }
        var digits: [Character] = []
        var m = limbs
        while !m.isEmpty {
            var remainder: UInt64 = 0
            for i in stride(from: m.count - 1, through: 0, by: -1) {
                let v = remainder << 32 | UInt64(m[i])
                m[i] = UInt32(v / 10)
                remainder = v % 10
            }
            while m.last == 0 { m.removeLast() }
            digits.append(Character(String(remainder)))
        }
        return (negative ? "-" : "") + String(digits.reversed())
    }

    /// Parses optional `-` and decimal digits.
    init?(decimal text: String) {
        var v = BigInt.zero
        var negative = false
        var rest = Substring(text)
        if rest.first == "-" {
            negative = true
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        for c in rest {
            guard let d = c.wholeNumberValue, c.isASCII else { return nil }
            v = v * BigInt(10) + BigInt(d)
        }
        self = negative ? -v : v
    }
}

/// A rational number in lowest terms with a positive denominator, on `BigInt`.
struct Ratio: Comparable, CustomStringConvertible {
    let numerator: BigInt
    let denominator: BigInt

    init(_ n: BigInt, _ d: BigInt) {
        precondition(!d.isZero)
        let g = BigInt.gcd(n, d)
        var num = g == .one ? n : n.quotientAndRemainder(dividingBy: g).quotient
        var den = g == .one ? d : d.quotientAndRemainder(dividingBy: g).quotient
        if den.negative {
            num = -num
            den = -den
        }
        numerator = num
        denominator = den
    }

    init(_ x: Exact) { self.init(BigInt(x.numeratorValue), BigInt(x.denominatorValue)) }
    init(_ n: Int128, _ d: Int128 = 1) { self.init(BigInt(n), BigInt(d)) }

    static func + (a: Ratio, b: Ratio) -> Ratio {
        Ratio(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }
    static func - (a: Ratio, b: Ratio) -> Ratio { a + Ratio(-b.numerator, b.denominator) }
    static func * (a: Ratio, b: Ratio) -> Ratio { Ratio(a.numerator * b.numerator, a.denominator * b.denominator) }
    /// nil for division by zero.
    static func / (a: Ratio, b: Ratio) -> Ratio? {
        b.numerator.isZero ? nil : Ratio(a.numerator * b.denominator, a.denominator * b.numerator)
    }
    static prefix func - (a: Ratio) -> Ratio { Ratio(-a.numerator, a.denominator) }

    static func < (a: Ratio, b: Ratio) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }
    static func == (a: Ratio, b: Ratio) -> Bool { a.numerator == b.numerator && a.denominator == b.denominator }

    /// Whether the value in lowest terms fits `Exact`'s `Int128` components.
    var fitsInt128: Bool { numerator.int128 != nil && denominator.int128 != nil }

    var floor: BigInt { numerator.floorDivided(by: denominator).quotient }

    /// Whether an `Exact` holds exactly this value (compared by cross products,
    /// so an unreduced `Exact` matches too) with a positive denominator.
    func isValue(of x: Exact) -> Bool {
        x.denominatorValue > 0
            && BigInt(x.numeratorValue) * denominator == numerator * BigInt(x.denominatorValue)
    }

    var description: String { "\(numerator)/\(denominator)" }

    /// The value rounded to `scale` places, in units of 10^-scale, written
    /// from the definitions: the two neighbours `floor` and `floor + 1`, and
    /// which one each mode picks. One division serves every mode.
    func rounding(scale: Int) -> (RoundingMode) -> BigInt {
        let scaled = numerator * BigInt.power(10, scale)
        let (low, r) = scaled.floorDivided(by: denominator)
        let high = low + .one
        let positive = !numerator.negative
        let twice = r + r
        let nearer: BigInt? = twice < denominator ? low : (twice > denominator ? high : nil)
        return { mode in
            if r.isZero { return low }
            switch mode {
            case .floor: return low
            case .ceiling: return high
            case .towardZero: return positive ? low : high
            case .awayFromZero: return positive ? high : low
            case .halfAwayFromZero: return nearer ?? (positive ? high : low)
            case .halfTowardZero: return nearer ?? (positive ? low : high)
            case .halfEven: return nearer ?? (low.isEven ? low : high)
            }
        }
    }

    func roundedUnits(scale: Int, mode: RoundingMode) -> BigInt { rounding(scale: scale)(mode) }
}

/// `units / 10^scale` written with exactly `scale` places, from the digits
/// of the integer: the reference for `Exact.formatUnits`.
func referenceFixedPoint(_ units: BigInt, scale: Int) -> String {
    var digits = units.magnitude.description
    if digits.count <= scale { digits = String(repeating: "0", count: scale + 1 - digits.count) + digits }
    let split = digits.index(digits.endIndex, offsetBy: -scale)
    let body = scale == 0 ? digits : digits[..<split] + "." + digits[split...]
    return (units.negative ? "-" : "") + body
}
