import EdgeCore
import NIOCore
import NIOHTTP1

/// The disk tier as the second tier of the cache.
extension DiskStore: CacheStorage {
    func lookup(_ key: CacheKey, requestHeaders: HTTPHeaders, on eventLoop: EventLoop) -> StorageLookup {
        .later(read(key, requestHeaders: requestHeaders, on: eventLoop))
    }

    func beginFill(_ response: CachedResponse, for key: CacheKey, expectedLength: Int?, epochs: FillEpochs) -> (any StorageFill)? {
        beginFill(response, for: key, expectedLength: expectedLength, epoch: epochs.disk)
    }

    /// The record is written again with the new fields (its body must be at hand: a body that
    /// streams from disk is not revalidated but fetched again).
    @discardableResult
    func freshen(_ response: CachedResponse, for key: CacheKey, epochs: FillEpochs) -> Bool {
        write(response, for: key, epoch: epochs.disk)
        return true
    }
}
