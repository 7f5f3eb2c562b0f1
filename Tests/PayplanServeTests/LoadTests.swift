import Foundation
import Hummingbird
import HummingbirdTesting
import PayplanCompare
import PayplanServe
import Testing

/// Bounded load on loopback: a live server, real connections, a fixed
/// number of requests that ends by itself.
@Suite struct LoadTests {
    /// 20 what-ifs at once, each a different threshold: all answer, each with
    /// the figure it would get alone, and memory stays bounded (evaluations
    /// run one at a time on the workbench's lane).
    @Test func twentyConcurrentWhatIfsAllAnswer() async throws {
        let w = try workbench()
        let thresholds = (0..<20).map { 30_000 + $0 * 2_500 }
        // Each figure alone first, through the same code path.
        var alone: [Int: String] = [:]
        for t in thresholds {
            let a = try await w.whatIf(period: "2026-Q3", changes: [Override(path: "rules.np_award.threshold", value: "\(t)")], language: .en)
            if case .string(let s)? = a["candidate_total"] { alone[t] = s }
        }
        let fresh = try workbench()
        let rssBefore = residentMiB()
        let results = try await WorkbenchServer.application(fresh, settings: GateSettings(token: testToken, port: BoundPort(0), host: "localhost"))
            .test(
                .ahc(.http)
            ) { client in
                try await withThrowingTaskGroup(of: (Int, Int, String?).self) { group in
                    for t in thresholds {
                        group.addTask {
                            try await client.execute(
                                uri: "/api/whatif", method: .post, headers: jsonHeaders(),
                                body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "\(t)"])
                            ) { r in (t, Int(r.status.code), r.object["candidate_total"] as? String) }
                        }
                    }
                    var out: [(Int, Int, String?)] = []
                    for try await r in group { out.append(r) }
                    return out
                }
            }
        #expect(results.count == 20)
        for (t, status, total) in results {
            #expect(status == 200, "threshold \(t)")
            #expect(total == alone[t], "threshold \(t)")
        }
        let growth = residentMiB() - rssBefore
        #expect(growth < 300, "resident memory grew by \(growth) MiB")
    }

    /// Past the queue's limit requests are refused with 503 at once, and the
    /// ones admitted still answer.
    @Test func aFullQueueAnswers503() async throws {
        let w = try workbench(maxQueued: 2)
        let statuses = try await WorkbenchServer.application(w, settings: GateSettings(token: testToken, port: BoundPort(0), host: "localhost")).test(
            .ahc(.http)
        ) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for k in 0..<12 {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/whatif", method: .post, headers: jsonHeaders(),
                            body: whatIfBody("2026-Q3", ["rules.np_award.threshold": "\(41_000 + k)"])
                        ) { r in Int(r.status.code) }
                    }
                }
                var out: [Int] = []
                for try await s in group { out.append(s) }
                return out
            }
        }
        #expect(statuses.count == 12)
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 })
        #expect(statuses.contains(200))
    }
}

/// This process's resident memory (Linux), in MiB.
func residentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
    return 0
}
