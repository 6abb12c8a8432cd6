/// Entries of one shard kept in flat arrays, linked into intrusive doubly linked lists by index.
///
/// Policies own one arena each; a slot index stays valid until the entry is freed, so lists can
/// move entries around without allocating. Freed slots are reused before the arrays grow.
///
/// Keys are found through an open-addressing table of slot numbers (linear probing, backward-shift
/// deletion) rather than a `[Key: Int32]`: the key lives once, in its node, and a bucket costs 4 bytes
/// instead of a key's size plus 4. With a million small objects cached that is ~80 bytes an object.
@usableFromInline struct EntryArena<Key: Hashable, Value> {
    /// Index meaning "no entry"; list ends and free slots point here.
    @inlinable static var none: Int32 { -1 }

    @usableFromInline struct Node {
        @usableFromInline var key: Key?
        @usableFromInline var value: Value?
        @usableFromInline var cost: Int
        @usableFromInline var prev: Int32
        @usableFromInline var next: Int32
        /// Saturating access counter, used by FIFO-with-reinsertion policies.
        @usableFromInline var frequency: UInt8
        /// Which list of the owning policy holds this node.
        @usableFromInline var list: UInt8
        /// The key's hash, truncated: where the table probes from, and a quick check before comparing keys.
        @usableFromInline var hash: UInt32

        @inlinable
        init(key: Key?, value: Value?, cost: Int, prev: Int32, next: Int32, frequency: UInt8, list: UInt8, hash: UInt32) {
            self.hash = hash
            self.key = key
            self.value = value
            self.cost = cost
            self.prev = prev
            self.next = next
            self.frequency = frequency
            self.list = list
        }
    }

    /// One intrusive list: `head` is the newest end, `tail` the oldest.
    @usableFromInline struct List {
        @usableFromInline var head: Int32 = EntryArena.none
        @usableFromInline var tail: Int32 = EntryArena.none
        @usableFromInline var bytes = 0
        @usableFromInline var count = 0

        @inlinable init() {}
    }

    @usableFromInline var nodes: [Node] = []
    @usableFromInline var freeSlots: [Int32] = []
    /// Slot of each live entry, `none` in empty buckets; the count is 0 or a power of two.
    @usableFromInline var buckets: [Int32] = []
    @usableFromInline var liveCount = 0
    /// Keys freed since the owner last took them; kept only when `recordsFrees` (for a purge index).
    @usableFromInline var freedKeys: [Key] = []
    @usableFromInline var recordsFrees = false

    @inlinable init() {}

    @inlinable var count: Int { liveCount }

    @inlinable static func hash(_ key: Key) -> UInt32 { UInt32(truncatingIfNeeded: key.hashValue) }

    @inlinable func slot(of key: Key) -> Int32? {
        guard !buckets.isEmpty else { return nil }
        let hash = Self.hash(key)
        let mask = buckets.count - 1
        var bucket = Int(hash) & mask
        while true {
            let slot = buckets[bucket]
            if slot == Self.none { return nil }
            if nodes[Int(slot)].hash == hash, nodes[Int(slot)].key == key { return slot }
            bucket = (bucket + 1) & mask
        }
    }

    /// Stores a new entry (the key must not be present) and returns its slot, unlinked.
    @inlinable mutating func allocate(key: Key, value: Value, cost: Int, list: UInt8) -> Int32 {
        // At most 3/4 full, so that probe runs stay short (before the node is written: a rehash
        // places every live node).
        if (liveCount + 1) * 4 > buckets.count * 3 { rehash(buckets: max(16, buckets.count * 2)) }
        let hash = Self.hash(key)
        let node = Node(key: key, value: value, cost: cost, prev: Self.none, next: Self.none, frequency: 0, list: list, hash: hash)
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            nodes[Int(slot)] = node
        } else {
            slot = Int32(nodes.count)
            nodes.append(node)
        }
        place(slot, hash: hash)
        liveCount += 1
        return slot
    }

    @inlinable mutating func place(_ slot: Int32, hash: UInt32) {
        let mask = buckets.count - 1
        var bucket = Int(hash) & mask
        while buckets[bucket] != Self.none { bucket = (bucket + 1) & mask }
        buckets[bucket] = slot
    }

    @usableFromInline mutating func rehash(buckets count: Int) {
        buckets = [Int32](repeating: Self.none, count: count)
        for slot in nodes.indices where nodes[slot].key != nil {
            place(Int32(slot), hash: nodes[slot].hash)
        }
    }

    /// Takes `slot` out of the table, moving later entries of its probe run back so none is cut off.
    @inlinable mutating func unplace(_ slot: Int32) {
        let mask = buckets.count - 1
        var hole = Int(nodes[Int(slot)].hash) & mask
        while buckets[hole] != slot { hole = (hole + 1) & mask }
        var next = hole
        while true {
            next = (next + 1) & mask
            let moving = buckets[next]
            if moving == Self.none { break }
            let home = Int(nodes[Int(moving)].hash) & mask
            // It may fill the hole when the hole lies between its home bucket and where it is now.
            if (next - home) & mask >= (next - hole) & mask {
                buckets[hole] = moving
                hole = next
            }
        }
        buckets[hole] = Self.none
    }

    /// Forgets the entry in `slot` (already unlinked) and returns its value.
    @inlinable mutating func free(_ slot: Int32) -> Value? {
        let i = Int(slot)
        if let key = nodes[i].key {
            unplace(slot)
            liveCount -= 1
            if recordsFrees { freedKeys.append(key) }
        }
        let value = nodes[i].value
        nodes[i].key = nil
        nodes[i].value = nil
        nodes[i].cost = 0
        freeSlots.append(slot)
        return value
    }

    @inlinable mutating func removeAll() {
        if recordsFrees { freedKeys.append(contentsOf: nodes.compactMap(\.key)) }
        nodes.removeAll()
        freeSlots.removeAll()
        buckets.removeAll()
        liveCount = 0
    }

    @inlinable func value(at slot: Int32) -> Value? { nodes[Int(slot)].value }
    /// `read` applied to the value at `slot` where it lies, instead of to a copy of it.
    @inlinable func read<T>(at slot: Int32, _ read: (Value) -> T?) -> T? { nodes[Int(slot)].value.flatMap(read) }
    @inlinable func key(at slot: Int32) -> Key? { nodes[Int(slot)].key }
    @inlinable func cost(at slot: Int32) -> Int { nodes[Int(slot)].cost }
    @inlinable func frequency(at slot: Int32) -> UInt8 { nodes[Int(slot)].frequency }
    @inlinable func list(at slot: Int32) -> UInt8 { nodes[Int(slot)].list }

    @inlinable mutating func setFrequency(_ frequency: UInt8, at slot: Int32) {
        nodes[Int(slot)].frequency = frequency
    }

    /// Replaces the value and cost of an entry that is currently unlinked.
    @inlinable mutating func replace(at slot: Int32, value: Value, cost: Int) {
        nodes[Int(slot)].value = value
        nodes[Int(slot)].cost = cost
    }

    /// Links `slot` at the head (newest end) of `list`.
    @inlinable mutating func pushHead(_ slot: Int32, into list: inout List, id: UInt8) {
        let i = Int(slot)
        nodes[i].prev = Self.none
        nodes[i].next = list.head
        nodes[i].list = id
        if list.head != Self.none { nodes[Int(list.head)].prev = slot }
        list.head = slot
        if list.tail == Self.none { list.tail = slot }
        list.bytes += nodes[i].cost
        list.count += 1
    }

    /// Unlinks `slot` from `list` (which must be the list holding it).
    @inlinable mutating func unlink(_ slot: Int32, from list: inout List) {
        let i = Int(slot)
        let prev = nodes[i].prev
        let next = nodes[i].next
        if prev != Self.none { nodes[Int(prev)].next = next } else { list.head = next }
        if next != Self.none { nodes[Int(next)].prev = prev } else { list.tail = prev }
        nodes[i].prev = Self.none
        nodes[i].next = Self.none
        list.bytes -= nodes[i].cost
        list.count -= 1
    }

    /// Every live entry, in slot order.
    @inlinable var entries: [(Key, Value)] {
        nodes.compactMap { node in
            guard let key = node.key, let value = node.value else { return nil }
            return (key, value)
        }
    }

    /// Keys of `list` from head (newest) to tail (oldest); for tests and debugging.
    @inlinable func keys(of list: List) -> [Key] {
        var result: [Key] = []
        var slot = list.head
        while slot != Self.none {
            if let key = nodes[Int(slot)].key { result.append(key) }
            slot = nodes[Int(slot)].next
        }
        return result
    }
}
