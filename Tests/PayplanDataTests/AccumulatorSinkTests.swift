import PayplanCompiler
import PayplanCore
import Testing

@testable import PayplanData

/// A sink of `cells` cells with lanes: count, sum of value 0, sum of value 1 where filter 0 holds.
func testSink(cells: Int = 4) -> AccumulatorSink {
    AccumulatorSink(cells: cells, lanes: [.count, .decimalSum(column: 0), .decimalSum(column: 1)], filters: [nil, nil, 0])!
}

/// Rows for `testSink`: (cell, line, value 0, value 1, filter 0).
func feed(_ sink: inout AccumulatorSink, _ rows: [(Int, Int, Int128, Int128, Bool)], now: Bool = false) {
    let units = UnsafeMutablePointer<Int128>.allocate(capacity: 2)
    let filters = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    defer {
        units.deallocate()
        filters.deallocate()
    }
    for (cell, line, a, b, f) in rows {
        units[0] = a
        units[1] = b
        filters[0] = f
        if now {
            sink.addNow(cell: cell, line: line, units: units, filters: filters)
        } else {
            sink.enqueue(cell: cell, line: line, units: units, filters: filters)
        }
    }
    sink.drain()
}

@Suite("Accumulator sink")
struct AccumulatorSinkTests {
    @Test func lanesOfTheReferencePlan() throws {
        let plan = try referencePlan()
        let lanes = Lane.lanes(plan.scan)
        #expect(lanes.count == plan.scan.accumulators.count)
        for (lane, acc) in zip(lanes, plan.scan.accumulators) {
            switch lane {
            case .count: #expect(acc.kind == .count)
            case .decimalSum(let k): #expect(acc.kind == .sum && plan.scan.txColumns[k].type.isNumeric)
            case .general: #expect(acc.kind != .count)
            }
        }
        #expect(lanes.contains(.decimalSum(column: plan.scan.txColumnIndex("amount")!)))
    }

    @Test func countsAndSumsPerCellWithFilters() {
        var sink = testSink()
        defer { sink.deallocate() }
        // More rows than the ring holds, cells in no order.
        var rows: [(Int, Int, Int128, Int128, Bool)] = []
        for i in 0..<50 {
            let cell = i * 7 % 4
            rows.append((cell, i + 2, Int128(i), 1_000_000_000, i % 2 == 0))
        }
        feed(&sink, rows)
        for cell in 0..<4 {
            let mine = rows.filter { $0.0 == cell }
            #expect(sink.store.count(cell, 0) == Int32(mine.count))
            let total: Int128 = mine.reduce(0) { $0 + $1.2 }
            #expect(sink.store.sum(cell, 1) == total)
            #expect(sink.store.count(cell, 2) == Int32(mine.filter(\.4).count), "a lane counts only rows its filter lets through")
            #expect(sink.store.sum(cell, 2) == Int128(mine.filter(\.4).count) * 1_000_000_000)
        }
        #expect(sink.wraps.outOfRange.isEmpty)
    }

    @Test func queuedAndImmediateRowsGiveTheSameCells() {
        var queued = testSink()
        var now = testSink()
        defer {
            queued.deallocate()
            now.deallocate()
        }
        var rows: [(Int, Int, Int128, Int128, Bool)] = []
        for i in 0..<20 { rows.append((i % 3, i, Int128(i * i), -5, true)) }
        feed(&queued, rows)
        feed(&now, rows, now: true)
        for cell in 0..<4 {
            for a in 0..<3 {
                #expect(queued.store.count(cell, a) == now.store.count(cell, a))
                #expect(queued.store.sum(cell, a) == now.store.sum(cell, a))
            }
        }
    }

    /// A sum that leaves the Int128 range is counted, not wrapped silently,
    /// and the count is the same whatever the order of the additions.
    @Test func sumsOutOfRangeAreFoundWhateverTheOrder() {
        let big = Int128.max / 3 * 2
        var sink = testSink()
        defer { sink.deallocate() }
        feed(&sink, [(1, 10, big, 0, false), (1, 11, big, 0, false), (1, 12, -big, 0, false), (1, 13, big, 0, false)])
        #expect(sink.wraps.outOfRange == [1 * 3 + 1])
        #expect(sink.wraps.firstLine[4] == 11, "the line where the running sum first left the range")
        // Back in range: up, then down again.
        var back = testSink()
        defer { back.deallocate() }
        feed(&back, [(0, 1, big, 0, false), (0, 2, big, 0, false), (0, 3, -big, 0, false)])
        #expect(back.wraps.outOfRange.isEmpty)
        #expect(back.store.sum(0, 1) == big)
        // The same rows in two chunks, merged: the same verdict.
        var a = testSink()
        var b = testSink()
        defer {
            a.deallocate()
            b.deallocate()
        }
        feed(&a, [(0, 1, big, 0, false)])
        feed(&b, [(0, 2, big, 0, false), (0, 3, -big, 0, false)])
        a.absorb(b, cells: 4)
        #expect(a.wraps.outOfRange.isEmpty)
        #expect(a.store.sum(0, 1) == big)
        var c = testSink()
        var d = testSink()
        defer {
            c.deallocate()
            d.deallocate()
        }
        feed(&c, [(2, 1, big, 0, false)])
        feed(&d, [(2, 2, big, 0, false)])
        c.absorb(d, cells: 4)
        #expect(c.wraps.outOfRange == [2 * 3 + 1], "an overflow in the merge itself is found too")
    }

    @Test func generalLanesSumExactlyAndKeepExtremes() throws {
        let plan = try referencePlan(metrics: "  thirds:\n    formula: sum(tx.amount / 3)\n  smallest:\n    formula: min(tx.amount)\n")
        let scan = plan.scan
        let sum = try #require(scan.accumulators.firstIndex { $0.description == "sum((tx.amount / 3))" })
        let min = try #require(scan.accumulators.firstIndex { $0.description == "min(tx.amount)" })
        #expect(Lane.lanes(scan)[sum] == .general)
        #expect(Lane.lanes(scan)[min] == .general)
        var isMin = scan.accumulators.map { $0.kind == .min }
        var a = GeneralLanes(scan, cells: 2)
        var b = GeneralLanes(scan, cells: 2)
        let third = try Exact(numerator: 1, denominator: 3)
        try a.add(sum, 1, .number(third), isMin: false)
        try a.add(min, 1, .number(Exact(5)), isMin: true)
        try b.add(sum, 1, .number(third), isMin: false)
        try b.add(min, 1, .number(Exact(2)), isMin: true)
        try b.add(min, 0, .number(Exact(9)), isMin: true)
        a.absorb(b, isMin: isMin)
        #expect(a.exactSums[sum][1] == (try Exact(numerator: 2, denominator: 3)))
        #expect(a.extremes[min][1] == .number(Exact(2)))
        #expect(a.extremes[min][0] == .number(Exact(9)))
        #expect(a.sumFailed == false)
        #expect(throws: EvalFailure.missingValue) { try a.add(sum, 0, .missing, isMin: false) }
        isMin.removeAll()
    }

    @Test func listRowsMergeInFileOrder() {
        func entry(_ line: Int32, exact: Int32 = -1) -> RawEntry {
            RawEntry(rep: 0, period: 0, day: 0, line: line, dealStart: 0, dealLength: 0, dealEscaped: false, units: 1, exact: exact)
        }
        var first = ListRows(lists: 1)
        var second = ListRows(lists: 1)
        first.keep(0, entry(1, exact: first.keep(0, exact: Exact(7))))
        second.keep(0, entry(2, exact: second.keep(0, exact: Exact(8))))
        first.shiftLines(by: 10)
        second.shiftLines(by: 20)
        first.absorb(second)
        #expect(first.entries[0].map(\.line) == [11, 22])
        #expect(first.entries[0].map { first.exactValues[0][Int($0.exact)] } == [Exact(7), Exact(8)], "formula values follow their rows")
    }
}
