import Foundation
import Testing

/// Every sample of the docs (README.md, examples/README.md, rules/README.md) is real output: each ```console block's
/// `$ payplan …` commands run against the built binary and print exactly the
/// lines shown under them (standard output, then standard error). A line that
/// is only `…` stands for any number of lines. Commands run in a scratch
/// folder where `rules` and `examples` are the repository's, so files they
/// write land there.
@Suite("README samples")
struct ReadmeSampleTests {
    static let documents = ["README.md", "examples/README.md", "rules/README.md"]

    static var samples: [ConsoleSample] {
        documents.flatMap { doc -> [ConsoleSample] in
            let text = (try? String(contentsOf: repo.appendingPathComponent(doc), encoding: .utf8)) ?? ""
            return ConsoleSample.extract(from: text, document: doc)
        }
    }

    @Test func theDocsHaveSamples() {
        let samples = Self.samples
        #expect(samples.count >= 12, "\(samples.map(\.command))")
        #expect(samples.allSatisfy { !$0.expected.isEmpty })
    }

    @Test(arguments: samples)
    func sampleIsRealOutput(_ sample: ConsoleSample) throws {
        let scratch = NSTemporaryDirectory() + "payplan-readme-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: scratch) }
        for name in ["rules", "examples"] {
            try fm.createSymbolicLink(atPath: scratch + "/" + name, withDestinationPath: repo.appendingPathComponent(name).path)
        }
        let r = try payplan(sample.arguments, in: scratch)
        let actual = (r.stdout + r.stderr).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lines = actual.last == "" ? Array(actual.dropLast()) : actual
        #expect(
            ConsoleSample.matches(sample.expected, lines),
            "\(sample.document):\(sample.line): `\(sample.command)` printed:\n\(lines.joined(separator: "\n"))")
    }

    @Test func ellipsisMatchesAnyNumberOfLines() {
        #expect(ConsoleSample.matches(["a", "…", "d"], ["a", "b", "c", "d"]))
        #expect(ConsoleSample.matches(["a", "…", "d"], ["a", "d"]))
        #expect(ConsoleSample.matches(["…", "c"], ["a", "b", "c"]))
        #expect(!ConsoleSample.matches(["a", "…", "d"], ["a", "b", "c"]))
        #expect(!ConsoleSample.matches(["a", "b"], ["a", "b", "c"]))
        #expect(!ConsoleSample.matches(["a", "c"], ["a", "b", "c"]))
    }

    @Test func commandsAreSplitLikeAShell() {
        #expect(
            ConsoleSample.words("payplan whatif a.yaml \\\n    --set 'x[3].pay=2.2' --set \"b c\" d")
                == ["payplan", "whatif", "a.yaml", "--set", "x[3].pay=2.2", "--set", "b c", "d"])
    }
}

/// One `$ payplan …` command of a ```console block and the lines shown under it.
struct ConsoleSample: Sendable, CustomTestStringConvertible {
    var document: String
    var line: Int
    var command: String
    var expected: [String]

    var testDescription: String { "\(document):\(line) \(command)" }

    /// The command's words without the leading `payplan`.
    var arguments: [String] { Array(Self.words(command).dropFirst()) }

    static func extract(from text: String, document: String) -> [ConsoleSample] {
        var samples: [ConsoleSample] = []
        var inConsole = false
        var current: ConsoleSample?
        var continuing = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).enumerated() {
            if line.hasPrefix("```") {
                if let c = current { samples.append(c) }
                current = nil
                inConsole = !inConsole && line == "```console"
                continue
            }
            guard inConsole else { continue }
            if continuing, current != nil {
                current?.command += "\n" + line
                continuing = line.hasSuffix("\\")
            } else if line.hasPrefix("$ payplan ") {
                if let c = current { samples.append(c) }
                current = ConsoleSample(document: document, line: index + 1, command: String(line.dropFirst(2)), expected: [])
                continuing = line.hasSuffix("\\")
            } else {
                current?.expected.append(line)
            }
        }
        return samples
    }

    /// Splits a command as a POSIX shell would for the quoting the docs use:
    /// blanks, '…', "…", and a backslash before a newline.
    static func words(_ command: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quote: Character?
        var chars = Array(command)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                if c == q { quote = nil } else { word = (word ?? "") + String(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                word = word ?? ""
            } else if c == "\\", chars.first == "\n" {
                chars = chars.dropFirst()
            } else if c == " " || c == "\n" {
                if let w = word { words.append(w) }
                word = nil
            } else {
                word = (word ?? "") + String(c)
            }
        }
        if let w = word { words.append(w) }
        return words
    }

    /// Whether `actual` is `expected` with each `…` line standing for any
    /// number of lines (none included).
    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "…" {
            let rest = Array(expected.dropFirst())
            return (0...actual.count).contains { matches(rest, Array(actual.dropFirst($0))) }
        }
        guard let head = actual.first, head == first else { return false }
        return matches(Array(expected.dropFirst()), Array(actual.dropFirst()))
    }
}
