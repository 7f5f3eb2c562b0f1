import PayplanCore
import Testing

/// Half-months and half-years beside months, quarters and years.
@Suite("Calendar: half_month and half_year periods")
struct HalfPeriodTests {
    @Test func halfMonthsAreTheFirstFifteenDaysAndTheRest() throws {
        let h1 = try #require(Period("2026-02-H1"))
        let h2 = try #require(Period("2026-02-H2"))
        #expect(h1.kind == .halfMonth && h1.description == "2026-02-H1" && h2.description == "2026-02-H2")
        #expect(h1.start.description == "2026-02-01" && h1.end.description == "2026-02-15" && h1.days == 15)
        #expect(h2.start.description == "2026-02-16" && h2.end.description == "2026-02-28" && h2.days == 13)
        #expect(Period("2028-02-H2")!.days == 14)
        #expect(Period(containing: CivilDate(iso: "2026-02-15")!, kind: .halfMonth) == h1)
        #expect(Period(containing: CivilDate(iso: "2026-02-16")!, kind: .halfMonth) == h2)
    }

    @Test func halfYearsSplitTheYearAtJuly() throws {
        let h2 = try #require(Period("2026-H2"))
        #expect(h2.kind == .halfYear && h2.description == "2026-H2" && Period("2026-h1")?.description == "2026-H1")
        #expect(h2.start.description == "2026-07-01" && h2.end.description == "2026-12-31" && h2.monthCount == 6)
        #expect(Period(containing: CivilDate(iso: "2026-06-30")!, kind: .halfYear) == Period("2026-H1"))
    }

    @Test func consecutiveHalvesFollowEachOtherAcrossYears() throws {
        #expect(Period("2026-01-H1")!.previous.description == "2025-12-H2")
        #expect(Period("2025-12-H2")!.next.description == "2026-01-H1")
        #expect(Period("2026-H1")!.previous.description == "2025-H2")
        #expect(Period("2026-07-H2")!.firstOfYear.description == "2026-01-H1")
        // Every half-month of a year, in order, covering each day once.
        var p = Period("2026-01-H1")!
        for _ in 0..<23 {
            let n = p.next
            #expect(n.start == p.end.adding(days: 1))
            p = n
        }
        #expect(p.description == "2026-12-H2" && p.end.description == "2026-12-31")
    }

    @Test func malformedHalvesAreNotPeriods() {
        // (2026-H1 is a half-year now; refusedSpellings lists the rest.)
        for text in ["2026-H3", "2026-H0", "2026-13-H1", "2026-07-H3", "2026-7-H1", "2026-07H1", "2026-Q3-H1", "2026-07-h1x"] {
            #expect(Period(text) == nil, "\(text)")
        }
    }
}
