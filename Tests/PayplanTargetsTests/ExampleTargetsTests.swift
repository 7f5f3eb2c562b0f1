import Foundation
import PayplanCore
import PayplanTargets
import Testing

/// `examples/targets-2027.yaml` over the example company, against the hand
/// computation in examples/README.md ("Targets for 2027, worked by hand").
@Suite("The example company's 2027 targets")
struct ExampleTargetsTests {
    static func run() throws -> TargetsRun {
        let r = TargetsPipeline.run(
            planFile: repoRoot.appendingPathComponent("examples/targets-2027.yaml").path,
            history: repoRoot.appendingPathComponent("examples").path, threads: 2)
        guard r.failure == nil, r.decomposition != nil else { throw Failure(description: lines(r.diagnostics).joined(separator: "\n")) }
        return r
    }

    @Test func quartersTeamsAndRepsAddUpExactly() throws {
        let d = try #require(try ExampleTargetsTests.run().decomposition)
        #expect(d.periods.map(\.share.value) == [money("2400000"), money("3000000"), money("3000000"), money("3600000")])
        for p in d.periods {
            let teams = try p.groups.reduce(Exact.zero) { try $0 + $1.share.value }
            #expect(teams == p.share.value, "\(p.period)")
            for g in p.groups {
                let reps = try g.reps.reduce(Exact.zero) { try $0 + $1.share.value }
                #expect(reps == g.share.value, "\(p.period) \(g.name)")
                for r in g.reps { #expect(try (r.share.value / money("1000")).isInteger) }
            }
        }
        // 19 reps active on 1 January 2027, 4 quarters each; R20 left in 2026.
        #expect(d.rows.count == 76)
        #expect(!d.rows.contains { $0.repID == "R20" })
    }

    /// The values worked by hand in examples/README.md.
    @Test func valuesComputedByHand() throws {
        let d = try #require(try ExampleTargetsTests.run().decomposition)
        let q1 = try #require(d.periods.first)
        // 2026-Q3 revenue: East 2,990,000, North 2,200,000, South 2,200,000, West 1,472,500 (of 8,862,500).
        let east = try #require(q1.groups.first { $0.name == "East" })
        #expect(east.share.weight == money("2990000") && east.share.totalWeight == money("8862500"))
        #expect(east.share.units == 809 && !east.share.extra)
        let byName = Dictionary(uniqueKeysWithValues: q1.groups.map { ($0.name, $0.share.value) })
        #expect(byName == ["East": money("809000"), "North": money("596000"), "South": money("596000"), "West": money("399000")])
        // North and South tie on remainder 768.688…; both get a leftover unit, as does West (758.815…); East (703.808…) does not.
        #expect(q1.groups.filter(\.share.extra).map(\.name) == ["North", "South", "West"])
        #expect(d.target("R01", Period("2027-Q1")!) == money("162000"))
        #expect(d.target("R05", Period("2027-Q1")!) == money("161000"))
        #expect(d.target("R19", Period("2027-Q1")!) == money("99000"))
        #expect(d.target("R07", Period("2027-Q4")!) == money("179000"))
        #expect(d.target("R10", Period("2027-Q4")!) == money("178000"))
        #expect(d.target("R20", Period("2027-Q1")!) == nil)
    }

    @Test func warningsNameTheReps() throws {
        let r = try ExampleTargetsTests.run()
        #expect(
            lines(r.diagnostics) == [
                "34:10: warning: rep R19: the 2027-Q1 target 99,000 is below the floor of 100,000 [T863]"
            ])
    }

    @Test func csvIsTheTargetsContract() throws {
        let d = try #require(try ExampleTargetsTests.run().decomposition)
        let csv = TargetsReport(d).csv()
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "rep_id,period,revenue")
        #expect(rows[1] == "R01,2027-Q1,162000")
        #expect(rows.last == "R19,2027-Q4,149000")
    }
}
