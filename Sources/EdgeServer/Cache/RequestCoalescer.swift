import EdgeCore
import NIOCore
import Synchronization

/// Collapses concurrent fetches of one URL into one origin request (Pingora's cache lock, Varnish's waiting list).
///
/// The first request for a key leads and fetches; the others follow and wait for the leader's outcome,
/// then look in the cache again or, when nothing was stored, go to the origin themselves. A key whose
/// response turned out not to be storable is remembered for a while (Varnish's hit-for-miss), so that
/// requests for it go straight to the origin instead of queueing behind each other. Keys are spread
/// over shards so event loops rarely meet on one lock.
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
        /// The key was recently found uncacheable: fetch without waiting for anyone.
        case bypass
    }

    private struct ShardState {
        var waiting: [CacheKey: [EventLoopPromise<Outcome>]] = [:]
        var uncacheableUntil: [CacheKey: NIODeadline] = [:]
    }

    private final class Shard: Sendable {
        let state = Mutex(ShardState())
    }

    private let shards: [Shard]
    private let uncacheableMemory: TimeAmount
    /// Bounds the hit-for-miss memory of one shard; past it, expired marks are swept.
    private static let uncacheableLimitPerShard = 4096

    init(shardCount: Int = 32, uncacheableMemory: TimeAmount = .seconds(120)) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
        self.uncacheableMemory = uncacheableMemory
    }

    /// Joins the fetch of `key`: leads it when nobody else does, else follows on `eventLoop`.
    func join(_ key: CacheKey, on eventLoop: EventLoop) -> Role {
        let now = NIODeadline.now()
        let shard = shards[shardIndex(key)]
        let future: EventLoopFuture<Outcome>?? = shard.state.withLock { state in
            if let until = state.uncacheableUntil[key] {
                if until > now { return .some(nil) }
                state.uncacheableUntil.removeValue(forKey: key)
            }
            guard state.waiting[key] != nil else {
                state.waiting[key] = []
                return nil
            }
            let promise = eventLoop.makePromise(of: Outcome.self)
            state.waiting[key]?.append(promise)
            return .some(promise.futureResult)
        }
        switch future {
        case .none: return .leader(Leadership(key: key, coalescer: self))
        case .some(.none): return .bypass
        case .some(.some(let future)): return .follower(future)
        }
    }

    /// A response for `key` was stored after all: requests for it coalesce again.
    func markStored(_ key: CacheKey) {
        shards[shardIndex(key)].state.withLock { state in
            _ = state.uncacheableUntil.removeValue(forKey: key)
        }
    }

    fileprivate func finish(_ key: CacheKey, _ outcome: Outcome) {
        let memory = uncacheableMemory
        let followers = shards[shardIndex(key)].state.withLock { state in
            switch outcome {
            case .notStorable:
                let now = NIODeadline.now()
                if state.uncacheableUntil.count >= Self.uncacheableLimitPerShard {
                    state.uncacheableUntil = state.uncacheableUntil.filter { $0.value > now }
                    if state.uncacheableUntil.count >= Self.uncacheableLimitPerShard {
                        state.uncacheableUntil.removeAll()
                    }
                }
                state.uncacheableUntil[key] = now + memory
            case .stored:
                state.uncacheableUntil.removeValue(forKey: key)
            case .failed:
                break
            }
            return state.waiting.removeValue(forKey: key) ?? []
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
