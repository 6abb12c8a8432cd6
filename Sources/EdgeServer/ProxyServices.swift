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
import NIOHTTP1
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
    /// The hit heads the disk tier's small records carry, made and read under these settings.
    let diskHitHeads: DiskHitHeads
    var disk: DiskStore? { storage.disk }
    /// The fleet this node caches with (`[cluster]`); nil when it caches alone.
    let cluster: Cluster?

    convenience init(settings: ProxySettings, cache: HTTPCache, router: Router, accessLog: AccessLog, logger: Logger,
         metrics: EdgeMetrics = EdgeMetrics(), flags: FeatureFlags = FeatureFlags(), disk: DiskStore? = nil,
         admin: AdminSettings = AdminSettings(), adminGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         cluster: ClusterSettings? = nil) {
        let trafficMetrics = TrafficMetrics(metrics)
        self.init(
            settings: settings, cache: cache, coalescer: RequestCoalescer(), router: router, accessLog: accessLog, logger: logger,
            stats: ProxyStats(), metrics: metrics, flags: flags, trafficMetrics: trafficMetrics,
            purge: PurgeCoordinator(cache: cache, disk: disk, settings: admin, logger: logger, metrics: trafficMetrics, clientGroup: adminGroup),
            purgeAllow: admin.purgeAllow,
            compression: CompressionService(settings: settings.compression, cache: cache, flags: flags, metrics: metrics), disk: disk,
            cluster: cluster.map { Cluster(settings: $0, metrics: metrics, logger: logger) })
    }

    private init(settings configured: ProxySettings, cache: HTTPCache, coalescer: RequestCoalescer, router: Router, accessLog: AccessLog,
                 logger: Logger, stats: ProxyStats, metrics: EdgeMetrics, flags: FeatureFlags, trafficMetrics: TrafficMetrics,
                 purge: PurgeCoordinator, purgeAllow: AddressAllowList, compression: CompressionService, disk: DiskStore?, cluster: Cluster?) {
        var named = configured
        if let cluster {
            // RFC 9211: each cache in a chain has its own name, so the fleet's entries can be told apart.
            named.cacheName = cluster.settings.identity
        }
        let settings = named
        self.cluster = cluster
        self.settings = settings
        self.cache = cache
        self.coalescer = coalescer
        self.router = router
        self.accessLog = accessLog
        self.logger = logger
        self.stats = stats
        self.metrics = metrics
        self.flags = flags
        self.trafficMetrics = trafficMetrics
        self.purge = purge
        self.purgeAllow = purgeAllow
        self.compression = compression
        let diskHitHeads = DiskHitHeads(settings: settings, compression: compression)
        self.diskHitHeads = diskHitHeads
        let fingerprint = diskHitHeads.fingerprint
        let storage = StorageTiers(
            memory: MemoryStorage(cache: cache, fingerprint: fingerprint, prepareForHits: {
                Self.prepareForHits(&$0, settings: settings, compression: compression, fingerprint: fingerprint)
            }),
            disk: disk)
        self.storage = storage
        disk?.hitHeads.withLock { $0 = diskHitHeads }
        self.fill = FillServices(
            cache: cache, storage: storage, coalescer: coalescer, settings: settings, stats: stats, metrics: trafficMetrics, logger: logger)
    }

    /// The next generation, for a reloaded configuration: its settings, routes, access log, purge
    /// settings and compression, over the same cache, coalescer, counters, metrics and flags. Requests
    /// that started with this one finish with it.
    func reconfigured(settings: ProxySettings, router: Router, accessLog: AccessLog, admin: AdminSettings) -> ProxyServices {
        purge.update(admin)
        return ProxyServices(
            settings: settings, cache: cache, coalescer: coalescer, router: router, accessLog: accessLog, logger: logger,
            stats: stats, metrics: metrics, flags: flags, trafficMetrics: trafficMetrics, purge: purge, purgeAllow: admin.purgeAllow,
            compression: compression.reconfigured(settings.compression), disk: disk, cluster: cluster)
    }

    /// Works out what every hit on `response` needs (freshness, the client's header fields) before it is stored.
    func prepareForHits(_ response: inout CachedResponse) {
        Self.prepareForHits(&response, settings: settings, compression: compression, fingerprint: diskHitHeads.fingerprint)
    }

    private static func prepareForHits(_ response: inout CachedResponse, settings: ProxySettings, compression: CompressionService, fingerprint: UInt64) {
        var negotiated: ContentCoding?
        response.prepare(settings: settings.policy) { stored in
            let prepared = clientFields(for: stored, bodyLength: stored.body.readableBytes, settings: settings, compression: compression)
            negotiated = prepared.negotiated
            return prepared.fields
        }
        response.encodings.negotiation = negotiated.map { .from($0) } ?? .none
        response.preparedFingerprint = fingerprint
    }

    /// The fields every whole hit on `stored` (with a body of `bodyLength`) sends but the per-hit ones,
    /// and the coding negotiated per client (nil: the body goes to everyone as stored).
    static func clientFields(for stored: CachedResponse, bodyLength: Int, settings: ProxySettings,
                             compression: CompressionService) -> (fields: HTTPHeaders, negotiated: ContentCoding?) {
        compression.preparedHeaders(EdgeFields.prepared(for: stored, bodyLength: bodyLength, settings: settings), for: stored, bodyLength: bodyLength)
    }

    /// Wall-clock time for HTTP dates and ages.
    static func now() -> EpochSeconds {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// What belongs to one event loop: the configuration generation its new requests start with, the
/// origin connections its client connections use, and its access-log lines waiting to be written.
///
/// A reload replaces `services` (and `accessLog` when the log changed) on every loop with
/// `loop.submit`: loop-bound, so a request reads its generation without a lock.
final class LoopContext {
    /// The current generation; a request reads it once, when its head arrives, and keeps it.
    var services: ProxyServices
    let pool: OriginConnectionPool
    let connections = ConnectionRegistry()
    var accessLog: AccessLogBuffer
    /// The HTTP/2 form of stored heads the loop's HTTP/2 shortcuts answered lately.
    let http2Heads = HTTP2HeadMemo()

    init(services: ProxyServices, pool: OriginConnectionPool, accessLog: AccessLogBuffer) {
        self.services = services
        self.pool = pool
        self.accessLog = accessLog
    }
}
