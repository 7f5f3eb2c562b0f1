import Foundation
import Testing

/// The layout promises of CONTRIBUTING.md, checked.
@Suite("Architecture: one rule kind in one place, one list of diagnostic codes")
struct ArchitectureTests {
    static func sources() throws -> [(path: String, text: String)] {
        let root = repo.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return try files.map { ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
    }

    static func mentions(_ word: String, in text: String) -> Bool {
        text.range(of: "(?<![A-Za-z0-9_])\(word)(?![A-Za-z0-9_])", options: .regularExpression) != nil
    }

    /// A kind's name, in YAML (`team_ranking`) and in Swift (`TeamRanking`),
    /// appears in its own file and the registry (and at most one more).
    @Test func eachRuleKindLivesInItsOwnFile() throws {
        let files = try ArchitectureTests.sources()
        let kinds = ["attainment_bonus", "product_award", "team_ranking", "elimination", "commission"]
        for kind in kinds {
            let swiftName = kind.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            for name in [kind, swiftName] {
                let where_ = files.filter { ArchitectureTests.mentions(name, in: $0.text) }.map(\.path)
                #expect(where_.count <= 3, "\(name) appears in \(where_)")
            }
        }
    }

    /// Every diagnostic code is written once, as a case of its stage's code
    /// enum; everywhere else the code is named by its case (`DataCode.noFolder`),
    /// never by its text. (The OpenAPI document's example is prose.)
    @Test func diagnosticCodesAreWrittenOnlyInTheirEnums() throws {
        let literal = try Regex(#""[YPFCLDEOTGSW][0-9]{3}""#)
        let declaration = try Regex(#"case [A-Za-z0-9]+ = "[A-Z][0-9]{3}""#)
        var stray: [String] = []
        for file in try ArchitectureTests.sources() where !file.path.hasSuffix("OpenAPIDocument.swift") {
            for (n, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(literal) && !line.contains(declaration) {
                stray.append("\(file.path):\(n + 1)")
            }
        }
        #expect(stray.isEmpty, "codes written as text outside their enums: \(stray)")
    }

    /// `rules/diagnostics.md` is what `payplan codes --format markdown` prints.
    @Test func theListOfCodesIsGenerated() throws {
        let r = try payplan(["codes", "--format", "markdown"])
        #expect(r.status == 0)
        let doc = try String(contentsOf: repo.appendingPathComponent("rules/diagnostics.md"), encoding: .utf8)
        #expect(r.stdout == doc, "regenerate: payplan codes --format markdown > rules/diagnostics.md")
        let codes = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| code") }.map { $0.split(separator: "|")[0] }
        #expect(Set(codes).count == codes.count, "every code is listed once")
    }
}
