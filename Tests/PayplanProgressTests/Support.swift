import Foundation
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanProgress
import PayplanRules
import Testing

let progressTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repoRoot = progressTests.deletingLastPathComponent().deletingLastPathComponent()

struct Failure: Error, CustomStringConvertible {
    var description: String
}

func compilePlan(_ path: String) throws -> CompiledPlan {
    let load = PlanPipeline.load(file: repoRoot.appendingPathComponent(path).path)
    guard let checked = load.checked, let plan = Compiler.compile(checked).0 else {
        throw Failure(description: load.diagnostics.map(\.description).joined(separator: "\n"))
    }
    return plan
}

func compileText(_ text: String) throws -> CompiledPlan {
    let load = PlanPipeline.load(text: text, file: "plan.yaml")
    guard let checked = load.checked, let plan = Compiler.compile(checked).0 else {
        throw Failure(description: load.diagnostics.map(\.description).joined(separator: "\n"))
    }
    return plan
}

/// The data of a folder for a period, read up to an as-of date.
func load(_ plan: CompiledPlan, _ directory: String, _ period: String, asOf: String?) throws -> DataSet {
    let p = try #require(Period(period))
    let periods = try Evaluator.periods(for: plan, running: p).get()
    let r = DataLoader.load(directory: directory, plan: plan, periods: periods, threads: 2, asOf: asOf.map { CivilDate(iso: $0)! })
    guard r.problems.isEmpty, let data = r.data else {
        throw Failure(description: r.problems.map(\.diagnostic.description).joined(separator: "\n"))
    }
    return data
}

func money(_ s: String) -> Exact { Exact(decimal: s)! }
func ratio(_ n: Int, _ d: Int) -> Exact { (try? Exact(n) / Exact(d)) ?? .zero }

/// The example company's progress in 2026-Q3 as of a day.
func exampleProgress(asOf: String = "2026-08-31", team: String? = nil) throws -> PeriodProgress {
    let plan = try compilePlan("rules/reference-plan.yaml")
    let data = try load(plan, repoRoot.appendingPathComponent("examples").path, "2026-Q3", asOf: asOf)
    let request = ProgressRequest(period: Period("2026-Q3")!, asOf: CivilDate(iso: asOf)!, team: team, threads: 2)
    return try ProgressEngine.compute(plan: plan, data: data, request: request)
}

/// A scratch copy of the example data folder.
func exampleCopy() throws -> String {
    let path = NSTemporaryDirectory() + "payplan-progress-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    for name in ["reps.csv", "targets.csv", "products.csv", "transactions.csv"] {
        try FileManager.default.copyItem(atPath: repoRoot.appendingPathComponent("examples/\(name)").path, toPath: path + "/" + name)
    }
    return path
}
