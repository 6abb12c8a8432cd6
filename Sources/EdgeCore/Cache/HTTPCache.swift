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
    public let maxVariantsPerKey: Int
    /// Largest response (body and headers) that is stored; larger ones are only forwarded.
    public let maxObjectBytes: Int

    public init(capacityBytes: Int, maxObjectBytes: Int, policy: EvictionPolicyKind, shards: Int = 16, maxVariantsPerKey: Int = 16) {
        // An object must fit in one shard, so a large maximum object size means fewer, larger shards.
        let shardCount = max(1, min(shards, capacityBytes / max(1, maxObjectBytes)))
        self.store = MemoryStore(capacityBytes: capacityBytes, maxObjectBytes: maxObjectBytes, shards: shardCount, policy: policy)
        self.maxVariantsPerKey = maxVariantsPerKey
        self.maxObjectBytes = maxObjectBytes
    }

    /// The largest body a response with these headers may have and still be stored.
    public func maxBodyBytes(storedWith headers: HTTPHeaders) -> Int {
        maxObjectBytes - CachedResponse.byteCost(bodyBytes: 0, headers: headers)
    }

    public func lookup(_ key: CacheKey, requestHeaders: HTTPHeaders) -> Lookup {
        guard let stored = store.get(key) else { return .uriMiss }
        if let response = stored.select(for: requestHeaders) {
            return .found(response)
        }
        return .varyMiss
    }

    /// Stores a response under `key`, replacing the variant with the same secondary key.
    /// Returns false when the response is larger than the store accepts.
    @discardableResult
    public func insert(_ response: CachedResponse, for key: CacheKey) -> Bool {
        guard response.byteCost <= maxObjectBytes else { return false }
        var inserted = false
        store.update(key) { current in
            var variants = current ?? CachedVariants()
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
    public func freshen(
        _ key: CacheKey, secondaryKey: SecondaryKey, headers: HTTPHeaders, timing: StoredResponseTiming,
        prepare: (inout CachedResponse) -> Void = { _ in }
    ) -> CachedResponse? {
        var result: CachedResponse?
        store.update(key) { current in
            guard var variants = current else { return nil }
            _ = variants.modify(secondaryKey: secondaryKey) { response in
                response.headers = headers
                response.timing = timing
                prepare(&response)
                result = response
            }
            return variants
        }
        return result
    }

    /// Removes every variant stored under `key`. Returns the number of variants removed.
    @discardableResult
    public func invalidate(_ key: CacheKey) -> Int {
        store.remove(key)?.variants.count ?? 0
    }
}
