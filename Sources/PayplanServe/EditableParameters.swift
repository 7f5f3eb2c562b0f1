import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// The plan's numbers the workbench lets a manager change, grouped by rule,
/// each with its parameter path (the paths of `whatif --set` and `diff`), a
/// label, the value as written and where it is in the file.
public struct EditableParameter: Sendable {
    public enum Kind: String, Sendable {
        /// A constant number: a threshold, a rate, a prize, a curve point.
        case number
        /// A band or matrix test such as `>= 0.90`.
        case test
    }

    public var path: String
    public var label: String
    public var kind: Kind
    public var text: String
    public var line: Int
}

public struct ParameterGroup: Sendable {
    /// `rules.np_award`, `shapes.deal_tiers`, `total`, `plan`.
    public var key: String
    public var title: String
    public var parameters: [EditableParameter]
}

public enum EditableParameters {
    /// Every number and band test of the plan, by rule (in the file's order),
    /// then shapes, the total and the plan's own settings; not the version
    /// (text that looks like a number) nor the output's display decimals.
    public static func groups(_ plan: CompiledPlan, language: String) -> [ParameterGroup] {
        let p = plan.plan
        var byGroup: [String: [EditableParameter]] = [:]
        for (path, parameter) in p.parameters where !path.hasPrefix("output") && path != "version" {
            guard let kind = kind(path, parameter.text) else { continue }
            let (group, rest) = split(path)
            byGroup[group, default: []].append(
                EditableParameter(path: path, label: label(rest), kind: kind, text: parameter.text, line: parameter.range.start.line))
        }
        var order: [(String, String)] = p.rules.map { ("rules.\($0.name.value)", $0.labels.text(language) ?? $0.name.value) }
        order += p.shapes.map { ("shapes.\($0.name.value)", $0.labels.text(language) ?? $0.name.value) }
        order.append(("total", language == "zh" ? "合计" : "total"))
        order.append(("plan", language == "zh" ? "方案" : "plan"))
        for key in byGroup.keys.sorted() where !order.contains(where: { $0.0 == key }) { order.append((key, key)) }
        return order.compactMap { key, title in
            guard let list = byGroup[key], !list.isEmpty else { return nil }
            let sorted = list.sorted { ($0.line, $0.path) < ($1.line, $1.path) }
            return ParameterGroup(key: key, title: title, parameters: sorted)
        }
    }

    /// `rules.np_award.threshold` → (`rules.np_award`, `threshold`).
    static func split(_ path: String) -> (String, String) {
        let parts = path.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3, parts[0] == "rules" || parts[0] == "shapes" {
            let name = parts[1].split(separator: "[").first.map(String.init) ?? parts[1]
            return ("\(parts[0]).\(name)", parts[2])
        }
        if parts.first == "total", parts.count > 1 { return ("total", parts.dropFirst().joined(separator: ".")) }
        return ("plan", path)
    }

    /// `curve.points[3].pay` → `curve · point 3 · pay`.
    static func label(_ rest: String) -> String {
        var out = ""
        var i = rest.startIndex
        while i < rest.endIndex {
            let c = rest[i]
            switch c {
            case ".": out += " · "
            case "_": out += " "
            case "[":
                if out.hasSuffix("s") && !out.hasSuffix("ss") { out.removeLast() }
                out += " "
            case "]": break
            default: out.append(c)
            }
            i = rest.index(after: i)
        }
        return out
    }

    /// A number, a band test, or (for anything else: formulas, words) nil.
    static func kind(_ path: String, _ text: String) -> EditableParameter.Kind? {
        let t = text.trimmingSpace()
        if isNumber(t) { return .number }
        let tests = [">=", "<=", ">", "<", "==", "[", "(", "≥", "≤"]
        if path.hasSuffix(".when") || path.contains(".bands[") || (path.contains(".rows[") && path.hasSuffix("[1]")) {
            if tests.contains(where: { t.hasPrefix($0) }) && t.contains(where: { $0.isNumber }) { return .test }
        }
        return nil
    }

    /// `-12`, `0.05`, `5%`, `5.0e-2`.
    static func isNumber(_ t: String) -> Bool {
        var u = Array(t.utf8)[...]
        if u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+") { u = u.dropFirst() }
        if u.last == UInt8(ascii: "%") { u = u.dropLast() }
        if let e = u.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            var exp = u[(e + 1)...]
            if exp.first == UInt8(ascii: "-") || exp.first == UInt8(ascii: "+") { exp = exp.dropFirst() }
            guard !exp.isEmpty, exp.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            u = u[..<e]
        }
        let parts = u.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2, !u.isEmpty, parts.allSatisfy({ $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else { return false }
        return parts.contains { !$0.isEmpty }
    }
}
