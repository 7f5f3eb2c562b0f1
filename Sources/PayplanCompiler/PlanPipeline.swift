import PayplanChecker
import PayplanCore
import PayplanLanguage
import PayplanYAML

/// The front half of the pipeline in one call: load the YAML, parse the
/// plan, check it. Keeps the file texts so diagnostics can show snippets.
public struct PlanLoad: Sendable {
    public var file: String
    public var document: YAMLDocument?
    public var plan: Plan?
    public var checked: CheckedPlan?
    public var diagnostics: [Diagnostic]
    public var sources: SourceTexts

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum PlanPipeline {
    public static func load(file: String, limits: Limits = .default) -> PlanLoad {
        let (document, yamlDiagnostics) = YAMLLoader.load(file: file, limits: limits)
        return finish(file: file, document: document, diagnostics: yamlDiagnostics, limits: limits)
    }

    public static func load(text: String, file: String, limits: Limits = .default) -> PlanLoad {
        let (document, yamlDiagnostics) = YAMLLoader.load(text: text, file: file, limits: limits)
        return finish(file: file, document: document, diagnostics: yamlDiagnostics, limits: limits)
    }

    public static func load(document: YAMLDocument, limits: Limits = .default) -> PlanLoad {
        finish(file: document.file, document: document, diagnostics: [], limits: limits)
    }

    static func finish(file: String, document: YAMLDocument?, diagnostics: [Diagnostic], limits: Limits) -> PlanLoad {
        var sources = SourceTexts()
        var all = diagnostics
        guard let document else {
            return PlanLoad(file: file, document: nil, plan: nil, checked: nil, diagnostics: all, sources: sources)
        }
        sources.add(file: file, text: document.text)
        let (plan, parseDiagnostics) = PlanParser.parse(document, limits: limits)
        all += parseDiagnostics
        guard let plan else {
            return PlanLoad(
                file: file, document: document, plan: nil, checked: nil, diagnostics: Diagnostic.sorted(all), sources: sources)
        }
        let (checked, checkDiagnostics) = PlanChecker.check(plan, limits: limits)
        all += checkDiagnostics
        return PlanLoad(
            file: file, document: document, plan: plan, checked: checked, diagnostics: Diagnostic.sorted(all), sources: sources)
    }
}
