import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanLanguage

/// Traces as JSON: each step with its structured facts and, for people, the
/// sentence `payplan explain` prints, so tools and people see the same
/// explanation. Written through `JSONStream` (no intermediate tree): the
/// JSON Lines file of a 100k-rep run holds ~300 MB of it.
extension ExplanationRenderer {
    /// Traces as JSON Lines, one rep a line, with the facts of each step
    /// but not its sentence: the file is the machine-readable audit record,
    /// and the sentences (which cost as much again to write as everything
    /// else) are one `payplan explain` away.
    public func jsonLines(_ traces: [RepTrace], fingerprint: String) -> [UInt8] {
        var w = JSONStream(capacity: traces.count * 4096)
        for trace in traces {
            write(trace, fingerprint: fingerprint, sentences: false, to: &w)
            w.newline()
        }
        return w.bytes
    }

    /// The encoder `run --explain` gives the evaluator: each entry is
    /// written as `jsonLines` writes it, as soon as it is finished.
    public var jsonLinesEncoder: any TraceEncoder { JSONLinesEncoder(renderer: self) }

    /// One rep's trace, indented, with the sentence of every step.
    public func json(_ trace: RepTrace, fingerprint: String) -> String {
        var w = JSONStream(indent: 2)
        write(trace, fingerprint: fingerprint, sentences: true, to: &w)
        w.newline()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func write(_ trace: RepTrace, fingerprint: String, sentences: Bool, to w: inout JSONStream) {
        w.beginObject()
        w.field("rep_id", trace.repID)
        w.field("name", trace.name)
        w.field("team", trace.team)
        w.field("period", trace.period.description)
        w.field("plan", plan.plan.name.value)
        w.field("fingerprint", fingerprint)
        w.key("entries")
        w.beginArray()
        if trace.entries.isEmpty && !trace.encodedEntries.isEmpty {
            w.elements(trace.encodedEntries)
        }
        for e in trace.entries { write(e, sentences: sentences, to: &w) }
        w.endArray()
        w.endObject()
    }

    /// One entry of a trace's `entries`.
    func write(_ e: TraceEntry, sentences: Bool, to w: inout JSONStream) {
        w.beginObject()
        w.field("name", e.name)
        w.field("label", label(e.name, e.labels))
        w.field("kind", e.kind.rawValue)
        if let k = e.ruleKind { w.field("rule_kind", k) }
        w.key("value")
        write(e.value, to: &w)
        w.key("steps")
        w.beginArray()
        for step in e.steps {
            w.beginObject()
            write(step, to: &w)
            if sentences { w.field("text", lines(step).joined(separator: "\n")) }
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    func write(_ v: Value, to w: inout JSONStream) {
        switch v {
        case .number(let x): w.number(x)
        case .text(let s): w.string(s)
        case .bool(let b): w.bool(b)
        case .date(let d): w.string(d.description)
        case .missing: w.null()
        }
    }

    func write(_ k: String, _ v: Value, to w: inout JSONStream) {
        w.key(k)
        write(v, to: &w)
    }

    func numbers(_ k: String, _ xs: [Exact], to w: inout JSONStream) {
        w.key(k)
        w.beginArray()
        for x in xs { w.number(x) }
        w.endArray()
    }

    func named(_ k: String, _ pairs: [(String, Exact)], to w: inout JSONStream) {
        w.key(k)
        w.beginObject()
        for (name, x) in pairs { w.field(name, x) }
        w.endObject()
    }

    /// The facts of one step, as fields of the object already open.
    func write(_ step: Step, to w: inout JSONStream) {
        switch step {
        case .formula(let name, let formula, _, let result):
            let source = name.map { "\($0) = \(formula)" } ?? formula
            w.field("type", "formula")
            w.field("formula", source)
            write("result", result, to: &w)
        case .aggregate(let d, let count, let result):
            w.field("type", "aggregate")
            w.field("aggregate", d)
            w.field("transactions", count)
            write("result", result, to: &w)
        case .branch(let c, let taken):
            w.field("type", "branch")
            w.field("condition", c)
            w.field("holds", taken)
        case .previous(let name, let period, let v):
            w.field("type", "previous")
            w.field("name", name)
            w.field("period", period)
            write("value", v, to: &w)
        case .shape(_, let name, _, let inputs, let detail, let result):
            w.field("type", "shape")
            w.field("shape", name)
            numbers("inputs", inputs, to: &w)
            w.field("result", result)
            write(detail, to: &w)
        case .gate(let c, let met):
            w.field("type", "gate")
            w.field("condition", c)
            w.field("met", met)
        case .floor(let b, let f, let a):
            w.field("type", "floor")
            w.field("before", b)
            w.field("floor", f)
            w.field("after", a)
        case .cap(let b, let c, let a):
            w.field("type", "cap")
            w.field("before", b)
            w.field("cap", c)
            w.field("after", a)
        case .round(let b, let a, let r):
            w.field("type", "round")
            w.field("before", b)
            w.field("after", a)
            w.field("scale", r.scale)
            w.field("mode", r.mode.rawValue)
        case .total(let components, let sum, let cap, let floor, let total, let capped):
            w.field("type", "total")
            named("components", components, to: &w)
            w.field("sum", sum)
            w.field("cap", cap)
            w.field("floor", floor)
            w.field("total", total)
            w.field("capped", capped)
        case .note(let t):
            w.field("type", "note")
            w.field("note", t)
        case .rule(let step):
            step.json(&w)
        }
    }

    func write(_ detail: ShapeDetail, to w: inout JSONStream) {
        switch detail {
        case .curve(let region, let x0, let y0, let x1, let y1, _, _):
            switch region {
            case .below: w.field("region", "below")
            case .above: w.field("region", "above")
            case .single: w.field("region", "single")
            case .segment(let i): w.field("region", "segment \(i + 1)")
            }
            if let x0, let y0 { numbers("from", [x0, y0], to: &w) }
            if let x1, let y1 { numbers("to", [x1, y1], to: &w) }
        case .band(let matched, let hit):
            w.key("rows")
            w.beginArray()
            for m in matched { w.int(m + 1) }
            w.endArray()
            w.field("hit", hit.rawValue)
        case .tiers(let method, let slices, let tier):
            w.field("method", method.rawValue)
            w.field("tier", tier.map { $0 + 1 })
            w.key("slices")
            w.beginArray()
            for s in slices {
                w.beginObject()
                w.field("tier", s.tier + 1)
                w.field("from", s.from)
                w.field("to", s.to)
                w.field("portion", s.portion)
                w.field("pay", s.pay)
                w.endObject()
            }
            w.endArray()
        case .matrix(let row, let column):
            w.field("row", row.map { $0 + 1 })
            w.field("column", column.map { $0 + 1 })
        }
    }
}

/// Entries of JSON Lines traces, written during evaluation (see
/// `ExplanationRenderer.jsonLinesEncoder`): the same bytes `jsonLines`
/// writes for them, separated by commas.
struct JSONLinesEncoder: TraceEncoder {
    let renderer: ExplanationRenderer

    func encode(_ entry: TraceEntry, into bytes: inout [UInt8]) {
        var w = JSONStream(continuing: bytes)
        bytes = []
        renderer.write(entry, sentences: false, to: &w)
        bytes = w.take()
    }
}
