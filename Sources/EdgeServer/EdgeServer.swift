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

        public init(hosts: [String], poolName: String, servers: [OriginServer], upstream: UpstreamPolicy = UpstreamPolicy()) {
            self.hosts = hosts
            self.poolName = poolName
            self.servers = servers
            self.upstream = upstream
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
        /// The admin listener (none unless `admin.listen` is set), token, peers and PURGE clients.
        public var admin = AdminSettings()

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
    /// The admin listener's own loop; also runs purges forwarded to peers.
    private let adminGroup: MultiThreadedEventLoopGroup
    private let adminChannel = Mutex<Channel?>(nil)

    public init(configuration: Configuration, accessLog: AccessLog, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let loops = configuration.eventLoops > 0 ? configuration.eventLoops : System.coreCount
        group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        cache = HTTPCache(capacityBytes: configuration.cacheBytes, maxObjectBytes: configuration.maxObjectBytes, policy: configuration.eviction)
        let router = Router(sites: configuration.sites.map {
            Router.Site(hosts: $0.hosts, pool: Router.Pool(name: $0.poolName, servers: $0.servers, policy: $0.upstream))
        })
        adminGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        services = ProxyServices(settings: configuration.settings, cache: cache, router: router, accessLog: accessLog, logger: logger,
                                 metrics: metrics, flags: flags, admin: configuration.admin, adminGroup: adminGroup)
        var contexts: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let pool = OriginConnectionPool(eventLoop: loop, loopCount: loops)
            let context = LoopContext(pool: pool, accessLog: AccessLogBuffer(log: accessLog, eventLoop: loop))
            contexts[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(context, eventLoop: loop)
        }
        loopContexts = contexts
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
        if let admin = configuration.admin.listen {
            let api = AdminAPI(settings: configuration.admin, services: services, sites: configuration.sites)
            let channel = try await AdminServer.bind(configuration.admin, host: admin.host, port: admin.port, api: api, group: adminGroup)
            adminChannel.withLock { $0 = channel }
            logger.info("admin API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        return bound
    }

    /// The bound admin listener's address, once `start()` has opened it.
    public var adminAddress: SocketAddress? {
        adminChannel.withLock { $0?.localAddress }
    }

    /// Stops accepting, lets requests in flight finish within the drain timeout, then closes everything.
    public func drainAndStop() async {
        drain.start()
        let listeners = channels.withLock { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in listeners {
            try? await channel.close()
        }
        if let admin = adminChannel.withLock({ channel in defer { channel = nil }; return channel }) {
            try? await admin.close()
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
        try? await adminGroup.shutdownGracefully()
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
                    try pipeline.addHandler(ProxyHandler(services: services, loopContext: bound.value, drain: drain))
                }
            }
    }
}
