import Foundation
import PayplanCore
import PayplanReports
import PayplanTargets
import Testing

@Suite("--explain REP")
struct ExplanationTests {
    @Test func englishStepsOfOneQuarter() throws {
        let d = try #require(try ExampleTargetsTests.run().decomposition)
        let text = try #require(TargetsExplanation(d, language: .en).text(rep: "R05"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "R05 张伟 · team East · targets for 2027 (Example company 2027)")
        #expect(lines.contains("   a. 2027-Q1: weight 20 %, as given. ¥12,000,000 × 20 % = 2,400,000; a whole number of units: ¥2,400,000."))
        #expect(
            lines.contains(
                "   b. Team East: by share of 2026-Q3 revenue, ¥2,990,000 of ¥8,862,500 (33.74 %). ¥2,400,000 × 2,990,000 ÷ 8,862,500 = 809,703.8082…; rounded down to ¥809,000, remainder 703.8082…; the 3 units left over went to North, South, West (largest remainders; ties by name), not to East: ¥809,000."
            ))
        #expect(
            lines.contains(
                "   c. R05: an equal share among the 5 reps of East. ¥809,000 ÷ 5 = 161,800; rounded down to ¥161,000, remainder 800; the 4 units left over went to R01, R02, R03, R04 (largest remainders; ties by rep_id), not to R05: ¥161,000."
            ))
        #expect(lines.last == "Total for 2027: ¥161,000 + ¥202,000 + ¥202,000 + ¥242,000 = ¥807,000.")
    }

    @Test func chineseAndUnknownRep() throws {
        let d = try #require(try ExampleTargetsTests.run().decomposition)
        let text = try #require(TargetsExplanation(d, language: .zh).text(rep: "R19"))
        #expect(text.hasPrefix("R19 Ethan Gao · 团队 West · 2027 年目标（Example company 2027）\n"))
        #expect(
            text.contains(
                "   c. R19：在 West 的 4 名销售中平均分配。¥399,000 ÷ 4 = 99,750；向下取整为 ¥99,000，余数 750；剩余 3 个单位给余数最大的 R16、R17、R18（余数相同按 rep_id 码点顺序），R19 没有：¥99,000。"
            ))
        #expect(TargetsExplanation(d, language: .en).text(rep: "R20") == nil)
    }
}
