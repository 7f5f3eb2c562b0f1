import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PayplanCompare
import Testing

@testable import PayplanServe

/// "Download candidate plan": the plan's own bytes with only the edited
/// numbers replaced, reading back to the fingerprint the page shows.
@Suite struct CandidatePlanTests {
    @Test func theDownloadChangesOnlyTheEditedNumbersAndRechecksToItsFingerprint() async throws {
        let original = try String(contentsOfFile: referencePlan, encoding: .utf8)
        let scratch = try Scratch()
        let sets = ["rules.np_award.threshold=40000", "rules.attainment_bonus.curve.points[3].pay=2.2"]
        let query = sets.map { "set=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(separator: "&")
        let w = try workbench()
        let shown = try await w.whatIf(period: "2026-Q3", changes: sets.compactMap(Override.init), language: .en)
        try await app(w).test(.router) { client in
            try await client.execute(uri: "/api/candidate.yaml?" + query, method: .get, headers: bearer) { r in
                #expect(r.status == .ok, "\(r.text)")
                #expect(r.headers[.contentDisposition] == "attachment; filename=\"reference-plan.candidate.yaml\"")
                #expect(r.headers[HTTPField.Name("X-Payplan-Fingerprint")!] == shown["candidate_fingerprint"]?.text)
                try scratch.write("candidate.yaml", r.text)
            }
        }
        let candidate = scratch.read("candidate.yaml") ?? ""
        // Line by line: only the two edited lines differ, each only in the number.
        let a = original.split(separator: "\n", omittingEmptySubsequences: false)
        let b = candidate.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(a.count == b.count)
        let differing = zip(a, b).filter { $0.0 != $0.1 }
        #expect(differing.map { String($0.1) } == ["        - [1.50, 2.2]   # the accelerator tops out here", "    threshold: 40000"])
        // The real checker agrees: the file re-checks to the fingerprint shown.
        let check = try payplan(["fingerprint", scratch.path + "/candidate.yaml"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasPrefix((shown["candidate_fingerprint"]?.text ?? "?") + "  "))
    }

    @Test func noChangeDownloadsThePlanAsItIs() throws {
        let w = try workbench()
        let (bytes, fingerprint) = try w.candidateFile(changes: [])
        #expect(bytes == Array(try Data(contentsOf: URL(fileURLWithPath: referencePlan))))
        #expect(fingerprint == w.base.fingerprint)
    }

    /// Splicing into awkward files: CRLF, a byte-order mark, Chinese text
    /// before the value on its line, quoted values, values that need quotes.
    @Test func spliceKeepsEverythingElseByteForByte() throws {
        let scratch = try Scratch()
        let plan = try String(contentsOfFile: referencePlan, encoding: .utf8)
        let variants: [(String, String)] = [
            ("crlf.yaml", plan.replacingOccurrences(of: "\n", with: "\r\n")),
            ("bom.yaml", "\u{FEFF}" + plan),
            ("quoted.yaml", plan.replacingOccurrences(of: "    threshold: 50000", with: "    threshold: \"50000\"   # 门槛 quoted")),
            ("flow.yaml", CandidatePlanTests.oneLineAward(plan)),
        ]
        for (name, text) in variants {
            try scratch.write(name, text)
            let base = try BasePlan.read(file: scratch.path + "/" + name).get()
            for (path, value) in [("rules.np_award.threshold", "40000"), ("rules.np_award.award", "2500"), ("rules.elimination.below", "55%")] {
                let change = Override(path: path, value: value)
                let candidate = try base.candidate([change]).get().fingerprint
                let spliced = try PlanSplice.candidate(
                    original: base.bytes, file: base.file, plan: base.plan, changes: [change], fingerprint: candidate
                ).get()
                let before = String(decoding: base.bytes, as: UTF8.self)
                let after = String(decoding: spliced, as: UTF8.self)
                #expect(after.replacingOccurrences(of: value, with: "").count <= before.count, "\(name) \(path)")
                #expect(after.count - before.count == value.count - base.plan.parameters[path]!.text.count, "\(name) \(path)")
            }
        }
        // A value that is not plain YAML is written quoted and still reads back.
        let base = try BasePlan.read(file: referencePlan).get()
        let odd = Override(path: "rules.attainment_bonus.multipliers[1].band.rows[1].when", value: ">= 0.85")
        let fp = try base.candidate([odd]).get().fingerprint
        let spliced = try PlanSplice.candidate(original: base.bytes, file: base.file, plan: base.plan, changes: [odd], fingerprint: fp).get()
        #expect(String(decoding: spliced, as: UTF8.self).contains(#"- [">= 0.85", 1.0]"#))
    }

    /// The award written on one line in flow style, its Chinese label before
    /// the numbers: columns count characters, not bytes.
    static func oneLineAward(_ plan: String) -> String {
        guard let start = plan.range(of: "  np_award:\n"), let end = plan.range(of: "\n  elimination:") else { return plan }
        let line =
            "  np_award: {kind: product_award, label: {zh: 新产品突破奖励, en: new-product award}, measure: np_revenue, threshold: 50000, "
            + "at_threshold: counts, award: 2000, rate_above: 0.05, cap: 20000, "
            + "first_movers: {count: 3, award: 1000, running_total: sum(tx.amount where new_product)}}\n"
        return plan.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: line)
    }

    @Test func plainScalarsAreQuotedWhenTheyWouldNotReadBack() {
        #expect(PlanSplice.text("40000") == "40000")
        #expect(PlanSplice.text("5%") == "5%")
        #expect(PlanSplice.text("-3.5") == "-3.5")
        #expect(PlanSplice.text("no") == "\"no\"")
        #expect(PlanSplice.text("a: b") == "\"a: b\"")
        #expect(PlanSplice.text("# x") == "\"# x\"")
        #expect(PlanSplice.text("[1, 2]") == "\"[1, 2]\"")
        #expect(PlanSplice.text("say \"hi\"\n") == #""say \"hi\"\n""#)
        #expect(PlanSplice.text("") == "\"\"")
    }
}

extension PlanSplice {
    static func text(_ value: String) -> String { String(decoding: scalar(value, quote: nil), as: UTF8.self) }
}
