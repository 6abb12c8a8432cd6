/// A snapshot of a `MemoryStore`'s counters, summed over its shards.
public struct StoreStats: Sendable, Equatable {
    /// Live entries.
    public var entries: Int
    /// Sum of `storeCost` of live entries.
    public var bytes: Int
    public var capacityBytes: Int
    /// `get` calls that found the key.
    public var hits: Int
    /// `get` calls that did not.
    public var misses: Int
    /// Entries removed to make room (not explicit removals or replacements).
    public var evictions: Int
    /// Values written by `set` or `update`, replacements included.
    public var inserts: Int

    public init(entries: Int = 0, bytes: Int = 0, capacityBytes: Int = 0, hits: Int = 0, misses: Int = 0, evictions: Int = 0, inserts: Int = 0) {
        self.entries = entries
        self.bytes = bytes
        self.capacityBytes = capacityBytes
        self.hits = hits
        self.misses = misses
        self.evictions = evictions
        self.inserts = inserts
    }
}
