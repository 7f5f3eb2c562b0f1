import FuzzSupport
import PayplanCompiler
import PayplanCore

/// Whole plan files through YAML loading, the language, the checker and the
/// compiler: a plan either compiles or is rejected with diagnostics.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChecker(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let load = PlanPipeline.load(text: text, file: "fuzz.yaml")
    if let checked = load.checked, load.diagnostics.allSatisfy({ $0.severity != .error }) {
        let (compiled, problems) = Compiler.compile(checked)
        precondition(compiled != nil || !problems.isEmpty, "neither compiled nor rejected")
    }
    return 0
}

@_cdecl("FuzzChecker_main")
public func FuzzCheckerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzChecker(data, size) }
}
