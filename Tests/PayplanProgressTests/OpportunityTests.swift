import Foundation
import PayplanCore
import PayplanProgress
import PayplanReports
import Testing

@Suite("opportunities.csv")
struct OpportunityTests {
    static let header = "rep_id,period,leads,opportunities,win_rate,sales_cycle_days,average_deal_size,collection_rate\n"

    @Test func medianBesideEachFactor() throws {
        let folder = try exampleCopy()
        try Data(
            (OpportunityTests.header + """
                R16,2026-Q3,40,12,0.5,30,45000,0.9
                R17,2026-Q3,20,4,0.25,45,13000,0.8
                R18,2026-Q3,30,9,0.4,,35000,0.95
                R19,2026-Q3,10,2,0.5,20,31000,1
                R16,2026-Q2,99,99,0.9,99,99,0.9

                """).utf8
        ).write(to: URL(fileURLWithPath: folder + "/opportunities.csv"))
        var p = try exampleProgress(team: "West")
        let data = try load(try compilePlan("rules/reference-plan.yaml"), folder, "2026-Q3", asOf: "2026-08-31")
        let teams = Dictionary(uniqueKeysWithValues: p.reps.map { ($0.rep, $0.team) })
        let (o, problems) = OpportunityReader.read(directory: folder, data: data, period: Period("2026-Q3")!, teams: teams)
        #expect(problems.isEmpty)
        let opportunities = try #require(o)
        let west = try #require(opportunities.teamMedians["West"])
        #expect(west[.leads] == Exact(25))  // (20 + 30) ÷ 2
        #expect(west[.winRate] == money("0.45"))  // (0.4 + 0.5) ÷ 2
        #expect(west[.salesCycleDays] == Exact(30))  // R18 left it blank: median of 20, 30, 45
        #expect(west[.averageDealSize] == Exact(33000))
        p.opportunities = opportunities
        let csv = ProgressReport(p, language: .en).csv()
        #expect(csv.split(separator: "\n")[0].hasSuffix(",collection_rate,collection_rate_team_median"))
        #expect(csv.contains("R18,孙磊,West,"))
        #expect(csv.split(separator: "\n")[3].hasSuffix(",30,25,9,6.5,0.4,0.45,,30,35000,33000,0.95,0.925"))
    }

    @Test func problemsAreLocatedAndAllReported() throws {
        let folder = try exampleCopy()
        try Data((OpportunityTests.header + "R1,2026-Q3,4,2,0.5,30,100,0.9\nR16,2026-Q3,4,2,1.5,30,100,0.9\nR16,2026-Q3,4,x,0.5,30,100,0.9\n").utf8)
            .write(to: URL(fileURLWithPath: folder + "/opportunities.csv"))
        let data = try load(try compilePlan("rules/reference-plan.yaml"), folder, "2026-Q3", asOf: "2026-08-31")
        let (o, problems) = OpportunityReader.read(directory: folder, data: data, period: Period("2026-Q3")!, teams: [:])
        #expect(o == nil)
        let file = folder + "/opportunities.csv"
        #expect(
            problems.map(\.description) == [
                "\(file):4: error: column opportunities: \"x\" is not a whole number [S912]",
                "\(file):2: error: rep \"R1\" is not in reps.csv [G911]; help: did you mean `R01`?",
                "\(file):3: error: column win_rate: 1.5 is out of range (0 to 1) [G913]",
            ])
    }
}
