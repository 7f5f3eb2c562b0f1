import PayplanCore
import PayplanEvaluator
import Testing

@testable import PayplanRules

/// Public worked examples of compensation arithmetic, written in the plan
/// language, with their stated results.
@Suite("Worked examples from the field")
struct WorkedExampleTests {
    static let header = """
        plan: Worked example
        currency: USD
        rounding: {scale: 2, mode: half_away_from_zero}
        period: quarter

        """
    static let rep = ["R1,Alex,A,X,rep,2020-01-01,,100000"]

    static func deals(_ amounts: [String], from day: Int = 1) -> [String] {
        amounts.enumerated().map { i, a in "D\(i + 1),R1,2026-07-\(String(format: "%02d", day + i)),P1,\(a),\(a)" }
    }

    /// The per-transaction pays of a commission rule, from its explanation.
    func pays(_ r: EvaluationResult, rule: String) -> [Exact] {
        guard let trace = (try? r.allTraces())?.values.first, let entry = trace.entries.first(where: { $0.name == rule }) else { return [] }
        for step in entry.steps {
            if case .rule(let s) = step, let rating = s as? Commission.RatingStep { return rating.lines.map(\.pay) }
        }
        return []
    }

    @Test func marginalStepTiersRatedPerTransaction() throws {
        let plan = try compile(
            Self.header + """
                rules:
                  commission:
                    kind: commission
                    amount: tx.amount
                    rate_on: each
                    tiers:
                      method: marginal
                      rows:
                        - {from: 0, rate: 1%}
                        - {from: 1000, rate: 2%}
                        - {from: 3000, rate: 3%}
                        - {from: 8000, to: 20000, rate: 5%}
                """)
        let data = try dataFolder(reps: Self.rep, transactions: Self.deals(["200", "300", "1500", "1200", "2000", "4500"]))
        let r = try evaluate(plan, data, "2026-Q3", trace: .all)
        #expect(pays(r, rule: "commission") == [2, 3, 20, 14, 30, 95].map { Exact($0) })
        #expect(value(r, "commission", "R1") == money("164"))
    }

    @Test func interpolatedCumulativeTiers() throws {
        let plan = try compile(
            Self.header + """
                rules:
                  commission:
                    kind: commission
                    amount: tx.amount
                    rate_on: each
                    tiers:
                      method: marginal
                      rows:
                        - {from: 0, to: 1000, amount: 10}
                        - {from: 1000, to: 3000, amount: 40}
                        - {from: 3000, to: 8000, amount: 100}
                        - {from: 8000, to: 20000, amount: 2000}
                """)
        let data = try dataFolder(reps: Self.rep, transactions: Self.deals(["200", "300", "1500", "1200", "2000", "4500"]))
        let r = try evaluate(plan, data, "2026-Q3", trace: .all)
        #expect(pays(r, rule: "commission") == [2, 3, 20, 14, 30, 80].map { Exact($0) })
        #expect(value(r, "commission", "R1") == money("149"))
    }

    @Test func marginalRateOnAnIncrementalDeal() throws {
        let plan = try compile(
            Self.header + """
                rules:
                  commission:
                    kind: commission
                    amount: tx.amount
                    rate_on: running
                    tiers:
                      method: marginal
                      rows:
                        - {from: 0, rate: 4%}
                        - {from: 150000, rate: 6%}
                        - {from: 250000, rate: 8%}
                """)
        let data = try dataFolder(reps: Self.rep, transactions: Self.deals(["145000", "20000"]))
        let r = try evaluate(plan, data, "2026-Q3", trace: .all)
        #expect(pays(r, rule: "commission") == [Exact(5800), Exact(1100)])
        #expect(value(r, "commission", "R1") == money("6900"))
    }

    @Test func acceleratorAboveQuota() throws {
        let plan = try compile(
            Self.header + """
                metrics:
                  attainment: sum(tx.amount) / target.revenue
                rules:
                  bonus:
                    kind: attainment_bonus
                    base: rep.target_incentive
                    measure: attainment
                    curve:
                      points: [[0, 0], [1.00, 1.00], [1.30, 1.45]]   # 1.5× on attainment from 100 % to 130 %
                      above: flat
                """)
        let data = try dataFolder(reps: Self.rep, targets: ["R1,2026-Q3,500000"], transactions: Self.deals(["650000"]))
        let r = try evaluate(plan, data, "2026-Q3")
        #expect(value(r, "bonus", "R1") == money("145000"))
    }

    @Test func payoutCurveWithThresholdSlopeAndCap() throws {
        let plan = try compile(
            Self.header + """
                metrics:
                  attainment: sum(tx.amount) / target.revenue
                rules:
                  bonus:
                    kind: attainment_bonus
                    base: 10000
                    measure: attainment
                    curve:
                      points: [[0.70, 0.70], [1.00, 1.00], [1.50, 2.00]]   # threshold 70 %, slope 2× above 100 %, cap 200 %
                      below: zero
                      above: flat
                """)
        for (sold, pays) in [("120", "14000"), ("69.99", "0"), ("70", "7000"), ("100", "10000"), ("150", "20000"), ("400", "20000")] {
            let data = try dataFolder(reps: Self.rep, targets: ["R1,2026-Q3,100"], transactions: Self.deals([sold]))
            #expect(value(try evaluate(plan, data, "2026-Q3"), "bonus", "R1") == money(pays), "\(sold)% pays \(pays)")
        }
    }

    @Test func recoverableDraw() throws {
        let plan = try compileFile("rules/recoverable-draw.yaml")
        let data = try dataFolder(
            reps: ["R1,Alex,A,X,rep,2026-08-01,,0"],
            transactions: ["D1,R1,2026-08-10,P1,8333.33,0", "D2,R1,2026-09-10,P1,50000,0"])
        let august = try evaluate(plan, data, "2026-08")
        #expect(value(august, "earned", "R1") == money("500"))
        #expect(value(august, "pay", "R1") == money("1500"))
        #expect(value(august, "balance", "R1") == money("-1000"))
        let september = try evaluate(plan, data, "2026-09")
        #expect(value(september, "earned", "R1") == money("3000"))
        #expect(value(september, "pay", "R1") == money("2000"))
        #expect(value(september, "balance", "R1") == money("0"))
    }

    static func pennyPlan(method: String, boundary: String) -> String {
        header + """
            rules:
              commission:
                kind: commission
                amount: tx.amount
                rate_on: total
                tiers:
                  method: \(method)
                  on_boundary: \(boundary)
                  rows:
                    - {from: 0, rate: 25%}
                    - {from: 500, rate: 30%}
                    - {from: 3000, rate: 40%}
            """
    }

    @Test func pennyEdgeMarginal() throws {
        let plan = try compile(Self.pennyPlan(method: "marginal", boundary: "higher"))
        let data = try dataFolder(reps: Self.rep, transactions: Self.deals(["1500"]))
        #expect(value(try evaluate(plan, data, "2026-Q3"), "commission", "R1") == money("425.00"))
    }

    /// Both conventions, a cent each side of every edge.
    @Test(arguments: [
        ("retroactive", "higher", "499.99", "125.00"), ("retroactive", "higher", "500.00", "150.00"), ("retroactive", "higher", "500.01", "150.00"),
        ("retroactive", "higher", "2999.99", "900.00"), ("retroactive", "higher", "3000.00", "1200.00"),
        ("retroactive", "higher", "3000.01", "1200.00"),
        ("retroactive", "lower", "499.99", "125.00"), ("retroactive", "lower", "500.00", "125.00"), ("retroactive", "lower", "500.01", "150.00"),
        ("retroactive", "lower", "2999.99", "900.00"), ("retroactive", "lower", "3000.00", "900.00"), ("retroactive", "lower", "3000.01", "1200.00"),
        ("marginal", "higher", "499.99", "125.00"), ("marginal", "higher", "500.00", "125.00"), ("marginal", "higher", "500.01", "125.00"),
        ("marginal", "lower", "3000.00", "875.00"), ("marginal", "lower", "3000.01", "875.00"), ("marginal", "higher", "2999.99", "875.00"),
    ])
    func centEachSideOfEveryEdge(method: String, boundary: String, amount: String, pays: String) throws {
        let plan = try compile(Self.pennyPlan(method: method, boundary: boundary))
        let data = try dataFolder(reps: Self.rep, transactions: Self.deals([amount]))
        #expect(value(try evaluate(plan, data, "2026-Q3"), "commission", "R1") == money(pays))
    }
}
