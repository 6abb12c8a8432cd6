import Synchronization

/// Finds what a purge covers without walking the cache: stored keys by host and path (for URL
/// prefixes) and by tag, the purge epoch that fetches are stamped with, and the generations that
/// make a purge of everything O(1).
///
/// `HTTPCache` keeps it consistent with its store: keys are added under the store shard's lock when a
/// response is stored, and removed (through the store's `onRemove`) whenever they leave the store.
/// Lock order is always store shard, then index; the index never calls into the store.
public final class PurgeIndex: Sendable {
    struct State {
        var hosts: [String: PathTrie] = [:]
        var tagsByKey: [CacheKey: [String]] = [:]
        var keysByTag: [String: Set<CacheKey>] = [:]
        var ledger: PurgeLedger
        var epoch: UInt64 = 0
        /// The index as it was before each hard purge of everything: the keys whose hidden entries
        /// `HTTPCache.sweepPurgedEntries` still has to remove.
        var unswept: [[String: PathTrie]] = []

        mutating func add(_ key: CacheKey, tags: [String]) {
            hosts[key.host, default: PathTrie()].insert(at: PathTrie.segments(key.pathAndQuery))
            guard !tags.isEmpty else { return }
            var known = tagsByKey[key] ?? []
            for tag in tags where !known.contains(tag) {
                known.append(tag)
                keysByTag[tag, default: []].insert(key)
            }
            tagsByKey[key] = known
        }

        mutating func remove(_ key: CacheKey) {
            if hosts[key.host]?.remove(at: PathTrie.segments(key.pathAndQuery)) == true, hosts[key.host]?.isEmpty == true {
                hosts[key.host] = nil
            }
            guard let tags = tagsByKey.removeValue(forKey: key) else { return }
            for tag in tags {
                keysByTag[tag]?.remove(key)
                if keysByTag[tag]?.isEmpty == true { keysByTag[tag] = nil }
            }
        }
    }

    /// What a purge took from the index: the store entries to remove or mark stale.
    struct Work: Sendable {
        var epoch: UInt64
        var subtrees: [PathTrie.Branch] = []
        var tagged: [Set<CacheKey>] = []
        /// The tag maps a hard purge of everything replaced: freed by the caller, off the lock.
        var droppedTagsByKey: [CacheKey: [String]] = [:]
        var droppedKeysByTag: [String: Set<CacheKey>] = [:]
    }

    private let state: Mutex<State>
    private let epoch = Atomic<UInt64>(0)
    private let hardAllEpoch = Atomic<UInt64>(0)
    private let softAllEpoch = Atomic<UInt64>(0)
    private let softAllTime = Atomic<UInt64>(0)

    /// - Parameter ledgerLimit: how many recent purges are remembered for the purge-versus-fetch race.
    public init(ledgerLimit: Int = 1024) {
        state = Mutex(State(ledger: PurgeLedger(limit: ledgerLimit)))
    }

    /// The epoch a fetch is stamped with when it starts; every purge advances it.
    public var currentEpoch: UInt64 { epoch.load(ordering: .acquiring) }

    /// What purges of everything say about a response stamped with `epoch`.
    public enum Generation: Sendable, Equatable {
        case current
        /// Purged (hard) by a purge of everything: as if not stored.
        case purged
        /// Marked stale by a soft purge of everything at `time`, the purge's epoch being `epoch`.
        case softPurged(time: EpochSeconds, epoch: UInt64)
    }

    /// Two relaxed loads on the hit path.
    public func generation(of stamped: UInt64) -> Generation {
        if stamped < hardAllEpoch.load(ordering: .acquiring) { return .purged }
        let soft = softAllEpoch.load(ordering: .acquiring)
        if stamped < soft {
            return .softPurged(time: EpochSeconds(bitPattern: softAllTime.load(ordering: .acquiring)), epoch: soft)
        }
        return .current
    }

    /// Whether a purge since `fetchEpoch` covers `key` or one of `tags` (what `admit` refuses), without indexing anything.
    public func purgedSince(_ fetchEpoch: UInt64, key: CacheKey, tags: [String]) -> Bool {
        state.withLock { state in
            fetchEpoch < state.epoch && state.ledger.coversFetch(started: fetchEpoch, key: key, tags: tags)
        }
    }

    /// Indexes `key` with `tags` unless a purge since `fetchEpoch` covers it (then the response must
    /// not be stored as fresh: false). Called under the store shard's lock.
    func admit(_ key: CacheKey, tags: [String], fetchEpoch: UInt64) -> Bool {
        state.withLock { state in
            if fetchEpoch < state.epoch, state.ledger.coversFetch(started: fetchEpoch, key: key, tags: tags) {
                return false
            }
            state.add(key, tags: tags)
            return true
        }
    }

    /// The store let go of `key`.
    func removed(_ key: CacheKey) {
        state.withLock { $0.remove(key) }
    }

    /// Records a purge (so older fetches cannot store what it covers) and takes what it covers out
    /// of the index for a hard purge, or copies it for a soft one. O(prefixes + tags) under the lock,
    /// plus the siblings scanned when a prefix ends inside a path segment.
    func begin(_ selection: PurgeSelection, now: EpochSeconds) -> Work {
        state.withLock { state -> Work in
            state.epoch += 1
            state.ledger.append(selection, epoch: state.epoch)
            var work = Work(epoch: state.epoch)
            if selection.all {
                if selection.soft {
                    softAllTime.store(now.bitPattern, ordering: .releasing)
                    softAllEpoch.store(state.epoch, ordering: .releasing)
                } else {
                    hardAllEpoch.store(state.epoch, ordering: .releasing)
                    // O(1): the old index moves aside for the sweep, and the tag maps go to the
                    // caller, who frees them after the lock is released.
                    state.unswept.append(state.hosts)
                    state.hosts = [:]
                    swap(&work.droppedTagsByKey, &state.tagsByKey)
                    swap(&work.droppedKeysByTag, &state.keysByTag)
                }
            }
            epoch.store(state.epoch, ordering: .releasing)
            if selection.all, !selection.soft { return work }
            for prefix in selection.prefixes {
                let segments = PathTrie.segments(prefix.pathAndQuery)
                if let taken = state.hosts[prefix.host]?.take(prefix: segments, detach: !selection.soft, host: prefix.host) {
                    work.subtrees += taken
                }
                if !selection.soft, state.hosts[prefix.host]?.isEmpty == true { state.hosts[prefix.host] = nil }
            }
            for tag in selection.tags {
                let keys = selection.soft ? state.keysByTag[tag] : state.keysByTag.removeValue(forKey: tag)
                if let keys { work.tagged.append(keys) }
            }
            return work
        }
    }

    /// The keys set aside by hard purges of everything, for the sweep.
    func takeUnswept() -> [[String: PathTrie]] {
        state.withLock { state in
            defer { state.unswept = [] }
            return state.unswept
        }
    }

    /// Keys indexed under `tag` (tests, stats).
    public func keys(taggedWith tag: String) -> Set<CacheKey> {
        state.withLock { $0.keysByTag[tag] ?? [] }
    }

    /// Every indexed key of `host` whose path and query start with `prefix` (tests).
    public func keys(host: String, prefix: String) -> [CacheKey] {
        var copies = state.withLock { state in
            var trie = state.hosts[host] ?? PathTrie()
            return trie.take(prefix: PathTrie.segments(prefix), detach: false, host: host)
        }
        var keys: [CacheKey] = []
        for subtree in copies { subtree.forEachKey { keys.append($0) } }
        copies.removeAll()
        return keys
    }

    /// Indexed keys and tags (for `/stats`).
    public var counts: (hosts: Int, taggedKeys: Int, tags: Int) {
        state.withLock { ($0.hosts.count, $0.tagsByKey.count, $0.keysByTag.count) }
    }
}
