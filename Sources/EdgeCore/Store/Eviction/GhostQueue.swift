/// FIFO of key hashes recently evicted from S3-FIFO's small queue, bounded by the bytes
/// the evicted entries used to cost. Holds no values; a hash collision only means one extra
/// entry is admitted straight into main, which is harmless.
@usableFromInline struct GhostQueue {
    @usableFromInline struct Record {
        @usableFromInline var hash: Int
        @usableFromInline var cost: Int
        @usableFromInline var sequence: UInt64

        @inlinable
        init(hash: Int, cost: Int, sequence: UInt64) {
            self.hash = hash
            self.cost = cost
            self.sequence = sequence
        }
    }

    @usableFromInline var records: [Record] = []
    @usableFromInline var first = 0
    @usableFromInline var bytes = 0
    @usableFromInline var nextSequence: UInt64 = 0
    /// hash -> sequence of its newest record; older records of the same hash are stale.
    @usableFromInline var live: [Int: UInt64] = [:]

    @inlinable init() {}

    @inlinable var count: Int { live.count }

    @inlinable func contains(_ hash: Int) -> Bool { live[hash] != nil }

    @inlinable mutating func append(_ hash: Int, cost: Int, capacity: Int) {
        let record = Record(hash: hash, cost: cost, sequence: nextSequence)
        nextSequence &+= 1
        records.append(record)
        live[hash] = record.sequence
        bytes += cost
        while bytes > capacity, first < records.count {
            let old = records[first]
            first += 1
            bytes -= old.cost
            if live[old.hash] == old.sequence { live[old.hash] = nil }
        }
        // Compact once the consumed prefix dominates, keeping appends amortised O(1).
        if first > 1024, first * 2 > records.count {
            records.removeFirst(first)
            first = 0
        }
    }

    /// Forgets `hash`; returns whether it was there. Its record stays queued but is now stale.
    @inlinable mutating func remove(_ hash: Int) -> Bool {
        live.removeValue(forKey: hash) != nil
    }
}
