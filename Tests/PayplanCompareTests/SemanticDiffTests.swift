import Foundation
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanLanguage
import PayplanRules
import Testing

let pairsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Pairs")
let recordPairs = ProcessInfo.processInfo.environment["PAYPLAN_RECORD"] == "1"

func pairNames() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: pairsDirectory.path)) ?? []).filter { !$0.hasSuffix(".py") }.sorted()
}

func loadPlan(_ pair: String, _ name: String) throws -> Plan {
    let url = pairsDirectory.appendingPathComponent(pair).appendingPathComponent(name)
    let load = PlanPipeline.load(text: String(decoding: try Data(contentsOf: url), as: UTF8.self), file: name)
    guard let plan = load.plan, load.checked != nil else {
        Issue.record("\(pair)/\(name) does not check: \(load.diagnostics.map(\.description))")
        throw CancellationError()
    }
    return plan
}

@Suite("Semantic diff on pairs of plan versions")
struct SemanticDiffTests {
    @Test func thereAreAtLeastFifteenPairs() {
        #expect(pairNames().count >= 15)
    }

    @Test(arguments: pairNames())
    func pair(_ name: String) throws {
        let old = try loadPlan(name, "old.yaml")
        let new = try loadPlan(name, "new.yaml")
        let changes = SemanticDiff.compare(old, new)
        let text = changes.map(\.line).joined(separator: "\n") + "\n"
        let expectedURL = pairsDirectory.appendingPathComponent(name).appendingPathComponent("expected.txt")
        if recordPairs {
            try Data(text.utf8).write(to: expectedURL)
        } else {
            #expect(text == String(decoding: (try? Data(contentsOf: expectedURL)) ?? Data(), as: UTF8.self))
        }
        // The fingerprint hashes meaning: equal exactly when nothing changed.
        let same = Canonical.fingerprint(old) == Canonical.fingerprint(new)
        #expect(same == changes.isEmpty, "fingerprint equality must agree with the diff")
    }

    @Test func formattingOnlyPairsShareTheFingerprint() throws {
        for name in ["01-reformatted", "02-keys-reordered", "03-comments-changed", "04-number-spellings"] {
            let old = try loadPlan(name, "old.yaml")
            let new = try loadPlan(name, "new.yaml")
            #expect(Canonical.fingerprint(old) == Canonical.fingerprint(new), "\(name)")
            #expect(SemanticDiff.compare(old, new).isEmpty, "\(name)")
        }
    }

    @Test func theDiffIsSymmetricInWhatItFinds() throws {
        for name in pairNames() {
            let old = try loadPlan(name, "old.yaml")
            let new = try loadPlan(name, "new.yaml")
            #expect(SemanticDiff.compare(old, new).isEmpty == SemanticDiff.compare(new, old).isEmpty, "\(name)")
        }
    }
}

@Suite("Parameter overrides")
struct OverrideTests {
    @Test func pathsParseWithOneBasedIndexes() throws {
        let o = try #require(Override("rules.bonus.curve.points[3].pay=2.2"))
        #expect(o.path == "rules.bonus.curve.points[3].pay")
        #expect(o.value == "2.2")
        #expect(Override("no equals sign") == nil)
    }

    @Test func anOverrideChangesExactlyOneValue() throws {
        let url = pairsDirectory.appendingPathComponent("15-changed-curve-point/old.yaml")
        let load = PlanPipeline.load(file: url.path)
        let document = try #require(load.document)
        let (changed, _) = try Overrides.apply(
            [Override(path: "rules.attainment_bonus.curve.points[3].pay", value: "2.20")], to: document, known: [])
        let plan = try #require(PlanPipeline.load(document: changed).plan)
        let expected = try loadPlan("15-changed-curve-point", "new.yaml")
        #expect(Canonical.fingerprint(plan) == Canonical.fingerprint(expected))
    }

    @Test func aPathThatNamesNothingSuggestsTheClosest() throws {
        let url = pairsDirectory.appendingPathComponent("15-changed-curve-point/old.yaml")
        let load = PlanPipeline.load(file: url.path)
        let document = try #require(load.document)
        do {
            _ = try Overrides.apply(
                [Override(path: "rules.atainment_bonus.curve.points[3].pay", value: "2")], to: document, known: Array(load.plan!.parameters.keys))
            Issue.record("accepted a bad path")
        } catch {
            let text = DiagnosticRenderer(sources: error.sources).text([error.diagnostic])
            #expect(
                text == """
                    --set:1:7: error: `rules` has no key `atainment_bonus` [W502]
                     1 | rules.atainment_bonus.curve.points[3].pay=2
                       |       ^~~~~~~~~~~~~~~
                      = help: did you mean `attainment_bonus`?

                    """)
        }
    }

    @Test func anIndexBeyondTheListGivesTheRange() throws {
        let url = pairsDirectory.appendingPathComponent("15-changed-curve-point/old.yaml")
        let document = try #require(PlanPipeline.load(file: url.path).document)
        for (path, expected) in [
            (
                "rules.attainment_bonus.curve.points[4].pay",
                """
                --set:1:36: error: `rules.attainment_bonus.curve.points` has 3 items, not 4 [W503]
                 1 | rules.attainment_bonus.curve.points[4].pay=2
                   |                                    ^~~
                  = help: items are counted from 1: [1] to [3]

                """
            ),
            (
                "rules.np_award.treshold",
                """
                --set:1:16: error: `rules.np_award` has no key `treshold` [W502]
                 1 | rules.np_award.treshold=2
                   |                ^~~~~~~~
                  = help: did you mean `threshold`?

                """
            ),
            (
                "rules.np_award",
                """
                --set:1:1: error: `rules.np_award` is a mapping, not a single value [W504]
                 1 | rules.np_award=2
                   | ^~~~~~~~~~~~~~
                  = help: name one value inside it; `payplan diff --format json` prints the paths of a plan's values

                """
            ),
        ] {
            do {
                _ = try Overrides.apply([Override(path: path, value: "2")], to: document)
                Issue.record("accepted \(path)")
            } catch {
                #expect(DiagnosticRenderer(sources: error.sources).text([error.diagnostic]) == expected)
            }
        }
    }
}
