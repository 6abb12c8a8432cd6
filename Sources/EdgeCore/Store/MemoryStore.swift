import Synchronization

/// A thread-safe in-memory store bounded in bytes, split into shards that each have their own
/// lock and eviction policy.
///
/// Closures passed to `get(_:_:)`, `update` and `removeAll(where:)` run while a shard lock is held:
/// they must be quick and must not call back into the same store.
public final class MemoryStore<Key: Hashable & Sendable, Value: Sendable & StoreCost>: Sendable {
    // Sendable without @unchecked: every mutable thing lives inside a Mutex.
    @usableFromInline let shards: [Shard]
    @usableFromInline let maxObjectBytes: Int
    /// The eviction policy every shard uses.
    public let policy: EvictionPolicyKind
    /// Told (under the shard's lock) of every key that leaves the store: evicted, removed or refused.
    @usableFromInline let onRemove: (@Sendable (Key) -> Void)?
    /// What a key costs beyond what its value's `storeCost` counts (its heap bytes), added to it.
    @usableFromInline let keyCost: (@Sendable (Key) -> Int)?

    /// - Parameters:
    ///   - capacityBytes: total budget, split evenly over the shards.
    ///   - maxObjectBytes: larger values are refused by `set`. A value must also fit in one shard.
    ///   - shards: number of independently locked partitions (at least 1).
    ///   - policy: eviction policy of every shard.
    ///   - onRemove: called under the shard's lock for every key that leaves the store (keeps an index
    ///     such as the purge index consistent with eviction); must be quick and not call into the store.
    ///   - keyCost: bytes a key holds beyond its value's `storeCost`, counted with it.
    public init(
        capacityBytes: Int, maxObjectBytes: Int, shards: Int = 16, policy: EvictionPolicyKind = .tinylfu,
        onRemove: (@Sendable (Key) -> Void)? = nil, keyCost: (@Sendable (Key) -> Int)? = nil
    ) {
        let shardCount = max(1, shards)
        let capacity = max(0, capacityBytes)
        self.shards = (0..<shardCount).map { index in
            let share = capacity / shardCount + (index < capacity % shardCount ? 1 : 0)
            return Shard(capacityBytes: share, policy: policy, recordsFrees: onRemove != nil)
        }
        self.onRemove = onRemove
        self.keyCost = keyCost
        self.maxObjectBytes = max(0, maxObjectBytes)
        self.policy = policy
    }

    /// The value for `key`, recorded as an access by the eviction policy.
    @inlinable
    public func get(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in
            let value = state.policy.get(key)
            if value == nil { state.misses += 1 } else { state.hits += 1 }
            return value
        }
    }

    /// `read` applied to the value for `key` inside the shard's lock (found: whether a value is
    /// stored, whatever `read` returns), recorded as an access: for a large value of which the
    /// caller needs a part, so that the whole is not copied out.
    @inlinable
    public func get<T: Sendable>(_ key: Key, _ read: (Value) -> T?) -> (found: Bool, result: T?) {
        withoutActuallyEscaping(read) { read in
            let reader = LockedRead(read: read)
            return shard(for: key).state.withLock { state in
                let answer = state.policy.get(key, reader.read)
                if answer.found { state.hits += 1 } else { state.misses += 1 }
                return answer
            }
        }
    }

    /// The value for `key`, without counting an access or a hit/miss.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in state.policy.peek(key) }
    }

    /// Stores `value` for `key`, replacing any previous one and evicting until it fits.
    /// - Returns: false (and stores nothing, leaving any previous value) when `value.storeCost`
    ///   exceeds `maxObjectBytes` or the capacity of a shard.
    @inlinable
    @discardableResult
    public func set(_ key: Key, _ value: Value) -> Bool {
        let cost = value.storeCost + (keyCost?(key) ?? 0)
        guard cost <= maxObjectBytes else { return false }
        return shard(for: key).state.withLock { state in
            defer { state.reportFreed(onRemove) }
            return state.store(key, value, cost: cost)
        }
    }

    /// Whether a value costing `cost` stored for `key` now would be kept by the eviction policy's
    /// admission, asked before the value is made: a lower tier promotes only what memory would keep.
    @inlinable
    public func wouldAdmit(_ key: Key, cost: Int) -> Bool {
        guard cost <= maxObjectBytes else { return false }
        return shard(for: key).state.withLock { $0.policy.wouldAdmit(key, cost: cost) }
    }

    /// Removes `key`; returns the value it had.
    @inlinable
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        shard(for: key).state.withLock { state in
            defer { state.reportFreed(onRemove) }
            return state.policy.remove(key)
        }
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
                for (key, value) in state.policy.base.entries where shouldRemove(key, value) {
                    _ = state.policy.remove(key)
                    count += 1
                }
                state.reportFreed(onRemove)
                return count
            }
        }
        return removed
    }

    /// Empties the store. Counters other than entries and bytes are kept.
    public func removeAll() {
        for shard in shards {
            shard.state.withLock { state in
                state.policy.base.removeAll()
                state.reportFreed(onRemove)
            }
        }
    }

    /// Atomically replaces the value for `key` with `body(current)`; `nil` removes it.
    /// A result that is too large is not stored and the key is removed.
    /// - Returns: the value now stored for `key`.
    @inlinable
    @discardableResult
    public func update(_ key: Key, _ body: (Value?) -> Value?) -> Value? {
        shard(for: key).state.withLock { state in
            defer { state.reportFreed(onRemove) }
            let current = state.policy.peek(key)
            guard let next = body(current) else {
                _ = state.policy.remove(key)
                return nil
            }
            let cost = next.storeCost + (keyCost?(key) ?? 0)
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
                    entries: state.policy.base.count, bytes: state.policy.base.bytes, capacityBytes: state.policy.base.capacityBytes,
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

    // The hot path is @inlinable so that clients get code specialised for their Key and Value;
    // unspecialised generic code spent most of a hit looking up type metadata.
    @inlinable
    func shard(for key: Key) -> Shard {
        // Fibonacci hashing spreads weak hashes; the modulo keeps any shard count valid.
        let mixed = UInt(bitPattern: key.hashValue) &* 0x9E37_79B9_7F4A_7C15
        return shards[Int((mixed >> 16) % UInt(shards.count))]
    }

    @usableFromInline
    final class Shard: Sendable {
        @usableFromInline let state: Mutex<ShardState>

        init(capacityBytes: Int, policy: EvictionPolicyKind, recordsFrees: Bool) {
            let shardState = ShardState(capacityBytes: capacityBytes, kind: policy)
            if recordsFrees { shardState.policy.recordFrees() }
            state = Mutex(shardState)
        }
    }

    @usableFromInline
    struct ShardState {
        @usableFromInline let policy: Policy
        @usableFromInline var hits = 0
        @usableFromInline var misses = 0
        @usableFromInline var evictions = 0
        @usableFromInline var inserts = 0

        init(capacityBytes: Int, kind: EvictionPolicyKind) {
            switch kind {
            case .lru: policy = .lru(LRUPolicy(capacityBytes: capacityBytes))
            case .s3fifo: policy = .s3fifo(S3FIFOPolicy(capacityBytes: capacityBytes))
            case .tinylfu: policy = .tinylfu(TinyLFUPolicy(capacityBytes: capacityBytes))
            }
        }

        /// Hands the keys freed since the last call to `onRemove`.
        @inlinable
        func reportFreed(_ onRemove: (@Sendable (Key) -> Void)?) {
            guard let onRemove else { return }
            // A policy may free and re-allocate a key it replaces: only keys now absent have left.
            for key in policy.takeFreedKeys() where policy.peek(key) == nil { onRemove(key) }
        }

        @inlinable
        mutating func store(_ key: Key, _ value: Value, cost: Int) -> Bool {
            guard let evicted = policy.set(key, value, cost: cost) else { return false }
            evictions += evicted
            inserts += 1
            return true
        }
    }

    /// Static dispatch to the shard's policy: a switch over concrete classes specialises and
    /// inlines, where an existential would not.
    @usableFromInline
    enum Policy {
        case lru(LRUPolicy<Key, Value>)
        case s3fifo(S3FIFOPolicy<Key, Value>)
        case tinylfu(TinyLFUPolicy<Key, Value>)

        /// TinyLFU's admission asked before a value is made (`MemoryStore.wouldAdmit`); the other
        /// policies admit everything.
        @inlinable
        func wouldAdmit(_ key: Key, cost: Int) -> Bool {
            switch self {
            case .tinylfu(let policy): policy.wouldAdmit(key, cost: cost)
            case .lru, .s3fifo: true
            }
        }

        /// For cold paths (stats, purges), where dynamic dispatch costs nothing that matters.
        var base: any EvictionPolicy<Key, Value> {
            switch self {
            case .lru(let policy): policy
            case .s3fifo(let policy): policy
            case .tinylfu(let policy): policy
            }
        }

        func recordFrees() {
            switch self {
            case .lru(let policy): policy.arena.recordsFrees = true
            case .s3fifo(let policy): policy.arena.recordsFrees = true
            case .tinylfu(let policy): policy.arena.recordsFrees = true
            }
        }

        @inlinable
        func takeFreedKeys() -> [Key] {
            func take(_ keys: inout [Key]) -> [Key] {
                guard !keys.isEmpty else { return [] }
                var taken: [Key] = []
                swap(&taken, &keys)
                return taken
            }
            switch self {
            case .lru(let policy): return take(&policy.arena.freedKeys)
            case .s3fifo(let policy): return take(&policy.arena.freedKeys)
            case .tinylfu(let policy): return take(&policy.arena.freedKeys)
            }
        }

        @inlinable
        func get(_ key: Key) -> Value? {
            switch self {
            case .lru(let policy): policy.get(key)
            case .s3fifo(let policy): policy.get(key)
            case .tinylfu(let policy): policy.get(key)
            }
        }

        @inlinable
        func get<T>(_ key: Key, _ read: (Value) -> T?) -> (found: Bool, result: T?) {
            switch self {
            case .lru(let policy): policy.touch(key).map { (true, policy.arena.read(at: $0, read)) } ?? (false, nil)
            case .s3fifo(let policy): policy.touch(key).map { (true, policy.arena.read(at: $0, read)) } ?? (false, nil)
            case .tinylfu(let policy): policy.touch(key).map { (true, policy.arena.read(at: $0, read)) } ?? (false, nil)
            }
        }

        @inlinable
        func peek(_ key: Key) -> Value? {
            switch self {
            case .lru(let policy): policy.peek(key)
            case .s3fifo(let policy): policy.peek(key)
            case .tinylfu(let policy): policy.peek(key)
            }
        }

        @inlinable
        func set(_ key: Key, _ value: Value, cost: Int) -> Int? {
            switch self {
            case .lru(let policy): policy.set(key, value, cost: cost)
            case .s3fifo(let policy): policy.set(key, value, cost: cost)
            case .tinylfu(let policy): policy.set(key, value, cost: cost)
            }
        }

        @inlinable
        func remove(_ key: Key) -> Value? {
            switch self {
            case .lru(let policy): policy.remove(key)
            case .s3fifo(let policy): policy.remove(key)
            case .tinylfu(let policy): policy.remove(key)
            }
        }
    }
}

/// A caller's closure run inside a shard's lock by `MemoryStore.get(_:_:)`.
///
/// `@unchecked Sendable` is safe because the closure never leaves the call that made the wrapper:
/// it runs synchronously, on the caller's thread, while the lock is held, and is dropped before the
/// call returns. The checker sees only that a caller's closure meets the shard's state.
@usableFromInline struct LockedRead<Value, Result>: @unchecked Sendable {
    @usableFromInline let read: (Value) -> Result?

    @inlinable init(read: @escaping (Value) -> Result?) { self.read = read }
}
