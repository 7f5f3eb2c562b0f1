import Foundation
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanReports
import PayplanRules
import Testing

/// Pools, prize pots, streaks, tier patterns, rate tables, aggregates over
/// reps and bounded sections (issue 14), each on numbers worked by hand.
@Suite("Pools, prize pots, streaks, tier patterns, rate tables, aggregates over reps")
struct LanguageConstructTests {
    static let header = """
        plan: Construct
        currency: CNY
        rounding: {scale: 2, mode: half_away_from_zero}
        period: quarter

        """

    /// Reps R1… in teams, each with one deal of `amount` and a target of 100.
    static func company(_ reps: [(id: String, team: String, amount: String)]) throws -> String {
        try dataFolder(
            reps: reps.map { "\($0.id),N,\($0.team),X,rep,2020-01-01,,1000" },
            targets: reps.map { "\($0.id),2026-Q3,100" },
            transactions: reps.enumerated().map { i, r in "D\(i + 1),\(r.id),2026-08-01,P1,\(r.amount),0" })
    }

    static func run(_ plan: String, _ data: String, trace: TraceSelection = .none) throws -> EvaluationResult {
        try evaluate(try compile(header + plan), data, "2026-Q3", trace: trace)
    }

    static func explanation(_ r: EvaluationResult, _ rep: String, _ language: Language = .en) throws -> String {
        let traces = try r.allTraces()
        let i = try #require(r.data.repIndex(rep))
        return ExplanationRenderer(plan: r.plan, language: language).text(try #require(traces[i]), fingerprint: "")
    }

    static func failure(_ plan: String, _ data: String) -> String? {
        do {
            _ = try run(plan, data)
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Aggregates over reps

    @Test func aggregatesOverTeamsAndTheCompanyAreComputedPerGroup() throws {
        let data = try Self.company([("R1", "A", "100"), ("R2", "A", "300"), ("R3", "B", "50"), ("R4", "B", "0")])
        let r = try Self.run(
            """
            metrics:
              revenue: sum(tx.amount)
              team: sum(revenue over rep.team)
              company: sum(revenue over company)
              best: max(revenue over rep.team)
              mean: avg(revenue over company)
              sellers: count(rep over rep.team where revenue > 0)
              low: min(revenue over rep.team where revenue > 1000)
              share: revenue / company
            output:
              - rep.rep_id
              - team
              - company
              - best
              - mean
              - sellers
              - {column: low, value: "coalesce(low, -1)"}
              - {column: share, value: share, decimals: 4}
            """, data, trace: .all)
        #expect(value(r, "team", "R1") == money("400") && value(r, "team", "R3") == money("50"))
        #expect(value(r, "company", "R4") == money("450"))
        #expect(value(r, "best", "R1") == money("300") && value(r, "best", "R4") == money("50"))
        #expect(value(r, "mean", "R2") == money("112.5"))
        #expect(value(r, "sellers", "R1") == .number(Exact(2)) && value(r, "sellers", "R4") == .number(Exact(1)))
        #expect(value(r, "low", "R1") == .missing, "min over no members is missing")
        let text = try Self.explanation(r, "R3")
        #expect(text.contains("sum(revenue over rep.team) over the 2 reps of group B = 50"), "\(text)")
        #expect(try Self.explanation(r, "R3", .zh).contains("sum(revenue over company)：本期全部 4 人，结果 450"))
    }

    @Test func anAggregateOverRepsIsOneGroupStageWhateverItsReaders() throws {
        let plan = try compile(
            Self.header + """
                metrics:
                  revenue: sum(tx.amount)
                  a: sum(revenue over company)
                  b: sum(revenue over company) * 2
                rules:
                  cut: {kind: formula, value: 1% * sum(revenue over company)}
                """)
        let aggregates = plan.nodes.filter { if case .population = $0 { return true } else { return false } }
        #expect(aggregates.count == 1 && plan.populations.count == 1)
        let tree = TreePrinterText.of(plan)
        #expect(tree.contains("sum(revenue over company) : money = once per period over the whole population"))
    }

    @Test func anAggregateOverRepsIsEvaluatedInEarlierPeriods() throws {
        // previous(share) needs last month's company total.
        let plan = try compile(
            """
            plan: History
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: month
            metrics:
              revenue: sum(tx.amount)
              share: revenue / sum(revenue over company)
              last_share: previous(share, 0)
            output: [rep.rep_id, share, last_share]
            """)
        let data = try dataFolder(
            reps: ["R1,N,A,X,rep,2020-01-01,,0", "R2,N,A,X,rep,2020-01-01,,0"],
            transactions: ["D1,R1,2026-07-01,P1,30,0", "D2,R2,2026-07-02,P1,70,0", "D3,R1,2026-08-01,P1,10,0", "D4,R2,2026-08-02,P1,10,0"])
        let r = try evaluate(plan, data, "2026-08")
        #expect(value(r, "last_share", "R1") == .number(Exact(decimal: "0.3")!))
        #expect(value(r, "share", "R1") == .number(Exact(decimal: "0.5")!))
    }

    // MARK: - Pools

    static let pool = """
        metrics:
          revenue: sum(tx.amount)
          attainment: revenue / target.revenue
        rules:
          pool:
            kind: pool
            pot: 10% * sum(revenue)
            qualifies: attainment >= 1
            split: {pro_rata: revenue}
        total:
          components: [pool]
        """

    @Test func aPoolSplitsProRataToTheCent() throws {
        // Pot 10 % × (100 + 200 + 33.33 + 50) = 38.333 → 38.33; qualifiers R1, R2 (weights 100, 200): 12.776…, 25.553…
        let data = try Self.company([("R1", "A", "100"), ("R2", "A", "200"), ("R3", "B", "33.33"), ("R4", "B", "50")])
        let r = try Self.run(Self.pool, data, trace: .all)
        #expect(value(r, "pool.pot", "R3") == money("38.33"))
        #expect(value(r, "pool", "R1") == money("12.78"))
        #expect(value(r, "pool", "R2") == money("25.55"))
        #expect(value(r, "pool", "R3") == money("0") && value(r, "pool.qualified", "R3") == .bool(false))
        let text = try Self.explanation(r, "R1")
        #expect(text.contains("pot = 0.1 × sum(revenue) = 38.333, rounded to ¥38.33 before it is divided"), "\(text)")
        #expect(text.contains("split pro rata revenue: ¥38.33 × 100 ÷ 300"), "\(text)")
        #expect(text.contains("plus one cent by largest remainder"), "\(text)")
    }

    @Test func aPoolPerGroupAndNobodyQualifying() throws {
        let data = try Self.company([("R1", "A", "100"), ("R2", "A", "300"), ("R3", "B", "50"), ("R4", "B", "20")])
        let r = try Self.run(Self.pool.replacingOccurrences(of: "    split:", with: "    group_by: rep.team\n    split:"), data, trace: .all)
        #expect(value(r, "pool", "R1") == money("10") && value(r, "pool", "R2") == money("30"))
        #expect(value(r, "pool.pot", "R3") == money("7") && value(r, "pool", "R3") == money("0"))
        #expect(value(r, "pool.group", "R4") == .text("B"))
        #expect(try Self.explanation(r, "R3").contains("nobody qualifies, so the pot is not paid"))
        #expect(try Self.explanation(r, "R3", .zh).contains("B 组奖池（2 人）"))
        let board = try #require(r.current.boards.values.first)
        #expect(board.rows.map(\.group) == ["A", "B"] && board.rows.map(\.prize) == [Exact(40), Exact(7)])
    }

    @Test func aNegativePotStopsTheRun() throws {
        let data = try Self.company([("R1", "A", "-100"), ("R2", "A", "50")])
        let message = try #require(Self.failure(Self.pool, data))
        #expect(message.contains("the pot of the pool is -5, below zero"), "\(message)")
    }

    // MARK: - Prizes by formula

    static func ranking(prizes: String, unclaimed: String?) -> String {
        """
        metrics:
          revenue: sum(tx.amount)
        rules:
          prize:
            kind: team_ranking
            group_by: rep.team
            score: sum(revenue)
            eligible: score >= 200
            pot: 10% * sum(revenue over company)
            prizes: \(prizes)
        \(unclaimed.map { "    unclaimed: \($0)\n" } ?? "")    split: equal
        total:
          components: [prize]
        """
    }

    @Test func unclaimedPrizesAreNotPaidOrRollDown() throws {
        // Pot 10 % × 1,000 = 100; prizes 50, 30, 20; only teams A (600) and
        // B (300) are eligible (C has 99 + 1 = 100 < 200).
        let data = try Self.company([("R1", "A", "600"), ("R2", "B", "300"), ("R3", "C", "99"), ("R4", "C", "1")])
        let notPaid = try Self.run(Self.ranking(prizes: "[50% * pot, 30% * pot, 20% * pot]", unclaimed: "not_paid"), data, trace: .all)
        #expect(value(notPaid, "prize", "R1") == money("50") && value(notPaid, "prize", "R2") == money("30"))
        #expect(try Self.explanation(notPaid, "R1").contains("prizes no eligible team reached (¥20.00) are not paid"))
        let rolled = try Self.run(Self.ranking(prizes: "[50% * pot, 30% * pot, 20% * pot]", unclaimed: "rolls_down"), data, trace: .all)
        // 20 × 50/80 = 12.50, 20 × 30/80 = 7.50
        #expect(value(rolled, "prize", "R1") == money("62.5") && value(rolled, "prize", "R2") == money("37.5"))
        #expect(try Self.explanation(rolled, "R2").contains("this team gets ¥7.50 more"))
        // Cents by largest remainder: 10 rolled onto 1/3 and 2/3 → 3.33 and 6.67.
        let odd = try Self.run(Self.ranking(prizes: "[20, 10, 10]", unclaimed: "rolls_down"), data)
        #expect(value(odd, "prize", "R1") == money("26.67") && value(odd, "prize", "R2") == money("13.33"))
    }

    @Test func numberedPrizesThatGoUnclaimedAreNotPaidAndSaidSo() throws {
        // Prizes written as numbers keep their meaning from before
        // `unclaimed:` existed: a place nobody reaches is not paid.
        let data = try Self.company([("R1", "A", "600"), ("R2", "B", "300"), ("R3", "C", "99")])
        let r = try Self.run(Self.ranking(prizes: "[50, 30, 20]", unclaimed: nil), data, trace: .all)
        #expect(value(r, "prize", "R1") == money("50") && value(r, "prize", "R2") == money("30") && value(r, "prize", "R3") == money("0"))
        #expect(try Self.explanation(r, "R1").contains("prizes no eligible team reached (¥20.00) are not paid"))
        #expect(try Self.explanation(r, "R1", .zh).contains("无合格团队获得的名次奖金（¥20.00）不发放"))
    }

    // MARK: - Streaks

    @Test func aStreakEscalatesWithoutNamingEarlierLevels() throws {
        let plan = try compile(
            """
            plan: Streak
            currency: CNY
            rounding: {scale: 2, mode: half_away_from_zero}
            period: month
            metrics:
              revenue: sum(tx.amount)
            rules:
              review:
                kind: elimination
                measure: revenue
                below: 100
                after: 2
                levels: [warning, eliminate]
            """)
        // Hired in July. R1 below in Jul, Aug, Sep, Oct: warning from Aug, eliminate from Sep.
        // R2 below in Jul, Sep, Oct. The streak counts up to after + levels − 1 = 3 (all a level needs).
        let months = ["07", "08", "09", "10"]
        let r1 = months.map { "A\($0),R1,2026-\($0)-05,P1,50,0" }
        let r2 = months.map { "B\($0),R2,2026-\($0)-05,P1,\($0 == "08" ? 500 : 50),0" }
        let data = try dataFolder(reps: ["R1,N,A,X,rep,2026-07-01,,0", "R2,N,A,X,rep,2026-07-01,,0"], transactions: r1 + r2)
        let expected: [(String, String, String, Int)] = [
            ("2026-07", "none", "none", 1), ("2026-08", "warning", "none", 2), ("2026-09", "eliminate", "none", 3),
            ("2026-10", "eliminate", "warning", 3),
        ]
        for (period, r1Flag, r2Flag, streak) in expected {
            let r = try evaluate(plan, data, period, trace: .all)
            #expect(value(r, "review.flag", "R1") == .text(r1Flag), "\(period) R1")
            #expect(value(r, "review.flag", "R2") == .text(r2Flag), "\(period) R2")
            #expect(value(r, "review.streak", "R1") == .number(Exact(streak)), "\(period) R1 streak")
        }
        let r = try evaluate(plan, data, "2026-09", trace: .all)
        #expect(try Self.explanation(r, "R1").contains("3 or more periods in a row (flagged from the 2nd) → eliminate"))
        #expect(try Self.explanation(r, "R2").contains("1 period in a row so far; flagged from the 2nd: not flagged"))
    }

    // MARK: - Tier patterns and bounded sections

    @Test func aPatternContinuesExplicitRowsAndStopsAtTheNext() throws {
        let plan = try compile(
            Self.header + """
                rules:
                  c:
                    kind: commission
                    amount: tx.amount
                    rate_on: total
                    tiers:
                      method: marginal
                      rows:
                        - {from: 0, rate: 0}
                        - {from: 100, every: 100, rate: 1%, step: 2%, max_rate: 10%}
                        - {from: 450, rate: 20%}
                """)
        guard case .tiers(let t, let rates, _) = plan.shapes[0].kind else {
            Issue.record("not tiers")
            return
        }
        #expect(t.rows.map(\.from.value) == [0, 100, 200, 300, 400, 450].map { Exact($0) })
        #expect(rates.map { $0?.constantValue } == ["0", "0.01", "0.03", "0.05", "0.07", "0.2"].map { Exact(decimal: $0) })
        let data = try Self.company([("R1", "A", "500")])
        // 100 × 1 % + 100 × 3 % + 100 × 5 % + 50 × 7 % + 50 × 20 % = 1 + 3 + 5 + 3.5 + 10
        #expect(value(try evaluate(plan, data, "2026-Q3"), "c", "R1") == money("22.5"))
    }

    @Test func aBoundedLastRetroactiveSectionPaysNothingAbove() throws {
        let plan = """
            rules:
              c:
                kind: commission
                amount: tx.amount
                rate_on: each
                tiers:
                  method: retroactive
                  rows:
                    - {from: 0, rate: 10%}
                    - {from: 10, to: 20, rate: 20%}
            """
        let data = try dataFolder(
            reps: ["R1,N,A,X,rep,2020-01-01,,0"], transactions: ["D1,R1,2026-07-01,P1,5,0", "D2,R1,2026-07-02,P1,15,0", "D3,R1,2026-07-03,P1,25,0"])
        // 5 × 10 % + 15 × 20 % + 25 → above every section: 0
        #expect(value(try Self.run(plan, data), "c", "R1") == money("3.5"))
    }

    // MARK: - Rate tables

    @Test func aRateTableRatesEachLineByItsFirstMatchingRow() throws {
        let plan = try compile(
            Self.header + """
                rules:
                  c:
                    kind: commission
                    amount: tx.amount
                    where: tx.amount != 0
                    rates:
                      - {when: tx.deal_id == "D2", amount: 200}
                      - {when: product.category == "hw", rate: 5%}
                      - {when: else, rate: 1%}
                """)
        let data = try dataFolder(
            reps: ["R1,N,A,X,rep,2020-01-01,,0"], products: ["P1,Core,2020-01-01,hw", "P2,Svc,2020-01-01,svc"],
            transactions: [
                "D1,R1,2026-07-01,P1,1000,0", "D2,R1,2026-07-02,P1,1000,0", "D3,R1,2026-07-03,P2,1000,0", "D4,R1,2026-07-04,P2,0,0",
            ])
        let r = try evaluate(plan, data, "2026-Q3", trace: .all)
        #expect(value(r, "c", "R1") == money("260"))  // 50 + 200 + 10
        let text = try Self.explanation(r, "R1")
        #expect(text.contains("2026-07-02 D2: 1,000, row 1 (tx.deal_id == \"D2\"; ¥200.00 per line) → 200"), "\(text)")
        #expect(text.contains("2026-07-03 D3: 1,000, row 3 (every other line; rate 0.01) → 10"), "\(text)")
        #expect(!text.contains("D4"), "the `where` leaves out D4")
    }

    // MARK: - Checker and evaluator agree

    @Test func aShapeInATransactionFormulaIsRefusedByTheChecker() throws {
        let load = PlanPipeline.load(
            text: Self.header + """
                shapes:
                  uplift: {curve: [[0, 1], [100, 2]]}
                rules:
                  c:
                    kind: commission
                    amount: tx.amount * uplift(tx.amount)
                    tiers: {method: marginal, rows: [{from: 0, rate: 1%}]}
                """, file: "t.yaml")
        #expect(load.checked == nil)
        #expect(load.diagnostics.map(\.code) == ["C473"])
        #expect(load.diagnostics.first?.range?.start.line == 10)
    }

    // MARK: - Canonical form, diff, what-if paths

    @Test func newKeysHaveParameterPathsAndDiffEntries() throws {
        let text = try String(contentsOf: root.appendingPathComponent("examples/worked/prize-pot/plan.yaml"), encoding: .utf8)
        let old = try #require(PlanPipeline.load(text: text, file: "old.yaml").plan)
        for path in ["rules.team_prize.pot", "rules.team_prize.unclaimed", "rules.team_prize.prizes[1]"] {
            #expect(old.parameters[path] != nil, "\(path)")
        }
        let changed = text.replacingOccurrences(of: "unclaimed: not_paid  ", with: "unclaimed: rolls_down")
            .replacingOccurrences(of: "1% * sum(revenue)", with: "2% * sum(revenue)")
        let new = try #require(PlanPipeline.load(text: changed, file: "new.yaml").plan)
        let lines = SemanticDiff.compare(old, new).map(\.text)
        #expect(lines.contains("team_prize: pot 0.01 * sum(revenue) → 0.02 * sum(revenue)"), "\(lines)")
        #expect(lines.contains("team_prize: prizes no eligible group reaches not_paid → rolls_down"), "\(lines)")
        #expect(Canonical.fingerprint(old) != Canonical.fingerprint(new))
    }
}

/// `check --tree` text of a compiled plan.
enum TreePrinterText {
    static func of(_ plan: CompiledPlan) -> String { TreePrinter.text(plan) }
}
