/// One shard's entries plus the rule that picks what to evict, bounded in bytes.
///
/// Policies are not thread-safe: `MemoryStore` keeps each one behind its shard's mutex.
/// They are classes so the shard can mutate them in place without copy-on-write.
protocol EvictionPolicy<Key, Value>: AnyObject {
    associatedtype Key: Hashable
    associatedtype Value

    var capacityBytes: Int { get }
    /// Sum of the costs of live entries; never above `capacityBytes` after `set` returns.
    var bytes: Int { get }
    var count: Int { get }

    /// Looks up and records an access.
    func get(_ key: Key) -> Value?
    /// Looks up without touching the policy's state.
    func peek(_ key: Key) -> Value?
    /// Inserts or replaces; returns how many entries were evicted, or nil when `cost` can never fit.
    /// A rejected `set` leaves any previous value for `key` in place.
    func set(_ key: Key, _ value: Value, cost: Int) -> Int?
    func remove(_ key: Key) -> Value?
    /// Every live entry, in no particular order.
    var entries: [(Key, Value)] { get }
    func removeAll(where shouldRemove: (Key, Value) throws -> Bool) rethrows -> Int
    func removeAll()
}
