import FuzzSupport
import PayplanCompiler
import PayplanCore
import PayplanData

#if canImport(Glibc)
    import Glibc
#endif

/// The reference plan, compiled once.
nonisolated(unsafe) let plan: CompiledPlan? = {
    // …/Fuzz/Sources/FuzzCSV/FuzzCSV.swift → the repository root.
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)
    let root = parts.joined(separator: "/")
    return withoutLeakChecking {
        guard let checked = PlanPipeline.load(file: root + "/rules/reference-plan.yaml").checked else { return nil }
        return Compiler.compile(checked).0
    }
}()

nonisolated(unsafe) let directory: String = {
    var template = Array("/tmp/payplan-fuzz-csv-XXXXXX".utf8CString)
    _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}()

/// The input is the four data files separated by 0x1E bytes (reps,
/// products, targets, transactions); they are loaded for the reference
/// plan's periods with the real loader, on 1 and 2 threads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let plan else { preconditionFailure("rules/reference-plan.yaml does not compile") }
    let parts = UnsafeBufferPointer(start: data, count: size).split(separator: 0x1E, maxSplits: 3, omittingEmptySubsequences: false)
    for (i, name) in ["reps.csv", "products.csv", "targets.csv", "transactions.csv"].enumerated() {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if i < parts.count {
            let bytes = Array(parts[i])
            bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        }
        close(fd)
    }
    let periods = [Period("2026-Q2")!, Period("2026-Q3")!]
    let one = DataLoader.load(directory: directory, plan: plan, periods: periods, limits: .default, threads: 1)
    let two = DataLoader.load(directory: directory, plan: plan, periods: periods, limits: .default, threads: 2)
    precondition(one.problems.map(\.diagnostic.description) == two.problems.map(\.diagnostic.description), "problems depend on the thread count")
    return 0
}

@_cdecl("FuzzCSV_main")
public func FuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // The globals are built before the first input, outside the inputs'
    // allocation accounting.
    guard plan != nil, !directory.isEmpty else { return 1 }
    return runFuzzer(argc, argv) { data, size in fuzzCSV(data, size) }
}
