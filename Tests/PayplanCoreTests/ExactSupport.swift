import PayplanCore

// Random operands for the `Exact` properties: biased toward the places where
// the fast paths hand over (the edges of 64 bits), the edges of 128 bits,
// powers of ten (decimal input) and two, and values that are not in lowest
// terms (Exact reduces lazily).

/// The outcome of one throwing operation, so it can be compared.
enum Outcome: Equatable, CustomStringConvertible {
    case value(Exact)
    case error(ArithmeticError)

    init(_ body: () throws(ArithmeticError) -> Exact) {
        do throws(ArithmeticError) {
            self = .value(try body())
        } catch {
            self = .error(error)
        }
    }

    var value: Exact? {
        if case .value(let v) = self { return v }
        return nil
    }

    var description: String {
        switch self {
        case .value(let v): "\(v.numeratorValue)/\(v.denominatorValue)"
        case .error(let e): "\(e)"
        }
    }
}

/// `n / d` for a positive `d` (which cannot fail).
func fraction(_ n: Int128, _ d: Int128) -> Exact {
    guard d > 0, let x = try? Exact(numerator: n, denominator: d) else { preconditionFailure("not a fraction: \(n)/\(d)") }
    return x
}

func show(_ x: Exact) -> String { "\(x.numeratorValue)/\(x.denominatorValue)" }

extension SplitMixGenerator {
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }

    /// An Int128 of about `bits` significant bits, any sign.
    mutating func bits(_ bits: Int) -> Int128 {
        let raw = Int128(bitPattern: UInt128(next()) << 64 | UInt128(next()))
        if bits >= 128 { return raw }
        let magnitude = raw.magnitude >> (128 - bits)
        return next() & 1 == 0 ? Int128(magnitude) : -Int128(magnitude)
    }

    /// A component from one of the interesting families.
    mutating func component() -> Int128 {
        let near = Int128(Int.random(in: -3...3, using: &self))
        switch Int.random(in: 0..<100, using: &self) {
        case 0..<20: return Int128(Int.random(in: -1000...1000, using: &self))
        case 20..<35: return bits(Int.random(in: 1...63, using: &self))
        case 35..<50:
            // Where the 64-bit fast paths hand over to Int128.
            let edge: Int128 = [Int128(Int64.max), Int128(Int64.min), -Int128(Int64.max), Int128(UInt64.max)].randomElement(using: &self)!
            return edge + near
        case 50..<65: return bits(Int.random(in: 64...127, using: &self))
        case 65..<75:
            // The edges of Int128 itself (kept in range).
            if chance(50) { return Int128.max - near.magnitude.asInt128 }
            return Int128.min + near.magnitude.asInt128
        case 75..<88:
            let p = Exact.powerOfTen(Int.random(in: 0...38, using: &self))
            return chance(30) ? -p : p
        default:
            let p = Int128(1) << Int.random(in: 0...126, using: &self)
            return (chance(30) ? -p : p) + (chance(50) ? near : 0)
        }
    }

    /// A positive denominator.
    mutating func denominator() -> Int128 {
        switch Int.random(in: 0..<100, using: &self) {
        case 0..<15: return 1
        case 15..<35: return Exact.powerOfTen(Int.random(in: 1...18, using: &self))
        default:
            let c = component()
            if c == .min { return .max }
            return c == 0 ? 1 : (c < 0 ? -c : c)
        }
    }

    /// A value, often not in lowest terms.
    mutating func exact() -> Exact {
        var n = component()
        var d = denominator()
        if chance(20) {
            // The same value spelled with bigger components, when they fit.
            let k = Int128(Int.random(in: 2...1000, using: &self))
            let (n2, o1) = n.multipliedReportingOverflow(by: k)
            let (d2, o2) = d.multipliedReportingOverflow(by: k)
            if !o1 && !o2 { (n, d) = (n2, d2) }
        }
        return fraction(n, d)
    }

    /// Two values whose denominators are often related the way decimal
    /// input makes them (equal, or one a multiple of the other).
    mutating func pair() -> (Exact, Exact) {
        let a = exact()
        var b = exact()
        switch Int.random(in: 0..<100, using: &self) {
        case 0..<20: b = fraction(b.numeratorValue, a.denominatorValue)
        case 20..<35:
            let k = Exact.powerOfTen(Int.random(in: 0...4, using: &self))
            let (d, o) = a.denominatorValue.multipliedReportingOverflow(by: k)
            if !o { b = fraction(b.numeratorValue, d) }
        default: break
        }
        return chance(50) ? (a, b) : (b, a)
    }
}

extension UInt128 {
    var asInt128: Int128 { Int128(self) }
}

/// Every component fits in 64 bits: the case the fast paths promise to
/// handle without overflow checks.
func allSmall(_ values: Exact...) -> Bool {
    values.allSatisfy { Int64(exactly: $0.numeratorValue) != nil && Int64(exactly: $0.denominatorValue) != nil }
}
