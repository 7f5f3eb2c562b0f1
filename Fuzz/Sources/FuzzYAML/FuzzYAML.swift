import FuzzSupport
import PayplanCore
import PayplanYAML

/// Any bytes through the libyaml composer: it must return a document or
/// located diagnostics, never crash, hang or exceed its limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (document, diagnostics) = YAMLLoader.load(bytes: bytes, file: "fuzz.yaml")
    // A file is either a document or rejected with a reason.
    precondition(document != nil || !diagnostics.isEmpty, "no document and no diagnostic")
    return 0
}

@_cdecl("FuzzYAML_main")
public func FuzzYAMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzYAML(data, size) }
}
