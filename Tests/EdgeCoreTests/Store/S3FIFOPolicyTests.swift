import Testing
@testable import EdgeCore

@Suite("S3FIFOPolicy")
struct S3FIFOPolicyTests {
    @Test("new entries enter the small queue")
    func newEntriesGoToSmall() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 100)
        _ = cache.set(1, 1, cost: 10)
        #expect(cache.smallKeys == [1])
        #expect(cache.mainKeys.isEmpty)
    }

    @Test("one-hit wonders are evicted before entries that were read again")
    func oneHitWondersLeaveFirst() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 100)
        for key in 0..<10 { _ = cache.set(key, key, cost: 10) }
        // Keys 0...4 are read again; 5...9 are one-hit wonders.
        for key in 0..<5 { _ = cache.get(key) }
        for key in 100..<105 { _ = cache.set(key, key, cost: 10) }
        for key in 0..<5 { #expect(cache.peek(key) == key, "reused key \(key) was evicted") }
        for key in 5..<10 { #expect(cache.peek(key) == nil, "one-hit wonder \(key) survived") }
        #expect(Set(cache.mainKeys) == Set(0..<5))
        #expect(cache.bytes <= 100)
    }

    @Test("a key evicted from small and seen again is admitted straight into main")
    func ghostReadmitsToMain() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 100)
        for key in 0..<10 { _ = cache.set(key, key, cost: 10) }
        _ = cache.set(10, 10, cost: 10)
        #expect(cache.peek(0) == nil)
        #expect(cache.ghostContains(0))
        _ = cache.set(0, 0, cost: 10)
        #expect(cache.mainKeys == [0])
        #expect(!cache.ghostContains(0))
        _ = cache.set(50, 50, cost: 10)
        #expect(cache.smallKeys.first == 50)
    }

    @Test("main gives read entries another lap and evicts unread ones first")
    func mainReinsertsReadEntries() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 40, smallFraction: 0.25)
        for key in 0..<3 {
            _ = cache.set(key, key, cost: 10)
            _ = cache.get(key)
        }
        // Making room for 11 promotes the read keys 0...2 into main and sends 10 to the ghost.
        for key in 10..<12 { _ = cache.set(key, key, cost: 10) }
        #expect(cache.mainKeys == [2, 1, 0])
        #expect(cache.ghostContains(10))
        // 0 is at main's tail; a read gives it another lap instead of being evicted first.
        _ = cache.get(0)
        // 10 and 11 come back from the ghost into main; main must then evict.
        for key in 10..<13 { _ = cache.set(key, key, cost: 10) }
        #expect(cache.peek(0) == 0)
        #expect(cache.peek(1) == nil && cache.peek(2) == nil)
        #expect(cache.bytes <= 40)
    }

    @Test("byte capacity holds with mixed sizes and replacements")
    func capacityHoldsWithMixedSizes() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 1000)
        var rng = SplitMix(seed: 7)
        for step in 0..<5000 {
            let key = Int(rng.next() % 200)
            if step % 3 == 0 { _ = cache.get(key) }
            _ = cache.set(key, step, cost: Int(rng.next() % 300))
            #expect(cache.bytes <= 1000)
        }
        let live = cache.entries.count
        #expect(live == cache.count)
    }

    @Test("an entry larger than the capacity is refused")
    func refusesOversize() {
        let cache = S3FIFOPolicy<Int, Int>(capacityBytes: 100)
        #expect(cache.set(1, 1, cost: 101) == nil)
        #expect(cache.count == 0)
    }
}

/// Tiny deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
