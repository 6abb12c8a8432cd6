/// Least-recently-used eviction, byte-weighted: every hit or write moves the entry to the
/// head; the tail is evicted until the new entry fits.
@usableFromInline final class LRUPolicy<Key: Hashable, Value>: EvictionPolicy {
    @usableFromInline let capacityBytes: Int
    @usableFromInline var arena = EntryArena<Key, Value>()
    @usableFromInline var list = EntryArena<Key, Value>.List()
    @inlinable static var listID: UInt8 { 0 }

    @inlinable init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    @inlinable var bytes: Int { list.bytes }
    @inlinable var count: Int { arena.count }
    @inlinable var entries: [(Key, Value)] { arena.entries }

    /// Keys from most to least recently used.
    @inlinable var keysByRecency: [Key] { arena.keys(of: list) }

    /// Records an access to `key`; its slot, or nil when it is not stored.
    @inlinable func touch(_ key: Key) -> Int32? {
        guard let slot = arena.slot(of: key) else { return nil }
        if list.head != slot {
            arena.unlink(slot, from: &list)
            arena.pushHead(slot, into: &list, id: Self.listID)
        }
        return slot
    }

    @inlinable func get(_ key: Key) -> Value? {
        touch(key).flatMap { arena.value(at: $0) }
    }

    @inlinable func peek(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        return arena.value(at: slot)
    }

    @inlinable func set(_ key: Key, _ value: Value, cost: Int) -> Int? {
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

    @inlinable func remove(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        arena.unlink(slot, from: &list)
        return arena.free(slot)
    }

    @inlinable func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows -> Int {
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

    @inlinable func removeAll() {
        arena.removeAll()
        list = EntryArena<Key, Value>.List()
    }

    /// The head is the entry just written, and it fits on its own, so the loop stops before it.
    @inlinable func evictToCapacity() -> Int {
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
