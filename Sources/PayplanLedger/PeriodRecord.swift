import Foundation
import PayplanChecker
import PayplanCompiler
import PayplanCore
import PayplanEvaluator
import PayplanReports

/// The money formatter (not Foundation's `Formatter`).
typealias Formatter = PayplanEvaluator.Formatter

/// What a plan's run exposes to the ledger: the total, the components, the
/// flags and the slots later periods read, by name.
struct PlanShape: Sendable {
    var totalSlot: Int?
    /// (name, slot) of each payout component: the rules' main outputs.
    var components: [(name: String, slot: Int)]
    /// (rule, flag slot) of each elimination rule.
    var flags: [(name: String, slot: Int)]
    /// Slots of the nodes an earlier period must provide (`previous`, `ytd`,
    /// escalation levels, balances): what a close records as carried state.
    var carried: [(name: String, slot: Int)]

    init(_ plan: CompiledPlan) {
        totalSlot = plan.symbolSlots[.total]
        var components: [(String, Int)] = []
        var flags: [(String, Int)] = []
        var carried: [Int] = []
        for (i, node) in plan.nodes.enumerated() {
            let needed = i < plan.neededInHistory.count && plan.neededInHistory[i]
            switch node {
            case .metric(_, let slot, _):
                if needed { carried.append(slot) }
            case .rule(let r):
                if r.isFlag, let flag = r.slots[0] {
                    flags.append((r.name, flag))
                } else if let main = r.slots[0] {
                    components.append((r.name, main))
                }
                if needed { carried += r.slots.values }
            case .total(let t):
                if needed { carried += [t.totalSlot, t.cappedSlot] }
            }
        }
        self.components = components
        self.flags = flags
        self.carried = carried.map { (plan.slots[$0].name, $0) }
    }

    /// A rep's pay: the total, or the sum of the components without one.
    func total(_ state: PeriodState, _ rep: Int) -> Exact {
        if let totalSlot { return state.value(totalSlot, rep).number ?? .zero }
        var sum = Exact.zero
        for c in components { if let v = state.value(c.slot, rep).number { sum = (try? sum + v) ?? sum } }
        return sum
    }
}

/// One rep's line of a close.
struct PayoutRecord: Sendable {
    var repID: String
    var inPopulation: Bool
    var total: String
    var adjustment: String
    /// The output row as `run` prints it (plain text per column), as JSON.
    var cellsJSON: String
    var componentsJSON: String
    var flagsJSON: String
    var state: [UInt8]
    var deals: [UInt8]

    init(
        repID: String, inPopulation: Bool, total: String, adjustment: String, cells: [String], components: [String], flags: [(String, String)],
        state: [UInt8], deals: [UInt8]
    ) {
        self.repID = repID
        self.inPopulation = inPopulation
        self.total = total
        self.adjustment = adjustment
        cellsJSON = PayoutRecord.strings(cells)
        componentsJSON = PayoutRecord.strings(components)
        var flagsText: [UInt8] = [0x7B]
        for (i, (rule, level)) in flags.enumerated() {
            if i > 0 { flagsText.append(0x2C) }
            JSON.escape(rule, into: &flagsText)
            flagsText.append(0x3A)
            JSON.escape(level, into: &flagsText)
        }
        flagsText.append(0x7D)
        flagsJSON = String(decoding: flagsText, as: UTF8.self)
        self.state = state
        self.deals = deals
    }

    /// A JSON array of strings, as `JSON.array(…).compact` writes it.
    static func strings(_ list: [String]) -> String {
        var out: [UInt8] = [0x5B]
        for (i, s) in list.enumerated() {
            if i > 0 { out.append(0x2C) }
            JSON.escape(s, into: &out)
        }
        out.append(0x5D)
        return String(decoding: out, as: UTF8.self)
    }

    /// What `ledger verify` recomputes from the stored row.
    static func hash(
        repID: String, inPopulation: Bool, total: String, adjustment: String, cells: String, components: String, flags: String, state: Data,
        deals: Data
    ) -> String {
        var h = FieldHasher()
        for f in [repID, inPopulation ? "1" : "0", total, adjustment, cells, components, flags] { h.add(f) }
        h.add(bytes: state)
        h.add(bytes: deals)
        return h.finish()
    }

    func hash() -> String {
        PayoutRecord.hash(
            repID: repID, inPopulation: inPopulation, total: total, adjustment: adjustment, cells: cellsJSON, components: componentsJSON,
            flags: flagsJSON, state: Data(state), deals: Data(deals))
    }
}

/// The column set of a close: `run`'s columns plus `adjustment`.
struct ColumnInfo: Sendable, Equatable {
    var header: String
    var type: String
    var decimals: Int?
    var numeric: Bool

    var json: JSON {
        .object([
            ("header", .string(header)), ("type", .string(type)), ("decimals", decimals.map { .int($0) } ?? .null),
            ("numeric", .bool(numeric)),
        ])
    }
}

enum Money {
    static func plain(_ x: Exact, _ f: Formatter) -> String { f.plain(.number(x), type: ValueType(.money)) }

    static func parse(_ s: String) -> Exact { Exact(decimal: s) ?? .zero }

    static func sum(_ xs: [Exact]) -> Exact {
        var total = Exact.zero
        for x in xs { total = (try? total + x) ?? total }
        return total
    }

    static func signed(_ x: Exact, _ f: Formatter) -> String { x.isNegative ? f.money(x) : "+" + f.money(x) }
}
