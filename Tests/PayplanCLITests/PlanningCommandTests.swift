import Foundation
import Testing

/// `payplan targets` and `payplan progress` end to end: exit codes, what goes
/// to stdout and stderr, and the targets file `payplan run` reads unchanged.
@Suite("targets and progress commands")
struct PlanningCommandTests {
    @Test func targetsWritesWhatRunReads() throws {
        let ws = try Workspace()
        let out = ws.path + "/targets-2027.csv"
        let r = try payplan(["targets", "examples/targets-2027.yaml", "--history", "examples", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("total    19  2,400,000  3,000,000  3,000,000  3,600,000  12,000,000\n"))
        #expect(
            r.stderr
                == """
                examples/targets-2027.yaml:34:10: warning: rep R19: the 2027-Q1 target 99,000 is below the floor of 100,000 [T863]
                 34 |   floor: 100000                   # a quarter below ¥100,000 is a warning
                    |          ^~~~~~
                76 targets written to \(out)

                """)
        let csv = try #require(ws.read("targets-2027.csv"))
        #expect(csv.hasPrefix("rep_id,period,revenue\nR01,2027-Q1,162000\n"))
        // `payplan run` reads it as the targets of a data folder, unchanged.
        try FileManager.default.removeItem(atPath: ws.path + "/data/targets.csv")
        try FileManager.default.copyItem(atPath: out, toPath: ws.path + "/data/targets.csv")
        let run = try payplan(["run", "plan.yaml", "--data", "data", "--period", "2027-Q1", "--format", "csv"], in: ws.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 20)
        #expect(run.stderr.hasPrefix("period 2027-Q1: 19 reps, total paid ¥0.00"))
    }

    @Test func targetsNeverReplacesAnInputAndStrictStopsOnWarnings() throws {
        let ws = try Workspace()
        let before = ws.read("data/targets.csv")
        let plan = repo.appendingPathComponent("examples/targets-2027.yaml").path
        let r = try payplan(["targets", plan, "--history", "data", "--out", "data/targets.csv"], in: ws.path)
        #expect(r.status == 2)
        #expect(
            r.stderr
                == "error: --out data/targets.csv is a history file data/targets.csv that this command reads; nothing was written [O801]\n  = help: write the output to another file; an input is never overwritten\n"
        )
        #expect(ws.read("data/targets.csv") == before)
        let strict = try payplan(["targets", plan, "--history", "data", "--out", "t.csv", "--strict"], in: ws.path)
        #expect(strict.status == 1)
        #expect(strict.stderr.hasSuffix("1 warning (--strict): no targets were written\n"))
        #expect(ws.read("t.csv") == nil)
    }

    @Test func targetsPlanAndDataProblems() throws {
        let ws = try Workspace()
        try ws.write(
            "t.yaml",
            """
            targets: Bad
            year: 2027
            period: quarter
            unit: 1000
            company: {target: 12000000}
            time: {split: weights, weights: {Q1: 20%, Q2: 25%, Q3: 25%, Q4: 30%}}
            teams: {by: team, split: share, bse: 2026-Q3}

            """)
        let r = try payplan(["targets", "t.yaml", "--history", "data", "--out", "t.csv"], in: ws.path)
        #expect(r.status == 1)
        #expect(
            r.stderr
                == """
                t.yaml:7:33: error: unknown key `bse` in `teams` [T802]
                 7 | teams: {by: team, split: share, bse: 2026-Q3}
                   |                                 ^~~
                  = help: did you mean `base`?
                1 error: no targets were written

                """)
        try ws.append("data/transactions.csv", "D9-0001,R99,2026-07-02,P-CORE,100.00,100.00\n")
        let plan = repo.appendingPathComponent("examples/targets-2027.yaml").path
        let bad = try payplan(["targets", plan, "--history", "data", "--out", "t.csv"], in: ws.path)
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("data/transactions.csv:320: error: column rep_id: unknown rep \"R99\" (not in reps.csv) [D620]"))
        #expect(ws.read("t.csv") == nil)
    }

    @Test func targetsExplainsARep() throws {
        let ws = try Workspace()
        let r = try payplan(
            ["targets", "examples/targets-2027.yaml", "--history", "examples", "--out", ws.path + "/t.csv", "--explain", "R07", "--lang", "en"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("R07 Olivia Liu · team North · targets for 2027 (Example company 2027)\n"))
        #expect(r.stdout.hasSuffix("Total for 2027: ¥119,000 + ¥149,000 + ¥149,000 + ¥179,000 = ¥596,000.\n"))
        let unknown = try payplan(["targets", "examples/targets-2027.yaml", "--history", "examples", "--out", ws.path + "/u.csv", "--explain", "R20"])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.hasSuffix("error: rep R20 has no target in this plan (hire_date 2023-05-20, exit_date 2026-08-20: not active in 2027)\n"))
    }

    @Test func progressFormatsAndLanguages() throws {
        let args = ["progress", "rules/reference-plan.yaml", "--data", "examples", "--period", "2026-Q3", "--as-of", "2026-08-31"]
        let table = try payplan(args)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("progress 2026-Q3 as of 2026-08-31: day 62 of 92; pace factor 92/62 = 1.4838…\n"))
        let csv = try payplan(args + ["--format", "csv", "--team", "North"])
        #expect(csv.stdout.split(separator: "\n").count == 6)
        #expect(csv.stdout.contains("\nR07,Olivia Liu,North,450000.00,395709.76,0.8793550222,1.3048493878,18338.43,45304.21,"))
        let zh = try payplan(args + ["--lang", "zh", "--team", "North"])
        #expect(zh.stdout.contains("到 9月30日 再完成 ¥54,290.24 销售额，目标完成率达到 100 %（业绩达成奖金曲线节点），奖金增加 ¥6,563.30。"))
        let json = try payplan(args + ["--format", "json", "--team", "West"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["reps"] as? [Any])?.count == 5 && object["days_elapsed"] as? Int == 62)
    }

    @Test func progressUsageErrors() throws {
        let args = ["progress", "rules/reference-plan.yaml", "--data", "examples", "--period", "2026-Q3"]
        let late = try payplan(args + ["--as-of", "2026-10-01"])
        #expect(late.status == 2)
        #expect(late.stderr == "error: --as-of 2026-10-01 is after 2026-Q3 ends (2026-09-30); for a period that is over, run `payplan run` [G902]\n")
        let team = try payplan(args + ["--as-of", "2026-08-31", "--team", "Nort"])
        #expect(team.status == 2)
        #expect(team.stderr == "error: no team `Nort` among the reps of the period [G904]\n  = help: did you mean `North`?\n")
        let date = try payplan(args + ["--as-of", "31/08/2026"])
        #expect(date.status == 2)
    }
}
