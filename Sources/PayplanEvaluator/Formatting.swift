import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// Turns values into text for files and people.
public struct Formatter: Sendable {
    public var rounding: Rounding
    public var currency: String

    public init(rounding: Rounding, currency: String) {
        self.rounding = rounding
        self.currency = currency
    }

    public init(plan: Plan) {
        self.init(rounding: plan.rounding, currency: plan.currency.value)
    }

    /// Machine text for CSV and JSON: money at the plan's scale, counts as
    /// integers, ratios exact (up to 10 places, rounded with the plan's mode
    /// beyond that), or at `decimals` when the plan gives them.
    public func plain(_ v: Value, type: ValueType, decimals: Int? = nil) -> String {
        switch v {
        case .missing: return ""
        case .text(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        case .number(let x):
            if let decimals { return (try? x.formatted(scale: decimals, mode: rounding.mode)) ?? x.description }
            switch type.base {
            case .money: return (try? x.formatted(scale: rounding.scale, mode: rounding.mode)) ?? x.description
            case .count: return x.isInteger ? String(x.floor()) : Formatter.trimmed(x, 10, rounding.mode)
            default: return Formatter.trimmed(x, 10, rounding.mode)
            }
        }
    }

    /// Appends what `plain` returns to a byte buffer; numbers at a fixed
    /// scale (money, `decimals`) are written digit by digit.
    public func appendPlain(_ v: Value, type: ValueType, decimals: Int?, to out: inout [UInt8]) {
        if case .number(let x) = v {
            let scale = decimals ?? (type.base == .money ? rounding.scale : nil)
            if let scale, let units = try? x.roundedUnits(scale: scale, mode: rounding.mode) {
                Exact.appendUnits(units, scale: scale, to: &out)
                return
            }
        }
        out.append(contentsOf: plain(v, type: type, decimals: decimals).utf8)
    }

    /// Up to `places` decimals, trailing zeros removed.
    public static func trimmed(_ x: Exact, _ places: Int, _ mode: RoundingMode) -> String {
        guard var text = try? x.formatted(scale: places, mode: mode) else { return x.description }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    public var symbol: String {
        switch currency {
        case "CNY", "JPY": "¥"
        case "USD": "$"
        case "EUR": "€"
        case "GBP": "£"
        default: currency + " "
        }
    }

    /// `¥1,234,567.50`
    public func money(_ x: Exact) -> String {
        let text = (try? x.formatted(scale: rounding.scale, mode: rounding.mode)) ?? x.description
        let negative = text.hasPrefix("-")
        return (negative ? "−" : "") + symbol + Formatter.grouped(negative ? String(text.dropFirst()) : text)
    }

    /// `1,234,567.5` for amounts, `0.9123…` for long fractions.
    public func number(_ x: Exact, places: Int = 6) -> String {
        var text = x.decimalText(maxFractionDigits: places)
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        return (negative ? "−" : "") + Formatter.grouped(text)
    }

    public func value(_ v: Value) -> String {
        switch v {
        case .number(let x): return number(x)
        case .missing: return "—"
        default: return v.description
        }
    }

    /// Thousands separators in the integer part.
    public static func grouped(_ text: String) -> String {
        var text = text
        return text.withUTF8 { u -> String in
            var integerEnd = 0
            while integerEnd < u.count && u[integerEnd] != 0x2E { integerEnd += 1 }
            guard integerEnd > 3 else { return String(decoding: u, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(u.count + integerEnd / 3)
            for i in 0..<integerEnd {
                if i > 0 && (integerEnd - i) % 3 == 0 { out.append(0x2C) }
                out.append(u[i])
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[integerEnd...]))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

public enum Language: String, Sendable, CaseIterable {
    case en, zh

    /// `--lang`, then the plan's locale, then LANG, then English.
    public static func choose(flag: String?, plan: Plan, environment: String?) -> Language {
        if let flag, let l = Language(rawValue: flag) { return l }
        if let l = plan.locale.flatMap({ Language(rawValue: $0.value) }) { return l }
        if let env = environment, env.lowercased().hasPrefix("zh") { return .zh }
        return .en
    }
}

/// What an explanation step needs to become a sentence: the language, and
/// how numbers and money are written in the plan's currency.
public struct Words: Sendable {
    public let language: Language
    public let formatter: Formatter

    public init(language: Language, formatter: Formatter) {
        self.language = language
        self.formatter = formatter
    }

    public var zh: Bool { language == .zh }
    public func n(_ x: Exact) -> String { formatter.number(x) }
    public func m(_ x: Exact) -> String { formatter.money(x) }
    public func v(_ x: Value) -> String { formatter.value(x) }
    /// The text in the rep's language.
    public func t(_ en: String, _ zh: String) -> String { self.zh ? zh : en }

    /// `1st`, `第 1 名`.
    public func ordinal(_ k: Int) -> String {
        if zh { return "第 \(k) 名" }
        let suffix: String
        switch (k % 10, k % 100) {
        case (1, let t) where t != 11: suffix = "st"
        case (2, let t) where t != 12: suffix = "nd"
        case (3, let t) where t != 13: suffix = "rd"
        default: suffix = "th"
        }
        return "\(k)\(suffix)"
    }
}
