import Foundation
import PayplanCompiler
import PayplanCore
import PayplanRules
import Testing

@testable import PayplanData

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func referencePlan() throws -> CompiledPlan {
    let load = PlanPipeline.load(file: repoRoot.appendingPathComponent("rules/reference-plan.yaml").path)
    let checked = try #require(load.checked)
    return try #require(Compiler.compile(checked).0)
}

/// The reference plan with more metrics (YAML lines under `metrics:`).
func referencePlan(metrics: String) throws -> CompiledPlan {
    let text = try String(contentsOf: repoRoot.appendingPathComponent("rules/reference-plan.yaml"), encoding: .utf8)
        .replacingOccurrences(of: "metrics:\n", with: "metrics:\n" + metrics)
    let load = PlanPipeline.load(bytes: Array(text.utf8), file: "plan.yaml")
    let checked = try #require(load.checked, "\(load.diagnostics)")
    return try #require(Compiler.compile(checked).0)
}

/// A data folder in a temporary directory.
struct TempData {
    let path: String

    init(_ files: [String: String]) throws {
        path = NSTemporaryDirectory() + "payplan-data-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
    }

    static let reps = """
        rep_id,name,team,region,role,hire_date,exit_date,target_incentive
        R1,王芳,East,华东,rep,2024-01-01,,10000
        R2,Emma,East,华东,rep,2024-01-01,,10000

        """
    static let targets = "rep_id,period,revenue\nR1,2026-Q3,100000\nR2,2026-Q3,100000\n"
    static let products = "product,name,launch_date,category\nP1,Core,2020-01-01,a\nP2,New,2026-08-01,b\n"
    static let transactions = """
        deal_id,rep_id,date,product,amount,collected
        D1,R1,2026-07-05,P1,1000.50,1000.50
        D2,R1,2026-08-05,P2,-200,0
        D3,R2,2026-09-30,P2,300,300
        D4,R2,2026-06-30,P1,999,999

        """

    static func valid(_ overrides: [String: String] = [:]) throws -> TempData {
        var files = ["reps.csv": reps, "targets.csv": targets, "products.csv": products, "transactions.csv": transactions]
        for (k, v) in overrides { files[k] = v }
        return try TempData(files)
    }
}

let q3 = Period("2026-Q3")!
let q2 = Period("2026-Q2")!

func messages(_ r: DataLoadResult) -> [String] {
    Diagnostic.sorted(r.problems.map(\.diagnostic)).map(\.description)
}

@Suite("Data loader")
struct DataLoaderTests {
    @Test func aggregatesPerRepAndPeriodAsItReads() throws {
        let plan = try referencePlan()
        let data = try TempData.valid()
        let r = DataLoader.load(directory: data.path, plan: plan, periods: [q2, q3])
        #expect(r.problems.isEmpty, "\(messages(r))")
        let d = try #require(r.data)
        #expect(d.repIDs == ["R1", "R2"])
        #expect(d.transactionCount == 4)
        let revenue = try #require(plan.scan.accumulators.firstIndex { $0.description == "sum(tx.amount)" })
        #expect(d.periods[1].accumulators[revenue].value(0) == .number(Exact(decimal: "800.5")!))
        #expect(d.periods[1].accumulators[revenue].count(0) == 2)
        #expect(d.periods[0].accumulators[revenue].value(1) == .number(Exact(999)))
        let newProducts = try #require(plan.scan.accumulators.firstIndex { $0.description.contains("new_product") })
        #expect(d.periods[1].accumulators[newProducts].value(0) == .number(Exact(-200)))
        #expect(d.periods[1].lists[0].entries(of: 1).map(\.deal) == ["D3"])
    }

    @Test func everyProblemOfEveryFileInOnePass() throws {
        let plan = try referencePlan()
        let data = try TempData.valid([
            "reps.csv": TempData.reps + "R1,Dup,West,x,rep,2024-01-01,,1\nR3,Bad,West,x,rep,2024-13-01,,1\n",
            "targets.csv": TempData.targets + "R1,2026-Q3,5\nR2,2026Q3,1\n",
            "products.csv": TempData.products + "P1,Core again,2021-01-01,a\n",
            "transactions.csv": TempData.transactions
                + "D5,R9,2026-07-01,P1,1,1\nD6,R1,2026-07-01,P9,1,1\nD7,R1,2026-07-01,P1,\"12,34\",1\nD8,R1,2026-02-30,P1,1,1\nD9,R1,2026-07-01\nD10,R2,2026-07-01,P1,1e3,1\n",
        ])
        let r = DataLoader.load(directory: data.path, plan: plan, periods: [q2, q3])
        let p = data.path
        #expect(
            messages(r) == [
                "\(p)/products.csv:4: error: product \"P1\" is listed twice with different launch dates (2020-01-01 on line 2, 2021-01-01 here) [D631]",
                "\(p)/reps.csv:4: error: duplicate rep_id \"R1\" (first on line 2) [D630]",
                "\(p)/reps.csv:5: error: column hire_date: \"2024-13-01\" is not a date (YYYY-MM-DD) [D612]",
                "\(p)/targets.csv:4: error: rep R1 has a second target row for 2026-Q3 (first on line 2) [D633]",
                "\(p)/targets.csv:5: error: column period: \"2026Q3\" is not a period (2026-07, 2026-Q3, 2026, 2026-H2 or 2026-07-H1) [D632]",
                "\(p)/transactions.csv:6: error: column rep_id: unknown rep \"R9\" (not in reps.csv) [D620]",
                "\(p)/transactions.csv:7: error: column product: unknown product \"P9\" (not in products.csv) [D621]",
                "\(p)/transactions.csv:8: error: column amount: \"12,34\" is not a decimal [D613]",
                "\(p)/transactions.csv:9: error: column date: \"2026-02-30\" is not a date (YYYY-MM-DD) [D612]",
                "\(p)/transactions.csv:10: error: the row has 3 fields; the header has 6 [D607]; help: quote fields that contain commas: \"a,b\"",
                "\(p)/transactions.csv:11: error: column amount: \"1e3\" is not a decimal [D613]",
            ])
        #expect(r.problems.first { $0.diagnostic.code == "D620" }?.repID == nil, "an unknown rep names nobody to skip")
        #expect(r.problems.first { $0.diagnostic.code == "D613" }?.repID == "R1")
    }

    @Test func missingAndRenamedColumns() throws {
        let plan = try referencePlan()
        let data = try TempData.valid(["transactions.csv": "deal_id,rep_id,date,product,amont,collected\n"])
        let r = DataLoader.load(directory: data.path, plan: plan, periods: [q3])
        let d = try #require(r.problems.first { $0.diagnostic.code == "D605" }?.diagnostic)
        #expect(d.message == "missing required column `amount`")
        #expect(d.help == "did you mean `amont`?")
    }

    @Test func missingFolderFileAndEmptyFile() throws {
        let plan = try referencePlan()
        #expect(DataLoader.load(directory: "/nonexistent/x", plan: plan, periods: [q3]).problems.first?.diagnostic.code == "D600")
        let noFile = try TempData(["reps.csv": TempData.reps])
        let problems = DataLoader.load(directory: noFile.path, plan: plan, periods: [q3]).problems
        #expect(Set(problems.filter { $0.diagnostic.severity == .error }.map(\.diagnostic.code)) == ["D601"])
        // Without products.csv the transactions are not read (a note says so), not each reported as unknown.
        #expect(problems.contains { $0.diagnostic.code == "D617" && $0.diagnostic.severity == .note })
        let empty = try TempData.valid(["transactions.csv": ""])
        #expect(DataLoader.load(directory: empty.path, plan: plan, periods: [q3]).problems.first?.diagnostic.code == "D602")
        let directory = try TempData.valid()
        try FileManager.default.removeItem(atPath: directory.path + "/products.csv")
        try FileManager.default.createDirectory(atPath: directory.path + "/products.csv", withIntermediateDirectories: false)
        let dirProblem = DataLoader.load(directory: directory.path, plan: plan, periods: [q3]).problems.first { $0.diagnostic.code == "D601" }
        #expect(dirProblem?.diagnostic.message == "cannot read products.csv: is a directory, not a file")
    }

    @Test func bomAndCRLFGiveTheSameNumbers() throws {
        let plan = try referencePlan()
        let plain = try TempData.valid()
        let windows = try TempData.valid([
            "transactions.csv": "\u{FEFF}" + TempData.transactions.replacingOccurrences(of: "\n", with: "\r\n"),
            "reps.csv": "\u{FEFF}" + TempData.reps.replacingOccurrences(of: "\n", with: "\r\n"),
        ])
        let a = try #require(DataLoader.load(directory: plain.path, plan: plan, periods: [q3]).data)
        let b = try #require(DataLoader.load(directory: windows.path, plan: plan, periods: [q3]).data)
        for k in plan.scan.accumulators.indices {
            #expect(a.periods[0].accumulators[k].value(0) == b.periods[0].accumulators[k].value(0))
            #expect(a.periods[0].accumulators[k].value(1) == b.periods[0].accumulators[k].value(1))
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let plan = try referencePlan()
        var tx = "deal_id,rep_id,date,product,amount,collected\n"
        var seed: UInt64 = 42
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 33
        }
        for i in 0..<120_000 {
            let rep = next() % 2 == 0 ? "R1" : "R2"
            let product = next() % 3 == 0 ? "P2" : "P1"
            let day = 1 + next() % 28
            let month = 7 + next() % 3
            let amount = Double(next() % 1_000_000) / 100
            tx +=
                "D\(i),\(rep),2026-0\(month)-\(day < 10 ? "0" : "")\(day),\(product),\(String(format: "%.2f", amount - 1000)),\(String(format: "%.2f", amount))\n"
        }
        let data = try TempData.valid(["transactions.csv": tx])
        let one = try #require(DataLoader.load(directory: data.path, plan: plan, periods: [q3], threads: 1).data)
        let four = try #require(DataLoader.load(directory: data.path, plan: plan, periods: [q3], threads: 4).data)
        for k in plan.scan.accumulators.indices {
            for rep in 0..<2 {
                #expect(one.periods[0].accumulators[k].value(rep) == four.periods[0].accumulators[k].value(rep))
            }
        }
        #expect(one.periods[0].lists[0].allEntries.map(\.deal) == four.periods[0].lists[0].allEntries.map(\.deal))
        #expect(one.periods[0].lists[0].allEntries.map(\.line) == four.periods[0].lists[0].allEntries.map(\.line))
    }

    /// Tables sized by the data report a shortage of memory instead of
    /// trapping: a hostile reps file must give an error, not a crash.
    @Test func tablesTooLargeForMemoryAreRefusedNotTrapped() {
        #expect(HugePages.allocate(bytes: Int.max / 2) == nil)
        #expect(CellStore(cells: Int.max / 64, lanes: 3) == nil)
        #expect(CellStore(cells: 1 << 50, lanes: 3) == nil)
        let store = CellStore(cells: 4, lanes: 3)
        #expect(store != nil)
        store?.deallocate()
    }

    /// A formula that reads a quoted text field sees `""` as one `"`, as
    /// every other reader of the file does.
    @Test func rowFormulasReadQuotedTextUnescaped() throws {
        var text = try String(contentsOf: repoRoot.appendingPathComponent("rules/reference-plan.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: "period: quarter\n", with: "period: quarter\ndata:\n  transactions:\n    columns:\n      channel: text\n")
        text = text.replacingOccurrences(
            of: "filters:\n", with: "filters:\n  quoted:\n    when: tx.channel == 'say \"hi\"'\n")
        text = text.replacingOccurrences(
            of: "metrics:\n", with: "metrics:\n  quoted_revenue:\n    formula: sum(tx.amount where quoted)\n")
        let load = PlanPipeline.load(bytes: Array(text.utf8), file: "quoted.yaml")
        let checked = try #require(load.checked)
        let plan = try #require(Compiler.compile(checked).0)
        let data = try TempData.valid([
            "transactions.csv": "deal_id,rep_id,date,product,amount,collected,channel\n"
                + "D1,R1,2026-07-05,P1,100,100,\"say \"\"hi\"\"\"\n"
                + "D2,R1,2026-07-06,P1,7,7,say hi\n"
                + "D3,R2,2026-07-07,P1,5,5,\"say \"\"hi\"\"\"\n"
        ])
        let r = DataLoader.load(directory: data.path, plan: plan, periods: [q3], limits: .default, threads: 1)
        #expect(messages(r) == [])
        let q = try #require(plan.scan.accumulators.firstIndex { $0.description.contains("quoted") })
        let sums = try #require(r.data?.periods.first?.accumulators[q])
        #expect(sums.value(0) == .number(Exact(100)))
        #expect(sums.value(1) == .number(Exact(5)))
    }
}
