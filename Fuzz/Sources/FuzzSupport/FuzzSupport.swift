/// What every fuzz target shares: SwiftPM links an executable's entry point
/// as `<Target>_main`; each target defines that symbol and hands control to
/// libFuzzer's driver here, with its `LLVMFuzzerTestOneInput`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}

@_silgen_name("__lsan_disable") func lsanDisable()
@_silgen_name("__lsan_enable") func lsanEnable()

/// Builds state that lives for the whole fuzzing run with the leak checker
/// off. Swift stores some object pointers with tag bits in their spare high
/// bits (multi-payload enums), which LeakSanitizer does not recognise as
/// pointers: a compiled plan kept in a global is then reported as leaked
/// although it is reachable. FuzzChecker builds and frees plans on every
/// input with the leak checker on, so real leaks in that code still surface.
public func withoutLeakChecking<T>(_ body: () -> T) -> T {
    lsanDisable()
    defer { lsanEnable() }
    return body()
}
