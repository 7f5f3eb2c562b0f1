#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock timings of the pipeline's phases, printed to stderr when
/// `PAYPLAN_TIMING=1`, so a benchmark shows where the time goes.
public final class PhaseTimer: @unchecked Sendable {
    public static let shared = PhaseTimer()

    private var last: Double
    private var lines: [String] = []
    public let enabled: Bool

    private init() {
        enabled = getenv("PAYPLAN_TIMING").map { String(cString: $0) == "1" } ?? false
        last = PhaseTimer.now()
    }

    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Records the time since the previous mark under `phase`.
    public func mark(_ phase: String) {
        guard enabled else { return }
        let t = PhaseTimer.now()
        lines.append("timing: \(phase) \(Int((t - last) * 1000)) ms")
        last = t
    }

    public func report() -> String {
        guard enabled else { return "" }
        return lines.joined(separator: "\n") + "\n"
    }
}
