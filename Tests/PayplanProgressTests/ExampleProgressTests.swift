import Foundation
import PayplanCore
import PayplanProgress
import PayplanReports
import Testing

/// Progress of the example company in 2026-Q3 as of 2026-08-31, against the
/// hand computation in examples/README.md ("Progress on 31 August").
@Suite("Progress of the example company as of 2026-08-31")
struct ExampleProgressTests {
    @Test func olivia() throws {
        let p = try exampleProgress()
        let r = try #require(p.reps.first { $0.id == "R07" })
        // Twelve deals from 1 July through 31 August; the 2 September deals are not counted.
        #expect(r.revenueToDate == money("395709.76"))
        #expect(r.target == money("450000"))
        #expect(r.attainmentToDate == (try money("395709.76") / money("450000")))
        #expect(r.pace == ratio(92, 62))
        #expect(r.projectedAttainment == (try money("395709.76") / money("450000") * ratio(92, 62)))
        // 20,000 × (0.5 + (0.87935… − 0.8) × 2.5) = 13,967.75; np award 2,000 + 5 % × 27,413.64 = 3,370.68; first mover 1,000.
        #expect(r.payoutToDate == money("18338.43"))
        // At pace: bonus 32,193.98, np award 5,243.59, first mover 1,000, North's prize share 6,866.64.
        #expect(r.projectedPayout == money("45304.21"))
        let next = try #require(r.next)
        #expect(next.breakpoint.kind == .curvePoint && next.breakpoint.at == .one && next.breakpoint.measure == "attainment")
        #expect(next.revenueNeeded == money("54290.24"))
        // 20,000 + (2,000 + 5 % × 38,034.57 = 3,901.73) + 1,000 − 18,338.43.
        #expect(next.payoutThen == money("24901.73"))
        #expect(next.gain == money("6563.30"))
    }

    @Test func otherRepsByHand() throws {
        let p = try exampleProgress()
        func rep(_ id: String) throws -> RepProgress { try #require(p.reps.first { $0.id == id }) }
        // R09 at 47 % earns no bonus; at pace North wins the first prize and R09's share is 2,877.76.
        #expect(try rep("R09").payoutToDate == .zero)
        #expect(try rep("R09").projectedPayout == money("2877.76"))
        // R15 is 0.77 % short of the curve's gate: 1,930.38 more pays 10,000 plus 26.80 more np award.
        let r15 = try #require(try rep("R15").next)
        #expect(r15.revenueNeeded == money("1930.38") && r15.gain == money("10026.80"))
        // R19 was hired on 3 August: active 59 days of the quarter, 29 of them by 31 August.
        #expect(try rep("R19").pace == ratio(59, 29))
        // R20 left on 20 August: nothing more is to come.
        #expect(try rep("R20").pace == .one)
        #expect(try rep("R20").projectedAttainment == rep("R20").attainmentToDate)
        // R13's nearest step is the new-product threshold: 64,468.07 more in its mix takes np revenue to 50,000.
        let r13 = try #require(try rep("R13").next)
        #expect(r13.breakpoint.kind == .threshold && r13.revenueNeeded == money("64468.07") && r13.gain == money("2000"))
    }

    @Test func teams() throws {
        let p = try exampleProgress()
        #expect(p.teams.map(\.team) == ["East", "North", "South", "West"])
        let north = try #require(p.teams.first { $0.team == "North" })
        #expect(north.revenueToDate == money("1728834.48") && north.target == money("2000000"))
        #expect(north.projectedAttainment == (try money("1728834.48") * ratio(92, 62) / money("2000000")))
        let only = try exampleProgress(team: "West")
        #expect(only.reps.map(\.id) == ["R16", "R17", "R18", "R19", "R20"] && only.teams.count == 1)
    }

    @Test func sentences() throws {
        let p = try exampleProgress()
        let r = try #require(p.reps.first { $0.id == "R07" })
        #expect(
            ProgressReport(p, language: .en).sentence(r)
                == "R07 Olivia Liu (North): ¥395,709.76 so far, 87.9 % of the ¥450,000.00 target. At this pace: 130.5 % by 30 September, paying ¥45,304.21. ¥54,290.24 more by 30 September takes attainment to 100 % (attainment bonus curve point) and adds ¥6,563.30."
        )
        #expect(
            ProgressReport(p, language: .zh).sentence(r)
                == "R07 Olivia Liu（North）：截至 8月31日 销售额 ¥395,709.76，完成目标 ¥450,000.00 的 87.9 %。按当前进度，9月30日 预计完成 130.5 %，预计奖金 ¥45,304.21。到 9月30日 再完成 ¥54,290.24 销售额，目标完成率达到 100 %（业绩达成奖金曲线节点），奖金增加 ¥6,563.30。"
        )
    }

    @Test func csvColumns() throws {
        let csv = ProgressReport(try exampleProgress(), language: .en).csv()
        let lines = csv.split(separator: "\n")
        #expect(
            lines[0]
                == "rep_id,name,team,target,revenue_to_date,attainment_to_date,projected_attainment,payout_to_date,projected_payout,next_step,revenue_to_next_step,next_step_gain"
        )
        #expect(
            lines[7]
                == "R07,Olivia Liu,North,450000.00,395709.76,0.8793550222,1.3048493878,18338.43,45304.21,attainment_bonus: attainment 1 (curve_point),54290.24,6563.30"
        )
    }

    @Test func theAsOfDateBoundsThePeriod() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        for asOf in ["2026-06-30", "2026-10-01"] {
            let request = ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: asOf)!, threads: 1)
            #expect(throws: ProgressFailure.self) { try ProgressEngine.compute(plan: plan, data: data, request: request) }
        }
        #expect(
            ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: "2026-10-01")!).check().map(\.description) == [
                "error: --as-of 2026-10-01 is after 2026-Q3 ends (2026-09-30); for a period that is over, run `payplan run` [G902]"
            ])
        let unknown = ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: "2026-08-31")!, attainmentMetric: "atainment")
        do {
            _ = try ProgressEngine.compute(plan: plan, data: data, request: unknown)
            Issue.record("expected a usage failure")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "\(plan.plan.file): error: the plan has no metric `atainment` to read the attainment from [G903]; help: did you mean `attainment`? name the plan's metric with --attainment NAME"
                ])
        }
    }
}

@Suite("Next steps taken together")
struct TogetherTests {
    /// `--steps together`: every rep's step at once. North's reps all take
    /// theirs, North reaches 100 % and wins a team prize, and R07's gain
    /// includes its share (rules/targets.md, "Cost, and --steps").
    @Test func togetherIncludesTheOthersSteps() throws {
        let plan = try compilePlan("rules/reference-plan.yaml")
        let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: "2026-08-31")
        var request = ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: "2026-08-31")!, threads: 2)
        request.steps = .together
        let p = try ProgressEngine.compute(plan: plan, data: data, request: request)
        let r07 = try #require(p.reps.first { $0.id == "R07" }?.next)
        #expect(r07.revenueNeeded == money("54290.24"))
        #expect(r07.gain == money("13668.67"))
        // A rep whose gain does not depend on others is the same either way.
        #expect(p.reps.first { $0.id == "R05" }?.next?.gain == money("2010.69"))
    }
}
