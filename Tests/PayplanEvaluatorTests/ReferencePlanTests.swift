import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanReports
import Testing

@Suite("Reference plan on the example company")
struct ReferencePlanTests {
    func run(threads: Int = 2, trace: TraceSelection = .all) throws -> (EvaluationResult, CompiledPlan, String) {
        let plan = try compileFile("rules/reference-plan.yaml")
        let result = try evaluate(plan, root.appendingPathComponent("examples").path, "2026-Q3", threads: threads, trace: trace)
        return (result, plan, Canonical.fingerprint(plan.plan))
    }

    @Test func payoutsMatchTheGoldenFiles() throws {
        let (result, _, fingerprint) = try run()
        let report = PayoutReport(result: result, fingerprint: fingerprint)
        try golden(report.csv(), "examples/expected/payouts-2026-Q3.csv")
        try golden(report.json(), "examples/expected/payouts-2026-Q3.json")
        try golden(report.table(), "examples/expected/payouts-2026-Q3.txt")
    }

    @Test(arguments: ["R01", "R03", "R07", "R12", "R15", "R19", "R20"])
    func explanationsMatchTheGoldenFiles(rep: String) throws {
        let (result, plan, fingerprint) = try run(trace: .all)
        let index = try #require(result.data.repIndex(rep))
        let trace = try #require(try result.allTraces()[index])
        for language in Language.allCases {
            let renderer = ExplanationRenderer(plan: plan, language: language)
            try golden(renderer.text(trace, fingerprint: fingerprint), "examples/expected/explain-\(rep).\(language.rawValue).txt")
        }
        try golden(
            ExplanationRenderer(plan: plan, language: .en).json(trace, fingerprint: fingerprint), "examples/expected/explain-\(rep).json")
    }

    @Test func theStoriesOfTheExampleCompany() throws {
        let (r, _, _) = try run()
        // R01's total is cut by the plan cap.
        #expect(value(r, "capped", "R01") == money("5632.11"))
        #expect(value(r, "total", "R01") == money("75000"))
        // North and South tie exactly on team attainment and share 2nd and 3rd.
        #expect(value(r, "team_prize.rank", "R06") == money("2"))
        #expect(value(r, "team_prize.rank", "R11") == money("2"))
        #expect(value(r, "team_prize.prize", "R06") == money("15000"))
        #expect(value(r, "team_prize.prize", "R11") == money("15000"))
        // R07 and R03 cross on the same date; the deal id gives R07 3rd place.
        #expect(value(r, "np_award.reached_on", "R07") == value(r, "np_award.reached_on", "R03"))
        #expect(value(r, "np_award.first_mover", "R07") == money("1000"))
        #expect(value(r, "np_award.first_mover", "R03") == money("0"))
        // R12 flagged two quarters running; R17 this quarter only; R19 is new and exempt.
        #expect(value(r, "elimination.flag", "R12") == .text("eliminate"))
        #expect(value(r, "elimination.flag", "R17") == .text("warning"))
        #expect(value(r, "elimination.exempt", "R19") == .bool(true))
        // A flagged rep's share of the team prize goes to the others.
        #expect(value(r, "team_prize", "R12") == money("0"))
        // R20 left mid-quarter: 51 of 92 days.
        #expect(value(r, "proration", "R20") == .number(try Exact(numerator: 51, denominator: 92)))
    }

    @Test func teamPrizesAddUpExactlyToThePool() throws {
        let (r, _, _) = try run(trace: .none)
        var byTeam: [String: Exact] = [:]
        for rep in r.current.population {
            guard case .text(let team) = r.current.value(r.plan.slots.firstIndex { $0.name == "team_prize.group" }!, rep),
                case .number(let share) = r.current.value(r.plan.slots.firstIndex { $0.name == "team_prize" }!, rep)
            else { continue }
            byTeam[team] = try (byTeam[team] ?? .zero) + share
        }
        #expect(byTeam["East"] == Exact(30000))
        #expect(byTeam["North"] == Exact(15000))
        #expect(byTeam["South"] == Exact(15000))
        #expect(byTeam["West"] == Exact(0))
    }

    @Test func resultsAreByteIdenticalOnAnyThreadCount() throws {
        var outputs: [String] = []
        for threads in [1, 2, 3, 8] {
            let (result, _, fingerprint) = try run(threads: threads, trace: .none)
            outputs.append(PayoutReport(result: result, fingerprint: fingerprint).csv())
        }
        #expect(Set(outputs).count == 1)
    }

    /// `run --explain` encodes each entry as soon as it is finished; the
    /// JSON Lines are those of the traces kept whole, at any thread count.
    @Test(arguments: [1, 2, 7])
    func encodedTracesAreTheJSONLinesOfTheEntries(threads: Int) throws {
        let (whole, plan, fingerprint) = try run(threads: 2, trace: .all)
        for language in Language.allCases {
            let renderer = ExplanationRenderer(plan: plan, language: language)
            let encoded = try evaluate(
                plan, root.appendingPathComponent("examples").path, "2026-Q3", threads: threads, trace: .all, encoder: renderer.jsonLinesEncoder)
            func lines(_ r: EvaluationResult) throws -> [UInt8] {
                var out: [UInt8] = []
                try r.traceBlocks(r.current.population, threads: threads, blockSize: 3, { renderer.jsonLines($0, fingerprint: fingerprint) }) {
                    out += $0
                }
                return out
            }
            let expected = try lines(whole)
            #expect(expected.count > 20_000)
            #expect(try lines(encoded) == expected)
            #expect(encoded.trace(encoded.current.population[0]).entries.isEmpty)
        }
    }

    @Test func tracingChangesNoNumber() throws {
        let (traced, _, fp) = try run(trace: .all)
        let (plain, _, _) = try run(trace: .none)
        #expect(PayoutReport(result: traced, fingerprint: fp).csv() == PayoutReport(result: plain, fingerprint: fp).csv())
        #expect(try traced.allTraces().count == traced.current.population.count)
    }
}
