/// S3-FIFO eviction (Yang et al., SOSP '23), byte-weighted.
///
/// New entries go to a small FIFO (~10% of bytes). Its tail is either promoted to the main FIFO
/// (when it was read while in small) or evicted and remembered in a ghost FIFO of key hashes.
/// A key found in the ghost skips small and goes straight to main. The main FIFO gives entries
/// with a non-zero 2-bit counter another lap (decrementing it) and evicts the rest. One-hit
/// wonders thus leave quickly and never displace entries that are read again.
@usableFromInline final class S3FIFOPolicy<Key: Hashable, Value>: EvictionPolicy {
    @usableFromInline let capacityBytes: Int
    /// Bytes the small queue may hold before eviction takes from it first.
    @usableFromInline let smallTargetBytes: Int
    /// Bytes of recently evicted entries the ghost remembers (the size of main, as in the paper).
    @usableFromInline let ghostCapacityBytes: Int

    @usableFromInline typealias Arena = EntryArena<Key, Value>
    @usableFromInline var arena = Arena()
    @usableFromInline var small = Arena.List()
    @usableFromInline var main = Arena.List()
    @usableFromInline var ghost = GhostQueue()

    @inlinable static var smallID: UInt8 { 0 }
    @inlinable static var mainID: UInt8 { 1 }
    @inlinable static var maxFrequency: UInt8 { 3 }

    /// - Parameter smallFraction: share of `capacityBytes` for the small queue; 0.1 per the paper.
    @inlinable init(capacityBytes: Int, smallFraction: Double = 0.1) {
        let capacity = max(0, capacityBytes)
        self.capacityBytes = capacity
        let fraction = min(max(smallFraction, 0), 1)
        self.smallTargetBytes = Int((Double(capacity) * fraction).rounded(.up))
        self.ghostCapacityBytes = max(capacity - smallTargetBytes, 1)
    }

    @inlinable var bytes: Int { small.bytes + main.bytes }
    @inlinable var count: Int { arena.count }
    @inlinable var entries: [(Key, Value)] { arena.entries }

    /// Keys of the small queue, newest first.
    @inlinable var smallKeys: [Key] { arena.keys(of: small) }
    /// Keys of the main queue, newest first.
    @inlinable var mainKeys: [Key] { arena.keys(of: main) }
    /// True if `key` was evicted from small recently enough to be re-admitted into main.
    @inlinable func ghostContains(_ key: Key) -> Bool { ghost.contains(key.hashValue) }

    /// Records an access to `key`; its slot, or nil when it is not stored.
    @inlinable func touch(_ key: Key) -> Int32? {
        guard let slot = arena.slot(of: key) else { return nil }
        let frequency = arena.frequency(at: slot)
        if frequency < Self.maxFrequency { arena.setFrequency(frequency + 1, at: slot) }
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
        // A replaced entry keeps its queue and counter; it is unlinked first so that making
        // room can never evict it.
        var listID = Self.smallID
        var frequency: UInt8 = 0
        if let slot = arena.slot(of: key) {
            listID = arena.list(at: slot)
            frequency = arena.frequency(at: slot)
            unlink(slot)
            _ = arena.free(slot)
        } else if ghost.remove(key.hashValue) {
            listID = Self.mainID
        }
        var evicted = 0
        while bytes + cost > capacityBytes, evictOne() { evicted += 1 }
        let slot = arena.allocate(key: key, value: value, cost: cost, list: listID)
        arena.setFrequency(frequency, at: slot)
        if listID == Self.mainID {
            arena.pushHead(slot, into: &main, id: Self.mainID)
        } else {
            arena.pushHead(slot, into: &small, id: Self.smallID)
        }
        return evicted
    }

    @inlinable func remove(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        unlink(slot)
        return arena.free(slot)
    }

    @inlinable func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows -> Int {
        var removed = 0
        for head in [small.head, main.head] {
            var slot = head
            while slot != Arena.none {
                let next = arena.nodes[Int(slot)].next
                if let key = arena.key(at: slot), let value = arena.value(at: slot), try shouldRemove(key, value) {
                    unlink(slot)
                    _ = arena.free(slot)
                    removed += 1
                }
                slot = next
            }
        }
        return removed
    }

    @inlinable func removeAll() {
        arena.removeAll()
        small = Arena.List()
        main = Arena.List()
        ghost = GhostQueue()
    }

    @inlinable func unlink(_ slot: Int32) {
        if arena.list(at: slot) == Self.mainID {
            arena.unlink(slot, from: &main)
        } else {
            arena.unlink(slot, from: &small)
        }
    }

    /// Runs eviction steps until one entry leaves the cache; false if there is nothing to evict.
    /// Promotions and reinsertions only move entries, so they loop; each lowers a counter or
    /// empties small, so the loop ends.
    @inlinable func evictOne() -> Bool {
        while small.count > 0 || main.count > 0 {
            if main.count == 0 || (small.bytes >= smallTargetBytes && small.count > 0) {
                let slot = small.tail
                arena.unlink(slot, from: &small)
                if arena.frequency(at: slot) > 0 {
                    arena.setFrequency(0, at: slot)
                    arena.pushHead(slot, into: &main, id: Self.mainID)
                } else {
                    if let key = arena.key(at: slot) {
                        ghost.append(key.hashValue, cost: max(arena.cost(at: slot), 1), capacity: ghostCapacityBytes)
                    }
                    _ = arena.free(slot)
                    return true
                }
            } else {
                let slot = main.tail
                let frequency = arena.frequency(at: slot)
                arena.unlink(slot, from: &main)
                if frequency > 0 {
                    arena.setFrequency(frequency - 1, at: slot)
                    arena.pushHead(slot, into: &main, id: Self.mainID)
                } else {
                    _ = arena.free(slot)
                    return true
                }
            }
        }
        return false
    }
}
