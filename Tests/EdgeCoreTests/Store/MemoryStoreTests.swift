import Testing
@testable import EdgeCore

struct Blob: StoreCost, Sendable, Equatable {
    var id: Int
    var storeCost: Int
}

@Suite("MemoryStore")
struct MemoryStoreTests {
    @Test("capacity is never exceeded after any sequence of sets", arguments: EvictionPolicyKind.allCases)
    func capacityNeverExceeded(policy: EvictionPolicyKind) {
        let store = MemoryStore<Int, Blob>(capacityBytes: 10_000, maxObjectBytes: 400, shards: 4, policy: policy)
        var rng = SplitMix(seed: 42)
        for step in 0..<20_000 {
            let key = Int(rng.next() % 500)
            switch rng.next() % 4 {
            case 0: _ = store.get(key)
            case 1: _ = store.remove(key)
            default: _ = store.set(key, Blob(id: step, storeCost: Int(rng.next() % 450)))
            }
            if step % 97 == 0 { #expect(store.stats.bytes <= 10_000) }
        }
        let stats = store.stats
        #expect(stats.bytes <= stats.capacityBytes)
        #expect(stats.capacityBytes == 10_000)
    }

    @Test("a value over maxObjectBytes is refused and not stored")
    func oversizeRejected() {
        let store = MemoryStore<String, Blob>(capacityBytes: 10_000, maxObjectBytes: 100)
        #expect(store.set("a", Blob(id: 1, storeCost: 100)))
        #expect(!store.set("b", Blob(id: 2, storeCost: 101)))
        #expect(store.peek("b") == nil)
        #expect(!store.set("a", Blob(id: 3, storeCost: 101)))
        #expect(store.peek("a")?.id == 1)
    }

    @Test("lru store evicts the least recently read key")
    func lruOrderThroughStore() {
        let store = MemoryStore<String, Blob>(capacityBytes: 30, maxObjectBytes: 30, shards: 1, policy: .lru)
        store.set("a", Blob(id: 1, storeCost: 10))
        store.set("b", Blob(id: 2, storeCost: 10))
        store.set("c", Blob(id: 3, storeCost: 10))
        _ = store.get("a")
        _ = store.peek("b")
        store.set("d", Blob(id: 4, storeCost: 10))
        #expect(store.peek("b") == nil)
        #expect(store.peek("a") != nil && store.peek("c") != nil && store.peek("d") != nil)
        #expect(store.stats.evictions == 1)
    }

    @Test("update adds, replaces and removes with costs re-accounted")
    func updateAccounting() {
        let store = MemoryStore<String, Blob>(capacityBytes: 100, maxObjectBytes: 60, shards: 1, policy: .s3fifo)
        let added = store.update("k") { current in
            #expect(current == nil)
            return Blob(id: 1, storeCost: 20)
        }
        #expect(added?.id == 1)
        #expect(store.stats.bytes == 20)
        store.update("k") { current in Blob(id: (current?.id ?? 0) + 1, storeCost: 50) }
        #expect(store.peek("k")?.id == 2)
        #expect(store.stats.bytes == 50)
        #expect(store.stats.entries == 1)
        let tooBig = store.update("k") { _ in Blob(id: 3, storeCost: 61) }
        #expect(tooBig == nil)
        #expect(store.peek("k") == nil)
        #expect(store.stats.bytes == 0)
        store.set("k", Blob(id: 4, storeCost: 10))
        #expect(store.update("k") { _ in nil } == nil)
        #expect(store.stats.entries == 0 && store.stats.bytes == 0)
    }

    @Test("update evicts other entries to make room for a grown value")
    func updateEvicts() {
        let store = MemoryStore<Int, Blob>(capacityBytes: 100, maxObjectBytes: 100, shards: 1, policy: .lru)
        for key in 0..<5 { store.set(key, Blob(id: key, storeCost: 20)) }
        store.update(4) { _ in Blob(id: 4, storeCost: 60) }
        let stats = store.stats
        #expect(stats.bytes <= 100)
        #expect(store.peek(4)?.storeCost == 60)
        #expect(stats.evictions == 2)
    }

    @Test("removeAll(where:) removes exactly the matching entries in every shard")
    func removeAllWhere() {
        let store = MemoryStore<String, Blob>(capacityBytes: 100_000, maxObjectBytes: 1000, shards: 8)
        for index in 0..<100 { store.set("img/\(index)", Blob(id: index, storeCost: 10)) }
        for index in 0..<50 { store.set("css/\(index)", Blob(id: index, storeCost: 10)) }
        let removed = store.removeAll { key, _ in key.hasPrefix("img/") }
        #expect(removed == 100)
        #expect(store.stats.entries == 50)
        #expect(store.stats.bytes == 500)
        #expect(store.peek("css/7") != nil)
        store.removeAll()
        #expect(store.stats.entries == 0 && store.stats.bytes == 0)
    }

    @Test("stats count hits, misses and inserts; peek counts nothing")
    func statsCounting() {
        let store = MemoryStore<String, Blob>(capacityBytes: 1000, maxObjectBytes: 1000, shards: 2)
        store.set("a", Blob(id: 1, storeCost: 10))
        store.set("a", Blob(id: 2, storeCost: 10))
        _ = store.get("a")
        _ = store.get("a")
        _ = store.get("zz")
        _ = store.peek("a")
        _ = store.peek("zz")
        #expect(store.stats == StoreStats(entries: 1, bytes: 10, capacityBytes: 1000, hits: 2, misses: 1, evictions: 0, inserts: 2))
    }

    @Test("a read inside the lock counts as an access: it keeps the entry from eviction, counts a hit, and tells found from what the read returned")
    func readInPlaceIsAnAccess() {
        let store = MemoryStore<String, Blob>(capacityBytes: 20, maxObjectBytes: 20, shards: 1, policy: .lru)
        store.set("a", Blob(id: 1, storeCost: 10))
        store.set("b", Blob(id: 2, storeCost: 10))
        let read = store.get("a") { $0.id }
        #expect(read.found && read.result == 1)
        let declined = store.get("b") { _ -> Int? in nil }
        #expect(declined.found && declined.result == nil, "stored, though the read took nothing from it")
        #expect(!store.get("zz") { $0.id }.found)
        // "b" was read last, then "a" again: "a" is the most recent, so "b" goes for "c".
        _ = store.get("a") { $0.id }
        store.set("c", Blob(id: 3, storeCost: 10))
        #expect(store.peek("a") != nil && store.peek("b") == nil)
        #expect(store.stats.hits == 3 && store.stats.misses == 1)
    }

    @Test("concurrent access from many tasks keeps bytes equal to the sum of live costs", arguments: EvictionPolicyKind.allCases)
    func concurrentAccounting(policy: EvictionPolicyKind) async {
        let store = MemoryStore<Int, Blob>(capacityBytes: 50_000, maxObjectBytes: 2_000, shards: 4, policy: policy)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var rng = SplitMix(seed: UInt64(worker))
                    for step in 0..<5_000 {
                        let key = Int(rng.next() % 1000)
                        switch rng.next() % 5 {
                        case 0: _ = store.remove(key)
                        case 1: store.update(key) { old in Blob(id: (old?.id ?? 0) + 1, storeCost: 100 + step % 500) }
                        case 2: store.set(key, Blob(id: step, storeCost: Int(rng.next() % 1500)))
                        default: _ = store.get(key)
                        }
                    }
                }
            }
        }
        var live = 0
        var entries = 0
        for key in 0..<1000 {
            if let value = store.peek(key) {
                live += value.storeCost
                entries += 1
            }
        }
        let stats = store.stats
        #expect(stats.bytes == live)
        #expect(stats.entries == entries)
        #expect(stats.bytes <= 50_000)
        #expect(stats.hits + stats.misses > 0)
    }
}
