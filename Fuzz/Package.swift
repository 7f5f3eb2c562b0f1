// swift-tools-version: 6.0
//
// libFuzzer targets for the stages that read untrusted input. A package of
// its own, so that `swift build` of Payplan never links a fuzzer. Build and
// run with Fuzz/run.sh (see the README's development section).
import PackageDescription

let fuzz: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
let engine: [Target.Dependency] = [.product(name: "PayplanEngine", package: "Payplan"), "FuzzSupport"]

let package = Package(
    name: "PayplanFuzz",
    dependencies: [.package(name: "Payplan", path: "..")],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(name: "FuzzYAML", dependencies: engine, swiftSettings: fuzz),
        .executableTarget(name: "FuzzFormula", dependencies: engine, swiftSettings: fuzz),
        .executableTarget(name: "FuzzChecker", dependencies: engine, swiftSettings: fuzz),
        .executableTarget(name: "FuzzCSV", dependencies: engine, swiftSettings: fuzz),
    ]
)
