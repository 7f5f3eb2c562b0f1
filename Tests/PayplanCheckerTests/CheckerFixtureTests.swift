import Foundation
import PayplanChecker
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanRules
import Testing

/// Where the test sources are; fixtures are read (and re-recorded) in place.
let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
let recording = ProcessInfo.processInfo.environment["PAYPLAN_RECORD"] == "1"

func fixtureNames() -> [String] {
    let dir = testsDirectory.appendingPathComponent("Fixtures/bad")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
}

/// Renders a plan's diagnostics exactly as `payplan check` prints them.
func checkOutput(_ text: String, file: String) -> (String, PlanLoad) {
    let load = PlanPipeline.load(text: text, file: file)
    return (DiagnosticRenderer(sources: load.sources).text(load.diagnostics), load)
}

@Suite("Checker: a table of bad plans with their exact diagnostics")
struct CheckerFixtureTests {
    @Test func thereAreAtLeastFortyBadPlans() {
        #expect(fixtureNames().count >= 40)
    }

    @Test(arguments: fixtureNames())
    func badPlan(_ name: String) throws {
        let url = testsDirectory.appendingPathComponent("Fixtures/bad/\(name)")
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let (output, load) = checkOutput(text, file: "bad/\(name)")
        #expect(!load.diagnostics.isEmpty, "a bad plan must produce diagnostics")
        if recording {
            try Data(output.utf8).write(to: expectedURL)
            return
        }
        let expected = String(decoding: (try? Data(contentsOf: expectedURL)) ?? Data(), as: UTF8.self)
        #expect(output == expected, "re-record with PAYPLAN_RECORD=1 swift test if the change is intended")
    }

    @Test func everyPlanInRulesChecksClean() throws {
        let dir = repositoryRoot.appendingPathComponent("rules")
        let plans = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(plans.count >= 4)
        for plan in plans {
            let load = PlanPipeline.load(file: dir.appendingPathComponent(plan).path)
            #expect(load.diagnostics.isEmpty, "\(plan): \(load.diagnostics.map(\.description))")
            #expect(load.checked != nil)
            if let checked = load.checked {
                let (compiled, problems) = Compiler.compile(checked)
                #expect(compiled != nil && problems.isEmpty, "\(plan) compiles")
            }
        }
    }

    @Test func allProblemsOfAFileAreReportedInOneRun() throws {
        let url = testsDirectory.appendingPathComponent("Fixtures/bad/56-several-problems-at-once.yaml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let (_, load) = checkOutput(text, file: "x.yaml")
        #expect(load.diagnostics.filter { $0.severity == .error }.count == 3)
    }
}
