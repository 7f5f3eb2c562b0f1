/// A place in a source file. Lines and columns are 1-based; columns count
/// Unicode scalars (as libyaml does). A column of 0 means "the whole line",
/// which is how data-file errors are located (`transactions.csv:1042:`).
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        column > 0 ? "\(file):\(line):\(column)" : "\(file):\(line)"
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }

    /// The location `count` scalars to the right on the same line.
    public func advanced(by count: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + count)
    }
}

/// A half-open span `[start, end)`. A span that crosses lines is drawn as a
/// caret at its start only.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    public init(at location: SourceLocation, length: Int = 1) {
        start = location
        end = location.advanced(by: max(length, 1))
    }

    public var description: String { start.description }
}

public enum Severity: String, Sendable, Hashable, Comparable {
    case error, warning, note

    var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A diagnostic's code: each stage lists its codes in one enum (the stage's
/// `…Code` type), each with its severity and what it means, so the codes
/// are typed where problems are reported and listed in one place
/// (`payplan codes`). Raw values are the stable codes users see (`C408`).
public protocol DiagnosticCode: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// What the code is about, in a few words.
    var title: String { get }
    var severity: Severity { get }
}

/// One problem found in a plan or a data file, printed the way compilers
/// print them: `file:line:col: error: message [CODE]`, the source line with a
/// caret, notes at related places, and a help line with the fix when one is
/// obvious.
public struct Diagnostic: Sendable, Hashable, Error, CustomStringConvertible {
    public struct Note: Sendable, Hashable {
        public var message: String
        public var range: SourceRange?

        public init(_ message: String, at range: SourceRange?) {
            self.message = message
            self.range = range
        }
    }

    public var severity: Severity
    /// Stable identifier, documented in `rules/README.md` (e.g. `P101`).
    public var code: String
    public var message: String
    public var range: SourceRange?
    /// For diagnostics about a whole file (a missing file, an empty one).
    public var file: String?
    public var notes: [Note]
    /// The fix, when one is obvious ("did you mean `threshold`?").
    public var help: String?

    public init(
        _ severity: Severity, _ code: String, _ message: String, at range: SourceRange?,
        file: String? = nil, notes: [Note] = [], help: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.range = range
        self.file = file ?? range?.start.file
        self.notes = notes
        self.help = help
    }

    /// A diagnostic with the severity its code has.
    public init(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange?, file: String? = nil, notes: [Note] = [], help: String? = nil
    ) {
        self.init(code.severity, code.rawValue, message, at: range, file: file, notes: notes, help: help)
    }

    public init(
        _ severity: Severity, _ code: some DiagnosticCode, _ message: String, at range: SourceRange?,
        file: String? = nil, notes: [Note] = [], help: String? = nil
    ) {
        self.init(severity, code.rawValue, message, at: range, file: file, notes: notes, help: help)
    }

    public static func error(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange?, notes: [Note] = [], help: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, code.rawValue, message, at: range, notes: notes, help: help)
    }

    public static func warning(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange?, notes: [Note] = [], help: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, code.rawValue, message, at: range, notes: notes, help: help)
    }

    /// Whether this diagnostic has `code`.
    public func `is`(_ code: some DiagnosticCode) -> Bool { self.code == code.rawValue }

    /// The headline without the snippet: `file:line:col: error: message [CODE]`.
    public var description: String {
        var text = ""
        if let range {
            text += "\(range.start): "
        } else if let file {
            text += "\(file): "
        }
        text += "\(severity.rawValue): \(message) [\(code)]"
        if let help { text += "; help: \(help)" }
        return text
    }

    /// Stable order: by file, line, column, then severity.
    public static func sorted(_ list: [Diagnostic]) -> [Diagnostic] {
        list.enumerated().sorted { a, b in
            let la = a.element.range?.start
            let lb = b.element.range?.start
            let fa = a.element.file ?? ""
            let fb = b.element.file ?? ""
            if fa != fb { return fa < fb }
            switch (la, lb) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: break
            }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// A list of diagnostics collected by one stage; stages report everything they
/// find rather than stopping at the first problem.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    public mutating func add(_ diagnostic: Diagnostic) { items.append(diagnostic) }
    public mutating func add(contentsOf list: [Diagnostic]) { items.append(contentsOf: list) }

    public mutating func error(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange?, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        items.append(.error(code, message, at: range, notes: notes, help: help))
    }

    public mutating func warning(
        _ code: some DiagnosticCode, _ message: String, at range: SourceRange?, notes: [Diagnostic.Note] = [], help: String? = nil
    ) {
        items.append(.warning(code, message, at: range, notes: notes, help: help))
    }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errorCount: Int { items.filter { $0.severity == .error }.count }
    public var warningCount: Int { items.filter { $0.severity == .warning }.count }
}

/// Finds the closest spelling among candidates for "did you mean" hints.
public enum Suggest {
    /// The candidate with the smallest edit distance, if close enough to be a
    /// plausible typo (at most a third of the name's length, at least 1).
    public static func closest<S: Sequence>(to name: String, among candidates: S) -> String?
    where S.Element == String {
        let target = Array(name.lowercased().unicodeScalars)
        var best: (String, Int)?
        for candidate in candidates where candidate != name {
            let d = distance(target, Array(candidate.lowercased().unicodeScalars))
            if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) {
                best = (candidate, d)
            }
        }
        guard let (candidate, d) = best else { return nil }
        let allowed = max(1, min(3, (target.count + 1) / 3))
        return d <= allowed ? candidate : nil
    }

    /// Optimal string alignment distance (Damerau–Levenshtein with adjacent
    /// transpositions), so `treshold`/`threshold` and `raet`/`rate` are 1 apart.
    public static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, previous2[j - 2] + 1)
                }
                current[j] = v
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }

    public static func didYouMean<S: Sequence>(_ name: String, among candidates: S) -> String?
    where S.Element == String {
        closest(to: name, among: candidates).map { "did you mean `\($0)`?" }
    }
}
