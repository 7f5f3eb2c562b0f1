import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// Watches the interpreter. `isOn` is a constant of the type, so with
/// `NoTrace` every call is compiled away and the fast path pays nothing.
protocol EvalObserver {
    static var isOn: Bool { get }
    /// A node's value, after it was computed.
    mutating func value(_ e: CExpr, _ v: Value)
    /// A fact the explanation shows (an aggregate, a branch, a shape lookup).
    mutating func step(_ s: Step)
}

struct NoTrace: EvalObserver {
    static var isOn: Bool { false }
    @inline(__always) mutating func value(_ e: CExpr, _ v: Value) {}
    @inline(__always) mutating func step(_ s: Step) {}
}

/// Records what an explanation needs of one evaluation.
struct StepRecorder: EvalObserver {
    static var isOn: Bool { true }
    var values: [Int32: Value] = [:]
    var steps: [Step] = []
    mutating func value(_ e: CExpr, _ v: Value) { values[e.index] = v }
    mutating func step(_ s: Step) { steps.append(s) }
}

/// One fact of an explanation. Renderers turn these into sentences in the
/// rep's language; JSON carries them as they are. The facts every kind
/// shares are cases here; a kind's own facts are `.rule` (its own struct).
public indirect enum Step: Sendable {
    /// The formula with its inputs' values substituted, and its result.
    /// `name` is what the formula gives (`base`, `cap`), nil for a metric's own formula.
    case formula(name: String?, source: String, substituted: [Segment], result: Value)
    /// `sum(tx.amount where new_product)` over `count` transactions.
    case aggregate(description: String, count: Int, result: Value)
    /// An `if` condition and the branch it chose.
    case branch(condition: String, taken: Bool)
    /// A value carried from an earlier period.
    case previous(name: String, period: String, value: Value)
    /// A shape (`index` into the plan's shapes) looked up at `inputs`.
    case shape(index: Int, name: String, labels: Labels, inputs: [Exact], detail: ShapeDetail, result: Exact)
    case gate(condition: String, met: Bool)
    case floor(before: Exact, floor: Exact, after: Exact)
    case cap(before: Exact, cap: Exact, after: Exact)
    case round(before: Exact, after: Exact, rounding: Rounding)
    case total(components: [(String, Exact)], sum: Exact, cap: Exact?, floor: Exact?, total: Exact, capped: Exact)
    case note(String)
    /// A fact only one kind of rule has (a rank, a threshold reached, …).
    case rule(any RuleStep)
}

/// `ytd(x)`: the value of each period of the year so far, and their sum,
/// numbers written like every other number of an explanation.
public struct YearToDateStep: RuleStep {
    public var name: String
    public var from: String
    public var periods: [(String, Exact)]
    public var sum: Exact

    public func lines(_ w: Words) -> [String] {
        let parts = periods.map { "\($0.0) \(w.n($0.1))" }.joined(separator: " + ")
        let to = periods.last?.0 ?? from
        return w.zh
            ? ["\(name) 年初至今（\(from) 至 \(to)）：\(parts) = \(w.n(sum))"]
            : ["\(name) for the year to date (\(from) to \(to)): \(parts) = \(w.n(sum))"]
    }

    public func json(_ j: inout JSONStream) {
        j.field("type", "ytd")
        j.field("name", name)
        j.key("periods")
        j.beginArray()
        for (period, value) in periods {
            j.beginObject()
            j.field("period", period)
            j.field("value", value)
            j.endObject()
        }
        j.endArray()
        j.field("sum", sum)
    }
}

/// A kind's own explanation fact: it says itself in words and in JSON.
public protocol RuleStep: Sendable {
    /// Sentences a rep understands, in `w.language`.
    func lines(_ w: Words) -> [String]
    /// The facts as fields of a JSON object already open (`type` first).
    func json(_ j: inout JSONStream)
}

/// A measure against a threshold: statements draw it as a bar against a line.
public protocol ThresholdFacts: Sendable {
    var measure: Exact { get }
    var threshold: Exact { get }
    var reached: Bool { get }
}

/// A review flag: statements show it as a card, the period report lists it.
public protocol FlagFacts: Sendable {
    var flagged: Bool { get }
    var level: String { get }
    /// The measure the flag was decided on.
    var measure: Exact? { get }
    /// The line below which the measure is flagged, if the rule has one
    /// (`payplan progress` offers reaching it as a step).
    var below: Exact? { get }
    /// Why the rep was flagged, in a few words (`below 0.6; 2 periods in a row`).
    func reason(_ w: Words) -> String
}

/// The rep's group in a ranking: statements draw the group board.
public protocol GroupFacts: Sendable {
    var group: String { get }
}

/// A value rated on a tier table: statements draw the table, the value marked.
public protocol TierFacts: Sendable {
    var shape: Int { get }
    var at: Exact { get }
    /// What the value is, in English and Chinese (`total of the period`).
    var measureWords: (en: String, zh: String) { get }
}

public enum TraceKind: String, Sendable {
    case metric, rule, total
}

/// The explanation of one metric, rule or the total for one rep.
public struct TraceEntry: Sendable {
    public var name: String
    public var labels: Labels
    public var kind: TraceKind
    /// The rule's kind (as `kind:` names it), for rules.
    public var ruleKind: String?
    /// A rule whose result is a review flag, not money.
    public var isFlag: Bool
    public var value: Value
    public var steps: [Step]

    public init(name: String, labels: Labels, kind: TraceKind, ruleKind: String?, isFlag: Bool, value: Value, steps: [Step]) {
        self.name = name
        self.labels = labels
        self.kind = kind
        self.ruleKind = ruleKind
        self.isFlag = isFlag
        self.value = value
        self.steps = steps
    }
}

/// Everything that explains one rep's pay in one period.
public struct RepTrace: Sendable {
    public var repID: String
    public var name: String
    public var team: String
    public var period: Period
    public var entries: [TraceEntry]
    /// The entries already written by a `TraceEncoder` while the period was
    /// evaluated (`run --explain`); `entries` is then empty.
    public var encodedEntries: [UInt8] = []
}

/// Writes each rep's explanation entries as they are finished, while the
/// period is evaluated (`run --explain`): a few kilobytes of bytes per rep
/// are held instead of the entries' steps, strings and boxes, and the
/// writing runs on the evaluation's threads. `encode` appends one entry,
/// with the separator before it when `bytes` is not empty.
public protocol TraceEncoder: Sendable {
    func encode(_ entry: TraceEntry, into bytes: inout [UInt8])
}

/// The explanations of the run period's traced reps, written while the
/// period is evaluated (one walk computes and explains: nothing is
/// evaluated twice). Each rep's entries are written by the one thread that
/// evaluates that rep, in node order; group stages add their notes after.
/// With an encoder, each entry is encoded as soon as no later stage can add
/// to it (the next entry of the rep begins, or the trace is read).
final class TraceStore: @unchecked Sendable {
    private let entries: UnsafeMutableBufferPointer<[TraceEntry]>
    /// Notes of the group stage running now, per rep.
    private let pending: UnsafeMutableBufferPointer<[Step]>
    /// With an encoder: the entries written so far, and the last entry,
    /// which a group stage may still add notes to.
    private let encoded: UnsafeMutableBufferPointer<[UInt8]>
    private let open: UnsafeMutableBufferPointer<TraceEntry?>
    private let encoder: (any TraceEncoder)?
    private let traced: [Bool]
    let isEmpty: Bool

    init(repCount: Int, traced selection: TraceSelection, encoder: (any TraceEncoder)? = nil) {
        var flags = [Bool](repeating: false, count: repCount)
        switch selection {
        case .none: break
        case .all: flags = [Bool](repeating: true, count: repCount)
        case .reps(let s): for r in s where r < repCount { flags[r] = true }
        }
        traced = flags
        isEmpty = !flags.contains(true)
        self.encoder = encoder
        let capacity = max(repCount, 1)
        entries = .allocate(capacity: encoder == nil ? capacity : 1)
        entries.initialize(repeating: [])
        pending = .allocate(capacity: capacity)
        pending.initialize(repeating: [])
        encoded = .allocate(capacity: encoder == nil ? 1 : capacity)
        encoded.initialize(repeating: [])
        open = .allocate(capacity: encoder == nil ? 1 : capacity)
        open.initialize(repeating: nil)
    }

    deinit {
        entries.deinitialize()
        entries.deallocate()
        pending.deinitialize()
        pending.deallocate()
        encoded.deinitialize()
        encoded.deallocate()
        open.deinitialize()
        open.deallocate()
    }

    @inline(__always) func isTraced(_ rep: Int) -> Bool { traced[rep] }

    func append(_ rep: Int, _ entry: TraceEntry) {
        guard encoder != nil else { return entries[rep].append(entry) }
        close(rep)
        open[rep] = entry
    }

    func note(_ rep: Int, _ step: Step) { if traced[rep] { pending[rep].append(step) } }

    /// After a group stage: its notes go to the rule's entry (written by
    /// the rule's per-rep part, else a new one).
    func finishGroup(_ rep: Int, _ make: () -> TraceEntry, value: Value, hasPerRepPart: Bool) {
        let notes = pending[rep]
        pending[rep] = []
        if encoder != nil {
            if hasPerRepPart, open[rep] != nil {
                open[rep]!.steps += notes
                open[rep]!.value = value
            } else {
                var entry = make()
                entry.steps = notes
                entry.value = value
                append(rep, entry)
            }
            return
        }
        if hasPerRepPart, !entries[rep].isEmpty {
            let last = entries[rep].count - 1
            entries[rep][last].steps += notes
            entries[rep][last].value = value
        } else {
            var entry = make()
            entry.steps = notes
            entry.value = value
            entries[rep].append(entry)
        }
    }

    /// Encodes the rep's open entry.
    private func close(_ rep: Int) {
        guard let encoder, let entry = open[rep] else { return }
        open[rep] = nil
        var bytes = encoded[rep]
        encoded[rep] = []
        // A rep's entries take a few kilobytes: one allocation, not ten doublings.
        if bytes.capacity == 0 { bytes.reserveCapacity(4096) }
        encoder.encode(entry, into: &bytes)
        encoded[rep] = bytes
    }

    func entries(of rep: Int) -> [TraceEntry] { encoder == nil ? entries[rep] : [] }

    /// Forgets the rep's entries (once its explanation has been used).
    func release(_ rep: Int) {
        if encoder == nil { entries[rep] = [] }
    }

    /// The rep's entries as the encoder wrote them, handed over once (the
    /// store keeps nothing of them): empty without an encoder.
    func takeEncoded(_ rep: Int) -> [UInt8] {
        guard encoder != nil else { return [] }
        close(rep)
        let bytes = encoded[rep]
        encoded[rep] = []
        return bytes
    }
}
