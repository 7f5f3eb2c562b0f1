import Testing

@testable import PayplanData

@Suite("ID index")
struct IDIndexTests {
    @Test func findsBytesExactly() {
        let index = IDIndex(["R1", "R2", "é", "e\u{301}", "a-rather-long-product-id"])
        #expect(index.lookup("R2") == 1)
        #expect(index.lookup("é") == 2)
        #expect(index.lookup("e\u{301}") == 3, "canonically equivalent but different code points are different ids")
        #expect(index.lookup("a-rather-long-product-id") == 4)
        #expect(index.lookup("a-rather-long-product-iD") == nil, "bytes after the eighth are compared")
        #expect(index.lookup("R3") == nil)
        #expect(index.lookup("") == nil)
        #expect(index.lookup("R1 ") == nil)
    }

    @Test func anIDListedTwiceIsIndexedOnceAtItsFirstPosition() {
        let index = IDIndex(["A", "B", "A", "C", "B", "A"])
        #expect(index.lookup("A") == 0)
        #expect(index.lookup("B") == 1)
        #expect(index.duplicates.map(\.index) == [2, 4, 5])
        #expect(index.duplicates.map(\.first) == [0, 1, 0])
        #expect(IDIndex([]).lookup("A") == nil)
    }

    @Test func manyIDs() {
        let ids = (0..<50_000).map { "R\($0)" }
        let index = IDIndex(ids)
        #expect(index.duplicates.isEmpty)
        #expect(ids.indices.allSatisfy { index.lookup(ids[$0]) == $0 })
    }

    @Test func lookupsInPlaceReadOnlyTheField() {
        let index = IDIndex(["R000001", "R000002"])
        let line = Array("D1,R000002,2026-07-01\n".utf8)
        withBytes(line) { p, n in
            #expect(index.lookup.find(p, 3, 10, limit: n) == 1)
            #expect(index.lookup.find(p, 3, 9, limit: n) == nil, "a prefix of an id is another id")
            // A hint: it reads the id's bytes only (and up to `limit` for its prefix).
            index.lookup.prefetch(p, 3, 10, limit: n)
            index.lookup.prefetch(p, n, n, limit: n)
        }
    }
}
