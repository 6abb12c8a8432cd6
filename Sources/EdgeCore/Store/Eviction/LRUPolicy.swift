/// Least-recently-used eviction, byte-weighted: every hit or write moves the entry to the
/// head; the tail is evicted until the new entry fits.
final class LRUPolicy<Key: Hashable, Value>: EvictionPolicy {
    let capacityBytes: Int
    private var arena = EntryArena<Key, Value>()
    private var list = EntryArena<Key, Value>.List()
    private static var listID: UInt8 { 0 }

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    var bytes: Int { list.bytes }
    var count: Int { arena.count }
    var entries: [(Key, Value)] { arena.entries }

    /// Keys from most to least recently used.
    var keysByRecency: [Key] { arena.keys(of: list) }

    func get(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        if list.head != slot {
            arena.unlink(slot, from: &list)
            arena.pushHead(slot, into: &list, id: Self.listID)
        }
        return arena.value(at: slot)
    }

    func peek(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        return arena.value(at: slot)
    }

    func set(_ key: Key, _ value: Value, cost: Int) -> Int? {
        let cost = max(0, cost)
        guard cost <= capacityBytes else { return nil }
        if let slot = arena.slot(of: key) {
            arena.unlink(slot, from: &list)
            arena.replace(at: slot, value: value, cost: cost)
            arena.pushHead(slot, into: &list, id: Self.listID)
        } else {
            let slot = arena.allocate(key: key, value: value, cost: cost, list: Self.listID)
            arena.pushHead(slot, into: &list, id: Self.listID)
        }
        return evictToCapacity()
    }

    func remove(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        arena.unlink(slot, from: &list)
        return arena.free(slot)
    }

    func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows -> Int {
        var removed = 0
        var slot = list.head
        while slot != EntryArena<Key, Value>.none {
            let next = arena.nodes[Int(slot)].next
            if let key = arena.key(at: slot), let value = arena.value(at: slot), try shouldRemove(key, value) {
                arena.unlink(slot, from: &list)
                _ = arena.free(slot)
                removed += 1
            }
            slot = next
        }
        return removed
    }

    func removeAll() {
        arena.removeAll()
        list = EntryArena<Key, Value>.List()
    }

    /// The head is the entry just written, and it fits on its own, so the loop stops before it.
    private func evictToCapacity() -> Int {
        var evicted = 0
        while list.bytes > capacityBytes, list.tail != list.head {
            let victim = list.tail
            arena.unlink(victim, from: &list)
            _ = arena.free(victim)
            evicted += 1
        }
        return evicted
    }
}
