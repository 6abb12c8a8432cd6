import EdgeCore
import NIOCore
import NIOHTTP1

/// One tier of the cache as the lookup and fill phases use it, after Pingora's `Storage`: memory
/// (`MemoryStorage`) first, then, with `[cache.disk]`, disk (`DiskStore`). A lookup gives a hit
/// handle or a miss; a fill gives a handle that takes the body as it streams from the origin and is
/// finished (the object becomes visible) or abandoned (nothing of it is); a 304 freshens what is
/// stored; a purge removes. Purges of every tier go through `PurgeCoordinator`, which keeps them
/// durable and ordered across tiers.
protocol CacheStorage: AnyObject, Sendable {
    /// What the tier holds for `key` that may answer a request with `requestHeaders`.
    func lookup(_ key: CacheKey, requestHeaders: HTTPHeaders, on eventLoop: EventLoop) -> StorageLookup
    /// A handle for storing `response` (its fields and timing; its body follows through the handle),
    /// or nil when this tier will not store it (too large, no room it has earned, a Vary it cannot key).
    func beginFill(_ response: CachedResponse, for key: CacheKey, expectedLength: Int?, epochs: FillEpochs) -> (any StorageFill)?
    /// A 304 selected the stored response: `response` has its new fields and timing and the stored
    /// body. Returns whether the tier holds it now.
    @discardableResult
    func freshen(_ response: CachedResponse, for key: CacheKey, epochs: FillEpochs) -> Bool
}

/// The purge epochs when a fill began: a purge recorded after them that covers the response wins,
/// in memory (`PurgeIndex`) and on disk (the purge journal).
struct FillEpochs: Sendable {
    var memory: UInt64
    var disk: UInt64
}

/// What a tier has for a request.
enum StorageLookup {
    case hit(StorageHit)
    /// Nothing for this URL.
    case miss
    /// Something for this URL, but no variant for this request's Vary fields.
    case varyMiss
    /// The tier answers later (it reads from disk).
    case later(EventLoopFuture<StorageHit?>)
}

/// A stored response found by a lookup.
enum StorageHit: Sendable {
    /// The whole response in memory (from the memory tier, or a small disk record read whole).
    case whole(CachedResponse)
    /// The response's fields (its `body` empty) and its body, which streams from its record file.
    case streamed(CachedResponse, DiskBody)
}

/// A response being stored while its body streams in.
protocol StorageFill: AnyObject {
    /// The next piece of the body; false when the tier gave up storing it (over its limit, a disk
    /// that fell behind): nothing of it will be stored, and no more pieces are wanted.
    @discardableResult
    func write(_ piece: ByteBuffer) -> Bool
    /// The body is whole.
    func finish() -> StorageFillOutcome
    /// Nothing of the response is stored.
    func abandon()
}

enum StorageFillOutcome {
    /// Visible to lookups now.
    case stored
    case notStored
    /// Being put in place in the background (a disk record).
    case pending
}

/// The cache's tiers in lookup order: memory, then disk when there is one.
struct StorageTiers: Sendable {
    let memory: MemoryStorage
    let disk: DiskStore?
    /// In lookup order; made once, not per request.
    let all: [any CacheStorage]

    init(memory: MemoryStorage, disk: DiskStore?) {
        self.memory = memory
        self.disk = disk
        all = disk.map { [memory, $0] } ?? [memory]
    }

    /// The purge epochs of every tier now (`FillEpochs`).
    var epochs: FillEpochs {
        FillEpochs(memory: memory.cache.purgeIndex.currentEpoch, disk: disk?.epoch ?? 0)
    }
}
