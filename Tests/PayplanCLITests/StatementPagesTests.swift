import Foundation
import Testing

/// What a rep and HR stumbled on in the pages (issue 18): a step's lines
/// stay one numbered item, labels stay clear of the lines they name, the
/// period report says how many reps are paid, and every point and bin says
/// what it is.
@Suite("statement pages: readable charts and wording")
struct StatementPagesTests {
    @Test func theInterpolationLineIsPartOfItsStep() throws {
        let dir = try StatementsTests.generate("en")
        let (_, outline) = try StatementsTests.page(dir, "statement-R07.html")
        let section = try #require(outline.elements.firstIndex { $0.name == "section" && $0.attributes["id"] == "rule-attainment_bonus" })
        let items = outline.elements[section...].prefix { $0.name != "section" || $0.attributes["id"] == "rule-attainment_bonus" }.filter {
            $0.name == "li"
        }
        #expect(items.count == 4)
        let curve = try #require(items.first { $0.text.hasPrefix("attainment_bonus.curve") })
        #expect(curve.text.hasSuffix("interpolated:1 + (1.15 − 1) × (2 − 1) ÷ (1.5 − 1) = 1.3"))
    }

    @Test func gateAndCapLabelsStandClearOfTheirLinesAndTheMarker() throws {
        let dir = try StatementsTests.generate("zh")
        let (_, outline) = try StatementsTests.page(dir, "statement-R01.html")
        let texts = outline.all("text")
        let gate = try #require(texts.first { $0.text.hasPrefix("门槛 0.8") })
        let gateLine = try #require(outline.all("line", cls: "gate").first)
        // Starts beside the dashed line, not centred across it.
        #expect(gate.attributes["text-anchor"] == "start")
        #expect(Double(gate.attributes["x"] ?? "") ?? 0 > Double(gateLine.attributes["x1"] ?? "") ?? 0)
        let cap = try #require(texts.first { $0.text == "封顶 2" })
        let you = try #require(texts.first { $0.text.hasPrefix("您: ") })
        // The cap's label sits below the cap line, the rep's caption above the marker.
        let capLine = try #require(outline.all("line", cls: "cap").first { $0.attributes["y1"] == $0.attributes["y2"] })
        #expect(Double(cap.attributes["y"] ?? "") ?? 0 > Double(capLine.attributes["y1"] ?? "") ?? 0)
        #expect(Double(you.attributes["y"] ?? "") ?? 0 < Double(capLine.attributes["y1"] ?? "") ?? 0)
    }

    @Test func theFlagCardSaysItIsNotADismissal() throws {
        let dir = try StatementsTests.generate("zh")
        let (_, outline) = try StatementsTests.page(dir, "statement-R12.html")
        let card = try #require(outline.elements.first { $0.attributes["id"] == "flag" })
        #expect(card.text == "eliminate考核标记只提示复核与辅导，不代表解聘决定")
    }

    @Test func longLabelsAreGivenRoomOrShortened() throws {
        let dir = try StatementsTests.generate("en")
        let (_, outline) = try StatementsTests.page(dir, "statement-R07.html")
        let label = try #require(outline.all("text").first { $0.text == "new-product breakthrough award (np_award)" })
        let x = try #require(Double(label.attributes["x"] ?? ""))
        // Anchored at its end: the text's estimated width (7px a character) fits left of it.
        #expect(x >= Double(label.text.count * 7))
    }

    @Test func theReportSaysHowManyRepsArePaidAndNamesEveryPoint() throws {
        let dir = try StatementsTests.generate("en")
        let (_, outline) = try StatementsTests.page(dir, "index.html")
        let reps = try #require(outline.elements.first { $0.attributes["id"] == "reps" })
        #expect(reps.text == "20reps, 17 paid")
        let points = outline.all("circle", cls: "point")
        #expect(points.count == 20)
        let titles = outline.elements.indices.filter { outline.elements[$0].name == "circle" && outline.elements[$0].attributes["class"] == "point" }
            .map { outline.elements[$0 + 1].text }
        #expect(titles.contains("R07 Olivia Liu: 115.0% → ¥34,528.41"))
        // Bins from the lowest attainment (50 %), each titled with its range and count.
        let bins = outline.elements.indices.filter { outline.elements[$0].attributes["data-count"] != nil }.map { outline.elements[$0 + 1].text }
        #expect(bins.first == "50% – 60%: 2")
        #expect(bins.count == 15)
        // The cut by caps is drawn as a cut, left of zero, not as a cost.
        let cut = try #require(outline.all("rect", cls: "cut").first)
        #expect(cut.attributes["data-value"] == "-5632.11")
        // Money ticks without cents.
        #expect(outline.all("text").contains { $0.text == "¥80,000" })
        #expect(!outline.all("text").contains { $0.text == "¥80,000.00" })
    }
}
