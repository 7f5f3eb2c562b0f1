import Foundation
import Testing

/// The limits themselves, end to end: a plan right at a limit is checked,
/// run, explained, rendered as statements and compared without running out
/// of stack or memory; one step past it is a located error, never a crash.
/// Recursion in every stage is bounded by these limits (`Limits`).
@Suite("Limits: plans at and just past every bound, through every command")
struct LimitsTests {
    /// Inserts metric definitions at the top of the reference plan's metrics
    /// and output columns that read them, so every stage touches them.
    static func plan(metrics: [String], outputs: [String] = []) throws -> Workspace {
        let ws = try Workspace()
        var text = ws.read("plan.yaml") ?? ""
        text = text.replacingOccurrences(of: "metrics:\n", with: "metrics:\n" + metrics.joined(separator: "\n") + "\n")
        text += outputs.map { "  - \($0)\n" }.joined()
        try ws.write("plan.yaml", text)
        return ws
    }

    /// Every command that walks a plan's formulas, on one plan.
    static func everyCommand(_ ws: Workspace) throws -> [(String, Outcome)] {
        let data = ["--data", "data", "--period", "2026-Q3"]
        return [
            ("check", try payplan(["check", "plan.yaml", "--tree"], in: ws.path)),
            ("run", try payplan(["run", "plan.yaml"] + data + ["--explain", "explain.jsonl", "--out", "pay.csv"], in: ws.path)),
            ("explain", try payplan(["explain", "plan.yaml", "--rep", "R01", "--lang", "en"] + data, in: ws.path)),
            ("statements", try payplan(["statements", "plan.yaml", "--out", "statements"] + data, in: ws.path)),
            ("diff", try payplan(["diff", "plan.yaml", ws.path + "/plan.yaml"], in: ws.path)),
            ("fingerprint", try payplan(["fingerprint", "plan.yaml", "--canonical"], in: ws.path)),
            ("whatif", try payplan(["whatif", "plan.yaml", "plan.yaml"] + data, in: ws.path)),
        ]
    }

    static func expectAllSucceed(_ ws: Workspace, _ what: String) throws {
        for (command, r) in try everyCommand(ws) {
            #expect(r.status == 0, "\(what): `\(command)` exited \(r.status): \(r.stderr.suffix(600))")
        }
    }

    /// Formulas exactly as deep as `Limits.formulaDepth` allows, in every
    /// shape that nests: operator chains, unary minus, `not`, parentheses,
    /// `if`, calls.
    @Test func formulasAtTheDepthLimitRunEverywhere() throws {
        let shapes = [
            "chain_sum": Array(repeating: "revenue", count: 100).joined(separator: " + "),
            "chain_product": Array(repeating: "1", count: 99).joined(separator: " * ") + " * revenue",
            "negations": String(repeating: "-", count: 99) + "revenue",
            "parentheses": String(repeating: "(", count: 98) + "revenue" + String(repeating: ")", count: 98),
            "conditionals": String(repeating: "if true then ", count: 49) + "revenue" + String(repeating: " else revenue", count: 49),
            "calls": String(repeating: "max(", count: 49) + "revenue" + String(repeating: ", 1)", count: 49),
        ]
        let names = shapes.keys.sorted()
        let ws = try LimitsTests.plan(metrics: names.map { "  deep_\($0): \"\(shapes[$0]!)\"" }, outputs: names.map { "deep_\($0)" })
        try LimitsTests.expectAllSucceed(ws, "formulas at the depth limit")
    }

    /// One level past the limit: a located error (F205), exit 1, for each shape.
    @Test func oneLevelPastTheDepthLimitIsALocatedError() throws {
        for formula in [
            Array(repeating: "revenue", count: 102).joined(separator: " + "),
            String(repeating: "-", count: 101) + "revenue",
        ] {
            let ws = try LimitsTests.plan(metrics: ["  too_deep: \"\(formula)\""], outputs: ["too_deep"])
            let r = try payplan(["check", "plan.yaml"], in: ws.path)
            #expect(r.status == 1)
            #expect(r.stdout.contains("error: the formula nests deeper than 100 levels (Limits.formulaDepth)"), "\(r.stdout.prefix(400))")
        }
    }

    /// `Limits.metrics` metrics, each reading the next one (defined in the
    /// reverse order of evaluation): the checker once recursed once per link.
    @Test func theMaximumNumberOfMetricsInReverseOrderRunsEverywhere() throws {
        let existing = 7  // the reference plan's own metrics
        let n = 2_000 - existing
        var metrics = (0..<(n - 1)).map { "  chain\($0): chain\($0 + 1) * 1" }
        metrics.append("  chain\(n - 1): revenue")
        let ws = try LimitsTests.plan(metrics: metrics, outputs: ["chain0"])
        try LimitsTests.expectAllSucceed(ws, "2,000 metrics in reverse order")
        let csv = ws.read("pay.csv") ?? ""
        #expect(csv.contains("chain0"))
    }

    @Test func oneMetricPastTheLimitIsALocatedError() throws {
        let ws = try LimitsTests.plan(metrics: (0..<1_994).map { "  extra\($0): revenue" })
        let r = try payplan(["check", "plan.yaml"], in: ws.path)
        #expect(r.status == 1)
        #expect(r.stdout.contains("Limits.metrics"), "\(r.stdout.prefix(400))")
    }
}
