import Foundation
import Testing

/// Compares `text` with a golden file in the repository (or records it).
func golden(_ text: String, _ path: String) throws {
    let url = repo.appendingPathComponent(path)
    if record {
        try Data(text.utf8).write(to: url)
        return
    }
    #expect(text == String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self), "golden \(path)")
}

@Suite("payplan whatif and diff: end to end")
struct CompareCommandTests {
    let data = ["--data", "examples", "--period", "2026-Q3"]

    @Test func whatifWithTwoFiles() throws {
        let r = try payplan(["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"] + data)
        #expect(r.status == 0)
        try golden(r.stdout, "examples/expected/whatif-candidate.txt")
        let csv = try payplan(["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"] + data + ["--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").count == 21)
        let json = try payplan(["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"] + data + ["--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["reps"] as? [String: Int])?["up"] == 11)
        #expect((object?["team_changes"] as? [Any])?.count == 2)
    }

    /// The table lists the changed reps only, largest change first, `--top`
    /// of them and a line for the rest; CSV keeps every rep.
    @Test func whatifTableShowsTheTopChangedReps() throws {
        let args = ["whatif", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"] + data
        let all = try payplan(args)
        let rows = all.stdout.split(separator: "\n").drop { !$0.hasPrefix("------") }.dropFirst()
        // 11 up, 3 down, and R01, paid its cap under both plans but from other parts; 5 unchanged reps left out.
        #expect(rows.count == 15)
        #expect(rows.last?.hasPrefix("R01 ") == true)
        #expect(rows.first?.hasPrefix("R11 ") == true)
        #expect(!all.stdout.contains("more reps changed"))
        let three = try payplan(args + ["--top", "3"])
        #expect(three.status == 0)
        let lines = three.stdout.split(separator: "\n")
        let shown = lines.drop { !$0.hasPrefix("------") }.dropFirst().filter { $0.hasPrefix("R") }
        #expect(shown.map { String($0.prefix(3)) } == ["R11", "R15", "R02"])
        #expect(lines.last == "… and 12 more reps changed (--top N lists more; --format csv or json lists every rep)")
        // The summary names as many gains as the table shows (at most 5).
        #expect(three.stdout.contains("largest gains: R11 +¥7,272.73, R15 +¥5,639.55, R02 +¥5,580.00\n"))
        #expect(all.stdout.contains("largest gains: R11 +¥7,272.73, R15 +¥5,639.55, R02 +¥5,580.00, R03 +¥2,780.00, R13 +¥2,382.47\n"))
        let csv = try payplan(args + ["--top", "3", "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").count == 21)
        let bad = try payplan(args + ["--top=-1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--top takes a number of reps, 0 or more"))
    }

    @Test func whatifWithSetOverrides() throws {
        let r = try payplan(
            ["whatif", "rules/reference-plan.yaml"] + data + [
                "--set", "rules.attainment_bonus.curve.points[3].pay=2.2", "--set", "rules.np_award.threshold=40000",
            ])
        #expect(r.status == 0)
        try golden(r.stdout, "examples/expected/whatif-set.txt")
        let bad = try payplan(["whatif", "rules/reference-plan.yaml"] + data + ["--set", "rules.np_award.threshhold=1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--set:1:16: error: `rules.np_award` has no key `threshhold` [W502]"))
        #expect(bad.stderr.contains("did you mean `threshold`?"))
        let nowhere = try payplan(["whatif", "rules/reference-plan.yaml"] + data + ["--set", "rules.np_awrd.threshold=1"])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("--set:1:7: error: `rules` has no key `np_awrd` [W502]"))
        #expect(nowhere.stderr.contains("did you mean `np_award`?"))
        let missing = try payplan(["whatif", "rules/reference-plan.yaml"] + data)
        #expect(missing.status == 2)
    }

    @Test func diffTextMarkdownJSONAndExitStatus() throws {
        let r = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"])
        #expect(r.status == 1)
        try golden(r.stdout, "examples/expected/diff-candidate.txt")
        let md = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--format", "markdown"])
        try golden(md.stdout, "examples/expected/diff-candidate.md")
        let json = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["changes"] as? [Any])?.count == 4)
        #expect(try payplan(["diff", "rules/reference-plan.yaml", "rules/reference-plan.yaml"]).status == 0)
        let ws = try Workspace(copyExamples: false)
        try ws.write("broken.yaml", "plan: [\n")
        #expect(try payplan(["diff", "plan.yaml", "broken.yaml"], in: ws.path).status == 2)
    }

    @Test func diffWithPayoutImpactAndComplianceGates() throws {
        let impact = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"] + data)
        #expect(impact.status == 1)
        #expect(impact.stdout.contains("payout impact\nwhat-if 2026-Q3"))
        let decrease = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--fail-if-decrease"] + data)
        #expect(decrease.status == 1)
        #expect(decrease.stderr.contains("compliance gate: 3 reps would fall: R08 −¥863.64, R09 −¥676.14, R07 −¥476.13"))
        let ws = try Workspace(copyExamples: false)
        let same = try payplan(
            ["diff", "rules/reference-plan.yaml", "rules/reference-plan.yaml", "--fail-if-increase", "--per-rep", ws.path + "/impact.csv"] + data)
        #expect(same.status == 0)
        #expect(ws.read("impact.csv")?.hasPrefix("rep_id,name,team,base_total,candidate_total,delta") == true)
        let noData = try payplan(["diff", "rules/reference-plan.yaml", "rules/reference-plan.yaml", "--fail-if-increase"])
        #expect(noData.status == 2)
    }

    @Test func versionsFromGitAndTheTextconvFingerprint() throws {
        let ws = try Workspace(copyExamples: false)
        func git(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + args
            p.currentDirectoryURL = URL(fileURLWithPath: ws.path)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        }
        try git(["init", "-q"])
        try git(["add", "plan.yaml"])
        try git(["commit", "-q", "-m", "plan"])
        try ws.write("plan.yaml", ws.read("plan.yaml")!.replacingOccurrences(of: "threshold: 50000", with: "threshold: 45000"))
        let r = try payplan(["diff", "HEAD:plan.yaml", "plan.yaml"], in: ws.path)
        #expect(r.status == 1)
        #expect(r.stdout.contains("np_award: threshold 50000 → 45000   (HEAD:plan.yaml:84:16 → plan.yaml:84:16)"))
        let missing = try payplan(["diff", "HEAD:nothing.yaml", "plan.yaml"], in: ws.path)
        #expect(missing.status == 2)
        let canonical = try payplan(["fingerprint", "--canonical", "plan.yaml"], in: ws.path)
        #expect(canonical.stdout.contains("rule np_award product_award"))
        let fingerprints = try payplan(["fingerprint", "rules/reference-plan.yaml"])
        #expect(fingerprints.stdout == "718b07047c159430f0f15196b4afec7fdbf1a11adb2f8f190a592563c22944cb  rules/reference-plan.yaml\n")
    }
}
