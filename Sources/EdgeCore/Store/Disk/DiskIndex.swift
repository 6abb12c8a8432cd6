/// What the node keeps in memory about the objects on disk: for each record (by the 64-bit hash of
/// its key, which names its file) its size and when it was last used, within a byte budget.
///
/// About 55 bytes an object as measured (`MemoryProbe 1000000 disk-index`): one dictionary entry
/// (8-byte hash, 12-byte value) and one 8-byte slot, with the dictionary's slack, and 4 bytes of
/// popularity sketch. Eviction is
/// approximate LRU (the oldest of a few sampled entries goes, as Redis does), so no list needs
/// relinking on every hit. Once the budget is full, a new record must earn its place (`admits`).
/// Not thread-safe: its owner locks it.
public struct DiskIndex: Sendable {
    struct Entry: Sendable {
        /// The entry's place in `slots`, with `verifiedBit` set once the record's body has been
        /// checked against its checksum since the node started (or this node wrote it): later reads
        /// check only its head. One word for both keeps an entry at 12 bytes.
        private var slotAndFlag: UInt32
        var size: UInt32
        var lastUse: UInt32

        static let verifiedBit: UInt32 = 1 << 31

        init(slot: UInt32, size: UInt32, lastUse: UInt32, verified: Bool) {
            slotAndFlag = slot | (verified ? Self.verifiedBit : 0)
            self.size = size
            self.lastUse = lastUse
        }

        var slot: UInt32 {
            get { slotAndFlag & ~Self.verifiedBit }
            set { slotAndFlag = newValue | (slotAndFlag & Self.verifiedBit) }
        }

        var verified: Bool {
            get { slotAndFlag & Self.verifiedBit != 0 }
            set { slotAndFlag = slot | (newValue ? Self.verifiedBit : 0) }
        }
    }

    private var entries: [UInt64: Entry] = [:]
    /// Every hash once, so an entry can be sampled in O(1).
    private var slots: [UInt64] = []
    private var clock: UInt32 = 0
    public private(set) var bytes = 0
    public let capacityBytes: Int
    private var sampler = SystemRandomNumberGenerator()
    /// How often each key was asked for lately (TinyLFU's count-min sketch, aged as it fills).
    private var frequencies: FrequencySketch

    /// - Parameter typicalObjectBytes: sizes the popularity sketch (one counter row per expected object).
    public init(capacityBytes: Int, typicalObjectBytes: Int = 16 << 10) {
        self.capacityBytes = capacityBytes
        frequencies = FrequencySketch(width: min(1 << 22, max(1024, capacityBytes / max(1, typicalObjectBytes))))
    }

    /// A lookup or a store of `hash`: its popularity counts towards admission.
    public mutating func recordAccess(_ hash: UInt64) {
        frequencies.increment(Int(truncatingIfNeeded: hash))
    }

    /// Whether a new record of `size` bytes should be written. Always while the budget has room; once
    /// it is full, only when the record has been asked for more often lately than the one it would
    /// push out (TinyLFU's admission), so that objects asked for once stop churning the disk.
    public mutating func admits(_ hash: UInt64, size: Int) -> Bool {
        guard entries[hash] == nil, bytes + size > capacityBytes, let victim = oldestOfSample(sparing: hash) else { return true }
        return frequencies.frequency(Int(truncatingIfNeeded: hash)) > frequencies.frequency(Int(truncatingIfNeeded: victim))
    }

    public var count: Int { entries.count }

    public func contains(_ hash: UInt64) -> Bool {
        entries[hash] != nil
    }

    /// Records an object of `size` bytes (replacing one with the same hash); returns the hashes to evict
    /// so that the index stays within its budget, oldest first, already removed from the index.
    public mutating func insert(_ hash: UInt64, size: Int, verified: Bool = false) -> [UInt64] {
        clock &+= 1
        let clamped = UInt32(clamping: size)
        if let existing = entries[hash] {
            bytes += Int(clamped) - Int(existing.size)
            entries[hash] = Entry(slot: existing.slot, size: clamped, lastUse: clock, verified: verified)
        } else {
            entries[hash] = Entry(slot: UInt32(slots.count), size: clamped, lastUse: clock, verified: verified)
            slots.append(hash)
            bytes += Int(clamped)
        }
        var evicted: [UInt64] = []
        while bytes > capacityBytes, entries.count > 1, let victim = oldestOfSample(sparing: hash) {
            remove(victim)
            evicted.append(victim)
        }
        return evicted
    }

    /// Whether the record's body was checked since the start (see `Entry.verified`).
    /// Whether the index knows `hash`, and whether its body was checked this run: one lookup for both.
    public func state(_ hash: UInt64) -> (known: Bool, verified: Bool) {
        guard let entry = entries[hash] else { return (false, false) }
        return (true, entry.verified)
    }

    /// A read of a good record (a hit): it is the last to go and its body is known checked. False when
    /// the index does not know it.
    public mutating func noteHit(_ hash: UInt64) -> Bool {
        guard let place = entries.index(forKey: hash) else { return false }
        clock &+= 1
        entries.values[place].lastUse = clock
        entries.values[place].verified = true
        return true
    }

    public func isVerified(_ hash: UInt64) -> Bool {
        entries[hash]?.verified == true
    }

    @discardableResult
    public mutating func remove(_ hash: UInt64) -> Bool {
        guard let entry = entries.removeValue(forKey: hash) else { return false }
        bytes -= Int(entry.size)
        let last = slots.removeLast()
        if Int(entry.slot) < slots.count {
            slots[Int(entry.slot)] = last
            entries[last]?.slot = entry.slot
        }
        return true
    }

    /// The least recently used of up to 8 sampled entries, never `spared`.
    private mutating func oldestOfSample(sparing spared: UInt64) -> UInt64? {
        var oldest: (hash: UInt64, lastUse: UInt32)?
        for _ in 0..<min(8, slots.count) {
            let hash = slots[Int.random(in: 0..<slots.count, using: &sampler)]
            guard hash != spared, let entry = entries[hash] else { continue }
            // Ages compare across the clock's wrap as distances back from now.
            if let current = oldest, clock &- entry.lastUse <= clock &- current.lastUse { continue }
            oldest = (hash, entry.lastUse)
        }
        return oldest?.hash
    }
}
