import Testing
@testable import EdgeCore

@Suite("LRUPolicy")
struct LRUPolicyTests {
    @Test("a read moves the entry to the most recently used end")
    func readRefreshesRecency() {
        let lru = LRUPolicy<String, Int>(capacityBytes: 100)
        _ = lru.set("a", 1, cost: 10)
        _ = lru.set("b", 2, cost: 10)
        _ = lru.set("c", 3, cost: 10)
        #expect(lru.keysByRecency == ["c", "b", "a"])
        #expect(lru.get("a") == 1)
        #expect(lru.keysByRecency == ["a", "c", "b"])
        #expect(lru.peek("b") == 2)
        #expect(lru.keysByRecency == ["a", "c", "b"])
    }

    @Test("the least recently used entries are evicted until the new one fits")
    func evictsLeastRecentlyUsed() {
        let lru = LRUPolicy<String, Int>(capacityBytes: 30)
        _ = lru.set("a", 1, cost: 10)
        _ = lru.set("b", 2, cost: 10)
        _ = lru.set("c", 3, cost: 10)
        _ = lru.get("a")
        #expect(lru.set("d", 4, cost: 20) == 2)
        #expect(lru.keysByRecency == ["d", "a"])
        #expect(lru.bytes == 30)
    }

    @Test("an entry larger than the capacity is refused and the old value stays")
    func refusesOversize() {
        let lru = LRUPolicy<String, Int>(capacityBytes: 30)
        _ = lru.set("a", 1, cost: 10)
        #expect(lru.set("a", 2, cost: 31) == nil)
        #expect(lru.peek("a") == 1)
        #expect(lru.bytes == 10)
    }

    @Test("replacing a value re-accounts its cost")
    func replaceReaccounts() {
        let lru = LRUPolicy<String, Int>(capacityBytes: 30)
        _ = lru.set("a", 1, cost: 10)
        _ = lru.set("b", 2, cost: 10)
        _ = lru.set("a", 3, cost: 15)
        #expect(lru.bytes == 25)
        #expect(lru.count == 2)
        #expect(lru.remove("a") == 3)
        #expect(lru.bytes == 10)
        #expect(lru.removeAll { key, _ in key == "b" } == 1)
        #expect(lru.count == 0 && lru.bytes == 0)
    }
}
