import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where the slices of large objects are kept (`SliceFetch`): on the disk tier when there is one,
/// else in memory, each slice a 206 under its own piece key (`SliceRange.key`), next to the object's
/// head (`SliceRange.headKey`: its fields and freshness, an empty body) in the same tier. Every key is
/// a piece of the object's URL, so a purge of the URL removes them all (`PurgeSelection.coveringPieces`).
struct SliceStore: Sendable {
    let storage: StorageTiers

    /// The tier slices live in.
    private var tier: any CacheStorage { storage.disk ?? storage.memory }

    /// What is stored under `key`, with its body read whole (a slice is a few MiB at most); nil when nothing is.
    func read(_ key: CacheKey, on eventLoop: EventLoop) -> EventLoopFuture<CachedResponse?> {
        switch tier.lookup(key, requestHeaders: [:], on: eventLoop) {
        case .hit(let hit):
            return whole(hit, on: eventLoop)
        case .miss, .varyMiss:
            return eventLoop.makeSucceededFuture(nil)
        case .later(let answer):
            return answer.flatMap { hit in
                hit.map { whole($0, on: eventLoop) } ?? eventLoop.makeSucceededFuture(nil)
            }
        }
    }

    private func whole(_ hit: StorageHit, on eventLoop: EventLoop) -> EventLoopFuture<CachedResponse?> {
        switch hit {
        case .whole(let response):
            return eventLoop.makeSucceededFuture(response)
        case .streamed(let response, let body):
            guard let disk = storage.disk else { return eventLoop.makeSucceededFuture(nil) }
            return disk.read(body, 0..<body.length, on: eventLoop).map { bytes in
                var whole = response
                whole.body = bytes
                return whole
            }.recover { _ in nil }
        }
    }

    /// Stores `response` (its body whole) under `key`; false when the tier turned it away.
    @discardableResult
    func put(_ response: CachedResponse, for key: CacheKey, epochs: FillEpochs) -> Bool {
        guard let fill = tier.beginFill(response, for: key, expectedLength: response.body.readableBytes, epochs: epochs) else { return false }
        guard fill.write(response.body) else { return false }
        switch fill.finish() {
        case .stored, .pending: return true
        case .notStored: return false
        }
    }

    /// Removes the object's slices and head as `drop` does, unless the head stored now is of another
    /// representation than `validator`: then another request has already stored the new one, whose
    /// slices must stay (and a request holding an older head must not throw them away).
    func drop(_ key: CacheKey, replacing validator: RepresentationValidator?, slices: SliceRange, cache: HTTPCache,
              on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        read(slices.headKey(of: key), on: eventLoop).flatMap { stored in
            if let stored, let validator, let total = stored.headers.first(name: "content-length").flatMap(Int.init),
               let current = RepresentationValidator(stored.headers, total: total), current != validator {
                return eventLoop.makeSucceededFuture(())
            }
            return drop(key, cache: cache, on: eventLoop)
        }
    }

    /// Removes every slice and the head of the object under `key` (its representation changed), off the
    /// event loops; the future completes on `eventLoop` once they are gone.
    func drop(_ key: CacheKey, cache: HTTPCache, on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        let selection = PurgeSelection(prefixes: [key.piecesPrefix])
        let disk = storage.disk
        return NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            disk?.purge(selection)
            _ = cache.purge(selection, now: ProxyServices.now())
        }
    }
}
