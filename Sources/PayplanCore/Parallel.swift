import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Data-parallel loops whose results do not depend on the thread count:
/// every index is computed independently and results land at their index.
public enum Parallel {
    /// Cores available to this process.
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// `body(i)` for i in 0..<count on up to `threads` threads, in order.
    /// The error of the smallest failing index is thrown, so the reported
    /// failure is the same whatever the scheduling. `grain`: the fewest
    /// indices worth a thread of their own (many for cheap bodies, 1 when
    /// each index is already a block of work).
    public static func map<T, E: Error>(_ count: Int, threads: Int, grain: Int = 512, _ body: (Int) throws(E) -> T) throws(E) -> [T] {
        if count == 0 { return [] }
        let chunks = max(1, min(count / max(1, grain), threads * 4))
        if chunks == 1 || threads <= 1 {
            var out: [T] = []
            out.reserveCapacity(count)
            for i in 0..<count { out.append(try body(i)) }
            return out
        }
        let failures = UnsafeMutableBufferPointer<(Int, E)?>.allocate(capacity: chunks)
        failures.initialize(repeating: nil)
        defer {
            failures.deinitialize()
            failures.deallocate()
        }
        let result = withoutActuallyEscaping(body) { body in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let base = buffer.baseAddress!
                let done = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
                done.initialize(repeating: 0)
                defer { done.deallocate() }
                let shared = Shared(base: base, failures: failures, done: done, body: body)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let lo = count * chunk / chunks
                    let hi = count * (chunk + 1) / chunks
                    for i in lo..<hi {
                        do throws(E) {
                            (shared.base + i).initialize(to: try shared.body(i))
                            shared.done[chunk] = i - lo + 1
                        } catch {
                            shared.failures[chunk] = (i, error)
                            return
                        }
                    }
                }
                // All chunks completed unless one failed; on failure, destroy
                // what was built and report nothing initialized.
                var complete = true
                for chunk in 0..<chunks where failures[chunk] != nil { complete = false }
                if complete {
                    initialized = count
                } else {
                    for chunk in 0..<chunks {
                        let lo = count * chunk / chunks
                        (base + lo).deinitialize(count: done[chunk])
                    }
                    initialized = 0
                }
            }
        }
        if let (_, error) = failures.compactMap({ $0 }).min(by: { $0.0 < $1.0 }) { throw error }
        return result
    }

    /// The closure and buffers shared by the threads of one `map`.
    private struct Shared<T, E: Error>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
        let failures: UnsafeMutableBufferPointer<(Int, E)?>
        let done: UnsafeMutableBufferPointer<Int>
        let body: (Int) throws(E) -> T
    }
}
