import PayplanCore

/// What-if on the data, for `payplan progress`: some reps' revenue in one
/// period grown by a factor, "more of the same" — the plan is then evaluated
/// on it like on any data set, so what it pays is exactly what the plan pays.
///
/// A rep grown by `k` (k ≥ 1) has, in that period:
/// - every sum over its transactions multiplied by `k` (revenue, collected,
///   new-product revenue: the mix and the collection rate are unchanged);
/// - counts and minima/maxima unchanged (the extra is more value, not more deals);
/// - in every list of transactions (running totals, per-transaction
///   commissions), after its own entries, a follow-on of each entry worth
///   `k − 1` times it, with the same deal id, booked on `bookedOn`: the extra
///   revenue arrives then, so a race already decided stays decided.
///
/// Isolated addition for the progress command (not used by `run`).
extension DataSet {
    public func growing(_ factors: [Int: Exact], in period: Period, bookedOn: CivilDate) throws(ArithmeticError) -> DataSet {
        guard let index = periods.firstIndex(where: { $0.period == period }) else { return self }
        let grown = factors.filter { $0.value != .one }
        if grown.isEmpty { return self }
        var copy = self
        var data = periods[index]
        data.accumulators = try data.accumulators.map { (a) throws(ArithmeticError) in try a.growing(grown) }
        data.lists = try data.lists.map { (l) throws(ArithmeticError) in try l.growing(grown, bookedOn: bookedOn) }
        copy.periods[index] = data
        return copy
    }
}

extension AccumulatorValues {
    func growing(_ factors: [Int: Exact]) throws(ArithmeticError) -> AccumulatorValues {
        switch kind {
        case .count, .extreme:
            return self
        case .sum, .exactSum:
            let n = kind == .sum ? units.count : exacts.count
            var values: [Exact] = []
            values.reserveCapacity(n)
            for rep in 0..<n {
                let v = kind == .sum ? Fixed.exact(units[rep]) : exacts[rep]
                values.append(try factors[rep].map { (k) throws(ArithmeticError) in try v * k } ?? v)
            }
            return .exactSum(values: values, counts: counts)
        }
    }
}

extension ListValues {
    func growing(_ factors: [Int: Exact], bookedOn: CivilDate) throws(ArithmeticError) -> ListValues {
        guard offsets.count > 1 else { return self }
        var raw: [RawEntry] = []
        raw.reserveCapacity(self.raw.count)
        var exact = self.exact
        var offsets = [0]
        for rep in 0..<(self.offsets.count - 1) {
            let own = self.raw[self.offsets[rep]..<self.offsets[rep + 1]]
            raw.append(contentsOf: own)
            if let k = factors[rep] {
                let extra = try k - .one
                for e in own {
                    let value = e.exact >= 0 ? self.exact[Int(e.exact)] : Fixed.exact(e.units)
                    var follow = e
                    follow.day = bookedOn.dayNumber
                    follow.exact = Int32(exact.count)
                    exact.append(try value * extra)
                    raw.append(follow)
                }
            }
            offsets.append(raw.count)
        }
        return ListValues(raw: raw, exact: exact, file: file, offsets: offsets)
    }
}
