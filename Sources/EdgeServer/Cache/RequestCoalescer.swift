import EdgeCore
import NIOCore
import Synchronization

/// Collapses concurrent fetches of one URL into one origin request (Pingora's cache lock, Varnish's waiting list).
///
/// The first request for a key leads and fetches; the others follow and wait for the leader's outcome,
/// then look in the cache again or, when nothing was stored, go to the origin themselves. Keys are
/// spread over shards so event loops rarely meet on one lock.
final class RequestCoalescer: Sendable {
    enum Outcome: Sendable {
        /// A response was stored (or freshened): followers will find it in the cache.
        case stored
        /// The response may not be stored: each follower must fetch on its own.
        case notStorable
        /// The fetch failed: each follower must try on its own.
        case failed
    }

    enum Role {
        case leader(Leadership)
        case follower(EventLoopFuture<Outcome>)
    }

    private final class Shard: Sendable {
        let waiting = Mutex<[CacheKey: [EventLoopPromise<Outcome>]]>([:])
    }

    private let shards: [Shard]

    init(shardCount: Int = 32) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    /// Joins the fetch of `key`: leads it when nobody else does, else follows on `eventLoop`.
    func join(_ key: CacheKey, on eventLoop: EventLoop) -> Role {
        let shard = shards[shardIndex(key)]
        let future: EventLoopFuture<Outcome>? = shard.waiting.withLock { waiting in
            guard waiting[key] != nil else {
                waiting[key] = []
                return nil
            }
            let promise = eventLoop.makePromise(of: Outcome.self)
            waiting[key]?.append(promise)
            return promise.futureResult
        }
        if let future {
            return .follower(future)
        }
        return .leader(Leadership(key: key, coalescer: self))
    }

    /// Number of keys being fetched right now.
    var inFlightCount: Int {
        shards.reduce(0) { total, shard in total + shard.waiting.withLock { $0.count } }
    }

    fileprivate func finish(_ key: CacheKey, _ outcome: Outcome) {
        let followers = shards[shardIndex(key)].waiting.withLock { waiting in
            waiting.removeValue(forKey: key) ?? []
        }
        for follower in followers {
            follower.succeed(outcome)
        }
    }

    private func shardIndex(_ key: CacheKey) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))
    }
}

/// The leader's duty to tell followers how its fetch ended; finishing twice does nothing, and a
/// leadership dropped without finishing releases its followers as failed so nobody waits forever.
final class Leadership {
    let key: CacheKey
    private let coalescer: RequestCoalescer
    private var finished = false

    fileprivate init(key: CacheKey, coalescer: RequestCoalescer) {
        self.key = key
        self.coalescer = coalescer
    }

    func finish(_ outcome: RequestCoalescer.Outcome) {
        guard !finished else { return }
        finished = true
        coalescer.finish(key, outcome)
    }

    deinit {
        if !finished {
            coalescer.finish(key, .failed)
        }
    }
}
