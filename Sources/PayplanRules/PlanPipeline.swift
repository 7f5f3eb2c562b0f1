import PayplanChecker
import PayplanCompiler
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
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readBytes(file, limit: limits.planFileBytes)
        } catch {
            let d = Diagnostic(.error, YAMLCode.cannotRead, "cannot read the plan: \(error.reason)", at: nil, file: file)
            return PlanLoad(file: file, document: nil, plan: nil, checked: nil, diagnostics: [d], sources: SourceTexts())
        }
        return load(bytes: bytes, file: file, limits: limits)
    }

    public static func load(text: String, file: String, limits: Limits = .default) -> PlanLoad {
        load(bytes: Array(text.utf8), file: file, limits: limits)
    }

    public static func load(bytes: [UInt8], file: String, limits: Limits = .default) -> PlanLoad {
        let (document, yamlDiagnostics) = YAMLLoader.load(bytes: bytes, file: file, limits: limits)
        var load = finish(file: file, document: document, diagnostics: yamlDiagnostics, limits: limits)
        if document == nil {
            // Show the offending line even when the YAML itself is broken.
            load.sources.add(file: file, text: String(decoding: bytes, as: UTF8.self))
        }
        return load
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
        let (plan, parseDiagnostics) = PlanParser.parse(document, kinds: RuleKinds.standard, limits: limits)
        all += parseDiagnostics
        guard let plan else {
            return PlanLoad(
                file: file, document: document, plan: nil, checked: nil, diagnostics: Diagnostic.sorted(all), sources: sources)
        }
        let (checked, checkDiagnostics) = PlanChecker.check(plan, kinds: RuleKinds.standard, limits: limits)
        all += checkDiagnostics
        return PlanLoad(
            file: file, document: document, plan: plan, checked: checked, diagnostics: Diagnostic.sorted(all), sources: sources)
    }
}
