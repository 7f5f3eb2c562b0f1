/// A calendar date without time or zone, stored as days since 1970-01-01.
/// Plans and data speak of days only, so there is no time zone to get wrong.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var dayNumber: Int32

    public init(dayNumber: Int32) { self.dayNumber = dayNumber }

    /// nil when the date does not exist (2026-02-30) or is out of 0001...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        dayNumber = Int32(CivilDate.daysFromCivil(year, month, day))
    }

    /// Strict `YYYY-MM-DD`.
    public init?(iso text: Substring) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init?(iso text: String) { self.init(iso: text[...]) }

    public var components: (year: Int, month: Int, day: Int) {
        CivilDate.civilFromDays(Int(dayNumber))
    }

    public var description: String {
        let (y, m, d) = components
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + Int32(days)) }

    /// Days from `other` to `self` (positive when self is later).
    public func days(since other: CivilDate) -> Int { Int(dayNumber) - Int(other.dayNumber) }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's algorithms (public domain): exact for the proleptic
    // Gregorian calendar.
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// The length of a plan's pay period.
public enum PeriodKind: String, Sendable, CaseIterable, Codable {
    /// The 1st–15th and the 16th–last of a month: `2026-07-H1`, `2026-07-H2`.
    case halfMonth = "half_month"
    case month, quarter
    /// January–June and July–December: `2026-H1`, `2026-H2`.
    case halfYear = "half_year"
    case year

    public var periodsPerYear: Int {
        switch self {
        case .month: 12
        case .quarter: 4
        case .year: 1
        case .halfMonth: 24
        case .halfYear: 2
        }
    }
}

/// One pay period: `2026-07`, `2026-Q3` or `2026`. Start and end are
/// inclusive calendar dates.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let kind: PeriodKind
    public let year: Int
    /// 1-based month, quarter, or 1 for a year.
    public let index: Int

    public init(kind: PeriodKind, year: Int, index: Int) {
        self.kind = kind
        self.year = year
        self.index = index
    }

    /// Parses `2026-07`, `2026-Q3`, `2026`, `2026-H2`, `2026-07-H1`.
    public init?(_ text: Substring) {
        if text.utf8.count == 10, text.hasSuffix("-H1") || text.hasSuffix("-H2"), let month = Period(text.dropLast(3)), month.kind == .month {
            self.init(kind: .halfMonth, year: month.year, index: (month.index - 1) * 2 + (text.hasSuffix("1") ? 1 : 2))
            return
        }
        guard text.utf8.count <= 7 else { return nil }
        var u: [UInt8] = []
        u.reserveCapacity(7)
        u.append(contentsOf: text.utf8)
        func number(_ slice: ArraySlice<UInt8>) -> Int? {
            guard !slice.isEmpty, slice.count <= 4 else { return nil }
            var v = 0
            for c in slice {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        if u.count == 4, let y = number(u[0..<4]), y >= 1 {
            self.init(kind: .year, year: y, index: 1)
        } else if u.count == 7, u[4] == 45, u[5] == 81 || u[5] == 113, let y = number(u[0..<4]),
            let q = number(u[6..<7]), (1...4).contains(q), y >= 1
        {
            self.init(kind: .quarter, year: y, index: q)
        } else if u.count == 7, u[4] == 45, u[5] == 72 || u[5] == 104, let y = number(u[0..<4]),
            let h = number(u[6..<7]), (1...2).contains(h), y >= 1
        {
            self.init(kind: .halfYear, year: y, index: h)
        } else if u.count == 7, u[4] == 45, let y = number(u[0..<4]), let m = number(u[5..<7]),
            (1...12).contains(m), y >= 1
        {
            self.init(kind: .month, year: y, index: m)
        } else {
            return nil
        }
    }

    public init?(_ text: String) { self.init(text[...]) }

    /// The period of `kind` that contains `date`.
    public init(containing date: CivilDate, kind: PeriodKind) {
        let (y, m, _) = date.components
        switch kind {
        case .month: self.init(kind: .month, year: y, index: m)
        case .quarter: self.init(kind: .quarter, year: y, index: (m - 1) / 3 + 1)
        case .year: self.init(kind: .year, year: y, index: 1)
        case .halfMonth: self.init(kind: .halfMonth, year: y, index: (m - 1) * 2 + (date.components.day <= 15 ? 1 : 2))
        case .halfYear: self.init(kind: .halfYear, year: y, index: (m - 1) / 6 + 1)
        }
    }

    public var description: String {
        switch kind {
        case .month: "\(pad(year, 4))-\(pad(index, 2))"
        case .quarter: "\(pad(year, 4))-Q\(index)"
        case .year: pad(year, 4)
        case .halfMonth: "\(pad(year, 4))-\(pad(firstMonth, 2))-H\(2 - index % 2)"
        case .halfYear: "\(pad(year, 4))-H\(index)"
        }
    }

    public var firstMonth: Int {
        switch kind {
        case .month: index
        case .quarter: (index - 1) * 3 + 1
        case .year: 1
        case .halfMonth: (index - 1) / 2 + 1
        case .halfYear: (index - 1) * 6 + 1
        }
    }

    /// Months the period spans (a half-month: the one it lies in).
    public var monthCount: Int {
        switch kind {
        case .month, .halfMonth: 1
        case .quarter: 3
        case .year: 12
        case .halfYear: 6
        }
    }

    public var start: CivilDate {
        let day = kind == .halfMonth && index % 2 == 0 ? 16 : 1
        return CivilDate(dayNumber: Int32(CivilDate.daysFromCivil(year, firstMonth, day)))
    }

    public var end: CivilDate {
        if kind == .halfMonth && index % 2 == 1 { return CivilDate(dayNumber: Int32(CivilDate.daysFromCivil(year, firstMonth, 15))) }
        let lastMonth = firstMonth + monthCount - 1
        let day = CivilDate.daysInMonth(year: year, month: lastMonth)
        return CivilDate(dayNumber: Int32(CivilDate.daysFromCivil(year, lastMonth, day)))
    }

    /// Inclusive count of days.
    public var days: Int { end.days(since: start) + 1 }

    /// A running number: consecutive periods of one kind differ by 1.
    public var ordinal: Int { year * kind.periodsPerYear + index - 1 }

    public init(kind: PeriodKind, ordinal: Int) {
        let per = kind.periodsPerYear
        self.init(kind: kind, year: ordinal / per, index: ordinal % per + 1)
    }

    public var previous: Period { Period(kind: kind, ordinal: ordinal - 1) }
    public var next: Period { Period(kind: kind, ordinal: ordinal + 1) }

    /// The first period of the same kind in this period's calendar year.
    public var firstOfYear: Period { Period(kind: kind, year: year, index: 1) }

    public static func < (a: Period, b: Period) -> Bool { a.ordinal < b.ordinal }
}
