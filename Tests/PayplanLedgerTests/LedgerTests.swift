import Testing
@testable import PayplanLedger
@Test func placeholder() {}
