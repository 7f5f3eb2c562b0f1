import Foundation
import Testing

/// What a new user stumbled on (issue 18): messages that say why, advice
/// only where it can act, one behaviour for every bad `--set`.
@Suite("first contact messages")
struct FirstContactTests {
    let reference = ["rules/reference-plan.yaml", "--data", "examples"]

    @Test func explainSaysWhySkipInvalidLeftARepOut() throws {
        let r = try payplan(["explain"] + reference + ["--period", "2026-Q2", "--rep", "R18", "--skip-invalid"])
        #expect(r.status == 2)
        #expect(
            r.stderr
                == "error: rep R18 was left out of 2026-Q2 by --skip-invalid: no target row for 2026-Q2; there is no payout to explain\n")
    }

    @Test func explainSaysWhenARepIsNotActive() throws {
        let r = try payplan(["explain"] + reference + ["--period", "2026-Q2", "--rep", "R19", "--skip-invalid"])
        #expect(r.status == 2)
        #expect(
            r.stderr
                == "error: rep R19 is not in the 2026-Q2 population: not active on any day of 2026-Q2 (hired 2026-08-03); there is no payout to explain\n"
        )
    }

    @Test func aPeriodWithoutTargetsOffersNoSkipInvalid() throws {
        let r = try payplan(["run"] + reference + ["--period", "2025-Q3"])
        #expect(r.status == 3)
        #expect(r.stderr.hasSuffix("1 data problem: nothing was written. Fix the data.\n"))
        #expect(!r.stderr.contains("--skip-invalid"))
        let skipping = try payplan(["run"] + reference + ["--period", "2025-Q3", "--skip-invalid"])
        #expect(skipping.status == 3)
        #expect(skipping.stdout.isEmpty)
        #expect(
            skipping.stderr
                == "error: --skip-invalid would leave out every rep of 2025-Q3, 17 reps (R01, R02, R03, … R18, R20): no target row for 2025-Q3: there is nobody left to pay; nothing was written. Fix the data, or check the period.\n"
        )
    }

    @Test func aPeriodNobodyIsActiveInIsAWarningNamingTheCoveredPeriods() throws {
        let r = try payplan(["run"] + reference + ["--period", "2019-Q1"])
        #expect(r.status == 0)
        #expect(
            r.stderr.hasPrefix(
                "warning: no rep is active in 2019-Q1: nobody is paid; examples/targets.csv has targets for 2026-Q2, 2026-Q3. Check the period.\n"))
    }

    @Test func skipInvalidNamesTheProblemsItCannotSkip() throws {
        let r = try payplan(["run", "rules/reference-plan.yaml", "--data", "examples/mistakes/broken", "--period", "2026-Q3", "--skip-invalid"])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(
            r.stderr.hasSuffix(
                "3 data problems: nothing was written. --skip-invalid cannot skip 1 of them (examples/mistakes/broken/transactions.csv:5 [D620]): it names no rep that could be left out (a whole file, a column, a product, a rep that is not in reps.csv, or the whole period), so paying the others would still pay on bad data. Fix the data.\n"
            ))
    }

    @Test func everyBadSetIsAUsageErrorUnderThePartThatIsWrong() throws {
        let whatif = ["whatif"] + reference + ["--period", "2026-Q3", "--set"]
        let key = try payplan(whatif + ["rules.np_award.treshold=40000"])
        #expect(key.status == 2)
        #expect(
            key.stderr == """
                --set:1:16: error: `rules.np_award` has no key `treshold` [W502]
                 1 | rules.np_award.treshold=40000
                   |                ^~~~~~~~
                  = help: did you mean `threshold`?

                """)
        let index = try payplan(whatif + ["rules.attainment_bonus.curve.points[4].pay=2.2"])
        #expect(index.status == 2)
        #expect(index.stderr.contains("  = help: items are counted from 1: [1] to [3]\n"))
        let value = try payplan(whatif + ["rules.np_award.threshold=abc"])
        #expect(value.status == 2)
        #expect(value.stderr.hasSuffix("1 error in --set; nothing was computed\n"))
    }

    @Test func aMissingDataFolderSuggestsTheClosest() throws {
        let r = try payplan(["run", "rules/reference-plan.yaml", "--data", "exmaples", "--period", "2026-Q3"])
        #expect(r.status == 2)
        #expect(r.stderr == "exmaples: error: the data folder does not exist [D600]\n  = help: did you mean `examples`?\n")
    }

    @Test func languageAndPeriodIgnoreCase() throws {
        let r = try payplan(["explain"] + reference + ["--period", "2026-q3", "--rep", "R07", "--lang", "EN"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Total paid: ¥34,528.41"))
    }

    @Test func misspeltDottedNamesGetADidYouMean() throws {
        let ws = try Workspace(copyExamples: false)
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "typo.yaml",
            plan.replacingOccurrences(of: "exclude: elimination.flag", with: "exclude: elimnation.flag")
                .replacingOccurrences(of: "np_award.first_mover, team_prize]", with: "np_award.first_movr, team_prize]"))
        let r = try payplan(["check", "typo.yaml"], in: ws.path)
        #expect(r.status == 1)
        let text = r.stdout + r.stderr
        #expect(text.contains("unknown name `elimnation.flag` [C408]\n 115 |       exclude: elimnation.flag != \"none\"\n"))
        #expect(text.contains("  = help: did you mean `elimination.flag`?\n"))
        #expect(text.contains("  = help: did you mean `np_award.first_mover`?\n"))
    }

    /// Prizes may be formulas over the group (a pot and shares of it); a rep's
    /// own value there is told to aggregate it, never to "compute it in a
    /// metric" (which cannot feed a prize).
    @Test func aRepValueInAPrizeIsToldToAggregateIt() throws {
        let ws = try Workspace(copyExamples: false)
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write("prize.yaml", plan.replacingOccurrences(of: "prizes: [30000, 20000, 10000]", with: "prizes: [revenue, 20000, 10000]"))
        let r = try payplan(["check", "prize.yaml"], in: ws.path)
        #expect(r.status == 1)
        let text = r.stdout + r.stderr
        #expect(text.contains("prize.yaml:111:14: error: `revenue` is a rep's value; in a pot formula aggregate it over the members [C407]"))
        #expect(text.contains("  = help: e.g. sum(revenue), max(revenue) or avg(revenue)\n"))
        #expect(!text.contains("compute per-rep values in a metric"))
    }

    @Test func yearToDateShowsEachPeriodInBothLanguages() throws {
        let ws = try Workspace()
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "ytd.yaml", plan.replacingOccurrences(of: "\n  np_revenue:\n", with: "\n  ytd_revenue:\n    formula: ytd(revenue)\n  np_revenue:\n"))
        let explain = ["explain", "ytd.yaml", "--data", "data", "--period", "2026-Q3", "--rep", "R07", "--lang"]
        let en = try payplan(explain + ["en"], in: ws.path)
        #expect(en.status == 0, "\(en.stderr)")
        #expect(en.stdout.contains("\n     revenue for the year to date (2026-Q1 to 2026-Q3): 2026-Q2 440,000 + 2026-Q3 517,500 = 957,500\n"))
        let zh = try payplan(explain + ["zh"], in: ws.path)
        #expect(zh.stdout.contains("\n     revenue 年初至今（2026-Q1 至 2026-Q3）：2026-Q2 440,000 + 2026-Q3 517,500 = 957,500\n"))
    }

    @Test func aTotalWithoutComponentsSaysSo() throws {
        let ws = try Workspace()
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "empty.yaml",
            plan.replacingOccurrences(of: "components: [attainment_bonus, np_award, np_award.first_mover, team_prize]", with: "components: []"))
        let r = try payplan(["explain", "empty.yaml", "--data", "data", "--period", "2026-Q3", "--rep", "R07", "--lang", "en"], in: ws.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Total paid: ¥0.00\n  no payout is part of the total: ¥0.00\n"))
    }

    @Test func equalityReadsAsTheLanguageWritesIt() throws {
        let ws = try Workspace()
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "eq.yaml",
            plan.replacingOccurrences(
                of: "  np_revenue:\n", with: "  east:\n    formula: if rep.team == \"East\" then 1 else 0\n  np_revenue:\n"))
        let r = try payplan(["explain", "eq.yaml", "--data", "data", "--period", "2026-Q3", "--rep", "R07", "--lang", "en"], in: ws.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("`rep.team == \"East\"` is false"))
    }

    @Test func aFormulaCutByAFlowMappingsCommaNamesTheYAMLCause() throws {
        let ws = try Workspace(copyExamples: false)
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "flow.yaml",
            plan.replacingOccurrences(
                of: "  collection_rate:\n    formula: if revenue > 0 then collected / revenue else 0\n    label: {zh: 回款率, en: collection rate}\n",
                with: "  collection_rate: {formula: divide(collected, revenue, 0), label: collection rate}\n"))
        let r = try payplan(["check", "flow.yaml"], in: ws.path)
        #expect(r.status == 1)
        #expect(
            r.stdout + r.stderr == """
                flow.yaml:49:30: error: this formula was cut short at a comma: inside `{…}` a comma separates the entries, so YAML read the formula `divide(collected` [P335]
                 49 |   collection_rate: {formula: divide(collected, revenue, 0), label: collection rate}
                    |                              ^~~~~~~~~~~~~~~~
                  = help: quote the formula: "divide(collected, revenue, 0)", or write the mapping's entries on lines of their own
                flow.yaml: 1 error, 0 warnings

                """)
        // Quoted as the help says, the plan is clean.
        try ws.write(
            "quoted.yaml",
            plan.replacingOccurrences(
                of: "  collection_rate:\n    formula: if revenue > 0 then collected / revenue else 0\n    label: {zh: 回款率, en: collection rate}\n",
                with: "  collection_rate: {formula: \"divide(collected, revenue, 0)\", label: collection rate}\n"))
        #expect(try payplan(["check", "quoted.yaml"], in: ws.path).status == 0)
    }

    @Test func aRepLeftOutOfTheGroupsIsToldWhichConditionFailed() throws {
        let ws = try Workspace()
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "members.yaml",
            plan.replacingOccurrences(of: "    group_by: rep.team\n", with: "    group_by: rep.team\n    members: rep.role == \"rep\"\n"))
        let explain = ["explain", "members.yaml", "--data", "data", "--period", "2026-Q3", "--rep", "R01", "--lang"]
        let en = try payplan(explain + ["en"], in: ws.path)
        #expect(en.status == 0, "\(en.stderr)")
        #expect(
            en.stdout.contains(
                "     not a member of any group of this rule: its `members` condition is false\n     members = rep.role == \"rep\" = \"manager\" == \"rep\" = false\n"
            ), "\(en.stdout)")
        let zh = try payplan(explain + ["zh"], in: ws.path)
        #expect(zh.stdout.contains("     不属于本规则的任何团队：成员条件不成立\n"))
    }

    @Test func aStructuralErrorDoesNotHideNameErrorsElsewhere() throws {
        let ws = try Workspace(copyExamples: false)
        let plan = try #require(ws.read("plan.yaml"))
        try ws.write(
            "both.yaml",
            plan.replacingOccurrences(of: "        band:\n          hit: first", with: "        bnad:\n          hit: first")
                .replacingOccurrences(of: "exclude: elimination.flag", with: "exclude: elimnation.flag"))
        let r = try payplan(["check", "both.yaml"], in: ws.path)
        #expect(r.status == 1)
        let text = r.stdout + r.stderr
        #expect(text.contains("both.yaml:73:9: error: unknown key `bnad` in a multiplier [P310]"))
        #expect(text.contains("both.yaml:115:16: error: unknown name `elimnation.flag` [C408]"))
        // The rule that could not be read is not reported again wherever it is named.
        #expect(!text.contains("unknown name `attainment_bonus`"))
    }

    @Test func diffTextAndMarkdownPrintTheParameterPath() throws {
        let text = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml"])
        #expect(
            text.stdout.contains(
                "→ 2.20   (rules/reference-plan.yaml:66:18 → examples/candidate-plan.yaml:73:18)   path: rules.attainment_bonus.curve.points[3].pay\n"
            ))
        let md = try payplan(["diff", "rules/reference-plan.yaml", "examples/candidate-plan.yaml", "--format", "markdown"])
        #expect(md.stdout.contains(" — path `rules.np_award.threshold`\n"))
    }

    @Test func theMakefileInstallsTheBinaryItBuilds() throws {
        let ws = try Workspace(copyExamples: false)
        // A stand-in for swift: `build` does nothing, `--show-bin-path` names a folder holding a payplan.
        try FileManager.default.createDirectory(atPath: ws.path + "/bin", withIntermediateDirectories: true)
        try ws.write("bin/payplan", "#!/bin/sh\necho installed\n")
        try ws.write("swift", "#!/bin/sh\ncase \"$*\" in *--show-bin-path*) echo \(ws.path)/bin;; esac\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ws.path + "/swift")
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["make", "-s", "-C", repo.path, "install", "PREFIX=\(ws.path)/prefix", "SWIFT=\(ws.path)/swift"]
        make.standardOutput = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        #expect(make.terminationStatus == 0)
        #expect(ws.read("prefix/bin/payplan") == "#!/bin/sh\necho installed\n")
        #expect(FileManager.default.isExecutableFile(atPath: ws.path + "/prefix/bin/payplan"))
    }
}
