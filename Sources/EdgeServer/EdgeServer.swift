import EdgeCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A running edge node: traffic listeners, the shared cache, and per-loop origin connection pools.
///
/// ```swift
/// let server = try EdgeServer(configuration: config, logger: logger)
/// let addresses = try await server.start()
/// _ = await SignalWaiter.waitForTermination()
/// await server.drainAndStop()
/// ```
public final class EdgeServer: Sendable {
    /// One site: the hosts it answers for and the origin servers behind it.
    public struct SiteRoute: Sendable {
        public var hosts: [String]
        public var poolName: String
        public var servers: [OriginServer]
        public var upstream: UpstreamPolicy
        /// Balancing, health checks, retries and the concurrency cap of the pool.
        public var resilience: PoolResilience

        public init(hosts: [String], poolName: String, servers: [OriginServer], upstream: UpstreamPolicy = UpstreamPolicy(),
                    resilience: PoolResilience = PoolResilience()) {
            self.hosts = hosts
            self.poolName = poolName
            self.servers = servers
            self.upstream = upstream
            self.resilience = resilience
        }
    }

    /// Everything a server needs, already validated.
    public struct Configuration: Sendable {
        public var listen: [(host: String, port: Int)]
        public var eventLoops: Int
        public var sites: [SiteRoute]
        public var settings: ProxySettings
        public var cacheBytes: Int
        public var maxObjectBytes: Int
        public var eviction: EvictionPolicyKind
        /// Degraded mode and admission limits.
        public var degradation = DegradationSettings()

        public init(listen: [(host: String, port: Int)], eventLoops: Int = 0, sites: [SiteRoute], settings: ProxySettings = ProxySettings(),
                    cacheBytes: Int = 256 << 20, maxObjectBytes: Int = 16 << 20, eviction: EvictionPolicyKind = .tinylfu) {
            self.listen = listen
            self.eventLoops = eventLoops
            self.sites = sites
            self.settings = settings
            self.cacheBytes = cacheBytes
            self.maxObjectBytes = maxObjectBytes
            self.eviction = eviction
        }
    }

    public let configuration: Configuration
    public let cache: HTTPCache
    /// This node's metrics (`GET /metrics`).
    public let metrics = EdgeMetrics()
    /// Runtime switches (`GET /flags`, `PUT /flags/NAME`, degraded mode).
    public let flags = FeatureFlags()
    let services: ProxyServices
    private let group: MultiThreadedEventLoopGroup
    private let loopContexts: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    private let drain = DrainSignal()
    private let channels = Mutex<[Channel]>([])
    private let logger: Logger
    let resilience: NodeResilience

    public init(configuration: Configuration, accessLog: AccessLog, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let loops = configuration.eventLoops > 0 ? configuration.eventLoops : System.coreCount
        group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        cache = HTTPCache(capacityBytes: configuration.cacheBytes, maxObjectBytes: configuration.maxObjectBytes, policy: configuration.eviction)
        var balancers: [String: PoolBalancer] = [:]
        let nodeMetrics = metrics
        let router = Router(sites: configuration.sites.map { site in
            let balancer = balancers[site.poolName] ?? PoolBalancer(
                name: site.poolName, primaries: site.servers, resilience: site.resilience, metrics: nodeMetrics, logger: logger)
            balancers[site.poolName] = balancer
            return Router.Site(hosts: site.hosts, pool: Router.Pool(name: site.poolName, servers: site.servers, policy: site.upstream, balancer: balancer))
        })
        services = ProxyServices(settings: configuration.settings, cache: cache, router: router, accessLog: accessLog, logger: logger,
                                 metrics: metrics, flags: flags)
        var contexts: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let pool = OriginConnectionPool(eventLoop: loop, loopCount: loops)
            let context = LoopContext(pool: pool, accessLog: AccessLogBuffer(log: accessLog, eventLoop: loop))
            contexts[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(context, eventLoop: loop)
        }
        loopContexts = contexts
        resilience = NodeResilience(
            balancers: router.balancers, loops: Array(group.makeIterator()), settings: configuration.degradation, services: services)
    }

    /// Binds every listener. Throws `ListenError` (and binds nothing further) when an address cannot be bound.
    @discardableResult
    public func start() async throws -> [SocketAddress] {
        var bound: [SocketAddress] = []
        for address in configuration.listen {
            let channel: Channel
            do {
                channel = try await makeBootstrap().bind(host: address.host, port: address.port).get()
            } catch {
                throw ListenError(host: address.host, port: address.port, underlying: error)
            }
            channels.withLock { $0.append(channel) }
            if let local = channel.localAddress {
                bound.append(local)
            }
            logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        resilience.start()
        return bound
    }

    /// Stops accepting, lets requests in flight finish within the drain timeout, then closes everything.
    public func drainAndStop() async {
        drain.start()
        resilience.stop()
        let listeners = channels.withLock { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in listeners {
            try? await channel.close()
        }
        await forEachLoop { context in
            context.connections.closeIdle()
            context.pool.closeIdleConnections()
        }
        let deadline = NIODeadline.now() + configuration.settings.timeouts.drain
        while NIODeadline.now() < deadline {
            let open = await connectionCount()
            if open == 0 { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let remaining = await connectionCount()
        if remaining > 0 {
            logger.warning("drain timeout reached, closing connections", metadata: ["connections": "\(remaining)"])
        }
        await forEachLoop { context in
            context.connections.closeAll()
            context.pool.closeAllConnections()
        }
        // After the closes above have logged their requests.
        await forEachLoop { context in
            context.accessLog.flush()
        }
        try? await group.shutdownGracefully()
    }

    /// Requests being served right now.
    public var activeRequests: Int { services.stats.activeRequests.load(ordering: .relaxed) }

    /// A point-in-time copy of the proxy's counters.
    public var counters: [String: Int] {
        let s = services.stats
        return [
            "requests": s.requests.load(ordering: .relaxed), "hits": s.hits.load(ordering: .relaxed),
            "misses": s.misses.load(ordering: .relaxed), "stale_served": s.staleServed.load(ordering: .relaxed),
            "revalidations": s.revalidations.load(ordering: .relaxed), "origin_requests": s.originRequests.load(ordering: .relaxed),
            "coalesced": s.coalesced.load(ordering: .relaxed),
        ]
    }

    private func connectionCount() async -> Int {
        var total = 0
        for loop in group.makeIterator() {
            guard let bound = loopContexts[ObjectIdentifier(loop)] else { continue }
            total += (try? await loop.submit { bound.value.connections.count }.get()) ?? 0
        }
        return total
    }

    private func forEachLoop(_ body: @escaping @Sendable (LoopContext) -> Void) async {
        for loop in group.makeIterator() {
            guard let bound = loopContexts[ObjectIdentifier(loop)] else { continue }
            try? await loop.submit { body(bound.value) }.get()
        }
    }

    private func makeBootstrap() -> ServerBootstrap {
        let services = self.services
        let contexts = self.loopContexts
        let drain = self.drain
        let admission = resilience.admission
        let settings = configuration.settings
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = settings.limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldSize = settings.limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldCount = settings.limits.maxHeaderCount
        let limits = decoderLimits
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let bound = contexts[ObjectIdentifier(channel.eventLoop)] else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ClientTimeoutHandler(headerTimeout: settings.timeouts.clientHeader, idleTimeout: settings.timeouts.clientIdle))
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
                    try pipeline.addHandler(ProtocolErrorResponder())
                    try pipeline.addHandler(ClosingConnectionGate())
                    if admission.isNeeded {
                        try pipeline.addHandler(AdmissionGate(shared: admission, stats: services.stats))
                    }
                    try pipeline.addHandler(ProxyHandler(services: services, loopContext: bound.value, drain: drain))
                }
            }
    }
}
