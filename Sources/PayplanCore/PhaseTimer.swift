#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock timings of the pipeline's phases, printed to stderr when
/// `PAYPLAN_TIMING=1`, so a benchmark shows where the time goes. Marks may
/// come from several threads (what-if evaluates two plans at once), so they
/// are taken under a lock.
public final class PhaseTimer: @unchecked Sendable {
    public static let shared = PhaseTimer()

    private var last: Int64
    private var lines: [String] = []
    private var mutex = pthread_mutex_t()
    public let enabled: Bool

    private init() {
        enabled = getenv("PAYPLAN_TIMING").map { String(cString: $0) == "1" } ?? false
        pthread_mutex_init(&mutex, nil)
        last = PhaseTimer.nanoseconds()
    }

    /// Monotonic clock in nanoseconds.
    public static func nanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// Records the time since the previous mark under `phase`.
    public func mark(_ phase: String) {
        guard enabled else { return }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let t = PhaseTimer.nanoseconds()
        lines.append("timing: \(phase) \((t - last) / 1_000_000) ms")
        last = t
    }

    public func report() -> String {
        guard enabled else { return "" }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return lines.joined(separator: "\n") + "\n"
    }
}
