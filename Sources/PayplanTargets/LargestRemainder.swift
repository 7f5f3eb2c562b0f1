import PayplanCore

/// One part of a split: its exact share, and the whole units it gets.
public struct Share: Sendable, Equatable {
    /// The part's weight, and the sum of all weights.
    public var weight: Exact
    public var totalWeight: Exact
    /// parent × weight ÷ total weight, exactly.
    public var exact: Exact
    /// Whole units in `exact`, rounded down.
    public var units: Int128
    /// `exact` − those units, in money (less than one unit).
    public var remainder: Exact
    /// Whether the part received one of the leftover units.
    public var extra: Bool
    /// The rounded share: (units + extra) × unit.
    public var value: Exact
}

/// Splits an amount into whole units so the parts add up exactly.
public enum LargestRemainder {
    /// Splits `total` (a whole number of `unit`s) in proportion to `weights`
    /// (≥ 0, not all 0): each part is rounded down to whole units, then the
    /// units left over go one each to the largest remainders; equal
    /// remainders go in the order the parts are given (callers order them by
    /// period, by name or by rep_id, in code-point order). Every part
    /// differs from its exact share by less than one unit.
    public static func split(_ total: Exact, unit: Exact, weights: [Exact]) throws(ArithmeticError) -> [Share] {
        var sum = Exact.zero
        for w in weights { sum = try sum + w }
        guard sum.isPositive else { throw .divisionByZero }
        var shares: [Share] = []
        shares.reserveCapacity(weights.count)
        var given: Int128 = 0
        for w in weights {
            let exact = try total * w / sum
            let units = try (exact / unit).floor()
            let remainder = try exact - Exact(integer: units) * unit
            given += units
            shares.append(Share(weight: w, totalWeight: sum, exact: exact, units: units, remainder: remainder, extra: false, value: .zero))
        }
        let wanted = try (total / unit).floor()
        let leftover = Int(wanted - given)
        let order = shares.indices.sorted { a, b in
            shares[a].remainder != shares[b].remainder ? shares[a].remainder > shares[b].remainder : a < b
        }
        for i in order.prefix(leftover) { shares[i].extra = true }
        for i in shares.indices { shares[i].value = try Exact(integer: shares[i].units + (shares[i].extra ? 1 : 0)) * unit }
        return shares
    }
}
