import FuzzSupport
import PayplanCore
import PayplanLanguage

/// Any text through the formula lexer and parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let source = FormulaSource(text: text, startingAt: SourceLocation(file: "fuzz", line: 1, column: 1))
    _ = FormulaParser.parse(source)
    return 0
}

@_cdecl("FuzzFormula_main")
public func FuzzFormulaMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzFormula(data, size) }
}
