import Foundation
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanData
import PayplanEvaluator
import PayplanReports
import PayplanRules
import Testing

let evaluatorTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let root = evaluatorTests.deletingLastPathComponent().deletingLastPathComponent()
let recordGoldens = ProcessInfo.processInfo.environment["PAYPLAN_RECORD"] == "1"

struct PlanError: Error, CustomStringConvertible {
    var description: String
}

func compile(_ text: String, file: String = "test.yaml") throws -> CompiledPlan {
    let load = PlanPipeline.load(text: text, file: file)
    guard let checked = load.checked else {
        throw PlanError(description: DiagnosticRenderer(sources: load.sources).text(load.diagnostics))
    }
    guard let plan = Compiler.compile(checked).0 else { throw PlanError(description: "compile failed") }
    return plan
}

func compileFile(_ path: String) throws -> CompiledPlan {
    let load = PlanPipeline.load(file: root.appendingPathComponent(path).path)
    guard let checked = load.checked else {
        throw PlanError(description: DiagnosticRenderer(sources: load.sources).text(load.diagnostics))
    }
    return try #require(Compiler.compile(checked).0)
}

/// Writes a data folder with the contract's headers; rows are given per file.
func dataFolder(reps: [String], targets: [String] = [], products: [String] = ["P1,Core,2020-01-01,a"], transactions: [String]) throws -> String {
    let path = NSTemporaryDirectory() + "payplan-eval-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    func write(_ name: String, _ header: String, _ rows: [String]) throws {
        try Data(([header] + rows).joined(separator: "\n").appending("\n").utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }
    try write("reps.csv", "rep_id,name,team,region,role,hire_date,exit_date,target_incentive", reps)
    try write("targets.csv", "rep_id,period,revenue", targets)
    try write("products.csv", "product,name,launch_date,category", products)
    try write("transactions.csv", "deal_id,rep_id,date,product,amount,collected", transactions)
    return path
}

func evaluate(
    _ plan: CompiledPlan, _ data: String, _ period: String, threads: Int = 2, trace: TraceSelection = .none, encoder: (any TraceEncoder)? = nil
) throws -> EvaluationResult {
    let p = try #require(Period(period))
    let periods = try Evaluator.periods(for: plan, running: p).get()
    let loaded = DataLoader.load(directory: data, plan: plan, periods: periods, threads: threads)
    guard loaded.problems.isEmpty, let d = loaded.data else {
        throw PlanError(description: loaded.problems.map(\.diagnostic.description).joined(separator: "\n"))
    }
    return try Evaluator.evaluate(plan: plan, data: d, period: p, options: EvaluationOptions(threads: threads, trace: trace, traceEncoder: encoder))
}

/// The value of a slot (`total`, `bonus`, `np_award.first_mover`) for a rep.
func value(_ r: EvaluationResult, _ name: String, _ rep: String) -> Value? {
    guard let slot = r.plan.slots.firstIndex(where: { $0.name == name }), let i = r.data.repIndex(rep) else { return nil }
    return r.current.value(slot, i)
}

func money(_ s: String) -> Value { .number(Exact(decimal: s)!) }

/// Compares `text` with a golden file, or records it with PAYPLAN_RECORD=1.
func golden(_ text: String, _ relativePath: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let url = root.appendingPathComponent(relativePath)
    if recordGoldens {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return
    }
    let expected = String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    #expect(text == expected, "golden \(relativePath) differs; re-record with PAYPLAN_RECORD=1 if intended", sourceLocation: sourceLocation)
}
