/// What one purge covers, with URLs already normalised to cache keys.
public struct PurgeSelection: Sendable, Equatable {
    /// Exact URLs: every variant stored under each key.
    public var keys: [CacheKey]
    /// URL prefixes: host + the start of path and query.
    public var prefixes: [CacheKey]
    public var tags: [String]
    /// The whole cache.
    public var all: Bool
    /// Mark stale (revalidate next time) instead of removing.
    public var soft: Bool

    public init(keys: [CacheKey] = [], prefixes: [CacheKey] = [], tags: [String] = [], all: Bool = false, soft: Bool = false) {
        self.keys = keys
        self.prefixes = prefixes
        self.tags = tags
        self.all = all
        self.soft = soft
    }

    public var isEmpty: Bool { keys.isEmpty && prefixes.isEmpty && tags.isEmpty && !all }

    /// Whether a response stored under `key` with `tags` falls under this purge.
    public func covers(_ key: CacheKey, tags responseTags: [String], checkingKeys: Bool = true) -> Bool {
        if all || (checkingKeys && keys.contains(key)) { return true }
        for prefix in prefixes where prefix.host == key.host && key.pathAndQuery.utf8.starts(with: prefix.pathAndQuery.utf8) {
            return true
        }
        return !tags.isEmpty && responseTags.contains(where: tags.contains)
    }
}

/// The purges of the recent past, so that a response whose fetch began before a purge that covers
/// it is not stored as fresh after it (the purge wins the race).
///
/// Bounded: past `limit` records the oldest are forgotten, and a fetch older than what is
/// remembered is treated as covered (not stored) rather than guessed about.
struct PurgeLedger {
    struct Record {
        var epoch: UInt64
        var selection: PurgeSelection
        /// `selection.keys` as a set: a purge can name thousands of URLs.
        var keys: Set<CacheKey>
    }

    private(set) var records: [Record] = []
    /// Purges up to this epoch are forgotten.
    private(set) var horizon: UInt64 = 0
    let limit: Int

    init(limit: Int = 1024) {
        self.limit = max(1, limit)
    }

    mutating func append(_ selection: PurgeSelection, epoch: UInt64) {
        records.append(Record(epoch: epoch, selection: selection, keys: Set(selection.keys)))
        if records.count > 2 * limit {
            let dropped = records.count - limit
            horizon = records[dropped - 1].epoch
            records.removeFirst(dropped)
        }
    }

    /// Whether a purge after `fetchEpoch` covers a response for `key` carrying `tags`.
    func coversFetch(started fetchEpoch: UInt64, key: CacheKey, tags: [String]) -> Bool {
        if fetchEpoch < horizon { return true }
        for record in records.reversed() {
            guard record.epoch > fetchEpoch else { break }
            if record.keys.contains(key) || record.selection.covers(key, tags: tags, checkingKeys: false) { return true }
        }
        return false
    }
}
