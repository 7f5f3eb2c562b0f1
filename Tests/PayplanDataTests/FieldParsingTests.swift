import PayplanCore
import Testing

@testable import PayplanData

@Suite("Field parsing")
struct FieldParsingTests {
    func fixed(_ s: String) -> Result<Int128, Fixed.Problem> {
        let bytes = Array(s.utf8) + [0]
        return bytes.withUnsafeBufferPointer { Fixed.parse($0.baseAddress!, 0, s.utf8.count) }
    }

    @Test(arguments: [
        ("12345.67", "12345.67"), ("-300", "-300"), ("0.05", "0.05"), ("+7", "7"), ("0", "0"),
        ("12345678901234567890", "12345678901234567890"), ("-123456789012345678.5", "-123456789012345678.5"), ("1.123456789", "1.123456789"),
        ("2.50000000000", "2.5"),
    ])
    func validDecimals(_ text: String, _ expected: String) throws {
        guard case .success(let units) = fixed(text) else {
            Issue.record("\(text) refused")
            return
        }
        #expect(Fixed.exact(units) == Exact(decimal: expected)!)
    }

    @Test(arguments: ["", " 1", "1 ", "1e3", "1,000", "12,34", "1.", ".5", "--1", "1.2.3", "abc", "0x10", "1_000"])
    func invalidDecimals(_ text: String) {
        guard case .failure(.notDecimal) = fixed(text) else {
            Issue.record("\(text) accepted")
            return
        }
    }

    @Test func rangeAndScaleAreExplicitErrors() {
        guard case .failure(.outOfRange) = fixed("123456789012345678901") else { Issue.record("21 digits accepted"); return }
        guard case .failure(.tooManyDecimals) = fixed("0.1234567891") else { Issue.record("10 places accepted"); return }
        guard case .failure(.outOfRange) = fixed("1234567890123456789012") else { Issue.record("22 digits accepted"); return }
    }

    @Test func dateCacheAgreesWithTheCalendar() {
        let cache = DateCache()
        defer { cache.deallocate() }
        for text in ["2026-07-01", "2026-07-01", "2024-02-29", "2026-02-29", "2026-13-01", "2026-7-01", "2026-07-1x", "abcdefghij"] {
            let bytes = Array(text.utf8)
            let (cached, parsed) = bytes.withUnsafeBufferPointer { b in
                (cache.day(b.baseAddress!, 0, b.count), DateField.parse(b.baseAddress!, 0, b.count)?.dayNumber)
            }
            #expect(cached == parsed, "\(text)")
        }
    }

    @Test func dates() {
        func date(_ s: String) -> CivilDate? {
            let bytes = Array(s.utf8) + [0]
            return bytes.withUnsafeBufferPointer { DateField.parse($0.baseAddress!, 0, s.utf8.count) }
        }
        #expect(date("2026-07-01")?.description == "2026-07-01")
        #expect(date("2024-02-29") != nil)
        #expect(date("2026-02-29") == nil)
        #expect(date("2026-13-01") == nil)
        #expect(date("2026-7-1") == nil)
        #expect(date("2026/07/01") == nil)
        #expect(date("") == nil)
    }
}
