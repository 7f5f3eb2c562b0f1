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

    /// With structural errors the plan is not checked, but a misspelt name
    /// elsewhere should not wait for the next run: the unknown names (C408)
    /// of what could be read, keeping only names the file defines nowhere
    /// (a name of a rule that could not be read is no error of its own).
    static func namesUndefinedAnywhere(_ document: YAMLDocument, limits: Limits) -> [Diagnostic] {
        guard let partial = PlanParser.partial(document, kinds: RuleKinds.standard, limits: limits) else { return [] }
        var defined: Set<String> = []
        for section in ["metrics", "rules", "filters", "shapes"] {
            let node = document.root.mapping?.first { $0.key.scalar == section }?.value
            for pair in node?.mapping ?? [] { if let k = pair.key.scalar { defined.insert(k) } }
        }
        let lines = document.text.split(separator: "\n", omittingEmptySubsequences: false)
        let (_, diagnostics) = PlanChecker.check(partial, kinds: RuleKinds.standard, limits: limits)
        return diagnostics.filter { d in
            guard d.code == CheckCode.unknownName.rawValue, let r = d.range, r.start.file == document.file, r.start.line == r.end.line,
                r.start.line >= 1, r.start.line <= lines.count
            else { return false }
            let line = Array(lines[r.start.line - 1].unicodeScalars)
            guard r.start.column >= 1, r.end.column - 1 <= line.count, r.start.column < r.end.column else { return false }
            let name = String(String.UnicodeScalarView(line[(r.start.column - 1)..<(r.end.column - 1)]))
            let head = String(name.split(separator: ".").first ?? "")
            return !defined.contains(head)
        }
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
            all += namesUndefinedAnywhere(document, limits: limits)
            return PlanLoad(
                file: file, document: document, plan: nil, checked: nil, diagnostics: Diagnostic.sorted(all), sources: sources)
        }
        let (checked, checkDiagnostics) = PlanChecker.check(plan, kinds: RuleKinds.standard, limits: limits)
        all += checkDiagnostics
        return PlanLoad(
            file: file, document: document, plan: plan, checked: checked, diagnostics: Diagnostic.sorted(all), sources: sources)
    }
}
