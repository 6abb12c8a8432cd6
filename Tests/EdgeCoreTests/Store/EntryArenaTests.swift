import Testing
@testable import EdgeCore

/// A key whose hash the test chooses, so that many keys share home buckets and probe runs wrap.
private struct CollidingKey: Hashable {
    var id: Int
    var bucket: Int

    func hash(into hasher: inout Hasher) { hasher.combine(bucket) }
    static func == (a: CollidingKey, b: CollidingKey) -> Bool { a.id == b.id }
}

@Suite("EntryArena")
struct EntryArenaTests {
    @Test("its slot table finds every live key and no freed one through inserts, frees and growth")
    func slotTableMatchesADictionary() {
        var arena = EntryArena<CollidingKey, Int>()
        var reference: [CollidingKey: Int32] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let id = Int.random(in: 0..<600, using: &generator)
            let probe = CollidingKey(id: id, bucket: id % 7)
            if let slot = reference[probe] {
                #expect(arena.slot(of: probe) == slot)
                #expect(arena.free(slot) == id)
                reference[probe] = nil
            } else {
                #expect(arena.slot(of: probe) == nil)
                reference[probe] = arena.allocate(key: probe, value: id, cost: 1, list: 0)
            }
            if step % 997 == 0 {
                for (key, slot) in reference { #expect(arena.slot(of: key) == slot) }
            }
        }
        #expect(arena.count == reference.count)
        for (key, slot) in reference { #expect(arena.slot(of: key) == slot) }
    }

    @Test("removeAll forgets every key and records each as freed")
    func removeAllForgetsKeys() {
        var arena = EntryArena<Int, Int>()
        arena.recordsFrees = true
        for key in 0..<100 { _ = arena.allocate(key: key, value: key, cost: 1, list: 0) }
        arena.removeAll()
        #expect(arena.count == 0)
        #expect((0..<100).allSatisfy { arena.slot(of: $0) == nil })
        #expect(Set(arena.freedKeys) == Set(0..<100))
        _ = arena.allocate(key: 7, value: 7, cost: 1, list: 0)
        #expect(arena.slot(of: 7) != nil)
    }
}
