import EdgeCore
import Logging
import NIOHTTP1

/// This node's place in its fleet (`[cluster]`): the ring of nodes that decides each key's owner,
/// the peers' health (the ring is a `PoolBalancer`, so peers are checked like origin servers:
/// actively on `ClusterHealth.path`, passively by live traffic, skipped while down, tried again
/// half-open), the `CDN-Loop` check,
/// and which requests come from peers. Shared by every event loop; each miss that goes to a peer
/// gets its own `OwnerFetch`.
final class Cluster: Sendable {
    /// The request field a node adds when it asks a peer; obeyed only from the nodes' addresses.
    static let peerField = "edge-cluster-peer"

    let settings: ClusterSettings
    /// `Cache-Status` and `CDN-Loop` name.
    let identity: String
    /// Every node, this one included, on a consistent-hash ring (the `consistent_hash` balancer's):
    /// a key's owner is the first node at or after its hash that is up.
    let ring: Router.Pool
    /// The upper tier, for nodes that are not it.
    let shield: Router.Pool?
    /// The peers' balancers, for the active health checker.
    var balancers: [PoolBalancer] { [ring.balancer] + (shield.map { [$0.balancer] } ?? []) }
    /// The peers' pools: their origin connections and health checks outlive a reload (which keeps the cluster).
    var pools: [Router.Pool] { [ring] + (shield.map { [$0] } ?? []) }
    let stats: ClusterStats
    let purgeWindow: PurgeWindow
    /// Client addresses whose peer field is obeyed: the nodes' and the shield's hosts.
    private let trusted: Set<String>

    init(settings: ClusterSettings, metrics: EdgeMetrics, logger: Logger) {
        self.settings = settings
        identity = settings.identity
        var resilience = PoolResilience()
        resilience.balancing = .consistentHash
        resilience.maxFails = 2
        resilience.failTimeout = .seconds(5)
        // The ring's next node is chosen by `OwnerFetch`, not by the pool's retries.
        resilience.retries = 0
        var check = ClusterHealth.check
        // This node is its own best judge: a `self` it cannot reach by that address (NAT, a proxy in
        // front) must not take it off its own ring.
        check.exempt = [settings.selfNode]
        resilience.healthCheck = check
        ring = Router.Pool(
            name: Self.ringName, servers: settings.nodes, policy: settings.upstream,
            balancer: PoolBalancer(name: Self.ringName, primaries: settings.nodes, resilience: resilience, metrics: metrics, logger: logger))
        if let node = settings.shield, !settings.isShield {
            var shieldResilience = resilience
            shieldResilience.balancing = .roundRobin
            shield = Router.Pool(
                name: Self.shieldName, servers: [node], policy: settings.upstream,
                balancer: PoolBalancer(name: Self.shieldName, primaries: [node], resilience: shieldResilience, metrics: metrics, logger: logger))
        } else {
            shield = nil
        }
        stats = ClusterStats(metrics)
        purgeWindow = PurgeWindow(window: settings.purgeWindow)
        trusted = Set(settings.nodes.map(\.host) + (settings.shield.map { [$0.host] } ?? []))
        logger.notice("cluster node", metadata: [
            "self": "\(identity)", "nodes": "\(settings.nodes.count)", "shield": "\(settings.shield.map { "\($0)" } ?? "none")",
        ])
    }

    /// The peers' pools, as `/stats`, `/metrics` (`edge_origin_up{pool=…}`) and the logs name them.
    static let ringName = "cluster.ring"
    static let shieldName = "cluster.shield"

    /// RFC 8586: a request that already names this node more often than `max_loop_hops` allows has
    /// come round again (through a load balancer, an origin pointing back at the fleet, a
    /// misconfigured peer) and is refused rather than sent round once more.
    func isLoop(_ headers: HTTPHeaders) -> Bool {
        isLoop(values: headers[canonicalForm: CDNLoop.fieldName].map(String.init))
    }

    /// `isLoop` from the request's `CDN-Loop` field lines.
    func isLoop(values: [String]) -> Bool {
        guard !values.isEmpty else { return false }
        return CDNLoop.occurrences(of: identity, in: values) > settings.maxLoopHops
    }

    /// Whether a request comes from another node of the fleet: it carries the peer field and comes
    /// from a node's address. Anyone else's peer field is ignored (and not passed on).
    func isPeerRequest(_ headers: HTTPHeaders, clientAddress: String) -> Bool {
        guard headers.contains(name: Self.peerField), trusted.contains(clientAddress) else { return false }
        stats.peerRequests.add()
        return true
    }

    /// The fields every request this node sends upstream carries: its identifier appended to
    /// `CDN-Loop` (never removing another's), and no peer field but its own.
    func markUpstream(_ head: inout HTTPRequestHead) {
        let loop = CDNLoop.appending(identity, to: head.headers[canonicalForm: CDNLoop.fieldName].map(String.init))
        head.headers.replaceOrAdd(name: CDNLoop.fieldName, value: loop)
        head.headers.remove(name: Self.peerField)
    }

    /// The route for a cacheable miss: the key's owner (then the ring's next node) unless this node
    /// owns it or the request came from a peer (one hop), then the shield, then `origin`. Nil when
    /// there is nothing to try before the origin.
    func route(for key: CacheKey, head: HTTPRequestHead, origin: Router.Pool, fromPeer: Bool, purgeIndex: PurgeIndex) -> OwnerFetch? {
        let askRing = !fromPeer && !settings.isShield && settings.nodes.count > 1
        guard askRing || shield != nil else { return nil }
        return OwnerFetch(
            cluster: self, key: key, askRing: askRing, peerHead: peerHead(from: head), originHead: head, origin: origin,
            purgeIndex: purgeIndex, purgeEpoch: purgeWindow.epoch(now: ProxyServices.now(), current: purgeIndex.currentEpoch))
    }

    /// The origin's request as a peer gets it: marked as a peer's. The client's fields stay as they
    /// are (Accept-Encoding too, so that a response that varies on it is the owner's clients' variant);
    /// the owner answers with the response as stored or as the origin sent it, without a coding of its
    /// own, since this node negotiates codings with its clients.
    func peerHead(from head: HTTPRequestHead) -> HTTPRequestHead {
        var peerHead = head
        peerHead.headers.replaceOrAdd(name: Self.peerField, value: identity)
        return peerHead
    }

    /// Whether a peer's `Cache-Status` says its cache answered.
    static func peerAnsweredFromCache(_ headers: HTTPHeaders) -> Bool {
        peerEntry(headers).contains("hit")
    }

    /// The status the peer's `Cache-Status` says it got from upstream (`fwd-status`), if any.
    static func peerForwardedStatus(_ headers: HTTPHeaders) -> Int? {
        peerEntry(headers).lazy.compactMap { $0.hasPrefix("fwd-status=") ? Int($0.dropFirst("fwd-status=".count)) : nil }.first
    }

    /// The parameters of the peer's entry in `Cache-Status`: the last one (RFC 9211 §2: each cache
    /// appends its own), if it is an edge node's.
    private static func peerEntry(_ headers: HTTPHeaders) -> [String] {
        guard let last = headers[canonicalForm: "cache-status"].last?.split(separator: ",").last else { return [] }
        let members = last.split(separator: ";").map { $0.trimmingHTTPWhitespace() }
        guard let name = members.first, name.hasPrefix("edge") else { return [] }
        return Array(members.dropFirst())
    }
}
