import PayplanCore
import PayplanLanguage

/// Layer 2 of the data stage: one row decoder for every table.
///
/// Given a record split by the `RecordIterator`, the decoder checks the
/// row — no NUL byte, valid UTF-8, the header's number of fields — and then
/// reads and checks each column the table needs, in one order: ids are
/// never blank, keys have no blanks around them (or are trimmed under
/// `KeyPolicy.trim`), decimals and dates parse, counts are whole, and in
/// transactions the rep and the product are looked up. Every problem goes
/// to the `ProblemLog` with its line and, when one can be named, the rep it
/// makes unpayable; the row is then not used. Reps, targets, products and
/// transactions all go through this one decoder: the same checks, the same
/// codes and the same messages.

/// How the decoder reads one column's field.
enum ColumnRead: Equatable {
    /// Text kept as it is.
    case text
    /// Text that identifies or groups rows: blanks around it are D619 (or trimmed).
    case key
    /// The table's own id (reps' `rep_id`, products' `product`): never
    /// blank (D618, the row is dropped), otherwise a key.
    case id
    /// A decimal; `whole`: a count, which must be a whole number (D611).
    case decimal(whole: Bool)
    case date
    /// Transactions: the rep, looked up among the reps. An unknown rep stops
    /// the row (D620): no later problem of the row could name a rep.
    case rep
    /// Transactions: the product, looked up among the products (D621).
    case product
}

/// What the decoder reads in a table's rows, in the order it checks them.
struct RowSchema {
    struct Column: Equatable {
        var read: ColumnRead
        /// The field's index in the record.
        var field: Int
        /// Where its value goes in `RowValues`.
        var slot: Int
        var optional: Bool
        var name: String
    }

    var columns: [Column]
    /// Fields in the header: every row must have as many.
    var fieldCount: Int
    /// The field of the table's own id, if it has one: the id of a row that
    /// cannot be read is still recorded, so its other rows are not "unknown".
    var idField: Int?
    /// The field naming the rep a row belongs to (reps and targets): every
    /// problem of the row names that rep, so `--skip-invalid` can leave it out.
    var ownerField: Int?
    var slots: Int

    /// Reps, targets and products: every column of the spec, the id first;
    /// `fieldOf` maps spec columns to fields. Slots are spec column indexes.
    static func table(_ spec: TableSpec, fieldOf: [Int], fieldCount: Int) -> RowSchema {
        let keys = KeyHygiene.keyColumns(spec.kind)
        let hasID = spec.columns.first.map { $0.name == "rep_id" || $0.name == "product" } ?? false
        var columns: [Column] = []
        for (k, c) in spec.columns.enumerated() {
            let read: ColumnRead
            switch c.type {
            case .text: read = k == 0 && hasID ? .id : keys.contains(c.name) ? .key : .text
            case .money, .number: read = .decimal(whole: false)
            case .count: read = .decimal(whole: true)
            case .date: read = .date
            }
            columns.append(Column(read: read, field: fieldOf[k], slot: k, optional: c.optional, name: c.name))
        }
        let owner = spec.kind == .reps || spec.kind == .targets ? spec.columns.firstIndex { $0.name == "rep_id" }.map { fieldOf[$0] } : nil
        return RowSchema(
            columns: columns, fieldCount: fieldCount, idField: hasID ? fieldOf[0] : nil, ownerField: owner, slots: spec.columns.count)
    }

    /// Transactions: the rep first (nothing else can name one), the deal id,
    /// the product, then every decimal and every date column of the scan.
    /// Slots are scan column indexes; `fieldOf` maps them to fields.
    static func transactions(_ columns: [ColumnSpec], fieldOf: [Int], fieldCount: Int) -> RowSchema {
        func column(_ k: Int, _ read: ColumnRead) -> Column {
            Column(read: read, field: fieldOf[k], slot: k, optional: columns[k].optional, name: columns[k].name)
        }
        var out: [Column] = []
        for (name, read) in [("rep_id", ColumnRead.rep), ("deal_id", .key), ("product", .product)] {
            if let k = columns.firstIndex(where: { $0.name == name }) { out.append(column(k, read)) }
        }
        for (k, c) in columns.enumerated() where c.type.isNumeric { out.append(column(k, .decimal(whole: false))) }
        for (k, c) in columns.enumerated() where c.type == .date { out.append(column(k, .date)) }
        return RowSchema(columns: out, fieldCount: fieldCount, idField: nil, ownerField: nil, slots: columns.count)
    }
}

/// A decoded row's values by slot, in raw memory reused for every row.
struct RowValues {
    /// Decimals in 10⁻⁹ units (0 when an optional column is blank).
    let units: UnsafeMutablePointer<Int128>
    /// Dates as day numbers (0 when an optional column is blank).
    let days: UnsafeMutablePointer<Int32>
    /// An optional column left blank.
    let blank: UnsafeMutablePointer<Bool>

    init(slots: Int) {
        units = .allocate(capacity: max(slots, 1))
        days = .allocate(capacity: max(slots, 1))
        blank = .allocate(capacity: max(slots, 1))
        units.initialize(repeating: 0, count: max(slots, 1))
        days.initialize(repeating: 0, count: max(slots, 1))
        blank.initialize(repeating: false, count: max(slots, 1))
    }

    func deallocate() {
        units.deallocate()
        days.deallocate()
        blank.deallocate()
    }
}

/// The ids transactions are looked up against.
struct RowLookups {
    let reps: IDIndex
    let repIDs: [String]
    let products: IDIndex
    /// Products whose own row could not be read: their transactions are not
    /// also "unknown product" (the row's own error says it all).
    let unreadableProducts: Set<String>
}

struct RowDecoder {
    /// A column as the hot loop reads it: plain values, no references, 16 bytes.
    private struct Step {
        enum Kind: UInt8 {
            case text, key, id, decimal, count, date, rep, product
        }

        var kind: Kind
        var optional: Bool
        var field: Int32
        var slot: Int32
    }

    private let steps: UnsafeMutablePointer<Step>
    private let stepCount: Int
    /// Column names by step, for messages.
    private let names: [String]
    private let fieldCount: Int
    private let idField: Int
    private let ownerField: Int
    private let base: UnsafePointer<UInt8>
    /// Bytes before it may be read (the end of the mapped file).
    private let limit: Int
    private let policy: KeyPolicy
    /// The ids transactions name; touched only off the hot path (it holds references).
    private let lookups: RowLookups?
    private let repLookup: IDLookup?
    private let productLookup: IDLookup?
    private let dates = DateCache()
    /// The last row's values.
    let values: RowValues
    /// The last row's rep and product (transactions), or -1.
    private(set) var rep = -1
    private(set) var product = -1
    /// Keys trimmed under `KeyPolicy.trim`.
    private(set) var trimmedKeys = 0
    /// The ids of rows that could not be read, as written and trimmed.
    private(set) var unreadableIDs: [String] = []

    init(_ schema: RowSchema, base: UnsafePointer<UInt8>, limit: Int, policy: KeyPolicy, lookups: RowLookups? = nil) {
        stepCount = schema.columns.count
        steps = .allocate(capacity: max(stepCount, 1))
        for (i, c) in schema.columns.enumerated() {
            let kind: Step.Kind =
                switch c.read {
                case .text: .text
                case .key: .key
                case .id: .id
                case .decimal(let whole): whole ? .count : .decimal
                case .date: .date
                case .rep: .rep
                case .product: .product
                }
            steps[i] = Step(kind: kind, optional: c.optional, field: Int32(c.field), slot: Int32(c.slot))
        }
        names = schema.columns.map(\.name)
        fieldCount = schema.fieldCount
        idField = schema.idField ?? -1
        ownerField = schema.ownerField ?? -1
        self.base = base
        self.limit = limit
        self.policy = policy
        self.lookups = lookups
        repLookup = lookups?.reps.lookup
        productLookup = lookups?.products.lookup
        values = RowValues(slots: schema.slots)
    }

    func deallocate() {
        steps.deallocate()
        values.deallocate()
        dates.deallocate()
    }

    /// Checks and reads the row in `fields` (trimming key spans in place
    /// under `KeyPolicy.trim`); false when the row cannot be used, its
    /// problems logged.
    @inline(__always)
    mutating func decode(_ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        rep = -1
        product = -1
        if record.nul { return unreadable(.nulByte, record, fields, &log) }
        if record.highBytes && !UTF8Check.isValid(base, from: record.start, to: record.end) {
            return unreadable(.notUTF8, record, fields, &log)
        }
        if record.fieldCount != fieldCount {
            return unreadable(.fieldCount(found: record.fieldCount, expected: fieldCount), record, fields, &log)
        }
        var ok = true
        for i in 0..<stepCount {
            let step = steps[i]
            let field = Int(step.field)
            let slot = Int(step.slot)
            switch step.kind {
            case .text:
                continue
            case .key:
                if !key(field, fields) { ok = blankAroundKey(i, field, record, fields, &log) }
            case .id:
                if fields.isBlank(field) { return blankID(i, record, &log) }
                if !key(field, fields) { ok = blankAroundKey(i, field, record, fields, &log) }
            case .decimal, .count:
                let (s, e) = (fields.starts[field], fields.ends[field])
                values.blank[slot] = s == e && step.optional
                if s == e && step.optional {
                    values.units[slot] = 0
                    continue
                }
                switch Fixed.parse(base, s, e) {
                case .success(let units):
                    values.units[slot] = units
                    if step.kind == .count && !isWhole(units) { ok = notWhole(i, field, record, fields, &log) }
                case .failure(let problem):
                    ok = notDecimal(problem, i, field, record, fields, &log)
                }
            case .date:
                let (s, e) = (fields.starts[field], fields.ends[field])
                values.blank[slot] = s == e && step.optional
                if s == e && step.optional {
                    values.days[slot] = 0
                } else if let day = dates.day(base, s, e) {
                    values.days[slot] = day
                } else {
                    ok = notDate(i, field, record, fields, &log)
                }
            case .rep:
                if policy == .trim { trimKey(field, fields) }
                let found =
                    fields.escaped[field] ? escapedRep(field, fields) : repLookup?.find(base, fields.starts[field], fields.ends[field], limit: limit)
                guard let found else { return unknownRep(field, record, fields, &log) }
                rep = found
            case .product:
                if policy == .trim { trimKey(field, fields) }
                let found =
                    fields.escaped[field]
                    ? escapedProduct(field, fields) : productLookup?.find(base, fields.starts[field], fields.ends[field], limit: limit)
                if let found { product = found } else { ok = unknownProduct(field, record, fields, &log) }
            }
        }
        if !ok { recordUnreadableID(record, fields) }
        return ok
    }

    // MARK: Keys

    /// Whether the key in `field` has no blank around it (or had, and was
    /// trimmed under `KeyPolicy.trim`).
    @inline(__always)
    private mutating func key(_ field: Int, _ fields: FieldSpans) -> Bool {
        guard KeyHygiene.hasOuterBlank(base, fields.starts[field], fields.ends[field]) else { return true }
        guard policy == .trim else { return false }
        trim(field, fields)
        trimmedKeys &+= 1
        return true
    }

    @inline(__always)
    private func trimKey(_ field: Int, _ fields: FieldSpans) {
        if KeyHygiene.hasOuterBlank(base, fields.starts[field], fields.ends[field]) { trim(field, fields) }
    }

    @inline(__always)
    private func isWhole(_ units: Int128) -> Bool {
        if let small = Int64(exactly: units) { return small % 1_000_000_000 == 0 }
        return units % Fixed.one == 0
    }

    // MARK: Problems, out of line. Each returns false: the row is not used.
    // (`lookups` holds references: touching it per row would count them.)

    @inline(never)
    private func blankAroundKey(_ i: Int, _ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        let value = text(field, fields)
        let blank = KeyHygiene.outerBlank(value) ?? "a blank"
        log.add(.blankAroundKey(column: names[i], value: value, blank: blank), line: record.line, rep: owner(record, fields))
        return false
    }

    @inline(never)
    private func blankID(_ i: Int, _ record: RecordInfo, _ log: inout ProblemLog) -> Bool {
        log.add(.blankID(column: names[i]), line: record.line, rep: nil)
        return false
    }

    @inline(never)
    private func notWhole(_ i: Int, _ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        log.add(.notWholeNumber(column: names[i], text: text(field, fields)), line: record.line, rep: owner(record, fields))
        return false
    }

    @inline(never)
    private func notDecimal(
        _ problem: Fixed.Problem, _ i: Int, _ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog
    ) -> Bool {
        log.add(.notDecimal(problem, column: names[i], text: text(field, fields)), line: record.line, rep: owner(record, fields))
        return false
    }

    @inline(never)
    private func notDate(_ i: Int, _ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        log.add(.notDate(column: names[i], text: text(field, fields)), line: record.line, rep: owner(record, fields))
        return false
    }

    @inline(never)
    private func escapedRep(_ field: Int, _ fields: FieldSpans) -> Int? { lookups?.reps.lookup(text(field, fields)) }

    @inline(never)
    private func escapedProduct(_ field: Int, _ fields: FieldSpans) -> Int? { lookups?.products.lookup(text(field, fields)) }

    @inline(never)
    private func unknownRep(_ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        guard let lookups else { return false }
        let id = text(field, fields)
        log.add(.unknownRep(id, help: KeyHygiene.lookalikeHelp(id) { lookups.reps.lookup($0) != nil }), line: record.line, rep: nil)
        return false
    }

    @inline(never)
    private func unknownProduct(_ field: Int, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        guard let lookups else { return false }
        let id = text(field, fields)
        // A product whose own row could not be read: its row's error says it all.
        guard !lookups.unreadableProducts.contains(id) else { return false }
        let help = KeyHygiene.lookalikeHelp(id) { lookups.products.lookup($0) != nil }
        log.add(.unknownProduct(id, help: help), line: record.line, rep: owner(record, fields))
        return false
    }

    // MARK: Rows that cannot be read

    @inline(never)
    private mutating func unreadable(_ issue: DataIssue, _ record: RecordInfo, _ fields: FieldSpans, _ log: inout ProblemLog) -> Bool {
        log.add(issue, line: record.line, rep: owner(record, fields))
        recordUnreadableID(record, fields)
        return false
    }

    /// The rep a problem of this row makes unpayable: the row's own rep_id
    /// (reps, targets: as far as it can be read, trimmed), or the rep looked
    /// up (transactions).
    private func owner(_ record: RecordInfo, _ fields: FieldSpans) -> String? {
        if ownerField >= 0 { return salvaged(ownerField, record, fields).map(KeyHygiene.trimmed) }
        if let lookups, rep >= 0 { return lookups.repIDs[rep] }
        return nil
    }

    @inline(never)
    private mutating func recordUnreadableID(_ record: RecordInfo, _ fields: FieldSpans) {
        guard idField >= 0, let id = salvaged(idField, record, fields), !id.isEmpty else { return }
        unreadableIDs.append(id)
        let trimmed = KeyHygiene.trimmed(id)
        if trimmed != id { unreadableIDs.append(trimmed) }
    }

    private func salvaged(_ field: Int, _ record: RecordInfo, _ fields: FieldSpans) -> String? {
        guard field < min(record.fieldCount, fields.capacity) else { return nil }
        return FieldText.salvaged(base, from: fields.starts[field], to: fields.ends[field], escaped: fields.escaped[field])
    }

    private func text(_ field: Int, _ fields: FieldSpans) -> String {
        FieldText.string(base, from: fields.starts[field], to: fields.ends[field], escaped: fields.escaped[field])
    }

    private func trim(_ field: Int, _ fields: FieldSpans) {
        var (s, e) = (fields.starts[field], fields.ends[field])
        KeyHygiene.trim(base, &s, &e)
        fields.starts[field] = s
        fields.ends[field] = e
    }
}
