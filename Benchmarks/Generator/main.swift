import ArgumentParser
import PayplanCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes the data contract's four CSVs for two (or more) quarters, realistic
/// in distribution and identical for the same seed:
///
/// - rep sizes are skewed (a Pareto-like tail of big sellers), team sizes 1–40;
/// - about 3 % of deals are credits (negative amounts) and collection rates vary;
/// - a few products launch during the data, so new-product awards happen;
/// - some reps are hired or leave mid-quarter; a few lack a target in the
///   earlier quarters (allowed: only the last quarter's population needs one).
///
/// `--teams N` makes exactly N teams of equal size (the million-rep shape:
/// `--reps 1000000 --teams 100000`). `--note-column` adds a free-text
/// `note` column to transactions.csv (commas and doubled quotes inside), and
/// `--quote-text` quotes every text field of every file, as many exports
/// do: together the shape of the outside audit's data.
@main
struct Generator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payplan-gen", abstract: "Generate a deterministic data folder for benchmarks and property tests.")

    @Option(help: "Number of reps.") var reps = 1000
    @Option(help: "Number of transactions in all.") var transactions = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "First quarter, e.g. 2026-Q2.") var start = "2026-Q2"
    @Option(help: "Number of quarters.") var quarters = 2
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "Exactly this many teams of equal size (default: teams of 1–40 reps).") var teams: Int?
    @Flag(help: "Add a free-text `note` column to transactions.csv.") var noteColumn = false
    @Flag(help: "Quote every text field (ids, names, notes).") var quoteText = false

    func run() throws {
        guard let first = Period(start), first.kind == .quarter else { throw ValidationError("--start takes a quarter such as 2026-Q2") }
        guard reps > 0, transactions >= 0, quarters > 0, (teams ?? 1) > 0 else { throw ValidationError("sizes must be positive") }
        mkdir(out, 0o755)
        var g = Random(seed: seed)
        let periods = (0..<quarters).map { Period(kind: .quarter, ordinal: first.ordinal + $0) }
        let dataStart = periods[0].start
        let dataEnd = periods[periods.count - 1].end
        let span = dataEnd.days(since: dataStart) + 1

        // Teams of 1–40 members, named so that some share prefixes.
        var teams: [String] = []
        var teamOf: [Int] = []
        func teamName(_ i: Int) -> String { "T\(String(i, radix: 36).uppercased())" }
        if let count = self.teams {
            teams = (0..<min(count, reps)).map(teamName)
            teamOf = (0..<reps).map { $0 * teams.count / reps }
        } else {
            var remaining = reps
            while remaining > 0 {
                let size = min(remaining, 1 + Int(g.next() % 40))
                teams.append(teamName(teams.count))
                teamOf += Array(repeating: teams.count - 1, count: size)
                remaining -= size
            }
        }
        let q = quoteText ? "\"" : ""

        // Products: old ones, and a few launching during the data.
        var products: [(String, CivilDate)] = []
        for i in 0..<40 { products.append(("P\(i)", dataStart.adding(days: -400 - Int(g.next() % 2000)))) }
        for i in 0..<8 { products.append(("N\(i)", dataStart.adding(days: Int(g.next() % UInt64(span)) - 120))) }

        // Reps: size by a heavy-tailed weight; hires and exits.
        var weight: [Double] = []
        var hire: [CivilDate] = []
        var exit: [CivilDate?] = []
        var incentive: [Int] = []
        for _ in 0..<reps {
            let u = Double(g.next() % 1_000_000 + 1) / 1_000_001
            weight.append(pow(1 / u, 0.6))
            let r = g.next() % 100
            if r < 6 {
                hire.append(dataStart.adding(days: Int(g.next() % UInt64(span))))
            } else {
                hire.append(dataStart.adding(days: -30 - Int(g.next() % 2500)))
            }
            exit.append(g.next() % 100 < 4 ? dataStart.adding(days: Int(g.next() % UInt64(span))) : nil)
            if let e = exit[exit.count - 1], e < hire[hire.count - 1] { exit[exit.count - 1] = hire[hire.count - 1].adding(days: 30) }
            incentive.append(5000 + Int(g.next() % 60) * 500)
        }
        let totalWeight = weight.reduce(0, +)

        var w = Writer(path: out + "/reps.csv")
        w.line("rep_id,name,team,region,role,hire_date,exit_date,target_incentive")
        let regions = ["华东", "华北", "华南", "West", "East"]
        let given = ["伟", "芳", "娜", "敏", "静", "Emma", "Lucas", "Olivia", "Noah", "Mia"]
        for r in 0..<reps {
            let name = given[Int(g.next() % UInt64(given.count))] + " \(r)"
            let quoted = r % 97 == 0 ? "\"\(name), Jr.\"" : q + name + q
            w.line(
                "\(q)R\(pad(r))\(q),\(quoted),\(q)\(teams[teamOf[r]])\(q),\(q)\(regions[teamOf[r] % regions.count])\(q),\(q)\(r % 11 == 0 ? "manager" : "rep")\(q),\(hire[r]),\(exit[r].map { "\($0)" } ?? ""),\(incentive[r])"
            )
        }
        w.close()

        // Expected revenue per rep and quarter drives targets near attainment 1.
        let perRep = weight.map { Double(transactions) * $0 / totalWeight }
        w = Writer(path: out + "/targets.csv")
        w.line("rep_id,period,revenue")
        for (k, p) in periods.enumerated() {
            for r in 0..<reps {
                if k < periods.count - 1, g.next() % 100 < 2 { continue }
                let expected = perRep[r] / Double(quarters) * 950  // mean deal ≈ 1,000 less credits
                let target = max(1000, Int(expected * (0.7 + Double(g.next() % 60) / 100)) / 100 * 100)
                w.line("\(q)R\(pad(r))\(q),\(q)\(p)\(q),\(target)")
            }
        }
        w.close()

        w = Writer(path: out + "/products.csv")
        w.line("product,name,launch_date,category")
        for (id, launch) in products {
            w.line("\(q)\(id)\(q),\(q)Product \(id)\(q),\(launch),\(q)\(id.hasPrefix("N") ? "new" : "core")\(q)")
        }
        w.close()

        // Transactions: pick a rep by weight (alias-free cumulative search), a
        // day within the rep's active days, an amount with a heavy tail.
        var cumulative: [Double] = []
        var acc = 0.0
        for x in weight {
            acc += x
            cumulative.append(acc)
        }
        w = Writer(path: out + "/transactions.csv")
        w.line("deal_id,rep_id,date,product,amount,collected" + (noteColumn ? ",note" : ""))
        let notes = ["web order", "renewal, 2 years", "call back", "upsell \"\"gold\"\" tier", "partner deal, EMEA", "续约", "trial → paid"]
        var written = 0
        var attempts = 0
        while written < transactions && attempts < transactions * 4 {
            attempts += 1
            let target = Double(g.next() % 1_000_000_007) / 1_000_000_007 * totalWeight
            var lo = 0
            var hi = reps - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < target { lo = mid + 1 } else { hi = mid }
            }
            let r = lo
            let from = max(hire[r], dataStart)
            let to = min(exit[r] ?? dataEnd, dataEnd)
            guard to >= from else { continue }
            let day = from.adding(days: Int(g.next() % UInt64(to.days(since: from) + 1)))
            let product = g.next() % 100 < 15 ? products[40 + Int(g.next() % 8)].0 : products[Int(g.next() % 40)].0
            let u = Double(g.next() % 1_000_000 + 1) / 1_000_001
            var cents = Int64(min(pow(1 / u, 0.8) * 200_00, 5_000_000_00)) + Int64(g.next() % 100)
            if g.next() % 100 < 3 { cents = -cents / 3 }
            let rate = g.next() % 100 < 70 ? 100 : Int64(g.next() % 100)
            let collected = cents > 0 ? cents * rate / 100 : cents
            var row = "\(q)D\(written)\(q),\(q)R\(pad(r))\(q),\(day),\(q)\(product)\(q),\(Self.money(cents)),\(Self.money(collected))"
            if noteColumn {
                // Notes with a comma or a quote must be quoted whatever --quote-text says.
                let note = notes[Int(g.next() % UInt64(notes.count))]
                row += quoteText || note.contains(",") || note.contains("\"") ? ",\"\(note)\"" : ",\(note)"
            }
            w.line(row)
            written += 1
        }
        w.close()
        print(
            "wrote \(reps) reps in \(teams.count) teams, \(written) transactions, \(products.count) products, \(quarters) quarters from \(first) to \(out)"
        )
    }

    func pad(_ r: Int) -> String {
        let s = String(r)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    static func money(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        let c = a % 100
        return "\(sign)\(a / 100).\(c < 10 ? "0" : "")\(c)"
    }
}

/// SplitMix64: small, fast, and the same on every machine.
struct Random {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Buffered file output.
struct Writer {
    var fd: Int32
    var buffer: [UInt8] = []

    init(path: String) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        buffer.reserveCapacity(1 << 20)
    }

    mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() {
        flush()
        Glibc.close(fd)
    }
}
