import Synchronization

/// A thread-safe in-memory store bounded in bytes, split into shards that each have their own
/// lock and eviction policy.
///
/// Closures passed to `update` and `removeAll(where:)` run while a shard lock is held: they must
/// be quick and must not call back into the same store.
public final class MemoryStore<Key: Hashable & Sendable, Value: Sendable & StoreCost>: Sendable {
    // Sendable without @unchecked: every mutable thing lives inside a Mutex.
    private let shards: [Shard]
    private let maxObjectBytes: Int
    public let policy: EvictionPolicyKind

    /// - Parameters:
    ///   - capacityBytes: total budget, split evenly over the shards.
    ///   - maxObjectBytes: larger values are refused by `set`. A value must also fit in one shard.
    ///   - shards: number of independently locked partitions (at least 1).
    ///   - policy: eviction policy of every shard.
    public init(capacityBytes: Int, maxObjectBytes: Int, shards: Int = 16, policy: EvictionPolicyKind = .s3fifo) {
        let shardCount = max(1, shards)
        let capacity = max(0, capacityBytes)
        self.shards = (0..<shardCount).map { index in
            let share = capacity / shardCount + (index < capacity % shardCount ? 1 : 0)
            return Shard(capacityBytes: share, policy: policy)
        }
        self.maxObjectBytes = max(0, maxObjectBytes)
        self.policy = policy
    }

    /// The value for `key`, recorded as an access by the eviction policy.
    public func get(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in
            let value = state.policy.get(key)
            if value == nil { state.misses += 1 } else { state.hits += 1 }
            return value
        }
    }

    /// The value for `key`, without counting an access or a hit/miss.
    public func peek(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in state.policy.peek(key) }
    }

    /// Stores `value` for `key`, replacing any previous one and evicting until it fits.
    /// - Returns: false (and stores nothing, leaving any previous value) when `value.storeCost`
    ///   exceeds `maxObjectBytes` or the capacity of a shard.
    @discardableResult
    public func set(_ key: Key, _ value: Value) -> Bool {
        let cost = value.storeCost
        guard cost <= maxObjectBytes else { return false }
        return shard(for: key).state.withLock { state in state.store(key, value, cost: cost) }
    }

    /// Removes `key`; returns the value it had.
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in state.policy.remove(key) }
    }

    /// Removes every entry for which `shouldRemove` is true; returns how many were removed.
    /// Locks one shard at a time, so the walk is not a single atomic snapshot.
    public func removeAll(where shouldRemove: (Key, Value) -> Bool) -> Int {
        var removed = 0
        for shard in shards {
            removed += shard.state.withLock { state in
                // Walks a snapshot: handing the caller's closure to the policy object would tie
                // the caller's isolation region to the lock-protected state.
                var count = 0
                for (key, value) in state.policy.entries where shouldRemove(key, value) {
                    _ = state.policy.remove(key)
                    count += 1
                }
                return count
            }
        }
        return removed
    }

    /// Empties the store. Counters other than entries and bytes are kept.
    public func removeAll() {
        for shard in shards {
            shard.state.withLock { state in state.policy.removeAll() }
        }
    }

    /// Atomically replaces the value for `key` with `body(current)`; `nil` removes it.
    /// A result that is too large is not stored and the key is removed.
    /// - Returns: the value now stored for `key`.
    @discardableResult
    public func update(_ key: Key, _ body: (Value?) -> Value?) -> Value? {
        shard(for: key).state.withLock { state in
            let current = state.policy.peek(key)
            guard let next = body(current) else {
                _ = state.policy.remove(key)
                return nil
            }
            let cost = next.storeCost
            guard cost <= maxObjectBytes, state.store(key, next, cost: cost) else {
                _ = state.policy.remove(key)
                return nil
            }
            return next
        }
    }

    /// Counters and sizes summed over shards; each shard is read under its own lock.
    public var stats: StoreStats {
        var total = StoreStats()
        for shard in shards {
            let part = shard.state.withLock { state in
                StoreStats(
                    entries: state.policy.count, bytes: state.policy.bytes, capacityBytes: state.policy.capacityBytes,
                    hits: state.hits, misses: state.misses, evictions: state.evictions, inserts: state.inserts
                )
            }
            total.entries += part.entries
            total.bytes += part.bytes
            total.capacityBytes += part.capacityBytes
            total.hits += part.hits
            total.misses += part.misses
            total.evictions += part.evictions
            total.inserts += part.inserts
        }
        return total
    }

    private func shard(for key: Key) -> Shard {
        // Fibonacci hashing spreads weak hashes; the modulo keeps any shard count valid.
        let mixed = UInt(bitPattern: key.hashValue) &* 0x9E37_79B9_7F4A_7C15
        return shards[Int((mixed >> 16) % UInt(shards.count))]
    }

    private final class Shard: Sendable {
        let state: Mutex<ShardState>

        init(capacityBytes: Int, policy: EvictionPolicyKind) {
            state = Mutex(ShardState(capacityBytes: capacityBytes, kind: policy))
        }
    }

    private struct ShardState {
        let policy: any EvictionPolicy<Key, Value>
        var hits = 0
        var misses = 0
        var evictions = 0
        var inserts = 0

        init(capacityBytes: Int, kind: EvictionPolicyKind) {
            switch kind {
            case .lru: policy = LRUPolicy<Key, Value>(capacityBytes: capacityBytes)
            case .s3fifo: policy = S3FIFOPolicy<Key, Value>(capacityBytes: capacityBytes)
            }
        }

        mutating func store(_ key: Key, _ value: Value, cost: Int) -> Bool {
            guard let evicted = policy.set(key, value, cost: cost) else { return false }
            evictions += evicted
            inserts += 1
            return true
        }
    }
}
