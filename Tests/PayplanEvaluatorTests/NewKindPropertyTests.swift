import Foundation
import PayplanCore
import PayplanEvaluator
import PayplanReports
import PayplanRules
import Testing

/// Seeded plans drawn from the grammar of the constructs of issue 14 — a
/// pool (equal or pro rata), a commission on a tier pattern (marginal or
/// retroactive; each line with `credits: reverse | net`, or the total), a
/// rate table, aggregates over reps and month proration — run on small
/// random companies (credits included) and compared, rep by rep, with a
/// naive reference written from rules/README.md; the payout file is
/// byte-identical on 1, 2 and 7 threads. Rerun one with PAYPLAN_SEED=n.
@Suite("Properties: the constructs of issue 14 against a naive reference")
struct NewKindPropertyTests {
    static let seeds: [UInt64] = {
        if let s = ProcessInfo.processInfo.environment["PAYPLAN_SEED"], let n = UInt64(s) { return [n] }
        return Array(1...12)
    }()

    struct Tx {
        var deal: String
        var rep: String
        var day: Int
        var product: String
        var amount: Exact
    }

    struct Rep {
        var id: String
        var team: String
        var hire: String
    }

    /// One random plan and company.
    struct Case {
        var reps: [Rep] = []
        var txs: [Tx] = []
        var potPercent = 2
        var qualifyAt = Exact(0)
        var proRata = false
        var method = "marginal"
        var every = 1000
        var firstRate = 2
        var step = 1
        var maxRate = 6
        /// "reverse", "net" or nil (the total is rated).
        var credits: String?
        var tableRate = (a: 5, other: 1)
        var tableAmount = (over: 3000, amount: 40)
        var weights = (20, 30, 50)

        static func random(_ g: inout SplitMixGenerator) -> Case {
            var c = Case()
            let teams = ["T1", "T2", "T3"].prefix(Int.random(in: 1...3, using: &g))
            let hires = ["2020-01-01", "2026-07-01", "2026-07-02", "2026-08-01", "2026-09-01", "2026-09-15"]
            for k in 1...Int.random(in: 3...8, using: &g) {
                let rep = Rep(id: "R\(k)", team: teams.randomElement(using: &g)!, hire: hires.randomElement(using: &g)!)
                c.reps.append(rep)
                for d in 0..<Int.random(in: 0...4, using: &g) {
                    let deal = "\(rep.id)-D\(d)"
                    let cents = Int.random(in: 0...600_000, using: &g)
                    let amount = Exact(units: Int128(cents), scale: 2)
                    let day = Int.random(in: 1...92, using: &g)
                    let product = Bool.random(using: &g) ? "P1" : "P2"
                    c.txs.append(Tx(deal: deal, rep: rep.id, day: day, product: product, amount: amount))
                    switch Int.random(in: 0...5, using: &g) {
                    case 0:  // a credit reversing part or all of the deal
                        let back = Exact(units: -Int128(Int.random(in: 1...max(1, cents), using: &g)), scale: 2)
                        c.txs.append(Tx(deal: deal, rep: rep.id, day: min(92, day + 3), product: product, amount: back))
                    case 1:  // a credit whose sale is in another period
                        let back = Exact(units: -Int128(Int.random(in: 1...400_000, using: &g)), scale: 2)
                        c.txs.append(Tx(deal: "\(rep.id)-OLD\(d)", rep: rep.id, day: day, product: product, amount: back))
                    default: break
                    }
                }
            }
            c.potPercent = Int.random(in: 1...5, using: &g)
            c.qualifyAt = Exact(Int.random(in: 0...8, using: &g) * 1000)
            c.proRata = Bool.random(using: &g)
            c.method = Bool.random(using: &g) ? "marginal" : "retroactive"
            c.every = [500, 1000, 2500].randomElement(using: &g)!
            c.firstRate = Int.random(in: 1...4, using: &g)
            c.step = Int.random(in: 1...3, using: &g)
            c.maxRate = c.firstRate + Int.random(in: 0...6, using: &g)
            c.credits = ["reverse", "net", nil].randomElement(using: &g)!
            c.tableRate = (Int.random(in: 1...9, using: &g), Int.random(in: 0...3, using: &g))
            c.tableAmount = (Int.random(in: 1...6, using: &g) * 1000, Int.random(in: 1...90, using: &g))
            let w1 = Int.random(in: 0...100, using: &g)
            let w2 = Int.random(in: 0...(100 - w1), using: &g)
            c.weights = (w1, w2, 100 - w1 - w2)
            return c
        }

        var yaml: String {
            let commission =
                credits.map { "    rate_on: each\n    credits: \($0)\n" } ?? "    rate_on: total\n"
            return """
                plan: Random
                currency: CNY
                rounding: {scale: 2, mode: half_away_from_zero}
                period: quarter
                metrics:
                  revenue: sum(tx.amount)
                  team_revenue: sum(revenue over rep.team)
                rules:
                  pool:
                    kind: pool
                    pot: \(potPercent)% * sum(revenue)
                    qualifies: revenue >= \(qualifyAt)
                    split: \(proRata ? "{pro_rata: \"max(revenue, 0)\"}" : "equal")
                  stepped:
                    kind: commission
                    amount: tx.amount
                \(commission)    tiers:
                      method: \(method)
                      rows:
                        - {from: 0, every: \(every), rate: \(firstRate)%, step: \(step)%, max_rate: \(maxRate)%}
                  lines:
                    kind: commission
                    amount: tx.amount
                    rates:
                      - {when: product.category == "a", rate: \(tableRate.a)%}
                      - {when: tx.amount > \(tableAmount.over), amount: \(tableAmount.amount)}
                      - {when: else, rate: \(tableRate.other)%}
                  share:
                    kind: formula
                    value: team_revenue * (1% + months_active * active_weight(\(weights.0)%, \(weights.1)%, \(weights.2)%) / 100)
                total:
                  components: [pool, stepped, lines, share]
                output: [rep.rep_id, pool, stepped, lines, share, total]
                """
        }

        func write(to path: String) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            func file(_ name: String, _ lines: [String]) throws {
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path + "/" + name))
            }
            try file(
                "reps.csv",
                ["rep_id,name,team,region,role,hire_date,exit_date,target_incentive"] + reps.map { "\($0.id),N,\($0.team),X,rep,\($0.hire),,0" })
            try file("targets.csv", ["rep_id,period,revenue"] + reps.map { "\($0.id),2026-Q3,1" })
            try file("products.csv", ["product,name,launch_date,category", "P1,One,2020-01-01,a", "P2,Two,2020-01-01,b"])
            let start = CivilDate(iso: "2026-07-01")!
            try file(
                "transactions.csv",
                ["deal_id,rep_id,date,product,amount,collected"]
                    + txs.map { "\($0.deal),\($0.rep),\(start.adding(days: $0.day - 1)),\($0.product),\($0.amount),0" }
            )
        }
    }

    /// The reference, from the words of rules/README.md.
    struct Naive {
        let c: Case

        static func cents(_ x: Exact) throws -> Exact { try x.rounded(scale: 2, mode: .halfAwayFromZero) }
        static func pct(_ n: Int) -> Exact { Exact(units: Int128(n), scale: 2) }

        func revenue(_ rep: String) throws -> Exact { try c.txs.filter { $0.rep == rep }.reduce(Exact.zero) { try $0 + $1.amount } }

        /// The generated tiers: [i·every, (i+1)·every) at first + i·step, the
        /// rate held at max_rate on an open last tier.
        func rate(_ x: Exact) throws -> Exact {
            guard x.isPositive else { return .zero }
            var tiers: [(from: Exact, to: Exact?, rate: Exact)] = []
            var i = 0
            while true {
                let r = min(c.firstRate + i * c.step, c.maxRate)
                let last = r >= c.maxRate
                tiers.append((Exact(i * c.every), last ? nil : Exact((i + 1) * c.every), Naive.pct(r)))
                if last { break }
                i += 1
            }
            if c.method == "retroactive" {
                // The tier the value falls in ([from, to): a boundary belongs to the higher tier).
                let t = tiers.last { $0.from <= x }!
                return try x * t.rate
            }
            var pay = Exact.zero
            for t in tiers where t.from < x {
                let top = t.to.map { min($0, x) } ?? x
                pay = try pay + (top - t.from) * t.rate
            }
            return pay
        }

        func stepped(_ rep: String) throws -> Exact {
            let lines = c.txs.filter { $0.rep == rep }
            switch c.credits {
            case nil:
                return try Naive.cents(try rate(try lines.reduce(Exact.zero) { try $0 + $1.amount }))
            case "net":
                var net: [String: Exact] = [:]
                for l in lines { net[l.deal] = try (net[l.deal] ?? .zero) + l.amount }
                var total = Exact.zero
                for (_, n) in net { total = try total + (n.isNegative ? try rate(try n.negated()).negated() : try rate(n)) }
                return try Naive.cents(total)
            default:
                var sold: [String: (Exact, Exact)] = [:]
                for l in lines where !l.amount.isNegative {
                    let (a, p) = sold[l.deal] ?? (.zero, .zero)
                    sold[l.deal] = (try a + l.amount, try p + (try rate(l.amount)))
                }
                var total = Exact.zero
                for l in lines {
                    if !l.amount.isNegative {
                        total = try total + (try rate(l.amount))
                    } else if let (a, p) = sold[l.deal], a.isPositive {
                        total = try total + (try l.amount * (try p / a))
                    } else {
                        total = try total - (try rate(try l.amount.negated()))
                    }
                }
                return try Naive.cents(total)
            }
        }

        func lines(_ rep: String) throws -> Exact {
            var total = Exact.zero
            for l in c.txs where l.rep == rep {
                if l.product == "P1" {
                    total = try total + l.amount * Naive.pct(c.tableRate.a)
                } else if l.amount > Exact(c.tableAmount.over) {
                    total = try total + Exact(c.tableAmount.amount)
                } else {
                    total = try total + l.amount * Naive.pct(c.tableRate.other)
                }
            }
            return try Naive.cents(total)
        }

        func share(_ rep: Rep) throws -> Exact {
            let team = try c.reps.filter { $0.team == rep.team }.reduce(Exact.zero) { try $0 + (try revenue($1.id)) }
            let firsts = ["2026-07-01", "2026-08-01", "2026-09-01"]
            let active = firsts.map { rep.hire <= $0 }
            let months = active.filter { $0 }.count
            let w = [c.weights.0, c.weights.1, c.weights.2]
            var weight = Exact.zero
            for k in 0..<3 where active[k] { weight = try weight + Naive.pct(w[k]) }
            return try Naive.cents(try team * (try Naive.pct(1) + (try Exact(months) * weight / Exact(100))))
        }

        /// Pot rounded first; shares rounded down to the cent, leftover
        /// cents to the largest remainders, ties by rep_id.
        func pool() throws -> [String: Exact] {
            var all = Exact.zero
            for r in c.reps { all = try all + (try revenue(r.id)) }
            let pot = try Naive.cents(try all * Naive.pct(c.potPercent))
            var weights: [(String, Exact)] = []
            for r in c.reps {
                let v = try revenue(r.id)
                guard v >= c.qualifyAt else { continue }
                weights.append((r.id, c.proRata ? max(v, .zero) : .one))
            }
            let sum = try weights.reduce(Exact.zero) { try $0 + $1.1 }
            var out = Dictionary(uniqueKeysWithValues: c.reps.map { ($0.id, Exact.zero) })
            guard sum.isPositive, pot.isPositive else { return out }
            let units = try pot.roundedUnits(scale: 2, mode: .halfAwayFromZero)
            var rows: [(id: String, floor: Int128, rest: Exact)] = []
            for (id, w) in weights {
                let exact = try Exact(units: units, scale: 0) * w / sum
                let f = exact.floor()
                rows.append((id, f, try exact - Exact(units: f, scale: 0)))
            }
            var left = units - rows.reduce(Int128(0)) { $0 + $1.floor }
            let order = rows.indices.sorted { rows[$0].rest != rows[$1].rest ? rows[$0].rest > rows[$1].rest : rows[$0].id < rows[$1].id }
            for k in order where left > 0 {
                rows[k].floor += 1
                left -= 1
            }
            for r in rows { out[r.id] = Exact(units: r.floor, scale: 2) }
            return out
        }
    }

    @Test(arguments: seeds)
    func newKindsAgreeWithTheNaiveReferenceOnAnyThreadCount(_ seed: UInt64) throws {
        var g = SplitMixGenerator(seed: seed &* 7919)
        let c = Case.random(&g)
        let data = NSTemporaryDirectory() + "payplan-kinds-\(seed)-" + UUID().uuidString
        try c.write(to: data)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let plan = try compile(c.yaml, file: "kinds-\(seed).yaml")
        let naive = Naive(c: c)
        let pool = try naive.pool()
        let r = try evaluate(plan, data, "2026-Q3", threads: 1)
        for rep in c.reps {
            let want = [
                ("pool", pool[rep.id]!), ("stepped", try naive.stepped(rep.id)), ("lines", try naive.lines(rep.id)),
                ("share", try naive.share(rep)),
            ]
            var total = Exact.zero
            for (name, v) in want {
                #expect(value(r, name, rep.id) == .number(v), "seed \(seed) \(rep.id) \(name)\n\(c.yaml)")
                total = try total + v
            }
            #expect(value(r, "total", rep.id) == .number(total), "seed \(seed) \(rep.id) total")
        }
        let reference = PayoutReport(result: r, fingerprint: "").csv()
        for threads in [2, 7] {
            let again = PayoutReport(result: try evaluate(plan, data, "2026-Q3", threads: threads), fingerprint: "").csv()
            #expect(again == reference, "seed \(seed), \(threads) threads")
        }
    }
}
