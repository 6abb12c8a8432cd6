/// W-TinyLFU eviction (Einziger et al.), byte-weighted: a small LRU window (1% of bytes) in
/// front of a segmented LRU main (probation + protected, 80% of main). An entry leaving the
/// window enters main only if the frequency sketch says it is more popular than each main
/// entry it would displace.
@usableFromInline
final class TinyLFUPolicy<Key: Hashable, Value>: EvictionPolicy {
    @usableFromInline let capacityBytes: Int
    @usableFromInline let windowTargetBytes: Int
    @usableFromInline let mainCapacityBytes: Int
    @usableFromInline let protectedTargetBytes: Int

    @usableFromInline typealias Arena = EntryArena<Key, Value>
    @usableFromInline var arena = Arena()
    @usableFromInline var window = Arena.List()
    @usableFromInline var probation = Arena.List()
    @usableFromInline var protected = Arena.List()
    @usableFromInline var sketch = FrequencySketch(width: 1024)

    @usableFromInline static var windowID: UInt8 { 0 }
    @usableFromInline static var probationID: UInt8 { 1 }
    @usableFromInline static var protectedID: UInt8 { 2 }

    init(capacityBytes: Int, windowFraction: Double = 0.01) {
        let capacity = max(0, capacityBytes)
        self.capacityBytes = capacity
        let fraction = min(max(windowFraction, 0), 1)
        windowTargetBytes = Int((Double(capacity) * fraction).rounded(.up))
        mainCapacityBytes = capacity - windowTargetBytes
        protectedTargetBytes = mainCapacityBytes * 4 / 5
    }

    @inlinable var bytes: Int { window.bytes + probation.bytes + protected.bytes }
    @inlinable var count: Int { arena.count }
    var entries: [(Key, Value)] { arena.entries }

    /// Records an access to `key`; its slot, or nil when it is not stored.
    @inlinable
    func touch(_ key: Key) -> Int32? {
        sketch.increment(key.hashValue)
        guard let slot = arena.slot(of: key) else { return nil }
        switch arena.list(at: slot) {
        case Self.windowID:
            arena.unlink(slot, from: &window)
            arena.pushHead(slot, into: &window, id: Self.windowID)
        case Self.probationID:
            arena.unlink(slot, from: &probation)
            arena.pushHead(slot, into: &protected, id: Self.protectedID)
            while protected.bytes > protectedTargetBytes, protected.tail != slot {
                let demoted = protected.tail
                arena.unlink(demoted, from: &protected)
                arena.pushHead(demoted, into: &probation, id: Self.probationID)
            }
        default:
            arena.unlink(slot, from: &protected)
            arena.pushHead(slot, into: &protected, id: Self.protectedID)
        }
        return slot
    }

    @inlinable func get(_ key: Key) -> Value? {
        touch(key).flatMap { arena.value(at: $0) }
    }

    @inlinable
    func peek(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        return arena.value(at: slot)
    }

    @inlinable
    func set(_ key: Key, _ value: Value, cost: Int) -> Int? {
        let cost = max(0, cost)
        guard cost <= capacityBytes else { return nil }
        if let slot = arena.slot(of: key) {
            unlink(slot)
            _ = arena.free(slot)
        }
        if arena.count > sketch.width { sketch = FrequencySketch(width: arena.count * 2) }
        let slot = arena.allocate(key: key, value: value, cost: cost, list: Self.windowID)
        arena.pushHead(slot, into: &window, id: Self.windowID)
        var evicted = 0
        while window.bytes > windowTargetBytes, window.tail != Arena.none {
            let candidate = window.tail
            arena.unlink(candidate, from: &window)
            arena.pushHead(candidate, into: &probation, id: Self.probationID)
            evicted += admit(candidate)
        }
        return evicted
    }

    /// Whether `key` would win its place now: there is room, or the sketch says it is asked for more
    /// often than the entry it would push out (the rule `admit` applies as it leaves the window).
    @inlinable
    func wouldAdmit(_ key: Key, cost: Int) -> Bool {
        guard cost <= capacityBytes else { return false }
        // Everything passes on from the window into main: room means room in main.
        if bytes + max(0, cost) <= mainCapacityBytes { return true }
        var victim = probation.tail
        if victim == Arena.none { victim = protected.tail }
        guard victim != Arena.none, let victimKey = arena.key(at: victim) else { return true }
        return sketch.frequency(key.hashValue) > sketch.frequency(victimKey.hashValue)
    }

    /// Makes room in main for `candidate` (already at probation's head) or evicts it.
    @inlinable
    func admit(_ candidate: Int32) -> Int {
        var evicted = 0
        guard let candidateKey = arena.key(at: candidate) else { return 0 }
        let candidateFrequency = sketch.frequency(candidateKey.hashValue)
        while probation.bytes + protected.bytes > mainCapacityBytes {
            var victim = probation.tail
            if victim == candidate || victim == Arena.none { victim = protected.tail }
            if victim == Arena.none || victim == candidate {
                break
            }
            let victimFrequency = arena.key(at: victim).map { sketch.frequency($0.hashValue) } ?? 0
            let loser = candidateFrequency > victimFrequency ? victim : candidate
            unlink(loser)
            _ = arena.free(loser)
            evicted += 1
            if loser == candidate { break }
        }
        return evicted
    }

    @inlinable
    func remove(_ key: Key) -> Value? {
        guard let slot = arena.slot(of: key) else { return nil }
        unlink(slot)
        return arena.free(slot)
    }

    func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows -> Int {
        var removed = 0
        for (key, value) in arena.entries where try shouldRemove(key, value) {
            if remove(key) != nil { removed += 1 }
        }
        return removed
    }

    func removeAll() {
        arena.removeAll()
        window = Arena.List()
        probation = Arena.List()
        protected = Arena.List()
    }

    @inlinable
    func unlink(_ slot: Int32) {
        switch arena.list(at: slot) {
        case Self.windowID: arena.unlink(slot, from: &window)
        case Self.probationID: arena.unlink(slot, from: &probation)
        default: arena.unlink(slot, from: &protected)
        }
    }
}
