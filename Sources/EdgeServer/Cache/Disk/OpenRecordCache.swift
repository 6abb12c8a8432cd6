import Synchronization

/// Record files kept open between hits, so that a hit on a record read before costs one `pread`
/// instead of `openat2`, `fstat`, `pread` and `close` (nginx's `open_file_cache`, always on).
///
/// A record file never changes once renamed into place: a new response for the URL is a new file
/// renamed over it. So an open descriptor stays right until its path is unlinked or replaced, and
/// `DiskFiles` forgets the hash right after each `unlink` and `rename` of a record. A lookup that
/// opened a file before such a change must not put that (now stale) file in afterwards: every set
/// carries a version that each forget bumps, and a file is kept only if its set's version is the one
/// seen before the open.
///
/// Four-way set-associative, like a CPU cache: a hash has one set of four slots, the least recently
/// used of which a new file takes. Little to keep per hit, one lock held for a few loads and stores.
///
/// Descriptors are shared with connections, so the cache holds at most `allowance` files, which
/// `DescriptorBudget` moves with what the rest of the node uses: past it, a new file takes an
/// occupied slot of its set or is not kept, and a lower allowance closes files at once.
package final class OpenRecordCache: Sendable {
    private struct Slot {
        var hash: UInt64 = 0
        var file: OpenRecord?
        var lastUse: UInt32 = 0
    }

    /// What a lookup found, and what `keep` needs to put a file it then opened in.
    struct Lookup {
        let file: OpenRecord?
        /// Which set of slots the hash falls in.
        let set: Int
        fileprivate let version: UInt32
    }

    private struct State {
        var slots: [Slot]
        var versions: [UInt32]
        var clock: UInt32 = 0
        /// Files held now, and how many may be.
        var held = 0
        var allowance: Int
        /// The set `allow` closes files from next, so that files are taken from every set in turn.
        var shedCursor = 0
        /// False while another node may change records behind this one's back (`edge serve
        /// --upgrade`): nothing is kept or found then.
        var keeping = true
    }

    static let ways = 4
    /// Slots, a multiple of `ways`.
    let capacity: Int
    private let sets: Int
    private let state: Mutex<State>

    /// `capacity` slots (rounded up to a multiple of four), of which `allowance` (by default all) may
    /// hold a file; 0 keeps none.
    package init(capacity: Int, allowance: Int? = nil) {
        sets = (max(0, capacity) + Self.ways - 1) / Self.ways
        self.capacity = sets * Self.ways
        state = Mutex(State(slots: Array(repeating: Slot(), count: self.capacity), versions: Array(repeating: 0, count: sets),
                            allowance: min(self.capacity, max(0, allowance ?? self.capacity))))
    }

    /// Whether `slot` was used before `other`, on a clock that wraps.
    private static func isOlder(_ slot: Slot, than other: Slot) -> Bool {
        slot.lastUse &- other.lastUse > UInt32.max / 2
    }

    private func set(of hash: UInt64) -> Int {
        // FNV's low bits are weak: a multiplicative mix spreads them.
        Int(((hash &* 0x9E37_79B9_7F4A_7C15) >> 32) % UInt64(sets))
    }

    /// The open file of the record `hash`, if kept; nil when nothing may be kept now.
    func lookup(_ hash: UInt64) -> Lookup? {
        guard sets > 0 else { return nil }
        let set = set(of: hash)
        return state.withLock { state in
            guard state.keeping else { return nil }
            let first = set * Self.ways
            for index in first..<first + Self.ways where state.slots[index].hash == hash {
                guard let file = state.slots[index].file else { break }
                state.clock &+= 1
                state.slots[index].lastUse = state.clock
                return Lookup(file: file, set: set, version: state.versions[set])
            }
            return Lookup(file: nil, set: set, version: state.versions[set])
        }
    }

    /// Keeps `file`, opened for `hash` after `lookup` gave `seen`, unless the record changed since.
    func keep(_ file: OpenRecord, for hash: UInt64, seen: Lookup) {
        let replaced: OpenRecord? = state.withLock { state in
            guard state.keeping, state.versions[seen.set] == seen.version else { return nil }
            let first = seen.set * Self.ways
            var same: Int?
            var empty: Int?
            var oldest: Int?
            for index in first..<first + Self.ways {
                if state.slots[index].file == nil {
                    empty = empty ?? index
                } else if state.slots[index].hash == hash {
                    same = index
                    break
                } else if oldest.map({ Self.isOlder(state.slots[index], than: state.slots[$0]) }) ?? true {
                    oldest = index
                }
            }
            let chosen: Int
            if let same {
                chosen = same
            } else if let empty, state.held < state.allowance {
                chosen = empty
                state.held += 1
            } else if let oldest {
                // The set is full, or an empty slot would take a descriptor past the allowance.
                chosen = oldest
            } else {
                return file
            }
            state.clock &+= 1
            defer { state.slots[chosen] = Slot(hash: hash, file: file, lastUse: state.clock) }
            return state.slots[chosen].file
        }
        // The replaced file is closed (when no hit still reads it) here, outside the lock.
        withExtendedLifetime(replaced) {}
    }

    /// The record `hash` was unlinked or replaced: its open file is let go, and a lookup under way
    /// will not put the file it opened in.
    func forget(_ hash: UInt64) {
        guard sets > 0 else { return }
        let set = set(of: hash)
        let released: OpenRecord? = state.withLock { state in
            state.versions[set] &+= 1
            let first = set * Self.ways
            for index in first..<first + Self.ways where state.slots[index].hash == hash && state.slots[index].file != nil {
                defer { state.slots[index] = Slot() }
                state.held -= 1
                return state.slots[index].file
            }
            return nil
        }
        withExtendedLifetime(released) {}
    }

    /// Lets the cache hold `allowance` files from now on (at most `capacity`); files held past it are
    /// closed now, the least recently used of a set first, one set after another.
    func allow(_ allowance: Int) {
        let released: [OpenRecord] = state.withLock { state in
            state.allowance = min(capacity, max(0, allowance))
            var released: [OpenRecord] = []
            var visited = 0
            while state.held > state.allowance, visited < sets {
                let first = state.shedCursor * Self.ways
                var oldest: Int?
                for index in first..<first + Self.ways where state.slots[index].file != nil {
                    if oldest.map({ Self.isOlder(state.slots[index], than: state.slots[$0]) }) ?? true { oldest = index }
                }
                if let oldest, let file = state.slots[oldest].file {
                    released.append(file)
                    state.slots[oldest] = Slot()
                    state.held -= 1
                    visited = 0
                } else {
                    visited += 1
                }
                state.shedCursor = (state.shedCursor + 1) % sets
            }
            return released
        }
        // Closed (when no hit still reads them) here, outside the lock.
        withExtendedLifetime(released) {}
    }

    /// How many files may be held now.
    var allowance: Int { state.withLock { $0.allowance } }

    /// Lets every file go and keeps none until `resume`: another node may now change records
    /// behind this one's back.
    func suspend() {
        guard sets > 0 else { return }
        let released: [OpenRecord] = state.withLock { state in
            state.keeping = false
            for set in state.versions.indices { state.versions[set] &+= 1 }
            state.held = 0
            defer { state.slots = Array(repeating: Slot(), count: capacity) }
            return state.slots.compactMap(\.file)
        }
        withExtendedLifetime(released) {}
    }

    /// This node alone writes the directory again.
    func resume() {
        state.withLock { $0.keeping = true }
    }

    /// How many files are open now.
    var count: Int { state.withLock { $0.held } }
}
