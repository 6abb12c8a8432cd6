import Testing

@testable import EdgeCore

@Suite("Consistent hashing on the cache key")
struct ConsistentHashRingTests {
    let names = (0..<10).map { "10.0.0.\($0):80" }
    let keys = (0..<100_000).map { "example.com/object/\($0)?v=1" }

    @Test("removing one of 10 servers remaps at most 13% of 100 000 keys, and only its own")
    func removalRemapBound() {
        let full = ConsistentHashRing(names: names, weights: Array(repeating: 1, count: 10))
        let reduced = ConsistentHashRing(names: Array(names.dropLast()), weights: Array(repeating: 1, count: 9))
        var moved = 0
        var movedFromOthers = 0
        for key in keys {
            let before = full.server(for: key)
            let after = reduced.server(for: key)
            if before != after {
                moved += 1
                if before != 9 { movedFromOthers += 1 }
            }
        }
        #expect(Double(moved) / Double(keys.count) <= 0.13)
        #expect(movedFromOthers == 0)
    }

    @Test("adding an 11th server remaps at most 13% of keys, all to the new server")
    func additionRemapBound() {
        let before = ConsistentHashRing(names: names, weights: Array(repeating: 1, count: 10))
        let after = ConsistentHashRing(names: names + ["10.0.0.10:80"], weights: Array(repeating: 1, count: 11))
        var moved = 0
        var movedElsewhere = 0
        for key in keys {
            let a = before.server(for: key)
            let b = after.server(for: key)
            if a != b {
                moved += 1
                if b != 10 { movedElsewhere += 1 }
            }
        }
        #expect(Double(moved) / Double(keys.count) <= 0.13)
        #expect(movedElsewhere == 0)
    }

    @Test("a server that is down is skipped and only its keys move")
    func downServerSkipped() {
        let ring = ConsistentHashRing(names: names, weights: Array(repeating: 1, count: 10))
        var moved = 0
        for key in keys.prefix(20_000) {
            let before = ring.server(for: key)
            let after = ring.server(for: key, eligible: { $0 != 3 })
            #expect(after != 3)
            if before != after {
                moved += 1
                #expect(before == 3)
            }
        }
        #expect(moved > 0)
        #expect(ring.server(for: "x", eligible: { _ in false }) == nil)
    }

    @Test("weights set each server's share of keys")
    func weightsRespected() {
        let ring = ConsistentHashRing(names: ["a:1", "b:1", "c:1"], weights: [1, 2, 1])
        var counts = [0, 0, 0]
        for key in keys {
            if let index = ring.server(for: key) { counts[index] += 1 }
        }
        let share = Double(counts[1]) / Double(keys.count)
        #expect(share > 0.42 && share < 0.58)
        #expect(counts[0] > 18_000 && counts[2] > 18_000)
    }

    @Test("the mapping does not depend on the order servers are listed in")
    func orderIndependent() {
        let a = ConsistentHashRing(names: ["a:1", "b:1", "c:1"], weights: [1, 1, 1])
        let b = ConsistentHashRing(names: ["c:1", "a:1", "b:1"], weights: [1, 1, 1])
        let nameA = ["a:1", "b:1", "c:1"]
        let nameB = ["c:1", "a:1", "b:1"]
        for key in keys.prefix(5_000) {
            #expect(a.server(for: key).map { nameA[$0] } == b.server(for: key).map { nameB[$0] })
        }
    }

    @Test("the same key (or client address) always maps to the same server")
    func stable() {
        let ring = ConsistentHashRing(names: names, weights: Array(repeating: 1, count: 10))
        #expect(ring.server(for: "192.0.2.7") == ring.server(for: "192.0.2.7"))
        #expect(StableHash.hash("192.0.2.7") == StableHash.hash("192.0.2.7"))
    }
}
