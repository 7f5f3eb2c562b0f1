import Foundation

/// A rational number for the naive interpreter: its own obvious arithmetic,
/// sharing nothing with the engine's `Exact`, trapping on overflow (test
/// data stays far from Int128's range).
struct Q: Comparable, Hashable, CustomStringConvertible {
    let n: Int128
    let d: Int128

    init(_ n: Int128, _ d: Int128 = 1) {
        precondition(d != 0)
        var a = n.magnitude
        var b = d.magnitude
        while b != 0 { (a, b) = (b, a % b) }
        let g = Int128(max(a, 1))
        let sign: Int128 = d < 0 ? -1 : 1
        self.n = sign * n / g
        self.d = sign * d / g
    }

    /// "123.45", "-7", "0.05"
    init(_ text: String) {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        var n = Int128(parts[0])!
        var d: Int128 = 1
        if parts.count == 2 {
            for ch in parts[1] {
                n = n * 10 + Int128(String(ch))!
                d *= 10
            }
        }
        self.init(negative ? -n : n, d)
    }

    static func + (a: Q, b: Q) -> Q { Q(a.n * b.d + b.n * a.d, a.d * b.d) }
    static func - (a: Q, b: Q) -> Q { Q(a.n * b.d - b.n * a.d, a.d * b.d) }
    static func * (a: Q, b: Q) -> Q { Q(a.n * b.n, a.d * b.d) }
    static func / (a: Q, b: Q) -> Q { Q(a.n * b.d, a.d * b.n) }
    static func < (a: Q, b: Q) -> Bool { a.n * b.d < b.n * a.d }
    static let zero = Q(0)

    /// Largest integer ≤ self.
    var floor: Int128 {
        let q = n / d
        return (n % d != 0 && n < 0) ? q - 1 : q
    }

    /// Rounded to cents: half away from zero, or half to even.
    func cents(halfEven: Bool) -> Q {
        let x = self * Q(100)
        let negative = x.n < 0
        let m = negative ? Q(0) - x : x
        var whole = m.floor
        let rest = m - Q(whole)
        if rest > Q(1, 2) || (rest == Q(1, 2) && (!halfEven || whole % 2 == 1)) { whole += 1 }
        return Q(negative ? -whole : whole, 100)
    }

    /// Plain text with exactly `places` decimals (the value must have at most that many).
    func text(places: Int) -> String {
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        let units = (self * Q(scale)).floor
        let negative = units < 0
        let m = units.magnitude
        let s = UInt128(scale)
        var fraction = String(m % s)
        while fraction.count < places { fraction = "0" + fraction }
        return (negative && m != 0 ? "-" : "") + String(m / s) + (places > 0 ? "." + fraction : "")
    }

    var description: String { "\(n)/\(d)" }
}

func bytesLess(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

/// The numbers of the reference plan family: the reference plan's structure
/// with every number drawn at random.
struct ReferenceParameters {
    var points: [(Q, Q)]  // increasing x, non-decreasing y
    var bands: [(Q, Q)]  // ">= threshold" → factor, thresholds decreasing
    var elseFactor: Q
    var npThreshold: Q
    var npAward: Q
    var npRate: Q
    var npCap: Q
    var firstMovers: Int
    var firstMoverAward: Q
    var below: Q
    var bottomPercent: Int
    var prizes: [Q]
    var minMembers: Int
    var capMultiple: Q
    var halfEven: Bool

    static func random(_ g: inout SplitMixGenerator) -> ReferenceParameters {
        func pick(_ lo: Int, _ hi: Int) -> Int { lo + Int(g.next() % UInt64(hi - lo + 1)) }
        var x = pick(40, 90)
        var y = pick(0, 60)
        var points: [(Q, Q)] = []
        for _ in 0..<pick(2, 4) {
            points.append((Q(Int128(x), 100), Q(Int128(y), 100)))
            x += pick(5, 40)
            y += pick(0, 80)
        }
        var t = pick(85, 99)
        var bands: [(Q, Q)] = []
        var factor = 100
        for _ in 0..<pick(1, 3) {
            bands.append((Q(Int128(t), 100), Q(Int128(factor), 100)))
            t -= pick(5, 30)
            factor -= pick(5, 30)
        }
        return ReferenceParameters(
            points: points, bands: bands, elseFactor: Q(Int128(max(factor - pick(0, 20), 0)), 100),
            npThreshold: Q(Int128(pick(10, 80) * 1000)), npAward: Q(Int128(pick(0, 50) * 100)), npRate: Q(Int128(pick(0, 10)), 100),
            npCap: Q(Int128(pick(5, 30) * 1000)), firstMovers: pick(1, 4), firstMoverAward: Q(Int128(pick(1, 200_000)), 100),
            below: Q(Int128(pick(30, 80)), 100), bottomPercent: pick(1, 20),
            prizes: (0..<pick(1, 4)).map { _ in Q(Int128(pick(1, 3_000_000)), 100) }.sorted(by: >), minMembers: pick(1, 4),
            capMultiple: Q(Int128(pick(10, 40)), 10), halfEven: g.next() % 2 == 0)
    }

    func yaml() -> String {
        func lit(_ q: Q) -> String {
            // Literal numbers in the plan file must be plain decimals; every
            // literal used below has a denominator dividing 100.
            q.text(places: 2)
        }
        return """
            plan: Random reference
            currency: CNY
            rounding: {scale: 2, mode: \(halfEven ? "half_even" : "half_away_from_zero")}
            period: quarter
            population:
              when: active_days > 0
              require:
                - target.revenue > 0
            filters:
              new_product:
                when: product.launch_date > period.end - 180 and product.launch_date <= period.end
            metrics:
              proration: {formula: active_days / period.days}
              revenue: {formula: sum(tx.amount)}
              collected: {formula: sum(tx.collected)}
              target: {formula: target.revenue}
              attainment: {formula: revenue / target}
              collection_rate: {formula: if revenue > 0 then collected / revenue else 0}
              np_revenue: {formula: sum(tx.amount where new_product)}
            rules:
              attainment_bonus:
                kind: attainment_bonus
                base: rep.target_incentive * proration
                measure: attainment
                curve:
                  points: [\(points.map { "[\(lit($0.0)), \(lit($0.1))]" }.joined(separator: ", "))]
                  below: zero
                  above: flat
                multipliers:
                  - name: collection_factor
                    input: collection_rate
                    band:
                      hit: first
                      rows:
            \(bands.map { "            - [\">= \(lit($0.0))\", \(lit($0.1))]" }.joined(separator: "\n"))
                        - [else, \(lit(elseFactor))]
              np_award:
                kind: product_award
                measure: np_revenue
                threshold: \(lit(npThreshold))
                at_threshold: counts
                award: \(lit(npAward))
                rate_above: \(lit(npRate))
                cap: \(lit(npCap))
                first_movers:
                  count: \(firstMovers)
                  award: \(lit(firstMoverAward))
                  running_total: sum(tx.amount where new_product)
              elimination:
                kind: elimination
                measure: attainment
                exempt: period.end - rep.hire_date < 90
                below: \(lit(below))
                bottom: {share: \(bottomPercent)%, round: down, ties: include}
                levels: [warning, eliminate]
                none: none
              team_prize:
                kind: team_ranking
                group_by: rep.team
                score: sum(revenue) / sum(target)
                eligible: score >= 1 and members >= \(minMembers)
                order: descending
                prizes: [\(prizes.map(lit).joined(separator: ", "))]
                ties: share
                split:
                  pro_rata: max(revenue, 0)
                  exclude: elimination.flag != "none"
            total:
              components: [attainment_bonus, np_award, np_award.first_mover, team_prize]
              cap: \(lit(capMultiple)) * rep.target_incentive * proration
            output:
              - rep.rep_id
              - attainment_bonus
              - np_award
              - {column: first_mover, value: np_award.first_mover}
              - team_prize
              - capped
              - total
              - {column: flag, value: elimination.flag}

            """
    }
}

/// A random company in memory, and as the contract's CSV files.
struct RandomCompany {
    struct Rep {
        var id: String
        var team: String
        var hire: Int
        var exit: Int?
        var incentive: Q
    }
    struct Transaction {
        var deal: String
        var rep: String
        var date: Int
        var product: String
        var amount: Q
        var collected: Q
    }

    var reps: [Rep] = []
    var targets: [String: Q] = [:]  // "rep|period"
    var products: [String: Int] = [:]
    var transactions: [Transaction] = []

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func date(_ s: String) -> Int {
        let p = s.split(separator: "-").map { Int($0)! }
        let y = p[1] <= 2 ? p[0] - 1 : p[0]
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (p[1] + (p[1] > 2 ? -3 : 9)) + 2) / 5 + p[2] - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func text(_ days: Int) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func random(_ g: inout SplitMixGenerator) -> RandomCompany {
        func pick(_ lo: Int, _ hi: Int) -> Int { lo + Int(g.next() % UInt64(hi - lo + 1)) }
        var c = RandomCompany()
        let q2 = date("2026-04-01")
        let q3 = date("2026-07-01")
        let q3End = date("2026-09-30")
        c.products = ["P-OLD": date("2020-01-01"), "P-NEW": date("2026-05-01"), "P-MID": date("2026-08-15"), "P-AGED": date("2025-12-31")]
        let teamCount = pick(2, 7)
        for i in 0..<pick(8, 45) {
            let hire = q3 + pick(-2000, 60)
            let exit: Int? = pick(0, 9) == 0 ? max(hire, q3 + pick(-30, 80)) : nil
            let id = String(format: "R%03d", (i * 37) % 1000)
            c.reps.append(Rep(id: id, team: "T\(pick(1, teamCount))", hire: hire, exit: exit, incentive: Q(Int128(pick(50, 300) * 100))))
            let target = Q(Int128(pick(50, 400) * 1000))
            if pick(0, 5) > 0 { c.targets["\(id)|2026-Q2"] = target }
            c.targets["\(id)|2026-Q3"] = target
        }
        let productNames = ["P-OLD", "P-NEW", "P-MID", "P-AGED"]
        for k in 0..<pick(50, 900) {
            let rep = c.reps[pick(0, c.reps.count - 1)]
            let date = q2 + pick(0, 182)
            guard date <= q3End else { continue }
            var cents = Int128(pick(-50_000, 4_000_000))
            if cents < 0 && pick(0, 3) > 0 { cents = -cents }
            let amount = Q(cents, 100)
            let collected = Q((amount * Q(Int128(pick(40, 100)), 100) * Q(100)).floor, 100)
            c.transactions.append(
                Transaction(
                    deal: "D\(String(format: "%05d", (k * 7919) % 100_000))", rep: rep.id, date: date,
                    product: productNames[pick(0, 3)], amount: amount, collected: collected))
        }
        return c
    }

    /// Writes the four files; `shuffle` permutes every file's rows.
    func write(to path: String, shuffle: UInt64? = nil) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var g = SplitMixGenerator(seed: shuffle ?? 0)
        func emit(_ name: String, _ header: String, _ rows: [String]) throws {
            let ordered = shuffle == nil ? rows : rows.shuffled(using: &g)
            try Data(([header] + ordered).joined(separator: "\n").appending("\n").utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
        try emit(
            "reps.csv", "rep_id,name,team,region,role,hire_date,exit_date,target_incentive",
            reps.map {
                "\($0.id),Name \($0.id),\($0.team),R,rep,\(RandomCompany.text($0.hire)),\($0.exit.map(RandomCompany.text) ?? ""),\($0.incentive.text(places: 2))"
            })
        try emit(
            "targets.csv", "rep_id,period,revenue",
            targets.keys.sorted().map { k in k.replacingOccurrences(of: "|", with: ",") + "," + targets[k]!.text(places: 2) })
        try emit(
            "products.csv", "product,name,launch_date,category", products.keys.sorted().map { "\($0),\($0),\(RandomCompany.text(products[$0]!)),x" })
        try emit(
            "transactions.csv", "deal_id,rep_id,date,product,amount,collected",
            transactions.map {
                "\($0.deal),\($0.rep),\(RandomCompany.text($0.date)),\($0.product),\($0.amount.text(places: 2)),\($0.collected.text(places: 2))"
            })
    }
}

/// The reference plan family computed with obvious code, straight from the
/// spec's wording: no compiled tree, no slots, no shared arithmetic.
enum NaiveReference {
    struct RepValues {
        var proration = Q.zero
        var target = Q.zero
        var revenue = Q.zero
        var collected = Q.zero
        var np = Q.zero
        var npDeals: [(Int, String, Q)] = []
        var attainment = Q.zero
        var collectionRate = Q.zero
        var flagged = false
    }

    static func period(_ c: RandomCompany, _ p: ReferenceParameters, start: Int, end: Int, name: String) -> [String: RepValues] {
        let days = Int128(end - start + 1)
        var pop: [String: RepValues] = [:]
        for r in c.reps {
            let from = max(r.hire, start)
            let to = min(r.exit ?? end, end)
            guard to >= from else { continue }
            let active = Int128(to - from + 1)
            guard let target = c.targets["\(r.id)|\(name)"], target > .zero else { continue }
            var v = RepValues()
            v.proration = Q(active, days)
            v.target = target
            pop[r.id] = v
        }
        let newFrom = end - 180
        for t in c.transactions where t.date >= start && t.date <= end {
            guard var v = pop[t.rep] else { continue }
            v.revenue = v.revenue + t.amount
            v.collected = v.collected + t.collected
            let launch = c.products[t.product]!
            if launch > newFrom && launch <= end {
                v.np = v.np + t.amount
                v.npDeals.append((t.date, t.deal, t.amount))
            }
            pop[t.rep] = v
        }
        for (id, var v) in pop {
            v.attainment = v.revenue / v.target
            v.collectionRate = v.revenue > .zero ? v.collected / v.revenue : .zero
            pop[id] = v
        }
        let hire = Dictionary(uniqueKeysWithValues: c.reps.map { ($0.id, $0.hire) })
        let ranked = pop.keys.filter { end - hire[$0]! >= 90 }.sorted { a, b in
            pop[a]!.attainment != pop[b]!.attainment ? pop[a]!.attainment < pop[b]!.attainment : bytesLess(a, b)
        }
        let k = Int((Q(Int128(p.bottomPercent), 100) * Q(Int128(ranked.count))).floor)
        let cutoff = k > 0 ? pop[ranked[k - 1]]!.attainment : nil
        for id in ranked {
            let a = pop[id]!.attainment
            pop[id]!.flagged = a < p.below || (cutoff.map { a <= $0 } ?? false)
        }
        return pop
    }

    static func curve(_ p: ReferenceParameters, _ a: Q) -> Q {
        if a < p.points[0].0 { return .zero }
        for i in 0..<(p.points.count - 1) where a < p.points[i + 1].0 {
            let (x0, y0) = p.points[i]
            let (x1, y1) = p.points[i + 1]
            return y0 + (a - x0) * (y1 - y0) / (x1 - x0)
        }
        return p.points[p.points.count - 1].1
    }

    static func factor(_ p: ReferenceParameters, _ c: Q) -> Q {
        for (t, f) in p.bands where c >= t { return f }
        return p.elseFactor
    }

    /// Largest remainder in cents: floors, then a cent each to the largest
    /// remainders, ties by key bytes.
    static func split(_ cents: Int128, _ weights: [Q], _ keys: [String]) -> [Int128] {
        let total = weights.reduce(Q.zero, +)
        guard total > .zero else { return weights.map { _ in 0 } }
        let exact = weights.map { Q(cents) * $0 / total }
        var floors = exact.map(\.floor)
        let left = Int(cents - floors.reduce(0, +))
        let order = weights.indices.sorted { i, j in
            let ri = exact[i] - Q(floors[i])
            let rj = exact[j] - Q(floors[j])
            return ri != rj ? ri > rj : bytesLess(keys[i], keys[j])
        }
        for i in order.prefix(left) { floors[i] += 1 }
        return floors
    }

    /// The payout CSV for 2026-Q3, in the random plan's output columns.
    static func run(_ c: RandomCompany, _ p: ReferenceParameters) -> String {
        let q3 = RandomCompany.date("2026-07-01")
        let q3End = RandomCompany.date("2026-09-30")
        let pop = period(c, p, start: q3, end: q3End, name: "2026-Q3")
        let prev = period(c, p, start: RandomCompany.date("2026-04-01"), end: RandomCompany.date("2026-06-30"), name: "2026-Q2")
        let rep = Dictionary(uniqueKeysWithValues: c.reps.map { ($0.id, $0) })
        func round(_ x: Q) -> Q { x.cents(halfEven: p.halfEven) }
        var bonus: [String: Q] = [:]
        var award: [String: Q] = [:]
        var flag: [String: String] = [:]
        var cap: [String: Q] = [:]
        var crossings: [(Int, String, String)] = []
        for (id, v) in pop {
            let base = rep[id]!.incentive * v.proration
            bonus[id] = round(base * curve(p, v.attainment) * factor(p, v.collectionRate))
            let breakthrough = v.np >= p.npThreshold
            award[id] = breakthrough ? round(min(p.npAward + p.npRate * (v.np - p.npThreshold), p.npCap)) : .zero
            flag[id] = v.flagged ? ((prev[id]?.flagged ?? false) ? "eliminate" : "warning") : "none"
            cap[id] = p.capMultiple * rep[id]!.incentive * v.proration
            if breakthrough {
                var running = Q.zero
                for (date, deal, amount) in v.npDeals.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : bytesLess($0.1, $1.1) }) {
                    running = running + amount
                    if running >= p.npThreshold {
                        crossings.append((date, deal, id))
                        break
                    }
                }
            }
        }
        crossings.sort { a, b in a.0 != b.0 ? a.0 < b.0 : (a.1 != b.1 ? bytesLess(a.1, b.1) : bytesLess(a.2, b.2)) }
        let winners = Set(crossings.prefix(p.firstMovers).map(\.2))
        var teams: [String: [String]] = [:]
        for id in pop.keys { teams[rep[id]!.team, default: []].append(id) }
        var score: [String: Q] = [:]
        for (t, members) in teams {
            score[t] = members.map { pop[$0]!.revenue }.reduce(.zero, +) / members.map { pop[$0]!.target }.reduce(.zero, +)
        }
        let eligible = teams.keys.filter { score[$0]! >= Q(1) && teams[$0]!.count >= p.minMembers }.sorted { a, b in
            score[a]! != score[b]! ? score[a]! > score[b]! : bytesLess(a, b)
        }
        var teamPrize: [String: Int128] = [:]
        var i = 0
        while i < eligible.count {
            var j = i
            while j + 1 < eligible.count && score[eligible[j + 1]]! == score[eligible[i]]! { j += 1 }
            let pool = (i...j).filter { $0 < p.prizes.count }.map { p.prizes[$0] }.reduce(.zero, +)
            let tied = Array(eligible[i...j])
            for (t, cents) in zip(tied, split((pool * Q(100)).floor, tied.map { _ in Q(1) }, tied)) { teamPrize[t] = cents }
            i = j + 1
        }
        var share: [String: Q] = [:]
        for (t, members) in teams {
            let sorted = members.sorted(by: bytesLess)
            let weights = sorted.map { flag[$0] == "none" ? max(pop[$0]!.revenue, .zero) : .zero }
            for (m, cents) in zip(sorted, split(teamPrize[t] ?? 0, weights, sorted)) { share[m] = Q(cents, 100) }
        }
        var out = "rep_id,attainment_bonus,np_award,first_mover,team_prize,capped,total,flag\n"
        for id in pop.keys.sorted(by: bytesLess) {
            let first = winners.contains(id) ? round(p.firstMoverAward) : .zero
            let gross = bonus[id]! + award[id]! + first + share[id]!
            let total = round(min(gross, cap[id]!))
            let cells = [bonus[id]!, award[id]!, first, share[id]!, gross - total, total].map { $0.text(places: 2) }
            out += ([id] + cells + [flag[id]!]).joined(separator: ",") + "\n"
        }
        return out
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform.
struct SplitMixGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
