import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One hostile or malformed input, run end to end through `payplan run`.
///
/// Every case runs in a scratch copy of the example company with a payout
/// file already in place; it asserts the exact stderr and exit code (golden
/// file `Corpus/<name>.txt`: "exit N" then stderr), and that the previous
/// payout file is untouched and no other file appeared. Some cases are
/// unusual but valid inputs: they must pay exactly what the unmodified
/// example pays, or (where the input changes pay) what the golden file says.
struct HostileCase: CustomTestStringConvertible, Sendable {
    enum Outcome: Sendable {
        /// Refused: exit ≠ 0, the previous payout file untouched.
        case rejected
        /// Unusual but valid: pays exactly what the clean example pays.
        case samePay
        /// Valid and pays differently (the golden file holds the payouts).
        case differentPay
        /// Valid, printed to stdout (the golden file holds what was printed).
        case printed
    }

    let name: String
    let outcome: Outcome
    let arguments: [String]
    let setup: @Sendable (Workspace) throws -> Void

    init(_ name: String, _ outcome: Outcome = .rejected, arguments: [String] = [], _ setup: @escaping @Sendable (Workspace) throws -> Void) {
        self.name = name
        self.outcome = outcome
        self.arguments = arguments
        self.setup = setup
    }

    init(_ name: String, _ setup: @escaping @Sendable (Workspace) throws -> Void) {
        self.init(name, .rejected, setup)
    }

    var testDescription: String { name }
}

extension Workspace {
    /// Rewrites a data file line by line (line 1 is the header).
    func edit(_ file: String, _ change: ([String]) -> [String]) throws {
        let lines = (read("data/\(file)") ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let body = lines.last == "" ? Array(lines.dropLast()) : lines
        try write("data/\(file)", change(body).joined(separator: "\n") + "\n")
    }

    /// Replaces the first occurrence of `old` in the plan.
    func editPlan(_ old: String, _ new: String) throws {
        let text = read("plan.yaml") ?? ""
        guard let range = text.range(of: old) else { throw CorpusError.notFound(old) }
        try write("plan.yaml", text.replacingCharacters(in: range, with: new))
    }

    func writeBytes(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }
}

enum CorpusError: Error {
    case notFound(String)
}

/// Swaps two columns of every line (a naive split: the example files quote nothing).
func swapColumns(_ lines: [String], _ a: Int, _ b: Int) -> [String] {
    lines.map { line in
        var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells.swapAt(a, b)
        return cells.joined(separator: ",")
    }
}

let dataFiles = ["reps.csv", "products.csv", "targets.csv", "transactions.csv"]

/// The corpus. Names say what is wrong; the golden files say what the user sees.
let hostileCases: [HostileCase] = {
    var cases: [HostileCase] = []
    // MARK: Plans: YAML
    cases.append(HostileCase("plan-empty-file") { try $0.write("plan.yaml", "") })
    cases.append(HostileCase("plan-only-comments") { try $0.write("plan.yaml", "# nothing here\n# at all\n") })
    cases.append(
        HostileCase("plan-binary") { ws in
            var g = SplitMix(seed: 7)
            try ws.writeBytes("plan.yaml", (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) })
        })
    cases.append(HostileCase("plan-nul-byte") { try $0.editPlan("plan: Reference", "plan: \u{0}Reference") })
    cases.append(
        HostileCase("plan-invalid-utf8") { ws in
            var bytes = Array((ws.read("plan.yaml") ?? "").utf8)
            bytes.insert(contentsOf: [0xC3, 0x28], at: 200)
            try ws.writeBytes("plan.yaml", bytes)
        })
    cases.append(HostileCase("plan-tab-indent") { try $0.editPlan("\n  ", "\n\t") })
    cases.append(
        HostileCase("plan-truncated") { ws in
            let text = ws.read("plan.yaml") ?? ""
            try ws.write("plan.yaml", String(text.prefix(text.count / 2)) + "\n  - [1, 2")
        })
    cases.append(HostileCase("plan-unterminated-quote") { try $0.append("plan.yaml", "extra: \"never closed\n") })
    cases.append(HostileCase("plan-unclosed-flow") { try $0.write("plan.yaml", "plan: {name: x, version: [1, 2\n") })
    cases.append(HostileCase("plan-second-document") { try $0.append("plan.yaml", "---\nplan: again\n") })
    cases.append(HostileCase("plan-top-level-list") { try $0.write("plan.yaml", "- one\n- two\n") })
    cases.append(HostileCase("plan-top-level-scalar") { try $0.write("plan.yaml", "just text\n") })
    cases.append(
        HostileCase("plan-alias-bomb") { ws in
            var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            for i in 1...9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
            try ws.write("plan.yaml", text)
        })
    cases.append(
        HostileCase("plan-deep-flow-nesting") { ws in
            try ws.write("plan.yaml", "plan: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
        })
    cases.append(
        HostileCase("plan-deep-block-nesting") { ws in
            var text = ""
            for depth in 0..<2_000 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
            try ws.write("plan.yaml", text)
        })
    cases.append(
        HostileCase("plan-huge-scalar") { ws in
            try ws.editPlan("version: ", "description: \"" + String(repeating: "x", count: 1 << 20) + "\"\nversion: ")
        })
    cases.append(
        HostileCase("plan-huge-file") { ws in
            try ws.write("plan.yaml", "# " + String(repeating: "padding ", count: 2 << 20) + "\n")
        })
    cases.append(HostileCase("plan-duplicate-key") { try $0.editPlan("currency: CNY\n", "currency: CNY\ncurrency: USD\n") })
    cases.append(
        HostileCase("plan-is-a-directory", arguments: ["run", "dir.yaml", "--data", "data", "--period", "2026-Q3", "--out", "out.csv"]) { ws in
            try FileManager.default.createDirectory(atPath: ws.path + "/dir.yaml", withIntermediateDirectories: false)
        })
    cases.append(
        HostileCase("plan-missing-file", arguments: ["run", "nowhere.yaml", "--data", "data", "--period", "2026-Q3", "--out", "out.csv"]) { _ in })
    // MARK: Plans: formulas and rules
    cases.append(
        HostileCase("formula-deep-parentheses") { ws in
            try ws.editPlan("revenue / target", String(repeating: "(", count: 5_000) + "revenue" + String(repeating: ")", count: 5_000) + " / target")
        })
    cases.append(
        HostileCase("formula-nesting-too-deep") { ws in
            try ws.editPlan("revenue / target", String(repeating: "(", count: 150) + "revenue" + String(repeating: ")", count: 150) + " / target")
        })
    cases.append(HostileCase("formula-unknown-name-suggestion") { try $0.editPlan("revenue / target", "revenu / target") })
    cases.append(HostileCase("formula-unbalanced-parenthesis") { try $0.editPlan("revenue / target", "(revenue / target") })
    cases.append(
        HostileCase("formula-very-long") { ws in
            try ws.editPlan("revenue / target", Array(repeating: "revenue", count: 20_000).joined(separator: " + ") + " / target")
        })
    cases.append(HostileCase("formula-constant-division-by-zero") { try $0.editPlan("revenue / target", "revenue / 0") })
    cases.append(
        HostileCase("formula-number-beyond-range") { try $0.editPlan("revenue / target", "revenue / target * 1" + String(repeating: "0", count: 60)) }
    )
    cases.append(
        HostileCase("formula-money-overflow-at-runtime") {
            try $0.editPlan("revenue / target", "revenue * 10000000000000000000000 * 100000000000000 / target")
        })
    cases.append(HostileCase("formula-division-by-zero-at-runtime") { try $0.editPlan("revenue / target", "revenue / (target - target)") })
    cases.append(HostileCase("formula-garbage-characters") { try $0.editPlan("revenue / target", "revenue ÷÷ target §") })
    cases.append(HostileCase("plan-number-beyond-range") { try $0.editPlan("threshold: 50000", "threshold: 1" + String(repeating: "0", count: 50)) })
    cases.append(HostileCase("plan-misspelt-key") { try $0.editPlan("threshold: 50000", "treshold: 50000") })
    // MARK: Data: files
    for file in dataFiles {
        let stem = file.replacingOccurrences(of: ".csv", with: "")
        cases.append(HostileCase("data-\(stem)-missing") { ws in try FileManager.default.removeItem(atPath: ws.path + "/data/\(file)") })
        cases.append(HostileCase("data-\(stem)-empty") { try $0.write("data/\(file)", "") })
        cases.append(HostileCase("data-\(stem)-header-only") { try $0.edit(file) { Array($0.prefix(1)) } })
        cases.append(
            HostileCase("data-\(stem)-is-a-directory") { ws in
                try FileManager.default.removeItem(atPath: ws.path + "/data/\(file)")
                try FileManager.default.createDirectory(atPath: ws.path + "/data/\(file)", withIntermediateDirectories: false)
            })
        cases.append(
            HostileCase("data-\(stem)-invalid-utf8") { ws in
                var bytes = Array((ws.read("data/\(file)") ?? "").utf8)
                let secondLine = (bytes.firstIndex(of: 0x0A) ?? 0) + 3
                bytes.insert(contentsOf: [0xFF, 0xFE], at: secondLine)
                try ws.writeBytes("data/\(file)", bytes)
            })
        cases.append(HostileCase("data-\(stem)-bom", .samePay) { ws in try ws.write("data/\(file)", "\u{FEFF}" + (ws.read("data/\(file)") ?? "")) })
        cases.append(
            HostileCase("data-\(stem)-crlf", .samePay) { ws in
                try ws.write("data/\(file)", (ws.read("data/\(file)") ?? "").replacingOccurrences(of: "\n", with: "\r\n"))
            })
        cases.append(
            HostileCase("data-\(stem)-extra-column", .samePay) {
                try $0.edit(file) { $0.enumerated().map { $1 + ($0 == 0 ? ",notes" : ",\"a, \"\"quoted\"\"\nnote\"") } }
            })
        cases.append(HostileCase("data-\(stem)-unterminated-quote") { try $0.edit(file) { $0 + ["\"never closed,1,2"] } })
        cases.append(
            HostileCase("data-\(stem)-short-row") {
                try $0.edit(file) {
                    var l = $0; l[1] = String(l[1].split(separator: ",").first!); return l
                }
            })
        cases.append(
            HostileCase("data-\(stem)-long-row") {
                try $0.edit(file) {
                    var l = $0; l[2] += ",surplus,cells"; return l
                }
            })
        cases.append(
            HostileCase("data-\(stem)-nul-byte") {
                try $0.edit(file) {
                    var l = $0; l[1] = l[1].replacingOccurrences(of: ",", with: "\u{0},", options: [], range: l[1].range(of: ",")); return l
                }
            })
    }
    // MARK: Data: columns
    cases.append(
        HostileCase("data-reps-missing-column") {
            try $0.edit("reps.csv") {
                $0.map { String($0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")) }
            }
        })
    cases.append(
        HostileCase("data-transactions-renamed-column") {
            try $0.edit("transactions.csv") {
                var l = $0; l[0] = l[0].replacingOccurrences(of: "amount", with: "amt"); return l
            }
        })
    cases.append(
        HostileCase("data-targets-misspelt-column") {
            try $0.edit("targets.csv") {
                var l = $0; l[0] = l[0].replacingOccurrences(of: "revenue", with: "revnue"); return l
            }
        })
    cases.append(HostileCase("data-transactions-reordered-columns", .samePay) { try $0.edit("transactions.csv") { swapColumns($0, 0, 4) } })
    cases.append(HostileCase("data-reps-reordered-columns", .samePay) { try $0.edit("reps.csv") { swapColumns($0, 1, 7) } })
    cases.append(
        HostileCase("data-transactions-duplicate-column") {
            try $0.edit("transactions.csv") { $0.enumerated().map { $1 + ($0 == 0 ? ",amount" : ",1") } }
        })
    cases.append(
        HostileCase("data-transactions-header-case") {
            try $0.edit("transactions.csv") {
                var l = $0; l[0] = l[0].uppercased(); return l
            }
        })
    // MARK: Data: values
    @Sendable func cell(_ file: String, row: Int, column: Int, _ value: String) -> @Sendable (Workspace) throws -> Void {
        { ws in
            try ws.edit(file) { lines in
                var l = lines
                var cells = l[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[column] = value
                l[row] = cells.joined(separator: ",")
                return l
            }
        }
    }
    cases.append(HostileCase("value-amount-decimal-comma", cell("transactions.csv", row: 3, column: 4, "\"12,34\"")))
    cases.append(HostileCase("value-amount-text", cell("transactions.csv", row: 4, column: 4, "lots")))
    cases.append(HostileCase("value-amount-empty", cell("transactions.csv", row: 5, column: 4, "")))
    cases.append(HostileCase("value-amount-exponent", cell("transactions.csv", row: 6, column: 4, "1e5")))
    cases.append(HostileCase("value-amount-beyond-range", cell("transactions.csv", row: 7, column: 4, "9" + String(repeating: "9", count: 40))))
    cases.append(HostileCase("value-amount-too-many-decimals", cell("transactions.csv", row: 8, column: 4, "1.0000000001")))
    cases.append(HostileCase("value-amount-currency-symbol", cell("transactions.csv", row: 9, column: 4, "¥100")))
    cases.append(HostileCase("value-amount-nan", cell("transactions.csv", row: 10, column: 4, "NaN")))
    cases.append(HostileCase("value-collected-negative-zero", cell("transactions.csv", row: 11, column: 5, "--5")))
    cases.append(HostileCase("value-date-slashes", cell("transactions.csv", row: 3, column: 2, "2026/07/01")))
    cases.append(HostileCase("value-date-impossible", cell("transactions.csv", row: 3, column: 2, "2026-02-30")))
    cases.append(
        HostileCase("value-date-outside-every-period", .samePay) {
            try $0.edit("transactions.csv") { $0 + ["D-OLD,R01,1999-01-01,P-CORE,100.00,100.00"] }
        })
    cases.append(
        HostileCase("value-date-far-future", .samePay) { try $0.edit("transactions.csv") { $0 + ["D-FUT,R01,2099-12-31,P-CORE,100.00,100.00"] } })
    cases.append(HostileCase("value-transaction-unknown-rep", cell("transactions.csv", row: 3, column: 1, "R99")))
    cases.append(HostileCase("value-transaction-unknown-product", cell("transactions.csv", row: 3, column: 3, "P-NOPE")))
    cases.append(HostileCase("value-transaction-empty-rep", cell("transactions.csv", row: 3, column: 1, "")))
    cases.append(HostileCase("value-transaction-duplicate-deal", .differentPay) { try $0.edit("transactions.csv") { $0 + [$0[1]] } })
    cases.append(HostileCase("value-rep-duplicate-id") { try $0.edit("reps.csv") { $0 + [$0[1]] } })
    cases.append(HostileCase("value-rep-empty-id", cell("reps.csv", row: 2, column: 0, "")))
    cases.append(HostileCase("value-rep-hire-date-bad", cell("reps.csv", row: 2, column: 5, "yesterday")))
    cases.append(HostileCase("value-rep-exit-before-hire", cell("reps.csv", row: 2, column: 6, "2020-01-01")))
    cases.append(HostileCase("value-rep-incentive-negative", cell("reps.csv", row: 2, column: 7, "-5000")))
    cases.append(HostileCase("value-rep-incentive-text", cell("reps.csv", row: 2, column: 7, "five")))
    cases.append(HostileCase("value-product-duplicate-id", .samePay) { try $0.edit("products.csv") { $0 + [$0[1]] } })
    cases.append(
        HostileCase("value-product-duplicate-different-launch") {
            try $0.edit("products.csv") { $0 + [$0[1].replacingOccurrences(of: "2023-01-01", with: "2026-08-01")] }
        })
    cases.append(HostileCase("value-product-launch-bad", cell("products.csv", row: 1, column: 2, "soon")))
    cases.append(HostileCase("value-target-missing-for-rep") { try $0.edit("targets.csv") { $0.filter { !$0.hasPrefix("R03,2026-Q3") } } })
    cases.append(HostileCase("value-target-duplicate") { try $0.edit("targets.csv") { $0 + [$0.first { $0.hasPrefix("R03,2026-Q3") } ?? ""] } })
    cases.append(HostileCase("value-target-zero") { try $0.edit("targets.csv") { $0.map { $0.hasPrefix("R03,2026-Q3") ? "R03,2026-Q3,0" : $0 } } })
    cases.append(HostileCase("value-target-unknown-rep", .samePay) { try $0.edit("targets.csv") { $0 + ["R99,2026-Q3,100000"] } })
    cases.append(HostileCase("value-target-bad-period") { try $0.edit("targets.csv") { $0 + ["R01,2026-Q5,100000"] } })
    cases.append(HostileCase("value-quoted-newline-in-name", .differentPay, cell("reps.csv", row: 2, column: 1, "\"Emma\nChen, Jr.\"")))
    cases.append(
        HostileCase("value-many-errors-at-once") { ws in
            try cell("transactions.csv", row: 3, column: 4, "x")(ws)
            try cell("transactions.csv", row: 5, column: 2, "2026-13-01")(ws)
            try cell("transactions.csv", row: 7, column: 1, "R77")(ws)
            try cell("reps.csv", row: 3, column: 7, "?")(ws)
        })
    // MARK: Output that an attacker controls
    cases.append(
        HostileCase("value-name-formula-injection", .differentPay) { ws in
            try cell("reps.csv", row: 1, column: 1, "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"")(ws)
            try cell("reps.csv", row: 2, column: 1, "\"+cmd|\"\"/c calc\"\"!A1\"")(ws)
            try cell("reps.csv", row: 3, column: 1, "@SUM(1+1)")(ws)
            try cell("reps.csv", row: 4, column: 1, "-2+3")(ws)
            try cell("reps.csv", row: 5, column: 1, "\tTab")(ws)
            try cell("reps.csv", row: 6, column: 1, "\"\rReturn\"")(ws)
        })
    cases.append(
        HostileCase("value-name-terminal-control", .printed, arguments: ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3"]) { ws in
            try cell("reps.csv", row: 1, column: 1, "\u{1B}[31mRed\u{1B}[0m")(ws)
            try cell("reps.csv", row: 2, column: 1, "\u{1B}]8;;http://evil.example\u{1B}\\Click\u{1B}]8;;\u{1B}\\")(ws)
            try cell("reps.csv", row: 3, column: 1, "Bob\u{8}\u{8}\u{8}Eve")(ws)
            try cell("reps.csv", row: 4, column: 1, "\u{202E}1.00 0000")(ws)
            try cell("reps.csv", row: 5, column: 1, "\"Fake\rR99\"")(ws)
            try cell("reps.csv", row: 6, column: 1, "C1\u{9B}31m\u{2066}isolate\u{2069}")(ws)
        })
    // MARK: Outputs
    func run(_ extra: [String]) -> [String] { ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3"] + extra }
    cases.append(HostileCase("output-is-the-plan", arguments: run(["--format", "csv", "--out", "plan.yaml"])) { _ in })
    cases.append(HostileCase("output-is-a-data-file", arguments: run(["--format", "csv", "--out", "data/reps.csv"])) { _ in })
    cases.append(HostileCase("explain-is-a-data-file", arguments: run(["--out", "out.csv", "--explain", "data/transactions.csv"])) { _ in })
    cases.append(
        HostileCase("output-is-a-hard-link-to-the-plan", arguments: run(["--out", "pay.csv"])) { ws in
            try FileManager.default.linkItem(atPath: ws.path + "/plan.yaml", toPath: ws.path + "/pay.csv")
        })
    cases.append(
        HostileCase("output-is-a-symbolic-link-to-a-data-file", arguments: run(["--out", "pay.csv"])) { ws in
            try FileManager.default.createSymbolicLink(atPath: ws.path + "/pay.csv", withDestinationPath: "data/targets.csv")
        })
    cases.append(HostileCase("output-and-explain-same-file", arguments: run(["--out", "out.csv", "--explain", "./out.csv"])) { _ in })
    cases.append(
        HostileCase("output-fifo-without-reader", arguments: run(["--out", "pipe.csv"])) { ws in
            #expect(mkfifo(ws.path + "/pipe.csv", 0o600) == 0)
        })
    cases.append(
        HostileCase("output-is-a-directory", arguments: run(["--out", "data"])) { _ in })
    cases.append(
        HostileCase("output-is-a-dangling-symbolic-link", arguments: run(["--out", "pay.csv"])) { ws in
            try FileManager.default.createSymbolicLink(atPath: ws.path + "/pay.csv", withDestinationPath: "nowhere/pay.csv")
        })
    cases.append(
        HostileCase("output-is-a-socket", arguments: run(["--out", "socket.csv"])) { ws in
            try makeSocket(ws.path + "/socket.csv")
        })
    cases.append(HostileCase("output-format-contradicts-extension", arguments: run(["--format", "csv", "--out", "out.json"])) { _ in })
    cases.append(
        HostileCase(
            "statements-folder-holds-the-data",
            arguments: ["statements", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--out", "data"]
        ) { _ in })
    cases.append(
        HostileCase(
            "whatif-output-is-the-candidate",
            arguments: ["whatif", "plan.yaml", "candidate.yaml", "--data", "data", "--period", "2026-Q3", "--out", "candidate.yaml"]
        ) { ws in try ws.write("candidate.yaml", ws.read("plan.yaml") ?? "") })
    cases.append(
        HostileCase(
            "diff-per-rep-is-a-data-file",
            arguments: ["diff", "plan.yaml", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--per-rep", "data/products.csv"]
        ) { _ in })
    // MARK: Arguments
    cases.append(
        HostileCase("args-bad-period", arguments: ["run", "plan.yaml", "--data", "data", "--period", "2026-Q9", "--out", "out.csv"]) { _ in })
    cases.append(
        HostileCase("args-month-for-quarter-plan", arguments: ["run", "plan.yaml", "--data", "data", "--period", "2026-07", "--out", "out.csv"]) {
            _ in
        })
    cases.append(
        HostileCase("args-period-without-data", arguments: ["run", "plan.yaml", "--data", "data", "--period", "2031-Q1", "--out", "out.csv"]) { _ in }
    )
    cases.append(
        HostileCase("args-data-missing", arguments: ["run", "plan.yaml", "--data", "nowhere", "--period", "2026-Q3", "--out", "out.csv"]) { _ in })
    cases.append(
        HostileCase(
            "args-out-in-missing-folder", arguments: ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--out", "no/such/dir/out.csv"]
        ) { _ in })
    return cases
}()

/// Leaves a Unix-domain socket file at `path`.
func makeSocket(_ path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw CorpusError.notFound(path) }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else { throw CorpusError.notFound(path) }
}

/// A tiny deterministic generator for test inputs.
struct SplitMix {
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

@Suite("Hostile input: a corpus of bad plans, data and arguments, end to end")
struct HostileInputTests {
    static let previous = "previous payouts, must survive\n"

    static let allCases = hostileCases + hostileKeyAndFileCases

    @Test func theCorpusHasAtLeastOneHundredCases() {
        let all = HostileInputTests.allCases
        #expect(all.count + checkerFixtureCount() >= 100)
        #expect(Set(all.map(\.name)).count == all.count)
    }

    @Test(arguments: allCases)
    func hostileInput(_ c: HostileCase) throws {
        let ws = try Workspace()
        try ws.write("out.csv", HostileInputTests.previous)
        try c.setup(ws)
        let before = ws.files()
        let inputs = ["plan.yaml"] + dataFiles.map { "data/" + $0 }
        let inputsBefore = inputs.map { ws.read($0) }
        let arguments =
            c.arguments.isEmpty ? ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv", "--out", "out.csv"] : c.arguments
        let started = Date()
        let r = try payplan(arguments, in: ws.path)
        #expect(Date().timeIntervalSince(started) < 20, "\(c.name) must fail fast")
        #expect(ws.files() == before, "\(c.name): no file may appear or vanish")
        var record = "exit \(r.status)\n" + r.stderr
        switch c.outcome {
        case .samePay:
            #expect(r.status == 0, "\(c.name): \(r.stderr)")
            let expected = try String(contentsOf: repo.appendingPathComponent("examples/expected/payouts-2026-Q3.csv"), encoding: .utf8)
            #expect(ws.read("out.csv") == expected, "\(c.name) pays exactly what the clean example pays")
        case .differentPay:
            #expect(r.status == 0, "\(c.name): \(r.stderr)")
            record += "--- out.csv\n" + (ws.read("out.csv") ?? "")
        case .printed:
            #expect(r.status == 0, "\(c.name): \(r.stderr)")
            record += "--- stdout\n" + r.stdout
        case .rejected:
            #expect(r.status != 0, "\(c.name) must fail")
            #expect(ws.read("out.csv") == HostileInputTests.previous, "\(c.name): the previous payout file must be untouched")
            #expect(inputs.map { ws.read($0) } == inputsBefore, "\(c.name): no input may change")
        }
        #expect(!r.stderr.contains("Fatal error"), "\(c.name) crashed")
        try golden(record, "Tests/PayplanCLITests/Corpus/\(c.name).txt")
    }

    /// The checker's table of bad plans, run end to end: exit 1, the same
    /// diagnostics as `payplan check`, the previous payout file untouched.
    @Test(arguments: checkerFixtures())
    func badPlanFixture(_ name: String) throws {
        let ws = try Workspace()
        try ws.write("out.csv", HostileInputTests.previous)
        let fixture = repo.appendingPathComponent("Tests/PayplanCheckerTests/Fixtures/bad/\(name)")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: ws.path + "/\(name)")
        let r = try payplan(["run", name, "--data", "data", "--period", "2026-Q3", "--out", "out.csv"], in: ws.path)
        let check = try payplan(["check", name], in: ws.path)
        // Lint-only fixtures (warnings) still run; plans with errors never do.
        let errors = check.status == 1
        #expect(check.status == 0 || check.status == 1)
        if errors {
            #expect(r.status == 1)
            func diagnostics(_ s: String) -> String { s.split(separator: "\n").dropLast().joined(separator: "\n") }
            #expect(diagnostics(r.stderr) == diagnostics(check.stdout), "run reports exactly what check reports")
            #expect(r.stderr.hasSuffix("nothing was computed\n"))
            #expect(ws.read("out.csv") == HostileInputTests.previous)
        } else if check.stdout.contains("[L523]") {
            // Warned that a credit would pay 0; the data holds credits, so
            // the run stops at the first one, naming its line.
            #expect(r.status == 4 && r.stderr.contains("is a credit of"), "\(r.stderr)")
            #expect(ws.read("out.csv") == HostileInputTests.previous)
        } else {
            #expect(r.status == 0)
        }
    }
}

func checkerFixtures() -> [String] {
    let dir = repo.appendingPathComponent("Tests/PayplanCheckerTests/Fixtures/bad")
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
}

func checkerFixtureCount() -> Int { checkerFixtures().count }
