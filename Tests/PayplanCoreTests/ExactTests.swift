import PayplanCore
import Testing

/// The contract of every `Exact` operation: the exact value, or
/// `ArithmeticError.overflow` — never a wrong number and never a trap.
/// Each property runs the fast paths on random operands (see `ExactSupport`)
/// and checks them against `Ratio`, rational arithmetic on `BigInt`.
@Suite("Exact against a big-integer reference")
struct ExactPropertyTests {
    static let cases = 800

    /// Counts what a property saw, so a generator that stopped reaching a
    /// path (64-bit only, overflow, big exact results) fails loudly.
    struct Coverage {
        var small = 0
        var big = 0
        var overflow = 0
        var failures = 0
    }

    /// Checks one outcome against the reference value (`nil`: division by
    /// zero). `mustSucceed`: the operation promises an exact result here;
    /// otherwise `.overflow` is allowed for a result that would fit.
    static func check(
        _ outcome: Outcome, _ expected: Ratio?, mustSucceed: Bool, _ what: @autoclosure () -> String,
        _ coverage: inout Coverage, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let ok: Bool
        switch (outcome, expected) {
        case (.error(.divisionByZero), nil): ok = true
        case (_, nil): ok = false
        case (.value(let v), let e?):
            ok = e.fitsInt128 && e.isValue(of: v)
            if allSmall(v) { coverage.small += 1 } else { coverage.big += 1 }
        case (.error(.overflow), let e?):
            ok = !e.fitsInt128 || !mustSucceed
            coverage.overflow += 1
        case (.error(.divisionByZero), _?): ok = false
        }
        if !ok {
            coverage.failures += 1
            Issue.record("\(what()) = \(outcome), expected \(expected.map(\.description) ?? "division by zero")", sourceLocation: sourceLocation)
        }
    }

    /// Whether the sum of the reduced operands over their least common
    /// denominator, and each of its terms, fits in Int128: then `+` must not
    /// overflow, whatever path it takes.
    static func sumFits(_ a: Ratio, _ b: Ratio) -> Bool {
        let g = BigInt.gcd(a.denominator, b.denominator)
        let aScale = b.denominator.quotientAndRemainder(dividingBy: g).quotient
        let bScale = a.denominator.quotientAndRemainder(dividingBy: g).quotient
        let x = a.numerator * aScale
        let y = b.numerator * bScale
        return [x, y, x + y, a.denominator * aScale].allSatisfy { $0.int128 != nil }
    }

    static func expectCoverage(_ c: Coverage, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(c.small > 0 && c.big > 0 && c.overflow > 0, "\(name): \(c)", sourceLocation: sourceLocation)
    }

    @Test(arguments: propertySeeds)
    func additionAndSubtraction(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var c = Coverage()
        for _ in 0..<Self.cases where c.failures < 5 {
            let (a, b) = g.pair()
            let (ra, rb) = (Ratio(a), Ratio(b))
            let sumMust = allSmall(a, b) || Self.sumFits(ra, rb)
            Self.check(Outcome { () throws(ArithmeticError) in try a + b }, ra + rb, mustSucceed: sumMust, "\(show(a)) + \(show(b))", &c)
            Self.check(Outcome { () throws(ArithmeticError) in try b + a }, ra + rb, mustSucceed: sumMust, "\(show(b)) + \(show(a))", &c)
            // `a - b` is `a + (-b)`, and −Int128.min does not exist.
            let differenceMust = b.numeratorValue != .min && Self.sumFits(ra, -rb)
            Self.check(Outcome { () throws(ArithmeticError) in try a - b }, ra - rb, mustSucceed: differenceMust, "\(show(a)) - \(show(b))", &c)
        }
        Self.expectCoverage(c, "+ and -")
    }

    @Test(arguments: propertySeeds)
    func multiplicationAndDivision(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var c = Coverage()
        for _ in 0..<Self.cases where c.failures < 5 {
            let (a, b) = g.pair()
            let (ra, rb) = (Ratio(a), Ratio(b))
            // Cross-reduction makes the product lowest terms, so × overflows
            // only when the product in lowest terms does not fit.
            Self.check(Outcome { () throws(ArithmeticError) in try a * b }, ra * rb, mustSucceed: true, "\(show(a)) * \(show(b))", &c)
            Self.check(
                Outcome { () throws(ArithmeticError) in try a / b }, ra / rb, mustSucceed: b.numeratorValue != .min, "\(show(a)) / \(show(b))", &c)
        }
        Self.expectCoverage(c, "* and /")
    }

    @Test(arguments: propertySeeds)
    func negationAbsoluteReciprocal(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var c = Coverage()
        for _ in 0..<Self.cases where c.failures < 5 {
            let a = g.exact()
            let ra = Ratio(a)
            let must = a.numeratorValue != .min
            Self.check(Outcome { () throws(ArithmeticError) in try a.negated() }, -ra, mustSucceed: must, "-\(show(a))", &c)
            Self.check(Outcome { () throws(ArithmeticError) in try a.absolute() }, ra < Ratio(0) ? -ra : ra, mustSucceed: must, "|\(show(a))|", &c)
            Self.check(Outcome { () throws(ArithmeticError) in try a.reciprocal() }, Ratio(1) / ra, mustSucceed: must, "1/(\(show(a)))", &c)
        }
        #expect(c.small > 0 && c.big > 0, "\(c)")
    }

    @Test(arguments: propertySeeds)
    func comparisonEqualityAndHash(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var failures = 0
        for _ in 0..<Self.cases where failures < 5 {
            let (a, b) = g.pair()
            let (ra, rb) = (Ratio(a), Ratio(b))
            let expected = ra < rb ? -1 : (ra == rb ? 0 : 1)
            let got = Exact.compare(a, b)
            let agrees =
                got == expected && (a < b) == (expected < 0) && (a == b) == (expected == 0) && (a > b) == (expected > 0)
                && (a <= b) == (expected <= 0) && (a >= b) == (expected >= 0) && Exact.compare(b, a) == -expected
            if !agrees {
                failures += 1
                Issue.record("compare(\(show(a)), \(show(b))) = \(got), expected \(expected)")
            }
            // The same value spelled differently is equal and hashes equal.
            for other in [a.reduced, scaled(a, &g)] where other != a || other.hashValue != a.hashValue || Exact.compare(a, other) != 0 {
                failures += 1
                Issue.record("\(show(a)) and \(show(other)) are one value but differ in ==, compare or hash")
            }
        }
    }

    /// `a` with numerator and denominator multiplied by a random factor
    /// (when that fits).
    func scaled(_ a: Exact, _ g: inout SplitMixGenerator) -> Exact {
        let k = Int128(Int.random(in: 2...1_000_000, using: &g))
        let (n, o1) = a.numeratorValue.multipliedReportingOverflow(by: k)
        let (d, o2) = a.denominatorValue.multipliedReportingOverflow(by: k)
        return o1 || o2 ? a : fraction(n, d)
    }

    /// roundedUnits in every mode at a random scale (mostly 0...12, the
    /// scales plans use; sometimes up to 38, past the 64-bit fast path's
    /// limit of 18), with `rounded` and `formatted` built on it.
    @Test(arguments: propertySeeds)
    func roundingInEveryMode(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var failures = 0
        var (exact, overflowed) = (0, 0)
        for i in 0..<Self.cases where failures < 5 {
            let a = g.exact()
            let scale = g.chance(80) ? i % 13 : Int.random(in: 13...38, using: &g)
            let reference = Ratio(a).rounding(scale: scale)
            for mode in RoundingMode.allCases {
                let expected = reference(mode)
                var outcome: Result<Int128, ArithmeticError>
                do throws(ArithmeticError) {
                    outcome = .success(try a.roundedUnits(scale: scale, mode: mode))
                } catch {
                    outcome = .failure(error)
                }
                let ok: Bool
                switch outcome {
                case .success(let units):
                    ok = expected.int128 == units
                    exact += 1
                    if ok {
                        let text = Outcome { () throws(ArithmeticError) in try a.rounded(scale: scale, mode: mode) }
                        let formatted = try? a.formatted(scale: scale, mode: mode)
                        if !(Ratio(BigInt(units), BigInt.power(10, scale)).isValue(of: text.value ?? .zero) || units == 0)
                            || formatted != referenceFixedPoint(expected, scale: scale)
                        {
                            failures += 1
                            Issue.record("\(show(a)) at \(scale) \(mode): rounded \(text), formatted \(formatted ?? "nil")")
                        }
                    }
                case .failure(let e):
                    // Int128.min units is refused (the magnitude is computed
                    // unsigned); anything else that fits must be returned.
                    ok = e == .overflow && (expected.int128 == nil || expected.int128 == .min)
                    overflowed += 1
                }
                if !ok {
                    failures += 1
                    Issue.record("\(show(a)).roundedUnits(scale: \(scale), mode: \(mode)) = \(outcome), expected \(expected)")
                }
            }
        }
        #expect(exact > 0 && overflowed > 0, "exact \(exact), overflowed \(overflowed)")
    }

    @Test(arguments: propertySeeds)
    func floorAndCeiling(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var failures = 0
        for _ in 0..<Self.cases where failures < 5 {
            let a = g.exact()
            let ra = Ratio(a)
            let floor = a.floor()
            let ceiling = try? a.roundedUnits(scale: 0, mode: .ceiling)
            let expectedCeiling = ra.roundedUnits(scale: 0, mode: .ceiling)
            // A ceiling of exactly Int128.min is refused like every rounding to it.
            let ceilingFits = expectedCeiling.int128 != nil && expectedCeiling.int128 != .min
            if BigInt(floor) != ra.floor || (ceilingFits && ceiling != expectedCeiling.int128) {
                failures += 1
                Issue.record("\(show(a)): floor \(floor) ceiling \(ceiling.map(String.init) ?? "nil"), expected \(ra.floor), \(expectedCeiling)")
            }
        }
    }

    /// The predicates and `reduced` (lowest terms, positive denominator).
    @Test(arguments: propertySeeds)
    func predicatesAndLowestTerms(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        for _ in 0..<Self.cases {
            let a = g.exact()
            let ra = Ratio(a)
            let r = a.reduced
            let s = ra.numerator.signum
            let good =
                r.numeratorValue == ra.numerator.int128 && r.denominatorValue == ra.denominator.int128
                && a.isInteger == (ra.denominator == .one) && a.signum == s && a.isZero == (s == 0)
                && a.isNegative == (s < 0) && a.isPositive == (s > 0)
                && a.fractionText == (ra.denominator == .one ? "\(ra.numerator)" : "\(ra.numerator)/\(ra.denominator)")
            #expect(good, "\(show(a)): reduced \(show(r)), \(a.fractionText)")
            if !good { return }
        }
    }
}

@Suite("Exact decimal text against a reference")
struct ExactTextPropertyTests {
    static let cases = 1000

    /// Random decimal text, mostly valid, near every limit of the parser:
    /// 39-digit integers (Int128 holds 38 to 39), 30 and 31 places.
    static func decimalText(_ g: inout SplitMixGenerator) -> String {
        var s = ""
        switch Int.random(in: 0..<10, using: &g) {
        case 0: s += "-"
        case 1: s += "+"
        default: break
        }
        let intDigits = g.chance(70) ? Int.random(in: 0...6, using: &g) : Int.random(in: 0...40, using: &g)
        for i in 0..<intDigits { s += String(i == 0 && g.chance(60) ? Int.random(in: 1...9, using: &g) : Int.random(in: 0...9, using: &g)) }
        if g.chance(70) {
            s += "."
            let places = g.chance(70) ? Int.random(in: 0...4, using: &g) : Int.random(in: 0...33, using: &g)
            for _ in 0..<places { s += String(Int.random(in: 0...9, using: &g)) }
        }
        if g.chance(3) {
            // One foreign character somewhere.
            let junk: [Character] = ["e", " ", ",", "_", ".", "-", "١", "５", "\u{301}", "x"]
            let at = s.index(s.startIndex, offsetBy: Int.random(in: 0...s.count, using: &g))
            s.insert(junk.randomElement(using: &g)!, at: at)
        }
        return s
    }

    /// The value the text means, or nil when `Exact(decimal:)` must refuse
    /// it: no digit, more than 30 places, more than Int128.max units, or any
    /// character that is not a digit, a single point or a leading sign.
    static func referenceParse(_ text: String) -> Ratio? {
        var body = Substring(text)
        var negative = false
        if let f = body.first, f == "-" || f == "+" {
            negative = f == "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts.joined()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let places = parts.count == 2 ? parts[1].count : 0
        guard places <= 30, let units = BigInt(decimal: digits), units.int128 != nil else { return nil }
        return Ratio(negative ? -units : units, BigInt.power(10, places))
    }

    @Test(arguments: propertySeeds)
    func parsingAgreesWithReference(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        var (accepted, refused) = (0, 0)
        for _ in 0..<Self.cases {
            let text = Self.decimalText(&g)
            let parsed = Exact(decimal: text)
            let expected = Self.referenceParse(text)
            if parsed != nil { accepted += 1 } else { refused += 1 }
            let ok = parsed.map { p in expected.map { $0.isValue(of: p) } ?? false } ?? (expected == nil)
            #expect(ok, "Exact(decimal: \"\(text)\") = \(parsed.map(show) ?? "nil"), expected \(expected?.description ?? "nil")")
            if !ok { return }
        }
        #expect(accepted > 0 && refused > 0)
    }

    /// Fixed-point text of any Int128 at any scale 0...38, appended after
    /// what the buffer already holds; parsing it back gives the value.
    @Test(arguments: propertySeeds)
    func fixedPointTextRoundTrips(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        for _ in 0..<Self.cases {
            let units = g.chance(5) ? [Int128.min, Int128.max, 0].randomElement(using: &g)! : g.component()
            let scale = Int.random(in: 0...38, using: &g)
            let expected = referenceFixedPoint(BigInt(units), scale: scale)
            var bytes = Array("x=".utf8)
            Exact.appendUnits(units, scale: scale, to: &bytes)
            let text = Exact.formatUnits(units, scale: scale)
            #expect(String(decoding: bytes, as: UTF8.self) == "x=" + expected && text == expected, "\(units) at \(scale)")
            // Exact(units:scale:) strips trailing zeros without changing the value.
            let value = Exact(units: units, scale: scale)
            #expect(Ratio(BigInt(units), BigInt.power(10, scale)).isValue(of: value), "Exact(units: \(units), scale: \(scale))")
            if scale <= 30, units != .min {
                #expect(Exact(decimal: text) == value, "\(text) parses back")
            }
        }
    }

    /// Exact(units:scale:) strips common factors of ten (in 64 bits when it
    /// can): every scale against units with every number of trailing zeros.
    @Test func unitsAtEveryScaleAndPowerOfTen() {
        for scale in 0...38 {
            for zeros in 0...38 {
                for digit in [1, 7, -3] as [Int128] {
                    let (units, overflow) = digit.multipliedReportingOverflow(by: Exact.powerOfTen(zeros))
                    if overflow { continue }
                    let value = Exact(units: units, scale: scale)
                    #expect(Ratio(BigInt(units), BigInt.power(10, scale)).isValue(of: value), "\(units) at scale \(scale)")
                }
            }
        }
    }

    /// `decimalDigits`: the value cut (toward zero) after `maxFractionDigits`
    /// places and whether anything was cut; a value that needs no more
    /// places prints whole, without trailing zeros, and parses back.
    @Test(arguments: propertySeeds)
    func decimalDigitsTruncate(_ seed: UInt64) {
        var g = SplitMixGenerator(seed: seed)
        for _ in 0..<Self.cases {
            let a: Exact =
                g.chance(50) ? g.exact() : Exact(units: g.component(), scale: Int.random(in: 0...30, using: &g))
            let places = Int.random(in: 0...40, using: &g)
            let ra = Ratio(a)
            let negative = ra.numerator.negative
            let magnitude = Ratio(ra.numerator.magnitude, ra.denominator)
            let (cut, rest) = (magnitude.numerator * BigInt.power(10, places)).floorDivided(by: magnitude.denominator)
            // Cut text keeps every place; whole text has no trailing zeros.
            var expected = referenceFixedPoint(cut, scale: places)
            if rest.isZero, expected.contains(".") {
                while expected.hasSuffix("0") { expected.removeLast() }
                if expected.hasSuffix(".") { expected.removeLast() }
            }
            expected = (negative ? "-" : "") + expected
            let (text, truncated) = a.decimalDigits(maxFractionDigits: places)
            #expect(text == expected && truncated == !rest.isZero, "\(show(a)) to \(places) places: \(text) \(truncated)")
            #expect(a.decimalText(maxFractionDigits: places) == expected + (rest.isZero ? "" : "…"))
            if !truncated, places <= 30, let back = Exact(decimal: text) { #expect(back == a, "\(text) parses back") }
        }
    }
}

@Suite("Exact at its edges")
struct ExactEdgeTests {
    static let two63 = Int128(Int64.max) + 1
    static let two126 = Int128(1) << 126

    static func value(_ body: () throws(ArithmeticError) -> Exact) -> Outcome { Outcome(body) }

    @Test func equalValuesAreEqualAndHashEqual() throws {
        let half = fraction(1, 2)
        let spellings = [fraction(2, 4), fraction(50, 100), fraction(Int128(Int64.max) * 3, Int128(Int64.max) * 6), Exact(decimal: "0.5")!]
        for s in spellings {
            #expect(s == half && s.hashValue == half.hashValue && !(s < half) && !(half < s), "\(show(s))")
        }
        #expect(Set(spellings + [half]).count == 1)
        #expect(fraction(0, 5) == .zero && fraction(0, 5).hashValue == Exact.zero.hashValue)
        #expect(try Exact(numerator: -1, denominator: 2) == Exact(numerator: 1, denominator: -2))
        #expect(fraction(1, 3) != fraction(333_333, 1_000_000))
    }

    @Test func zeroAndNegativeDenominators() throws {
        #expect(throws: ArithmeticError.divisionByZero) { try Exact(numerator: 1, denominator: 0) }
        #expect(throws: ArithmeticError.divisionByZero) { try Exact(numerator: 0, denominator: 0) }
        let minusHalf = try Exact(numerator: 1, denominator: -2)
        #expect(minusHalf.numeratorValue == -1 && minusHalf.denominatorValue == 2)
        let half = try Exact(numerator: -3, denominator: -6)
        #expect(half == fraction(1, 2) && half.denominatorValue > 0)
        #expect(try Exact(numerator: 0, denominator: -5) == .zero)
        // −Int128.min does not exist, so these cannot be normalised.
        #expect(throws: ArithmeticError.overflow) { try Exact(numerator: .min, denominator: -1) }
        #expect(throws: ArithmeticError.overflow) { try Exact(numerator: 1, denominator: .min) }
        #expect(try Exact(numerator: .min, denominator: 1).numeratorValue == .min)
        #expect(throws: ArithmeticError.divisionByZero) { try Exact(1) / .zero }
        #expect(throws: ArithmeticError.divisionByZero) { try Exact.zero.reciprocal() }
    }

    /// Where the 64-bit fast paths hand over to Int128: results just past
    /// 64 bits are exact, not wrapped.
    @Test func int64HandOver() throws {
        let max = Exact(integer: Int128(Int64.max))
        let min = Exact(integer: Int128(Int64.min))
        #expect(try max + .one == Exact(integer: Self.two63))
        #expect(try min - .one == Exact(integer: Int128(Int64.min) - 1))
        #expect(try max * max == Exact(integer: Int128(Int64.max) * Int128(Int64.max)))
        #expect(try min * min == Exact(integer: Self.two126))
        #expect(try min / Exact(-1) == Exact(integer: Self.two63))
        #expect(try min.negated() == Exact(integer: Self.two63))
        // Denominators at the edge: 1/(2^63−1) + 1/(2^63−2) over their product.
        let a = fraction(1, Int128(Int64.max))
        let b = fraction(1, Int128(Int64.max) - 1)
        let sum = try a + b
        #expect(Ratio(sum) == Ratio(BigInt(2 * Int128(Int64.max) - 1), BigInt(Int128(Int64.max)) * BigInt(Int128(Int64.max) - 1)))
        #expect(Exact.compare(a, b) == -1 && a < b)
        // Rounding just past 64 bits of units.
        #expect(try max.roundedUnits(scale: 2, mode: .floor) == Int128(Int64.max) * 100)
        #expect(try fraction(Int128(Int64.max), 2).formatted(scale: 0, mode: .halfEven) == "4611686018427387904")
    }

    /// Near the edges of Int128: exact results right up to the limit,
    /// `.overflow` past it, no traps.
    @Test func int128Limits() throws {
        let max = Exact(integer: .max)
        let min = Exact(integer: .min)
        #expect(try max + .zero == max)
        #expect(try max - .one == Exact(integer: .max - 1))
        #expect(throws: ArithmeticError.overflow) { try max + .one }
        #expect(throws: ArithmeticError.overflow) { try min - .one }
        #expect(throws: ArithmeticError.overflow) { try max * Exact(2) }
        #expect(throws: ArithmeticError.overflow) { try min * Exact(-1) }
        #expect(throws: ArithmeticError.overflow) { try min / Exact(-1) }
        #expect(throws: ArithmeticError.overflow) { try min.negated() }
        #expect(throws: ArithmeticError.overflow) { try min.absolute() }
        #expect(throws: ArithmeticError.overflow) { try fraction(1, .max) - max }
        #expect(try min + .one == Exact(integer: .min + 1))
        #expect(try max * Exact(-1) == Exact(integer: -.max))
        #expect(try max / max == .one)
        #expect(try max.negated() - .one == min)
        // Unreduced operands whose result fits after reduction.
        #expect(try fraction(.max, 2) * Exact(2) == max)
        #expect(try fraction(Self.two126, 2) + fraction(Self.two126, 2) == Exact(integer: Self.two126))
        #expect(try fraction(.max - 1, .max) * fraction(.max, .max - 1) == .one)
        #expect(try fraction(1, .max) + fraction(1, .max) == fraction(2, .max))
        // 1/(2^127−1) + 1/(2^127−2): the common denominator needs 254 bits.
        #expect(throws: ArithmeticError.overflow) { try fraction(1, .max) + fraction(1, .max - 1) }
        // Comparison takes the cross products at 256 bits.
        #expect(fraction(.max - 1, .max) < fraction(.max, .max - 1))
        #expect(fraction(.max - 2, .max - 1) < fraction(.max - 1, .max))
        #expect(Exact.compare(min, max) == -1 && min < fraction(.min + 1, 1) && fraction(.min, .max) < fraction(-1, 1))
        #expect(min.floor() == .min && max.floor() == .max && fraction(.min, 3).floor() == Int128.min / 3 - 1)
    }

    /// Int128.min can be held and compared, but not negated, divided by or
    /// rounded (its units are computed as an unsigned magnitude): every one
    /// of those is `.overflow`, never a trap.
    @Test func int128MinNeverTraps() throws {
        let min = Exact(integer: .min)
        #expect(min.signum == -1 && min.isInteger && min.fractionText == "-170141183460469231731687303715884105728")
        #expect(min.description == "-170141183460469231731687303715884105728")
        #expect(throws: ArithmeticError.overflow) { try Exact.one / min }
        for mode in RoundingMode.allCases {
            #expect(throws: ArithmeticError.overflow) { try min.roundedUnits(scale: 0, mode: mode) }
        }
        #expect(try fraction(.min, 2).roundedUnits(scale: 0, mode: .halfEven) == Int128.min / 2)
        #expect(Exact.formatUnits(.min, scale: 2) == "-1701411834604692317316873037158841057.28")
        #expect(Exact(decimal: "-170141183460469231731687303715884105728") == nil, "parsed as a magnitude first")
        #expect(Exact(decimal: "-170141183460469231731687303715884105727") == fraction(.min + 1, 1))
        #expect(Exact(decimal: "170141183460469231731687303715884105728") == nil)
    }

    /// Rounding whose quotient is 2^128 − 1 with a remainder: rounding away
    /// from zero once computed 2^128 in 128 bits and trapped (found by this
    /// suite). It is `.overflow`, like every other result past Int128.
    @Test func roundingAtTheTopOfUInt128IsOverflow() throws {
        // n·100 = 29·(2^128 − 1) + 5, so n/29 at 2 places is (2^128 − 1) + 5/29.
        let n = try #require((BigInt(29) * (BigInt.one << 128) - BigInt(24)).quotientAndRemainder(dividingBy: BigInt(100)).quotient.int128)
        let x = fraction(n, 29)
        for mode in RoundingMode.allCases {
            #expect(throws: ArithmeticError.overflow, "\(mode)") { try x.roundedUnits(scale: 2, mode: mode) }
            #expect(throws: ArithmeticError.overflow, "\(mode)") { try x.negated().roundedUnits(scale: 2, mode: mode) }
        }
        // Every such quotient for small denominators and scales: n·10^s =
        // d·(2^128 − 1) + r with 0 < r < d.
        var found = 0
        let top = (BigInt.one << 128) - .one
        for scale in 1...4 {
            let p = BigInt.power(10, scale)
            let topModP = try #require(top.quotientAndRemainder(dividingBy: p).remainder.int128)
            let pInt = Int128(Exact.powerOfTen(scale))
            for d in 2...300 {
                for r in 1..<d where (Int128(d) * topModP + Int128(r)) % pInt == 0 {
                    let product = BigInt(d) * top + BigInt(r)
                    guard let n = product.quotientAndRemainder(dividingBy: p).quotient.int128 else { continue }
                    found += 1
                    let y = fraction(n, Int128(d))
                    #expect(throws: ArithmeticError.overflow) { try y.roundedUnits(scale: scale, mode: .awayFromZero) }
                    #expect(throws: ArithmeticError.overflow) { try y.roundedUnits(scale: scale, mode: .halfAwayFromZero) }
                }
            }
        }
        #expect(found > 10)
    }

    /// Rounded units right at Int128.max are exact; one past is overflow.
    @Test func roundingAtInt128Max() throws {
        let top = fraction(.max, 10)
        #expect(try top.roundedUnits(scale: 1, mode: .halfEven) == .max)
        #expect(try top.negated().roundedUnits(scale: 1, mode: .halfEven) == -.max)
        #expect(throws: ArithmeticError.overflow) { try top.roundedUnits(scale: 2, mode: .floor) }
        // (2^127 − 1)/20 = 2^126 − 1/2 at 1 place: a tie.
        let tie = fraction(.max, 20)
        #expect(try tie.roundedUnits(scale: 1, mode: .halfAwayFromZero) == Self.two126)
        #expect(try tie.roundedUnits(scale: 1, mode: .halfEven) == Self.two126)
        #expect(try tie.roundedUnits(scale: 1, mode: .halfTowardZero) == Self.two126 - 1)
        #expect(try tie.negated().roundedUnits(scale: 1, mode: .floor) == -Self.two126)
        #expect(try tie.negated().roundedUnits(scale: 1, mode: .ceiling) == -Self.two126 + 1)
    }

    /// The examples in RoundingMode's documentation, and the spelling of
    /// each mode in plans.
    @Test func roundingModesAsDocumented() throws {
        // One column per mode, in RoundingMode.allCases order:
        //   half_away_from_zero, half_even, half_toward_zero, toward_zero, up, floor, ceiling
        let table: [(String, [String])] = [
            ("2.345", ["2.35", "2.34", "2.34", "2.34", "2.35", "2.34", "2.35"]),
            ("-2.345", ["-2.35", "-2.34", "-2.34", "-2.34", "-2.35", "-2.35", "-2.34"]),
            ("2.355", ["2.36", "2.36", "2.35", "2.35", "2.36", "2.35", "2.36"]),
            ("2.349", ["2.35", "2.35", "2.35", "2.34", "2.35", "2.34", "2.35"]),
            ("-2.341", ["-2.34", "-2.34", "-2.34", "-2.34", "-2.35", "-2.35", "-2.34"]),
            ("-0.005", ["-0.01", "0.00", "0.00", "0.00", "-0.01", "-0.01", "0.00"]),
            ("7", ["7.00", "7.00", "7.00", "7.00", "7.00", "7.00", "7.00"]),
        ]
        for (text, expected) in table {
            let x = try #require(Exact(decimal: text))
            for (mode, want) in zip(RoundingMode.allCases, expected) {
                #expect(try x.formatted(scale: 2, mode: mode) == want, "\(text) \(mode)")
            }
        }
        #expect(try fraction(2, 3).formatted(scale: 0, mode: .halfEven) == "1")
        #expect(try fraction(45, 92).formatted(scale: 12, mode: .halfAwayFromZero) == "0.489130434783")
        #expect(
            RoundingMode.allCases.map(\.rawValue) == [
                "half_away_from_zero", "half_even", "half_toward_zero", "toward_zero", "up", "floor", "ceiling",
            ])
    }

    @Test func decimalParsingSpellings() {
        let accepted: [(String, Exact)] = [
            ("0", .zero), ("-0", .zero), ("+5", Exact(5)), ("5.", Exact(5)), (".5", fraction(1, 2)), ("-.5", fraction(-1, 2)),
            ("007.50", fraction(15, 2)), ("1." + String(repeating: "0", count: 30), .one),
            ("0." + String(repeating: "0", count: 29) + "1", Exact(units: 1, scale: 30)),
        ]
        for (text, value) in accepted { #expect(Exact(decimal: text) == value, "\(text)") }
        let refused = [
            "", "-", "+", ".", "-.", "1e5", "1E5", "1,000", "1_000", " 1", "1 ", "--1", "+-1", "1.2.3", "0x10", "١", "５", "∞", "NaN", "1\u{301}",
            "0." + String(repeating: "0", count: 30) + "1",
        ]
        for text in refused { #expect(Exact(decimal: text) == nil, "\(text)") }
        #expect(Exact(decimal: "12.345"[...]) == fraction(12345, 1000))
    }

    /// A denominator past 2^128 / 10 (about 3.4e37): the next digit of the
    /// fraction once came from 10 · remainder computed in 128 bits, which
    /// trapped (found by this suite).
    @Test func decimalTextOfHugeDenominators() {
        let nearOne = fraction(.max - 1, .max)
        #expect(nearOne.description == "0.999999999999…")
        #expect(nearOne.decimalText(maxFractionDigits: 40) == "0.9999999999999999999999999999999999999941…")
        #expect(fraction(-1, .max).decimalText(maxFractionDigits: 40) == "-0.0000000000000000000000000000000000000058…")
        var stream = JSONStream()
        stream.number(fraction(Int128.max / 2, .max))
        #expect(String(decoding: stream.bytes, as: UTF8.self) == "0.499999999999")
    }

    @Test func textForms() {
        #expect(fraction(1, 3).description == "0.333333333333…")
        #expect(fraction(-1, 3).decimalText(maxFractionDigits: 0) == "-0…")
        #expect(fraction(-5, 4).description == "-1.25")
        #expect(fraction(12345, 100).fractionText == "2469/20")
        #expect(fraction(-6, 3).fractionText == "-2")
        #expect(Exact.formatUnits(-5, scale: 3) == "-0.005" && Exact.formatUnits(0, scale: 0) == "0")
        #expect(Exact.formatUnits(1234, scale: 2) == "12.34")
    }
}
