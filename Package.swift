// swift-tools-version: 6.0
//
// The pipeline is the layout. Each target is one stage and depends only on the
// stages before it:
//
//   CYAML → PayplanYAML → PayplanLanguage → PayplanChecker → PayplanCompiler
//        → PayplanData → PayplanEvaluator → PayplanRules → PayplanReports / PayplanCompare
//        → PayplanServe (the browser workbench, on Hummingbird)
//        → PayplanCLI → payplan
//
// Before and during a period: PayplanTargets (targets plans: parse, check,
// decompose) and PayplanProgress (pace, projected pay, next steps) stand on
// the same stages; PayplanSideFiles reads their small CSV files. After a
// period: PayplanLedger records what was paid (SQLite through GRDB).
//
// PayplanCore holds what every stage shares: exact numbers, calendar dates and
// periods, source locations and diagnostics, limits. Each stage defines the
// protocol it needs of a rule kind; PayplanRules holds the kinds, one file
// each, and the registry that hands them to the stages.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Payplan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "payplan", targets: ["payplan"]),
        .executable(name: "payplan-gen", targets: ["payplan-gen"]),
        .library(name: "PayplanCLI", targets: ["PayplanCLI"]),
        // The stages as a library, for the fuzz targets in Fuzz/ (a package of their own).
        .library(
            name: "PayplanEngine",
            targets: [
                "PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanChecker", "PayplanCompiler", "PayplanData", "PayplanEvaluator",
                "PayplanRules",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in Hummingbird's graph; named for the server's logger, its bound port and header names.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // The signal-safe list of temporary files AtomicFileWriter removes on SIGINT/SIGTERM.
        .target(name: "CTempFiles"),
        .target(name: "PayplanCore", dependencies: ["CTempFiles"], swiftSettings: strictSettings),
        .target(name: "PayplanYAML", dependencies: ["CYAML", "PayplanCore"], swiftSettings: strictSettings),
        .target(name: "PayplanLanguage", dependencies: ["PayplanCore", "PayplanYAML"], swiftSettings: strictSettings),
        .target(name: "PayplanChecker", dependencies: ["PayplanCore", "PayplanLanguage"], swiftSettings: strictSettings),
        .target(
            name: "PayplanCompiler",
            dependencies: ["PayplanCore", "PayplanLanguage", "PayplanChecker"],
            swiftSettings: strictSettings
        ),
        // A one-function C shim: the prefetch hint the transaction scan needs.
        .target(name: "CPrefetch"),
        .target(name: "PayplanData", dependencies: ["PayplanCore", "PayplanCompiler", "CPrefetch"], swiftSettings: strictSettings),
        .target(
            name: "PayplanEvaluator",
            dependencies: ["PayplanCore", "PayplanLanguage", "PayplanCompiler", "PayplanData"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayplanRules",
            dependencies: ["PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanChecker", "PayplanCompiler", "PayplanData", "PayplanEvaluator"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayplanReports",
            dependencies: ["PayplanCore", "PayplanLanguage", "PayplanCompiler", "PayplanEvaluator"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayplanCompare",
            dependencies: [
                "PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanChecker", "PayplanCompiler",
                "PayplanEvaluator", "PayplanRules", "PayplanReports",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Before and during the period: side files (commitments, opportunities),
        // targets set and decomposed, progress against them.
        .target(name: "PayplanSideFiles", dependencies: ["PayplanCore", "PayplanData"], swiftSettings: strictSettings),
        .target(
            name: "PayplanTargets",
            dependencies: [
                "PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanCompiler", "PayplanData", "PayplanEvaluator", "PayplanRules",
                "PayplanReports", "PayplanSideFiles",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayplanProgress",
            dependencies: [
                "PayplanCore", "PayplanLanguage", "PayplanChecker", "PayplanCompiler", "PayplanData", "PayplanEvaluator", "PayplanReports",
                "PayplanSideFiles",
            ],
            swiftSettings: strictSettings
        ),
        // The period ledger: closed periods, what was paid, adjustments, audit (SQLite through GRDB).
        .target(
            name: "PayplanLedger",
            dependencies: [
                "PayplanCore", "PayplanLanguage", "PayplanCompiler", "PayplanData", "PayplanEvaluator", "PayplanRules",
                "PayplanReports", "PayplanCompare",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        // `payplan serve`: the managers' workbench (what-if in the browser, period pages, JSON API).
        .target(
            name: "PayplanServe",
            dependencies: [
                "PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanChecker", "PayplanCompiler",
                "PayplanData", "PayplanEvaluator", "PayplanRules", "PayplanReports", "PayplanCompare",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayplanCLI",
            dependencies: [
                "PayplanCore", "PayplanYAML", "PayplanLanguage", "PayplanChecker", "PayplanCompiler",
                "PayplanData", "PayplanEvaluator", "PayplanRules", "PayplanReports", "PayplanCompare", "PayplanTargets",
                "PayplanProgress", "PayplanSideFiles", "PayplanLedger", "PayplanServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "payplan", dependencies: ["PayplanCLI"], swiftSettings: strictSettings),
        .executableTarget(
            name: "payplan-gen",
            dependencies: ["PayplanCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/Generator",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PayplanCoreTests", dependencies: ["PayplanCore"], swiftSettings: strictSettings),
        .testTarget(name: "PayplanYAMLTests", dependencies: ["PayplanYAML"], swiftSettings: strictSettings),
        .testTarget(
            name: "PayplanLanguageTests",
            dependencies: ["PayplanLanguage", "PayplanChecker", "PayplanRules"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanCheckerTests",
            dependencies: ["PayplanChecker", "PayplanCompiler", "PayplanRules", "PayplanCompare"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PayplanDataTests", dependencies: ["PayplanData", "PayplanCompiler", "PayplanRules"], swiftSettings: strictSettings),
        .testTarget(
            name: "PayplanEvaluatorTests",
            dependencies: ["PayplanEvaluator", "PayplanRules", "PayplanReports", "PayplanCompare", "PayplanData", "PayplanYAML"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanCompareTests",
            dependencies: ["PayplanCompare", "PayplanEvaluator", "PayplanRules", "PayplanData"],
            exclude: ["Pairs"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanTargetsTests", dependencies: ["PayplanTargets", "PayplanYAML", "PayplanCompiler", "PayplanEvaluator"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "PayplanProgressTests",
            dependencies: ["PayplanProgress", "PayplanCompiler", "PayplanData", "PayplanEvaluator", "PayplanRules"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanLedgerTests",
            dependencies: ["PayplanLedger", "PayplanCLI", "payplan", "payplan-gen", "PayplanEvaluator", "PayplanData", "PayplanLanguage"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanServeTests",
            dependencies: [
                "PayplanServe", "PayplanCompare", "PayplanCompiler", "PayplanRules", "PayplanCore", "payplan",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["Browser"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayplanCLITests",
            dependencies: ["PayplanCLI", "payplan"],
            exclude: ["Corpus"],
            swiftSettings: strictSettings
        ),
    ]
)
