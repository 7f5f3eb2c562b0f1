import Foundation
import PayplanCompare
import PayplanCore
import PayplanEvaluator
import PayplanReports
import PayplanRules
import Testing

/// Refunds and clawbacks: how a commission rates a credit (a line with a
/// negative amount), on numbers worked by hand.
@Suite("Credits: reversed at their sale's rate, netted, or refused")
struct CreditTests {
    /// 10 % up to 10,000, 12 % above, retroactive, each deal alone.
    static func plan(_ credits: String?) -> String {
        """
        metrics:
          revenue: sum(tx.amount)
        rules:
          commission:
            kind: commission
            amount: tx.amount
            rate_on: each
            tiers:
              method: retroactive
              rows:
                - {from: 0, to: 10000, rate: 10%}
                - {from: 10000, rate: 12%}
        \(credits.map { "    credits: \($0)\n" } ?? "")total:
          components: [commission]
        """
    }

    static func data(_ lines: [String]) throws -> String {
        try dataFolder(
            reps: ["R1,N,A,X,rep,2020-01-01,,1000"], targets: ["R1,2026-Q3,100"],
            transactions: lines.map { "\($0),0" })
    }

    @Test func aCreditPaysBackAtTheRateItsSaleEarned() throws {
        // Sale 12,000 at 12 % = 1,440; a partial credit of −3,000 reverses
        // at 12 % (−360), not at the 10 % a sale of 3,000 would earn.
        let d = try Self.data(["D1,R1,2026-07-10,P1,12000", "D1,R1,2026-07-20,P1,-3000"])
        let r = try LanguageConstructTests.run(Self.plan("reverse"), d, trace: .all)
        #expect(value(r, "commission", "R1") == money("1080"))
        let text = try LanguageConstructTests.explanation(r, "R1")
        #expect(text.contains("2026-07-20 D1: −3,000 → −360 (a credit: reverses D1 at the rate its sale earned, 0.12)"), "\(text)")
        #expect(try LanguageConstructTests.explanation(r, "R1", .zh).contains("（退款：按 D1 销售所得费率 0.12 冲回）"))
    }

    @Test func aCreditWhoseSaleIsInAnotherPeriodPaysBackAsASaleOfItsSize() throws {
        let d = try Self.data(["D9,R1,2026-07-20,P1,-12000", "D2,R1,2026-08-01,P1,5000"])
        let r = try LanguageConstructTests.run(Self.plan("reverse"), d, trace: .all)
        // 500 − 12,000 × 12 % = 500 − 1,440
        #expect(value(r, "commission", "R1") == money("-940"))
        #expect(try LanguageConstructTests.explanation(r, "R1").contains("paid back at the rate a sale of 12,000 earns"))
    }

    @Test func netRatesEachDealsNet() throws {
        // D1: 12,000 − 3,000 = 9,000 at 10 % = 900 (reverse would pay 1,080).
        let d = try Self.data(["D1,R1,2026-07-10,P1,12000", "D1,R1,2026-07-20,P1,-3000", "D2,R1,2026-07-11,P1,1000"])
        let r = try LanguageConstructTests.run(Self.plan("net"), d, trace: .all)
        #expect(value(r, "commission", "R1") == money("1000"))
        #expect(try LanguageConstructTests.explanation(r, "R1").contains("2026-07-10 D1: 9,000 → 900 (the net of 2 lines of D1)"))
    }

    @Test func aCreditOnTiersThatPayItNothingStopsTheRunAtItsLine() throws {
        let d = try Self.data(["D1,R1,2026-07-10,P1,12000", "D1,R1,2026-07-20,P1,-3000"])
        let message = try #require(LanguageConstructTests.failure(Self.plan(nil), d))
        #expect(message.contains("transactions.csv:3: deal D1 is a credit of -3000 rated alone on tiers that start at 0"), "\(message)")
        // Sales only: nothing to say.
        let sales = Self.plan(nil).replacingOccurrences(of: "    rate_on: each", with: "    where: tx.amount > 0\n    rate_on: each")
        #expect(value(try LanguageConstructTests.run(sales, d), "commission", "R1") == money("1440"))
    }

    @Test func theCheckerWarnsWhereCreditsWouldPayNothing() throws {
        func codes(_ plan: String) -> [String] {
            PlanPipeline.load(text: LanguageConstructTests.header + plan, file: "p.yaml").diagnostics.map(\.code).filter { $0 != "L509" }
        }
        #expect(codes(Self.plan(nil)) == ["L523"])
        #expect(codes(Self.plan("reverse")).isEmpty && codes(Self.plan("net")).isEmpty)
        let sales = Self.plan(nil).replacingOccurrences(
            of: "    rate_on: each", with: "    where: product.category == \"a\" and tx.amount >= 0\n    rate_on: each")
        #expect(codes(sales).isEmpty)
        // Tiers that rate a negative amount need no declaration.
        #expect(codes(Self.plan(nil).replacingOccurrences(of: "{from: 0, to:", with: "{from: -1000000, to:")).isEmpty)
    }

    @Test func plansWithoutCreditsKeepTheirFingerprints() throws {
        // `credits` is part of the canonical form only when written.
        let without = PlanPipeline.load(text: LanguageConstructTests.header + Self.plan(nil), file: "p.yaml")
        let with = PlanPipeline.load(text: LanguageConstructTests.header + Self.plan("net"), file: "p.yaml")
        let a = Canonical.fingerprint(try #require(without.checked).plan)
        let b = Canonical.fingerprint(try #require(with.checked).plan)
        #expect(a != b)
        #expect(Canonical.text(try #require(without.checked).plan).contains("credits") == false)
    }
}
