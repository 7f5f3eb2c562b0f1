import Foundation
import PayplanCompiler
import PayplanCore
import PayplanTargets
import PayplanYAML
import Testing

let targetsTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repoRoot = targetsTests.deletingLastPathComponent().deletingLastPathComponent()

struct Failure: Error, CustomStringConvertible {
    var description: String
}

/// Parses a targets plan from text; the diagnostics of parsing.
func parse(_ text: String, file: String = "targets.yaml") -> (TargetPlan?, [Diagnostic]) {
    let (document, yaml) = YAMLLoader.load(text: text, file: file)
    guard let document else { return (nil, yaml) }
    return TargetPlanParser.parse(document)
}

/// Every diagnostic as `line:column: severity: message [CODE] (help)`.
func lines(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { d in
        let at = d.range.map { "\($0.start.line):\($0.start.column): " } ?? ""
        return "\(at)\(d.severity.rawValue): \(d.message) [\(d.code)]" + (d.help.map { " (\($0))" } ?? "")
    }
}

/// Parses, checks and decomposes a plan over an in-memory history.
func decompose(_ text: String, _ history: History) throws -> (Decomposition, [Diagnostic]) {
    let (plan, parseDiagnostics) = parse(text)
    guard let plan else { throw Failure(description: lines(parseDiagnostics).joined(separator: "\n")) }
    let (checked, checkDiagnostics) = TargetChecker.check(plan, history: history)
    guard let checked else { throw Failure(description: lines(checkDiagnostics).joined(separator: "\n")) }
    let (d, more) = Decomposer.decompose(checked)
    guard let d else { throw Failure(description: lines(more).joined(separator: "\n")) }
    return (d, parseDiagnostics + checkDiagnostics + more)
}

func day(_ s: String) -> CivilDate { CivilDate(iso: s)! }
func money(_ s: String) -> Exact { Exact(decimal: s)! }

/// A history built in memory: reps and their revenue per month.
struct HistoryBuilder {
    var reps: [HistoryRep] = []
    var revenue: [[Int: Exact]] = []

    mutating func rep(_ id: String, team: String, region: String = "R", hire: String = "2020-01-01", exit: String? = nil) {
        reps.append(HistoryRep(id: id, name: id, team: team, region: region, hire: day(hire), exit: exit.map(day), line: reps.count + 2))
        revenue.append([:])
    }

    mutating func sale(_ id: String, _ month: String, _ amount: Exact) {
        let i = reps.firstIndex { $0.id == id }!
        let p = Period(month)!
        revenue[i][p.ordinal] = (try? (revenue[i][p.ordinal] ?? .zero) + amount) ?? amount
    }

    func build() -> History {
        let order = reps.indices.sorted { CodePoint.less(reps[$0].id, reps[$1].id) }
        var monthly: [Int: [Exact]] = [:]
        var withData: Set<Int> = []
        let months = Set(revenue.flatMap(\.keys))
        for m in months {
            monthly[m] = order.map { revenue[$0][m] ?? .zero }
            withData.insert(m)
        }
        return History(directory: "(memory)", reps: order.map { reps[$0] }, monthly: monthly, monthsWithData: withData)
    }
}
