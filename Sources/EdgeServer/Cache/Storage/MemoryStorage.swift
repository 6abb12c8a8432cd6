import EdgeCore
import NIOCore
import NIOHTTP1

/// The memory tier: `HTTPCache` (sharded, byte-bounded, its eviction policy's admission) with every
/// response prepared for hits before it is stored.
final class MemoryStorage: CacheStorage {
    let cache: HTTPCache
    private let prepareForHits: @Sendable (inout CachedResponse) -> Void
    /// The `preparedFingerprint` `prepareForHits` stamps: responses with another were prepared by
    /// another generation's settings (before a reload).
    private let fingerprint: UInt64

    init(cache: HTTPCache, fingerprint: UInt64 = 0, prepareForHits: @escaping @Sendable (inout CachedResponse) -> Void) {
        self.cache = cache
        self.fingerprint = fingerprint
        self.prepareForHits = prepareForHits
    }

    func lookup(_ key: CacheKey, requestHeaders: HTTPHeaders, on eventLoop: EventLoop) -> StorageLookup {
        switch cache.lookup(key, requestHeaders: requestHeaders) {
        case .found(let stored): .hit(.whole(current(stored, for: key)))
        case .uriMiss: .miss
        case .varyMiss: .varyMiss
        }
    }

    /// `stored` as these settings prepare it: as found, or prepared again (and kept so) when a reload
    /// changed the settings since it was stored.
    func current(_ stored: CachedResponse, for key: CacheKey) -> CachedResponse {
        stored.preparedFingerprint == fingerprint ? stored : cache.prepareAgain(key, stored, prepare: prepareForHits)
    }

    func beginFill(_ response: CachedResponse, for key: CacheKey, expectedLength: Int?, epochs: FillEpochs) -> (any StorageFill)? {
        beginMemoryFill(response, for: key, expectedLength: expectedLength, epoch: epochs.memory)
    }

    /// `beginFill`, typed: a memory fill can tell when the body announced is all in.
    func beginMemoryFill(_ response: CachedResponse, for key: CacheKey, expectedLength: Int?, epoch: UInt64) -> MemoryFill? {
        let limit = cache.maxBodyBytes(for: response, key: key)
        if let expectedLength, expectedLength > limit { return nil }
        return MemoryFill(storage: self, key: key, response: response, limit: limit, expectedLength: expectedLength, epoch: epoch)
    }

    @discardableResult
    func freshen(_ response: CachedResponse, for key: CacheKey, epochs: FillEpochs) -> Bool {
        if cache.freshen(key, secondaryKey: response.secondaryKey, headers: response.headers, timing: response.timing,
                         fetchEpoch: epochs.memory, prepare: prepareForHits) != nil {
            return true
        }
        // Evicted or purged while being revalidated: the 304 still proves the body current.
        return insert(response, for: key, epoch: epochs.memory)
    }

    /// Stores a whole response (a fill's end, or one promoted from disk); false when the store's
    /// admission turned it away or a purge since `epoch` covers it.
    @discardableResult
    func insert(_ response: CachedResponse, for key: CacheKey, epoch: UInt64) -> Bool {
        cache.insert(prepared(response), for: key, fetchEpoch: epoch)
    }

    /// Offers a response found in a lower tier to memory and returns it prepared for hits, whether
    /// memory kept it or not.
    func promote(_ response: CachedResponse, for key: CacheKey, epoch: UInt64) -> CachedResponse {
        let ready = prepared(response)
        cache.insert(ready, for: key, fetchEpoch: epoch)
        return ready
    }

    private func prepared(_ response: CachedResponse) -> CachedResponse {
        var prepared = response
        prepareForHits(&prepared)
        return prepared
    }
}

/// A response on its way into memory: its body is gathered up to the store's limit for it, then
/// inserted whole.
final class MemoryFill: StorageFill {
    private let storage: MemoryStorage
    private let key: CacheKey
    private let response: CachedResponse
    private var body: ByteBuffer?
    private let limit: Int
    private let expectedLength: Int?
    private let epoch: UInt64

    init(storage: MemoryStorage, key: CacheKey, response: CachedResponse, limit: Int, expectedLength: Int?, epoch: UInt64) {
        self.storage = storage
        self.key = key
        self.response = response
        self.limit = limit
        self.expectedLength = expectedLength
        self.epoch = epoch
        body = ByteBufferAllocator().buffer(capacity: min(expectedLength ?? 0, max(0, limit)))
    }

    /// The body announced by Content-Length is all in: it can be stored before the origin's end arrives.
    var hasExpectedLength: Bool {
        guard let expectedLength, let body else { return false }
        return body.readableBytes == expectedLength
    }

    @discardableResult
    func write(_ piece: ByteBuffer) -> Bool {
        guard body != nil else { return false }
        var piece = piece
        body!.writeBuffer(&piece)
        if body!.readableBytes > limit {
            body = nil
            return false
        }
        return true
    }

    func finish() -> StorageFillOutcome {
        guard let body else { return .notStored }
        self.body = nil
        var whole = response
        whole.body = body
        return storage.insert(whole, for: key, epoch: epoch) ? .stored : .notStored
    }

    func abandon() {
        body = nil
    }
}
