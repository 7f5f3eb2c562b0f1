import PayplanCore
import Testing

struct IndexError: Error, Equatable { let index: Int }

@Suite("Parallel")
struct ParallelTests {
    /// Results land at their index whatever the thread count and grain.
    @Test func resultsInOrder() {
        for count in [0, 1, 7, 512, 513, 5000] {
            for threads in [1, 2, 3, 8] {
                for grain in [1, 64, 512] {
                    let out = Parallel.map(count, threads: threads, grain: grain) { $0 * $0 }
                    #expect(out == (0..<count).map { $0 * $0 }, "count \(count) threads \(threads) grain \(grain)")
                }
            }
        }
    }

    /// The error of the smallest failing index, whatever the scheduling.
    @Test func smallestFailingIndexWins() {
        for threads in [1, 2, 4] {
            for _ in 0..<20 {
                #expect(throws: IndexError(index: 1234)) {
                    try Parallel.map(5000, threads: threads, grain: 16) { (i: Int) throws(IndexError) -> String in
                        if i == 1234 || i == 4000 || i == 2500 { throw IndexError(index: i) }
                        return String(i)
                    }
                }
            }
        }
    }
}
