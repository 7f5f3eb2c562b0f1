import Foundation
import Testing

@Suite("payplan run, explain, check: end to end")
struct RunCommandTests {
    let q3 = ["--period", "2026-Q3"]

    @Test func runPrintsThePayoutsAndASummary() throws {
        let r = try payplan(["run", "rules/reference-plan.yaml", "--data", "examples", "--period", "2026-Q3", "--format", "csv"])
        #expect(r.status == 0)
        let golden = try String(contentsOf: repo.appendingPathComponent("examples/expected/payouts-2026-Q3.csv"), encoding: .utf8)
        #expect(r.stdout == golden)
        #expect(r.stderr.contains("period 2026-Q3: 20 reps, total paid ¥512,029.90, cut by caps ¥5,632.11"))
        #expect(r.stderr.contains("flags: warning 1, eliminate 1"))
        #expect(r.stderr.contains("plan fingerprint 718b0704"))
    }

    @Test func outIsWrittenAtomicallyAndExplainAsJSONLines() throws {
        let ws = try Workspace()
        let r = try payplan(
            ["run", "plan.yaml", "--data", "data"] + q3 + ["--format", "json", "--out", "pay.json", "--explain", "why.jsonl"], in: ws.path)
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        let json = try JSONSerialization.jsonObject(with: Data((ws.read("pay.json") ?? "").utf8)) as? [String: Any]
        #expect((json?["rows"] as? [Any])?.count == 20)
        #expect(json?["fingerprint"] as? String == "718b07047c159430f0f15196b4afec7fdbf1a11adb2f8f190a592563c22944cb")
        let lines = (ws.read("why.jsonl") ?? "").split(separator: "\n")
        #expect(lines.count == 20)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        #expect(ws.files() == ["data", "pay.json", "plan.yaml", "why.jsonl"], "no temporary file is left behind")
    }

    @Test func badDataWritesNothingAndLeavesThePreviousFile() throws {
        let ws = try Workspace()
        try ws.write("pay.csv", "the previous run\n")
        try ws.append("data/transactions.csv", "X1,R99,2026-07-01,P-CORE,1,1\nX2,R01,2026-07-02,P-CORE,\"12,34\",1\n")
        try ws.append("data/reps.csv", "R21,新人,East,华东,rep,2026-07-01,,10000\n")
        let r = try payplan(["run", "plan.yaml", "--data", "data"] + q3 + ["--out", "pay.csv"], in: ws.path)
        #expect(r.status == 3)
        #expect(ws.read("pay.csv") == "the previous run\n")
        #expect(
            r.stderr == """
                data/reps.csv:22: error: rep R21 is in the 2026-Q3 population but has no row in targets.csv for 2026-Q3 [D650]
                data/transactions.csv:320: error: column rep_id: unknown rep "R99" (not in reps.csv) [D620]
                data/transactions.csv:321: error: column amount: "12,34" is not a decimal [D613]
                3 data problems: nothing was written. Fix the data.

                """)
        #expect(ws.files() == ["data", "pay.csv", "plan.yaml"])
    }

    @Test func aPopulationRepWithoutATargetStopsTheRun() throws {
        let ws = try Workspace()
        try ws.append("data/reps.csv", "R21,新人,East,华东,rep,2026-07-01,,10000\n")
        let r = try payplan(["run", "plan.yaml", "--data", "data"] + q3 + ["--out", "pay.csv"], in: ws.path)
        #expect(r.status == 3)
        #expect(
            r.stderr.hasPrefix("data/reps.csv:22: error: rep R21 is in the 2026-Q3 population but has no row in targets.csv for 2026-Q3 [D650]\n"))
        #expect(ws.read("pay.csv") == nil)
        let skipped = try payplan(["run", "plan.yaml", "--data", "data"] + q3 + ["--skip-invalid", "--format", "csv"], in: ws.path)
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("skipped (--skip-invalid), not paid: R21 (no target row for 2026-Q3)"))
        #expect(!skipped.stdout.contains("R21"))
    }

    @Test func skipInvalidCannotSkipProblemsThatNameNoRep() throws {
        let ws = try Workspace()
        try ws.append("data/transactions.csv", "X1,R99,2026-07-01,P-CORE,1,1\n")
        let r = try payplan(["run", "plan.yaml", "--data", "data"] + q3 + ["--skip-invalid"], in: ws.path)
        #expect(r.status == 3)
        #expect(r.stderr.contains("unknown rep \"R99\""))
    }

    @Test func aDivisionByZeroIsLocatedAndWritesNothing() throws {
        let ws = try Workspace()
        let plan = ws.read("plan.yaml")!.replacingOccurrences(of: "formula: revenue / target", with: "formula: revenue / (target - target)")
        try ws.write("plan.yaml", plan)
        let r = try payplan(["run", "plan.yaml", "--data", "data"] + q3 + ["--out", "pay.csv"], in: ws.path)
        #expect(r.status == 4)
        #expect(r.stderr.hasPrefix("plan.yaml:"))
        #expect(r.stderr.contains("error: division by zero while computing `attainment` for rep R01 in 2026-Q2 [E710]"))
        #expect(ws.read("pay.csv") == nil)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try payplan(["run", "missing.yaml", "--data", "examples", "--period", "2026-Q3"]).status == 2)
        #expect(try payplan(["run", "rules/reference-plan.yaml", "--data", "nowhere", "--period", "2026-Q3"]).status == 2)
        let period = try payplan(["run", "rules/reference-plan.yaml", "--data", "examples", "--period", "Q3-2026"])
        #expect(period.status == 2)
        #expect(period.stderr.contains("'Q3-2026' is not a period"))
        let kind = try payplan(["run", "rules/reference-plan.yaml", "--data", "examples", "--period", "2026-07"])
        #expect(kind.status == 2)
        #expect(kind.stderr.contains("the plan pays per quarter; 2026-07 is a month"))
    }

    @Test func explainPrintsOneRepInEitherLanguage() throws {
        let en = try payplan(["explain", "rules/reference-plan.yaml", "--data", "examples"] + q3 + ["--rep", "R07", "--lang", "en"])
        #expect(en.status == 0)
        #expect(en.stdout == (try String(contentsOf: repo.appendingPathComponent("examples/expected/explain-R07.en.txt"), encoding: .utf8)))
        let zh = try payplan(["explain", "rules/reference-plan.yaml", "--data", "examples"] + q3 + ["--rep", "R07"])
        #expect(zh.stdout.contains("应发合计: ¥34,528.41"), "the plan's locale (zh) is the default")
        let unknown = try payplan(["explain", "rules/reference-plan.yaml", "--data", "examples"] + q3 + ["--rep", "R7"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no rep `R7`"))
    }

    @Test func checkExitCodesAndFormats() throws {
        #expect(try payplan(["check", "rules/reference-plan.yaml", "rules/spiff-contest.yaml"]).status == 0)
        let ws = try Workspace(copyExamples: false)
        try ws.write("warn.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "metrics:", with: "metrics:\n  unused: 1"))
        #expect(try payplan(["check", "warn.yaml"], in: ws.path).status == 0)
        #expect(try payplan(["check", "--strict", "warn.yaml"], in: ws.path).status == 1)
        try ws.write("bad.yaml", "plan: x\n")
        let bad = try payplan(["check", "bad.yaml", "--format", "json"], in: ws.path)
        #expect(bad.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [[String: Any]]
        #expect((json?.first?["errors"] as? Int) == 3)
        #expect(try payplan(["check", "nope.yaml"], in: ws.path).status == 2)
        let tree = try payplan(["check", "--tree", "rules/reference-plan.yaml"])
        #expect(tree.stdout.contains("stage 1: per rep, in parallel"))
        #expect(tree.stdout.contains("filter#0 new_product   [tabulated per product and period]"))
    }

    @Test func helpReadsWell() throws {
        let help = try payplan(["--help"])
        #expect(help.status == 0)
        for word in ["check", "run", "explain", "Exit codes"] { #expect(help.stdout.contains(word)) }
        let run = try payplan(["run", "--help"])
        #expect(run.stdout.contains("--skip-invalid"))
    }
}
