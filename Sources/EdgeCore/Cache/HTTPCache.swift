import NIOCore
import NIOHTTP1

/// The shared HTTP cache: variants of responses under primary cache keys, in a bounded memory store.
///
/// This type only stores and selects; what may be stored and when a stored response may be used
/// is decided by `StoragePolicy` and `LookupPolicy`.
public final class HTTPCache: Sendable {
    /// What a lookup found for a request.
    public enum Lookup: Sendable {
        case found(CachedResponse)
        /// Nothing is stored under this URL.
        case uriMiss
        /// Responses are stored under this URL, but none was selected by the request's Vary fields.
        case varyMiss
    }

    public let store: MemoryStore<CacheKey, CachedVariants>
    /// Stored keys by URL prefix and tag, and the purge epochs; kept in step with `store`.
    public let purgeIndex: PurgeIndex
    public let maxVariantsPerKey: Int
    /// Largest response (body and headers) that is stored; larger ones are only forwarded.
    public let maxObjectBytes: Int
    /// The stored keys' host names, one copy of each.
    let hostNames: SharedHostNames

    public init(capacityBytes: Int, maxObjectBytes: Int, policy: EvictionPolicyKind, shards: Int = 16, maxVariantsPerKey: Int = 16) {
        // An object must fit in one shard, so a large maximum object size means fewer, larger shards.
        let shardCount = max(1, min(shards, capacityBytes / max(1, maxObjectBytes)))
        let index = PurgeIndex()
        self.purgeIndex = index
        let hostNames = SharedHostNames()
        self.hostNames = hostNames
        self.store = MemoryStore(
            capacityBytes: capacityBytes, maxObjectBytes: maxObjectBytes, shards: shardCount, policy: policy,
            onRemove: { index.removed($0) }, keyCost: { hostNames.heapBytes(of: $0) })
        self.maxVariantsPerKey = maxVariantsPerKey
        self.maxObjectBytes = maxObjectBytes
    }

    /// The largest body `response` (its fields) may have and still be stored under `key`.
    public func maxBodyBytes(for response: CachedResponse, key: CacheKey) -> Int {
        maxObjectBytes - response.costBeyondBody - key.heapBytes
    }

    public func lookup(_ key: CacheKey, requestHeaders: HTTPHeaders) -> Lookup {
        lookup(key) { $0.select(for: requestHeaders) }
    }

    /// `select` picks the variant for the request (Vary) from the URL's stored variants.
    public func lookup(_ key: CacheKey, select: (CachedVariants) -> CachedResponse?) -> Lookup {
        let (found, selected) = store.get(key, select)
        guard found else { return .uriMiss }
        if let response = selected {
            switch purgeIndex.generation(of: response.purgeEpoch) {
            case .current: return .found(response)
            case .purged: return .uriMiss
            case .softPurged(let time, let epoch): return .found(expireAfterSoftPurgeOfAll(key, response, time: time, epoch: epoch))
            }
        }
        return .varyMiss
    }

    /// Whether the eviction policy would keep a response costing `cost` for `key` now
    /// (`MemoryStore.wouldAdmit`): a hit from disk is promoted only then.
    public func wouldAdmit(_ key: CacheKey, cost: Int) -> Bool {
        store.wouldAdmit(key, cost: cost)
    }

    /// Stores a response under `key`, replacing the variant with the same secondary key, and indexes
    /// its URL and tags for purging.
    ///
    /// `fetchEpoch` is `purgeIndex.currentEpoch` from when the fetch began (now when nil): a purge since
    /// then that covers the response wins, and nothing is stored.
    /// Returns false when the response is larger than the store accepts or a purge refused it.
    @discardableResult
    public func insert(_ response: CachedResponse, for key: CacheKey, fetchEpoch: UInt64? = nil) -> Bool {
        guard response.byteCost + key.heapBytes <= maxObjectBytes else { return false }
        let key = hostNames.sharing(key)
        var response = response
        response.purgeEpoch = fetchEpoch ?? purgeIndex.currentEpoch
        let tags = PurgeTags.parse(response.headers)
        let index = purgeIndex
        var inserted = false
        store.update(key) { current in
            guard index.admit(key, tags: tags, fetchEpoch: response.purgeEpoch) else { return current }
            var variants = current.map { Self.droppingPurgedVariants($0, index: index) } ?? CachedVariants()
            variants.insert(response, limit: maxVariantsPerKey)
            inserted = true
            return variants
        }
        return inserted && store.peek(key) != nil
    }

    /// Freshens a stored variant after a 304 (RFC 9111 §4.3.4): new headers and new timing, same body.
    /// `prepare` then runs on the freshened response (see `CachedResponse.prepare`).
    /// Returns the freshened response, or nil when the variant is gone (evicted or purged meanwhile).
    @discardableResult
    /// With `fetchEpoch` (see `insert`), a purge since the revalidation began keeps the entry as it is.
    public func freshen(
        _ key: CacheKey, secondaryKey: SecondaryKey, headers: HTTPHeaders, timing: StoredResponseTiming,
        fetchEpoch: UInt64? = nil, prepare: (inout CachedResponse) -> Void = { _ in }
    ) -> CachedResponse? {
        var result: CachedResponse?
        let index = purgeIndex
        let tags = fetchEpoch == nil ? [] : PurgeTags.parse(headers)
        store.update(key) { current in
            guard var variants = current else { return nil }
            if let fetchEpoch, !index.admit(key, tags: tags, fetchEpoch: fetchEpoch) { return current }
            _ = variants.modify(secondaryKey: secondaryKey) { response in
                response.headers = headers
                response.timing = timing
                if let fetchEpoch { response.purgeEpoch = fetchEpoch }
                prepare(&response)
                result = response
            }
            return variants
        }
        return result
    }

    /// `stored` (found under `key`) with `prepare` applied, and kept so in the store if the variant
    /// there is still the one found (nothing replaced, freshened or purged it meanwhile): after a reload
    /// changed what hits send, each entry is prepared again once, at its next hit.
    public func prepareAgain(_ key: CacheKey, _ stored: CachedResponse, prepare: (inout CachedResponse) -> Void) -> CachedResponse {
        var prepared = stored
        prepare(&prepared)
        replace(key, stored, with: prepared)
        return prepared
    }

    /// Puts `replacement` in the place of the variant `found` under `key`, if nothing replaced,
    /// freshened or purged that variant since it was found.
    fileprivate func replace(_ key: CacheKey, _ found: CachedResponse, with replacement: CachedResponse) {
        store.update(key) { current in
            guard var variants = current else { return nil }
            _ = variants.modify(secondaryKey: found.secondaryKey) { stored in
                if stored.timing == found.timing, stored.purgeEpoch == found.purgeEpoch { stored = replacement }
            }
            return variants
        }
    }

    /// Removes every variant stored under `key`. Returns the number of variants removed.
    @discardableResult
    public func invalidate(_ key: CacheKey) -> Int {
        store.remove(key)?.count ?? 0
    }
}

extension HTTPCache {
    /// A soft purge of everything reaches each response lazily, at its next lookup: made stale as of
    /// the purge, and stamped with the purge's epoch so that it happens once.
    fileprivate func expireAfterSoftPurgeOfAll(_ key: CacheKey, _ response: CachedResponse, time: EpochSeconds, epoch: UInt64) -> CachedResponse {
        var expired = response
        SoftPurge.expire(&expired, at: time)
        expired.purgeEpoch = epoch
        replace(key, response, with: expired)
        return expired
    }

    /// Variants hidden by a hard purge of everything are dropped when their key is written again.
    fileprivate static func droppingPurgedVariants(_ variants: CachedVariants, index: PurgeIndex) -> CachedVariants {
        guard variants.contains(where: { index.generation(of: $0.purgeEpoch) == .purged }) else { return variants }
        return CachedVariants(variants.variants.filter { index.generation(of: $0.purgeEpoch) != .purged })
    }
}
