import EdgeCore
import NIOHTTP1

/// The way one cacheable miss takes before the origin: the key's owner on the ring, the ring's next
/// node if the owner fails, the shield, then the origin pool. `UpstreamExchange` walks it: it asks
/// `next()` for each stage, and tells it what each peer did.
///
/// A peer that cannot be reached, times out (connect or first byte), or answers 5xx or 508 is
/// skipped; so is a peer's answer that a purge of the last moments covers. Whatever the peers do,
/// the origin is the last stage, so the fleet serves no error the origin would not have served.
final class OwnerFetch {
    enum Stage {
        /// Ask a node of the ring; a pick of this node itself means the origin is next.
        case ring(Router.Pool)
        case shield(Router.Pool)
        case origin(Router.Pool, HTTPRequestHead)
    }

    /// At most this many nodes of the ring are asked: the owner, then the next one.
    static let maxRingAttempts = 2

    let cluster: Cluster
    let key: CacheKey
    /// The request a peer gets: the origin's, marked as a peer's.
    let peerHead: HTTPRequestHead
    private let originHead: HTTPRequestHead
    private let origin: Router.Pool
    /// This node's purges, and their epoch `purge_window` seconds before this fetch began.
    private let purgeIndex: PurgeIndex
    private let purgeEpoch: UInt64
    private var askRing: Bool
    private var ringAttempts = 0
    private var askedShield = false

    init(cluster: Cluster, key: CacheKey, askRing: Bool, peerHead: HTTPRequestHead, originHead: HTTPRequestHead, origin: Router.Pool, purgeIndex: PurgeIndex, purgeEpoch: UInt64) {
        self.cluster = cluster
        self.key = key
        self.askRing = askRing
        self.peerHead = peerHead
        self.originHead = originHead
        self.origin = origin
        self.purgeIndex = purgeIndex
        self.purgeEpoch = purgeEpoch
    }

    var selfNode: OriginServer { cluster.settings.selfNode }

    /// The next stage; nil once the origin has been handed out.
    func next() -> Stage? {
        if askRing, ringAttempts < Self.maxRingAttempts {
            ringAttempts += 1
            return .ring(cluster.ring)
        }
        askRing = false
        if let shield = cluster.shield, !askedShield {
            askedShield = true
            return .shield(shield)
        }
        return .origin(origin, originHead)
    }

    /// The ring picked this node: nobody else owns the key (or the owner and the next are down).
    func ringPickedSelf() {
        askRing = false
    }

    func sent() {
        cluster.stats.ownerFetches.add()
    }

    /// A peer failed to answer usably.
    func peerFailed() {
        cluster.stats.peerFailures.add()
    }

    enum Verdict {
        /// The answer goes to the client (and into the cache, if storable).
        case use
        /// The peer failed (5xx or 508 of its own): the next stage is tried, and it counts against the peer's health.
        case peerFailed
        /// A purge this node applied moments ago covers the answer: the origin is asked instead.
        case purged
    }

    /// What to do with a peer's response head. A 5xx or 508 is the peer's failure (and counts against
    /// its health), unless the peer's `Cache-Status` shows it relays the origin's own answer
    /// (`fwd-status` of the same status): that is what the origin says, and asking it again would
    /// only double its load. An answer covered by a purge this node applied within the purge window
    /// is not used either: the purge may not have reached the peer yet, so its copy may be the purged one.
    func verdict(status: Int, headers: HTTPHeaders) -> Verdict {
        if status >= 500, Cluster.peerForwardedStatus(headers) != status {
            peerFailed()
            return .peerFailed
        }
        if purgeIndex.purgedSince(purgeEpoch, key: key, tags: PurgeTags.parse(headers)) {
            cluster.stats.peerPurgeRefusals.add()
            // The origin, not another peer: any of them may hold the purged copy.
            askRing = false
            askedShield = true
            return .purged
        }
        if Cluster.peerAnsweredFromCache(headers) {
            cluster.stats.peerHits.add()
        }
        return .use
    }
}
