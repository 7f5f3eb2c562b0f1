import PayplanCore
import Testing

/// Month lengths written out, for the reference walks below.
func referenceMonthLength(_ year: Int, _ month: Int) -> Int {
    let leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0)
    return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

func date(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> CivilDate {
    try #require(CivilDate(iso: text), sourceLocation: sourceLocation)
}

func period(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Period {
    try #require(Period(text), sourceLocation: sourceLocation)
}

@Suite("CivilDate")
struct CivilDateTests {
    @Test func leapYears() {
        for (year, leap) in [
            (1900, false), (2000, true), (2100, false), (1600, true), (2024, true), (2026, false), (4, true), (1, false), (9996, true),
        ] {
            #expect(CivilDate.isLeap(year) == leap, "\(year)")
            #expect((CivilDate(year: year, month: 2, day: 29) != nil) == leap, "\(year)-02-29")
        }
        #expect(CivilDate.daysInMonth(year: 1900, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2000, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
    }

    @Test func validity() {
        #expect(CivilDate(year: 2026, month: 1, day: 31) != nil)
        #expect(CivilDate(year: 2026, month: 4, day: 31) == nil)
        #expect(CivilDate(year: 2026, month: 1, day: 0) == nil)
        #expect(CivilDate(year: 2026, month: 1, day: 32) == nil)
        #expect(CivilDate(year: 2026, month: 0, day: 1) == nil)
        #expect(CivilDate(year: 2026, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2026, month: -1, day: 1) == nil)
        #expect(CivilDate(year: 0, month: 12, day: 31) == nil, "years are 0001...9999")
        #expect(CivilDate(year: 10000, month: 1, day: 1) == nil)
        #expect(CivilDate(year: 1, month: 1, day: 1) != nil && CivilDate(year: 9999, month: 12, day: 31) != nil)
        // Every day of every month of a 400-year cycle and its edges.
        for year in 1600...2000 {
            for month in 1...12 {
                let length = referenceMonthLength(year, month)
                #expect(CivilDate.daysInMonth(year: year, month: month) == length)
                #expect(CivilDate(year: year, month: month, day: length) != nil && CivilDate(year: year, month: month, day: length + 1) == nil)
            }
        }
    }

    @Test func knownDayNumbers() throws {
        let known: [(String, Int32)] = [
            ("1970-01-01", 0), ("1969-12-31", -1), ("2000-01-01", 10957), ("2000-02-29", 11016), ("1900-03-01", -25508),
            ("2026-07-01", 20635), ("0001-01-01", -719162), ("9999-12-31", 2_932_896),
        ]
        for (text, number) in known {
            let d = try date(text)
            #expect(d.dayNumber == number, "\(text)")
            #expect(CivilDate(dayNumber: number).description == text)
        }
    }

    /// Every month from 0001 to 9999 against month lengths written out: the
    /// first day of each is the day after the last day of the one before,
    /// and both convert back. Every single day of 1895...2105 likewise.
    @Test func dayNumbersRoundTrip() throws {
        var number = try date("0001-01-01").dayNumber
        for year in 1...9999 {
            for month in 1...12 {
                let length = referenceMonthLength(year, month)
                guard let first = CivilDate(year: year, month: month, day: 1), first.dayNumber == number,
                    first.components == (year, month, 1), let last = CivilDate(year: year, month: month, day: length),
                    last.dayNumber == number + Int32(length) - 1, last.components == (year, month, length)
                else {
                    Issue.record("\(year)-\(month) does not start on day \(number)")
                    return
                }
                number += Int32(length)
            }
        }
        #expect(number - 1 == 2_932_896, "9999-12-31")
        var d = try date("1895-01-01")
        var (year, month, day) = (1895, 1, 1)
        while year <= 2105 {
            guard d.components == (year, month, day), CivilDate(year: year, month: month, day: day) == d else {
                Issue.record("\(year)-\(month)-\(day) is not \(d.dayNumber)")
                return
            }
            d = d.adding(days: 1)
            day += 1
            if day > referenceMonthLength(year, month) {
                (day, month) = (1, month + 1)
                if month > 12 { (month, year) = (1, year + 1) }
            }
        }
    }

    @Test func isoText() throws {
        #expect(try date("2026-02-28").components == (2026, 2, 28))
        for bad in [
            "2026-02-30", "2026-2-28", "2026-02-8", "26-02-28", "2026/02/28", "2026-02-28 ", " 2026-02-28", "+026-02-28", "2026-0a-28", "0000-01-01",
            "2026-13-01", "2026-00-10", "", "２０２６-02-28", "2026-02-28T00:00",
        ] {
            #expect(CivilDate(iso: bad) == nil, "\(bad)")
        }
        var g = SplitMixGenerator(seed: 7)
        for _ in 0..<2000 {
            let d = CivilDate(dayNumber: Int32.random(in: -719162...2_932_896, using: &g))
            #expect(CivilDate(iso: d.description) == d && CivilDate(iso: d.description[...]) == d)
        }
        #expect(try date("0099-01-05").description == "0099-01-05")
    }

    @Test func arithmeticAndOrder() throws {
        let a = try date("2024-02-28")
        #expect(a.adding(days: 1).description == "2024-02-29")
        #expect(a.adding(days: 2).description == "2024-03-01")
        #expect(a.adding(days: -59).description == "2023-12-31")
        #expect(try date("2025-01-01").days(since: a) == 308)
        #expect(a.days(since: try date("2025-01-01")) == -308)
        #expect(a < a.adding(days: 1) && !(a < a))
    }
}

@Suite("Period")
struct PeriodTests {
    /// Every spelling the parser accepts. A lower-case `q` is accepted too.
    @Test func acceptedSpellings() throws {
        let accepted: [(String, PeriodKind, Int, Int)] = [
            ("2026", .year, 2026, 1), ("0001", .year, 1, 1), ("9999", .year, 9999, 1),
            ("2026-07", .month, 2026, 7), ("2026-01", .month, 2026, 1), ("2026-12", .month, 2026, 12), ("0001-01", .month, 1, 1),
            ("2026-Q1", .quarter, 2026, 1), ("2026-Q4", .quarter, 2026, 4), ("2026-q3", .quarter, 2026, 3),
        ]
        for (text, kind, year, index) in accepted {
            let p = try period(text)
            #expect(p == Period(kind: kind, year: year, index: index), "\(text)")
            #expect(p.description == text.uppercased(), "printed with a capital Q")
        }
        #expect(Period("2026-Q3"[...]) == Period(kind: .quarter, year: 2026, index: 3))
    }

    @Test func refusedSpellings() {
        let refused = [
            "2026-Q0", "2026-Q5", "2026-Q9", "2026-13", "2026-00", "26-Q3", "26-07", "0000", "0000-01", "0000-Q1", "2026-7", "2026-007",
            "2026-Q03", "2026-Q", "2026-", " 2026", "2026 ", "20260", "202", "", "+2026", "-2026", "2026-W01", "2026-qq",
            "2026-x3", "2026–07", "2026/07", "２０２６", "2026-1Q", "Q3-2026", "2026-07-01",
        ]
        for text in refused { #expect(Period(text) == nil, "\(text)") }
    }

    /// Every period of every kind and year: printed text parses back;
    /// periods of a kind tile the calendar (each starts the day after the
    /// previous one ends); month lengths match the written-out table.
    @Test func everyPeriodTilesTheCalendar() throws {
        for kind in PeriodKind.allCases {
            var previous: Period?
            var p = Period(kind: kind, year: 1, index: 1)
            while p.year <= 9999 {
                guard Period(p.description) == p, Period(kind: kind, ordinal: p.ordinal) == p, p.start <= p.end,
                    p.days == p.end.days(since: p.start) + 1
                else {
                    Issue.record("\(p): text or range wrong")
                    return
                }
                if let q = previous, q.end.adding(days: 1) != p.start || q.next != p || p.previous != q || p.ordinal != q.ordinal + 1 || !(q < p) {
                    Issue.record("\(q) → \(p) do not follow each other")
                    return
                }
                if kind == .month, p.days != referenceMonthLength(p.year, p.index) {
                    Issue.record("\(p) has \(p.days) days")
                    return
                }
                previous = p
                p = p.next
            }
            #expect(previous?.end.description == "9999-12-31" && Period(kind: kind, year: 1, index: 1).start.description == "0001-01-01")
        }
    }

    @Test func startEndAndDays() throws {
        let cases: [(String, String, String, Int)] = [
            ("2026-07", "2026-07-01", "2026-07-31", 31), ("2024-02", "2024-02-01", "2024-02-29", 29), ("1900-02", "1900-02-01", "1900-02-28", 28),
            ("2000-02", "2000-02-01", "2000-02-29", 29), ("2100-02", "2100-02-01", "2100-02-28", 28), ("2026-04", "2026-04-01", "2026-04-30", 30),
            ("2026-Q1", "2026-01-01", "2026-03-31", 90), ("2024-Q1", "2024-01-01", "2024-03-31", 91), ("2026-Q2", "2026-04-01", "2026-06-30", 91),
            ("2026-Q3", "2026-07-01", "2026-09-30", 92), ("2026-Q4", "2026-10-01", "2026-12-31", 92), ("2026", "2026-01-01", "2026-12-31", 365),
            ("2000", "2000-01-01", "2000-12-31", 366), ("1900", "1900-01-01", "1900-12-31", 365), ("2100", "2100-01-01", "2100-12-31", 365),
        ]
        for (text, start, end, days) in cases {
            let p = try period(text)
            #expect(p.start.description == start && p.end.description == end && p.days == days, "\(text)")
        }
    }

    @Test func ordinalsAndNeighbours() throws {
        #expect(try period("2026-01").previous == period("2025-12"))
        #expect(try period("2025-12").next == period("2026-01"))
        #expect(try period("2026-Q1").previous == period("2025-Q4"))
        #expect(try period("2026").next == period("2027"))
        #expect(try period("2026-07").ordinal - period("2025-07").ordinal == 12)
        #expect(try period("2026-Q3").ordinal - period("2026-Q1").ordinal == 2)
        #expect(try period("0001-01").previous.description == "0000-12", "the month before the first one still prints")
        #expect(try period("2026-Q2") < period("2026-Q3") && period("2025") < period("2026"))
    }

    @Test func firstOfYear() throws {
        #expect(try period("2026-07").firstOfYear == period("2026-01"))
        #expect(try period("2026-Q3").firstOfYear == period("2026-Q1"))
        #expect(try period("2026-Q1").firstOfYear == period("2026-Q1"))
        #expect(try period("2026").firstOfYear == period("2026"))
    }

    /// Every day of 1999...2001 lies in the period of each kind that
    /// contains it, and in no neighbour of it.
    @Test func containingPeriods() throws {
        var d = try date("1999-01-01")
        let last = try date("2001-12-31")
        while d <= last {
            for kind in PeriodKind.allCases {
                let p = Period(containing: d, kind: kind)
                if !(p.start <= d && d <= p.end) || p.previous.end >= d || p.next.start <= d {
                    Issue.record("\(d) is not in \(p) only")
                    return
                }
            }
            d = d.adding(days: 1)
        }
        #expect(try Period(containing: date("2026-09-30"), kind: .quarter) == period("2026-Q3"))
        #expect(try Period(containing: date("2026-10-01"), kind: .quarter) == period("2026-Q4"))
        #expect(try Period(containing: date("2024-02-29"), kind: .month) == period("2024-02"))
        #expect(try Period(containing: date("2026-12-31"), kind: .year) == period("2026"))
    }
}
