#if canImport(Glibc)
    import Glibc
#endif

/// One field of a record, as a byte span of the file. A quoted field's span
/// excludes the quotes; `escaped` says it holds `""` pairs to collapse.
public struct Field: Sendable {
    public var start: Int
    public var end: Int
    public var escaped: Bool
}

/// The record iterator (`RecordIterator`, layer 1 of the data stage) for
/// readers outside it, such as the side files of `payplan targets` and
/// `progress`: the same CSV rules and messages, with the fields of each
/// record as an array. Small files only: the data stage's own tables and the
/// transaction scan use the iterator directly and allocate nothing per record.
public struct CSVScanner {
    public let base: UnsafePointer<UInt8>?
    public let end: Int
    private var records: RecordIterator?
    private var box = SpanBox(capacity: 16)
    public private(set) var fields: [Field] = []
    /// The line on which the last record read starts.
    public private(set) var recordLine = 0
    /// The last record holds bytes ≥ 0x80 (so its UTF-8 must be checked).
    public private(set) var recordHasHighBytes = false
    private var record = RecordInfo()

    public enum Step: Equatable {
        case record
        case end
        case malformed(String)
    }

    public init(bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, to stop: Int? = nil, firstLine: Int = 1, maxFieldBytes: Int = 1 << 20) {
        base = bytes.baseAddress
        end = stop ?? bytes.count
        records = base.map { RecordIterator(base: $0, from: start, to: end, firstLine: firstLine, maxFieldBytes: maxFieldBytes) }
    }

    /// The physical line at the next record.
    public var line: Int { records?.line ?? 1 }

    /// Reads the next record into `fields`.
    public mutating func next() -> Step {
        fields.removeAll(keepingCapacity: true)
        guard var iterator = records else { return .end }
        let before = iterator
        var step = iterator.next(box.spans, &record)
        if step == .record && record.fieldCount > box.spans.capacity {
            // More fields than room: read the record again with room for all.
            box = SpanBox(capacity: record.fieldCount)
            iterator = before
            step = iterator.next(box.spans, &record)
        }
        records = iterator
        recordLine = record.line
        recordHasHighBytes = record.highBytes
        switch step {
        case .end: return .end
        case .malformed(let problem): return .malformed(problem.message)
        case .record: break
        }
        let spans = box.spans
        for i in 0..<record.fieldCount {
            fields.append(Field(start: spans.starts[i], end: spans.ends[i], escaped: spans.escaped[i]))
        }
        return .record
    }

    /// The record holds a NUL byte: damaged or binary data, never text.
    public func recordContainsNUL() -> Bool { record.nul }

    /// The record's bytes are valid UTF-8.
    public func recordIsValidUTF8() -> Bool {
        guard let p = base else { return true }
        return UTF8Check.isValid(p, from: record.start, to: record.end)
    }

    /// The field as text, with `""` collapsed.
    public func string(_ f: Field) -> String {
        guard let p = base else { return "" }
        return FieldText.string(p, from: f.start, to: f.end, escaped: f.escaped)
    }

    public func string(at index: Int) -> String { index < fields.count ? string(fields[index]) : "" }

    public func isEmpty(_ index: Int) -> Bool { index >= fields.count || fields[index].start == fields[index].end }
}

/// Owns a scanner's field spans (a scanner is a value; its spans are freed
/// with the last copy).
private final class SpanBox {
    let spans: FieldSpans
    init(capacity: Int) { spans = FieldSpans(capacity: capacity) }
    deinit { spans.deallocate() }
}
