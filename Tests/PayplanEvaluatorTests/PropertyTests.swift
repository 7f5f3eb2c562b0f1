import Foundation
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanReports
import PayplanRules
import PayplanYAML
import Testing

/// Seeded, reproducible properties over random plans (the reference plan's
/// structure with random numbers) and random companies. A failure names its
/// seed; rerun one with PAYPLAN_SEED=n.
@Suite("Properties over random plans and data")
struct PropertyTests {
    static let seeds: [UInt64] = {
        if let s = ProcessInfo.processInfo.environment["PAYPLAN_SEED"], let n = UInt64(s) { return [n] }
        return Array(1...12)
    }()

    struct Case {
        var parameters: ReferenceParameters
        var company: RandomCompany
        var plan: CompiledPlan
        var data: String
    }

    static func make(_ seed: UInt64) throws -> Case {
        var g = SplitMixGenerator(seed: seed)
        let parameters = ReferenceParameters.random(&g)
        let company = RandomCompany.random(&g)
        let data = NSTemporaryDirectory() + "payplan-prop-\(seed)-" + UUID().uuidString
        try company.write(to: data)
        return Case(parameters: parameters, company: company, plan: try compile(parameters.yaml(), file: "random-\(seed).yaml"), data: data)
    }

    static func csv(_ r: EvaluationResult) -> String { PayoutReport(result: r, fingerprint: "").csv() }

    /// The compiled evaluation tree agrees, to the cent and flag, with a
    /// naive interpreter written from the spec's words.
    @Test(arguments: seeds)
    func compiledTreeAgreesWithNaiveInterpreter(_ seed: UInt64) throws {
        let c = try PropertyTests.make(seed)
        let r = try evaluate(c.plan, c.data, "2026-Q3")
        let naive = NaiveReference.run(c.company, c.parameters)
        #expect(PropertyTests.csv(r) == naive, "seed \(seed)")
    }

    /// Every team's prize is split to the cent among its members, and every
    /// rep's total is the sum of its components less what the cap cut.
    @Test(arguments: seeds)
    func splitsConserveCentsAndTotalsAddUp(_ seed: UInt64) throws {
        let c = try PropertyTests.make(seed)
        let r = try evaluate(c.plan, c.data, "2026-Q3")
        func slot(_ name: String) throws -> Int { try #require(r.plan.slots.firstIndex { $0.name == name }, "slot \(name)") }
        func number(_ s: Int, _ rep: Int) -> Exact { r.current.value(s, rep).number ?? .zero }
        let rule = try #require(
            r.plan.nodes.compactMap { node -> CompiledRule? in
                if case .rule(let rule) = node, rule.kindName == "team_ranking" { return rule }
                return nil
            }.first)
        let groupSlot = try #require(rule.slot("group"))
        let prizeSlot = try #require(rule.slot("prize"))
        let mainSlot = try #require(rule.slot(""))
        var paid: [String: Exact] = [:]
        var prize: [String: Exact] = [:]
        for rep in r.current.population {
            guard case .text(let group) = r.current.value(groupSlot, rep) else { continue }
            paid[group] = try (paid[group] ?? .zero) + number(mainSlot, rep)
            prize[group] = number(prizeSlot, rep)
        }
        for (group, p) in prize {
            // A prize is paid in full, or not at all when no member may share it.
            #expect(paid[group] == p || paid[group] == .zero, "seed \(seed): team \(group) prize \(p) paid \(paid[group] ?? .zero)")
        }
        let components = ["attainment_bonus", "np_award", "np_award.first_mover", "team_prize"]
        let total = try slot("total")
        let capped = try slot("capped")
        for rep in r.current.population {
            var sum = Exact.zero
            for name in components { sum = try sum + number(try slot(name), rep) }
            #expect(try number(total, rep) == sum - number(capped, rep), "seed \(seed): rep \(r.data.repIDs[rep])")
            #expect(!number(capped, rep).isNegative)
        }
    }

    /// Byte-identical output on 1, 2 and 3 threads, run after run, and
    /// whatever the order of the rows in every input file.
    @Test(arguments: seeds.prefix(6))
    func outputDoesNotDependOnThreadsRunsOrRowOrder(_ seed: UInt64) throws {
        let c = try PropertyTests.make(seed)
        let reference = PropertyTests.csv(try evaluate(c.plan, c.data, "2026-Q3", threads: 1))
        for threads in [1, 2, 3] {
            #expect(PropertyTests.csv(try evaluate(c.plan, c.data, "2026-Q3", threads: threads)) == reference, "seed \(seed), \(threads) threads")
        }
        let shuffled = c.data + "-shuffled"
        try c.company.write(to: shuffled, shuffle: seed &* 31)
        #expect(PropertyTests.csv(try evaluate(c.plan, shuffled, "2026-Q3")) == reference, "seed \(seed): row order changed the output")
    }

    /// A plan re-serialised in other styles (flow or block, quoting, key
    /// order, comments) keeps its fingerprint and its payouts.
    @Test(arguments: seeds.prefix(6))
    func reformattedPlanKeepsFingerprintAndPayouts(_ seed: UInt64) throws {
        let c = try PropertyTests.make(seed)
        for (name, text) in [
            ("random", c.parameters.yaml()),
            ("reference", try String(contentsOf: root.appendingPathComponent("rules/reference-plan.yaml"), encoding: .utf8)),
        ] {
            let (document, _) = YAMLLoader.load(text: text, file: "a.yaml")
            var reformatter = Reformatter(g: SplitMixGenerator(seed: seed &* 7 &+ 1))
            let reformatted = reformatter.document(try #require(document).root)
            let a = PlanPipeline.load(text: text, file: "a.yaml")
            let b = PlanPipeline.load(text: reformatted, file: "b.yaml")
            #expect(
                b.diagnostics.filter { $0.severity == .error }.isEmpty, "seed \(seed) \(name): \(b.diagnostics.map(\.description))\n\(reformatted)")
            let planA = try #require(a.plan)
            let planB = try #require(b.plan)
            #expect(Canonical.fingerprint(planA) == Canonical.fingerprint(planB), "seed \(seed) \(name)")
            let r1 = try evaluate(try compile(text), c.data, "2026-Q3")
            let r2 = try evaluate(try compile(reformatted), c.data, "2026-Q3")
            #expect(PropertyTests.csv(r1) == PropertyTests.csv(r2), "seed \(seed) \(name)")
        }
    }

    /// With non-decreasing curve points, more attainment never pays less.
    @Test(arguments: seeds)
    func curvePayoutIsMonotone(_ seed: UInt64) throws {
        var g = SplitMixGenerator(seed: seed &+ 1000)
        let parameters = ReferenceParameters.random(&g)
        let points = parameters.points.map { "[\($0.0.text(places: 2)), \($0.1.text(places: 2))]" }.joined(separator: ", ")
        let plan = try compile(
            """
            plan: Monotone
            currency: CNY
            rounding: {scale: 2, mode: half_even}
            period: quarter
            metrics:
              attainment: {formula: sum(tx.amount) / target.revenue}
            rules:
              bonus:
                kind: attainment_bonus
                base: rep.target_incentive
                measure: attainment
                curve: {points: [\(points)], below: zero, above: flat}
            """)
        // 60 reps with the same incentive and target and rising revenue.
        let reps = (0..<60).map { String(format: "R%02d,N,T,X,rep,2020-01-01,,10000", $0) }
        let targets = (0..<60).map { String(format: "R%02d,2026-Q3,100000", $0) }
        let deals = (0..<60).map { i in
            String(format: "D%02d,R%02d,2026-08-01,P1,%d.%02d,0", i, i, 30_000 + i * 3_000 + Int(g.next() % 2_000), Int(g.next() % 100))
        }
        let data = try dataFolder(reps: reps, targets: targets, transactions: deals)
        let r = try evaluate(plan, data, "2026-Q3")
        let bonus = try #require(r.plan.slots.firstIndex { $0.name == "bonus" })
        let attainment = try #require(r.plan.slots.firstIndex { $0.name == "attainment" })
        let order = r.current.population.sorted {
            (r.current.value(attainment, $0).number ?? .zero) < (r.current.value(attainment, $1).number ?? .zero)
        }
        let pays = order.map { r.current.value(bonus, $0).number ?? .zero }
        for i in 1..<pays.count { #expect(pays[i - 1] <= pays[i], "seed \(seed): pay falls from \(pays[i - 1]) to \(pays[i])") }
    }
}
