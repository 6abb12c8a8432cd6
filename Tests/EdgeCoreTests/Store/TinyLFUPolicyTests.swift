import Testing
@testable import EdgeCore

@Suite("TinyLFUPolicy")
struct TinyLFUPolicyTests {
    @Test("a new entry read less often than main's entries is not admitted")
    func rarelyReadCandidateIsRejected() {
        let cache = TinyLFUPolicy<Int, Int>(capacityBytes: 100, windowFraction: 0.1)
        for key in 0..<10 {
            _ = cache.set(key, key, cost: 10)
            for _ in 0..<3 { _ = cache.get(key) }
        }
        for key in 100..<120 { _ = cache.set(key, key, cost: 10) }
        let survivors = (0..<10).filter { cache.peek($0) != nil }
        #expect(survivors.count >= 9, "popular keys were displaced by one-hit wonders: \(survivors)")
        #expect(cache.bytes <= 100)
    }

    @Test("a new entry read more often than main's victim is admitted")
    func frequentCandidateIsAdmitted() {
        let cache = TinyLFUPolicy<Int, Int>(capacityBytes: 100, windowFraction: 0.1)
        for key in 0..<10 { _ = cache.set(key, key, cost: 10) }
        for _ in 0..<5 { _ = cache.get(500) }
        _ = cache.set(500, 500, cost: 10)
        _ = cache.set(501, 501, cost: 10)
        #expect(cache.peek(500) == 500)
        #expect(cache.bytes <= 100)
    }

    @Test("admission asked before a value is made: yes while main has room, then only for keys read more often than the victim")
    func wouldAdmitAsksTheSameRule() {
        let cache = TinyLFUPolicy<Int, Int>(capacityBytes: 100, windowFraction: 0.1)
        #expect(cache.wouldAdmit(1, cost: 10))
        #expect(!cache.wouldAdmit(1, cost: 101), "more than the whole capacity never fits")
        for key in 0..<10 {
            _ = cache.set(key, key, cost: 10)
            for _ in 0..<3 { _ = cache.get(key) }
        }
        #expect(!cache.wouldAdmit(200, cost: 10), "a key never read would push out one read four times")
        for _ in 0..<8 { _ = cache.get(300) }
        #expect(cache.wouldAdmit(300, cost: 10), "a key read more often than the victim is let in")
        // Asking changes nothing.
        #expect(cache.peek(300) == nil)
        #expect((0..<10).allSatisfy { cache.peek($0) != nil })
    }

    @Test("byte capacity holds with mixed sizes and replacements")
    func capacityHoldsWithMixedSizes() {
        let cache = TinyLFUPolicy<Int, Int>(capacityBytes: 1000)
        var rng = SplitMix(seed: 11)
        for step in 0..<5000 {
            let key = Int(rng.next() % 200)
            if step % 2 == 0 { _ = cache.get(key) }
            _ = cache.set(key, step, cost: Int(rng.next() % 300))
            #expect(cache.bytes <= 1000)
        }
        #expect(cache.entries.count == cache.count)
    }

    @Test("the sketch counts accesses, halves them when aged, and ages after its sample period")
    func sketchCountsAndAges() {
        var sketch = FrequencySketch(width: 1024)
        for _ in 0..<6 { sketch.increment(42) }
        #expect(sketch.frequency(42) == 6)
        #expect(sketch.frequency(7) == 0)
        sketch.age()
        #expect(sketch.frequency(42) == 3)
        var steps = 0
        var previous = sketch.additions
        while steps <= sketch.samplePeriod {
            sketch.increment(10_000 + steps)
            steps += 1
            if sketch.additions < previous { break }
            previous = sketch.additions
        }
        #expect(steps <= sketch.samplePeriod, "no aging within one sample period")
    }
}
