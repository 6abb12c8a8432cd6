#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import Logging
import NIOCore
import NIOPosix

/// What the node's connection handlers share: settings, the cache, the coalescer, routing and logs.
/// The driver of the phases (`ProxyPhases`) holds it; each phase it calls gets only its part
/// (`FillServices` for the cache fill, the cache and compression for a hit, the purge coordinator
/// for PURGE).
final class ProxyServices: Sendable {
    let settings: ProxySettings
    let cache: HTTPCache
    let coalescer: RequestCoalescer
    let router: Router
    let accessLog: AccessLog
    let logger: Logger
    let stats: ProxyStats
    let metrics: EdgeMetrics
    let flags: FeatureFlags
    /// Request-path metric handles (requests by cache status, bytes, origin latency, purges).
    let trafficMetrics: TrafficMetrics
    let purge: PurgeCoordinator
    /// Clients whose `PURGE` on the traffic listener is obeyed.
    let purgeAllow: AddressAllowList
    let compression: CompressionService
    /// The cache fill's part.
    let fill: FillServices
    /// The cache's tiers: memory, and disk if there is one.
    let storage: StorageTiers
    var disk: DiskStore? { storage.disk }
    /// The fleet this node caches with (`[cluster]`); nil when it caches alone.
    let cluster: Cluster?

    init(settings configured: ProxySettings, cache: HTTPCache, router: Router, accessLog: AccessLog, logger: Logger,
         metrics: EdgeMetrics = EdgeMetrics(), flags: FeatureFlags = FeatureFlags(), disk: DiskStore? = nil,
         admin: AdminSettings = AdminSettings(), adminGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         cluster: ClusterSettings? = nil) {
        var named = configured
        if let cluster {
            // RFC 9211: each cache in a chain has its own name, so the fleet's entries can be told apart.
            named.cacheName = cluster.identity
        }
        let settings = named
        self.cluster = cluster.map { Cluster(settings: $0, metrics: metrics, logger: logger) }
        self.settings = settings
        self.cache = cache
        let coalescer = RequestCoalescer()
        self.coalescer = coalescer
        self.router = router
        self.accessLog = accessLog
        self.logger = logger
        let stats = ProxyStats()
        self.stats = stats
        self.metrics = metrics
        self.flags = flags
        let trafficMetrics = TrafficMetrics(metrics)
        self.trafficMetrics = trafficMetrics
        self.purge = PurgeCoordinator(cache: cache, disk: disk, settings: admin, logger: logger, metrics: trafficMetrics, clientGroup: adminGroup)
        self.purgeAllow = admin.purgeAllow
        let compression = CompressionService(settings: settings.compression, cache: cache, flags: flags, metrics: metrics)
        self.compression = compression
        let storage = StorageTiers(
            memory: MemoryStorage(cache: cache, prepareForHits: { Self.prepareForHits(&$0, settings: settings, compression: compression) }),
            disk: disk)
        self.storage = storage
        self.fill = FillServices(
            cache: cache, storage: storage, coalescer: coalescer, settings: settings, stats: stats, metrics: trafficMetrics, logger: logger)
    }

    /// Works out what every hit on `response` needs (freshness, the client's header fields) before it is stored.
    func prepareForHits(_ response: inout CachedResponse) {
        Self.prepareForHits(&response, settings: settings, compression: compression)
    }

    private static func prepareForHits(_ response: inout CachedResponse, settings: ProxySettings, compression: CompressionService) {
        response.prepare(settings: settings.policy) { compression.preparedHeaders(EdgeFields.prepared(for: $0, settings: settings), for: $0) }
        response.encodings.negotiation = compression.negotiatedCoding(of: response).map { .from($0) } ?? .none
    }

    /// Wall-clock time for HTTP dates and ages.
    static func now() -> EpochSeconds {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// What belongs to one event loop: the origin connections its client connections use, and its
/// access-log lines waiting to be written.
final class LoopContext {
    let pool: OriginConnectionPool
    let connections = ConnectionRegistry()
    let accessLog: AccessLogBuffer

    init(pool: OriginConnectionPool, accessLog: AccessLogBuffer) {
        self.pool = pool
        self.accessLog = accessLog
    }
}
