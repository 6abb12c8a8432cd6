import EdgeCore
import EdgeSettings
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
        /// Early Hints and enhancement tags for the site's pages; nil for a plain site.
        public var progressive: ProgressiveSettings?
        /// Balancing, health checks, retries and the concurrency cap of the pool.
        public var resilience: PoolResilience
        /// False for `compression = false`: no new codings are made for the site's responses.
        public var compression = true
        /// `slice_size`: large objects are fetched and stored as aligned slices of this many bytes; 0 = off.
        public var sliceSize = 0

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
        /// HTTP/1.x listeners in the clear.
        public var listen: [(host: String, port: Int)]
        /// HTTP/2 listeners in the clear, prior knowledge only.
        public var h2cListen: [(host: String, port: Int)] = []
        /// TLS listeners and their certificates; nil when none.
        public var tls: TLSSettings?
        /// HTTP/2 settings and abuse limits, for TLS (ALPN h2) and h2c connections.
        public var http2 = HTTP2Config()
        public var eventLoops: Int
        public var sites: [SiteRoute]
        public var settings: ProxySettings
        public var cacheBytes: Int
        public var maxObjectBytes: Int
        public var eviction: EvictionPolicyKind
        /// The admin listener (none unless `admin.listen` is set), token, peers and PURGE clients.
        public var admin = AdminSettings()
        /// Degraded mode and admission limits.
        public var degradation = DegradationSettings()
        /// The disk tier (`[cache.disk]`); nil keeps the cache in memory only.
        public var disk: DiskSettings?
        /// The fleet (`[cluster]`); nil for a node that caches alone.
        public var cluster: ClusterSettings?

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

    /// The configuration in force: the one the server was made with, then each reload's.
    public var configuration: Configuration { current.withLock { $0.configuration } }
    public let cache: HTTPCache
    /// This node's metrics (`GET /metrics`).
    public let metrics = EdgeMetrics()
    /// Runtime switches (`GET /flags`, `PUT /flags/NAME`, degraded mode).
    public let flags = FeatureFlags()
    /// The current configuration generation (new requests read theirs from their loop's `LoopContext`).
    var services: ProxyServices { current.withLock { $0.services } }
    let current: Mutex<Generation>
    let group: MultiThreadedEventLoopGroup
    let loopContexts: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>]
    let drain = DrainSignal()
    let tlsTermination = Mutex<TLSTermination?>(nil)
    /// Client TLS for `https` origin pools, prepared by `start()` and by reloads.
    let originTLS = OriginTLSContexts()
    /// The traffic listeners open now, in the order they were opened.
    let openListeners = Mutex<[OpenListener]>([])

    /// What a configuration gives the running node: the configuration and the generation of services
    /// made from it.
    struct Generation {
        var configuration: Configuration
        var services: ProxyServices
    }

    /// A traffic listener that is open, and the URL clients reach it by.
    public struct BoundListener: Sendable, CustomStringConvertible {
        public var address: SocketAddress
        let kind: ListenerKind

        /// `http://…`, `https://…`; an h2c listener is `http://…` for clients with prior knowledge.
        public var url: String {
            let host = address.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"
            return "\(kind == .tls ? "https" : "http")://\(host):\(address.port ?? 0)"
        }

        public var description: String {
            switch kind {
            case .http1: url
            case .h2c: "\(url) (HTTP/2 with prior knowledge)"
            case .tls: "\(url) (TLS; HTTP/2 and HTTP/1.1 by ALPN)"
            }
        }
    }

    /// Every traffic listener open now, in the order they were opened.
    public var listeners: [BoundListener] { openListeners.withLock { $0.map(\.bound) } }
    let logger: Logger
    /// The admin listener's own loop; also runs purges forwarded to peers.
    let adminGroup: MultiThreadedEventLoopGroup
    let adminChannel = Mutex<OpenAdmin?>(nil)
    /// The admin API of the current generation (its token, its routes for purges).
    let adminAPI: Mutex<AdminAPI?> = Mutex(nil)
    let resilience: NodeResilience
    /// The disk tier, when `[cache.disk]` is set and its directory could be opened.
    let disk: DiskStore?
    /// Why the disk tier could not be opened: `start()` fails with it.
    private let diskFailure: (any Error)?
    /// Started by `edge serve --upgrade`: listeners join the old node's addresses at start.
    let upgrading: Bool

    /// `upgrading`: an old node still holds the listeners and the disk directory; `start()` binds
    /// beside it (`EdgeServer+Upgrade.swift`).
    public init(configuration: Configuration, accessLog: AccessLog, logger: Logger, upgrading: Bool = false) {
        self.logger = logger
        self.upgrading = upgrading
        let loops = configuration.eventLoops > 0 ? configuration.eventLoops : System.coreCount
        group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        var disk: DiskStore?
        var diskFailure: (any Error)?
        if let settings = configuration.disk {
            do {
                disk = try DiskStore(settings: settings, logger: logger, metrics: metrics, shared: upgrading)
            } catch {
                diskFailure = error
            }
        }
        self.disk = disk
        self.diskFailure = diskFailure
        cache = HTTPCache(capacityBytes: configuration.cacheBytes, maxObjectBytes: configuration.maxObjectBytes, policy: configuration.eviction)
        let router = Router.make(sites: configuration.sites, metrics: metrics, logger: logger)
        adminGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let services = ProxyServices(settings: configuration.settings, cache: cache, router: router, accessLog: accessLog, logger: logger,
                                     metrics: metrics, flags: flags, disk: disk, admin: configuration.admin, adminGroup: adminGroup,
                                     cluster: configuration.cluster)
        current = Mutex(Generation(configuration: configuration, services: services))
        var contexts: [ObjectIdentifier: NIOLoopBoundBox<LoopContext>] = [:]
        for loop in group.makeIterator() {
            let pool = OriginConnectionPool(eventLoop: loop, loopCount: loops, tlsContexts: originTLS)
            let context = LoopContext(services: services, pool: pool, accessLog: AccessLogBuffer(log: accessLog, eventLoop: loop))
            contexts[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(context, eventLoop: loop)
        }
        loopContexts = contexts
        resilience = NodeResilience(
            balancers: router.balancers + (services.cluster?.balancers ?? []), loops: Array(group.makeIterator()),
            settings: configuration.degradation, services: services)
    }

    /// Binds every listener: plain HTTP/1.x (`listen`), then h2c, then TLS. Throws `CertificateError`
    /// when a certificate cannot be used and `ListenError` (binding nothing further) when an address
    /// cannot be bound. The addresses come back in that order.
    @discardableResult
    public func start() async throws -> [SocketAddress] {
        if let diskFailure {
            throw diskFailure
        }
        let configuration = self.configuration
        for site in configuration.sites {
            if let settings = site.upstream.tls {
                try originTLS.prepare(settings)
            }
        }
        if let settings = configuration.tls, !settings.listen.isEmpty {
            let termination = try TLSTermination(settings: settings)
            tlsTermination.withLock { $0 = termination }
        }
        let opened = try await open(ListenerKey.all(configuration), sharing: upgrading)
        openListeners.withLock { $0 += opened }
        if let admin = configuration.admin.listen {
            adminAPI.withLock { $0 = makeAdminAPI(configuration, services: services) }
            let opened = try await openAdmin(configuration.admin, host: admin.host, port: admin.port, sharing: upgrading)
            adminChannel.withLock { $0 = opened }
        }
        resilience.start()
        return opened.map(\.bound.address)
    }

    /// Reads the TLS certificates from disk again (a configuration reload does this too); the next handshakes use them and
    /// open connections are untouched. On an error the certificates in use stay.
    public func reloadCertificates() throws(CertificateError) {
        guard let tls = tlsTermination.withLock({ $0 }) else { return }
        try tls.store.reload()
        logger.info("certificates reloaded", metadata: ["names": "\(tls.store.names)"])
    }

    /// The bound admin listener's address, once `start()` has opened it.
    public var adminAddress: SocketAddress? {
        adminChannel.withLock { $0?.channel.localAddress }
    }

    /// Stops accepting, lets requests in flight finish within the drain timeout, then closes everything.
    public func drainAndStop() async {
        drain.start()
        resilience.stop()
        let listeners = openListeners.withLock { listeners in
            defer { listeners.removeAll() }
            return listeners
        }
        for listener in listeners {
            try? await listener.channel.close()
        }
        if let admin = adminChannel.withLock({ channel in defer { channel = nil }; return channel }) {
            try? await admin.channel.close()
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
        await disk?.shutdown()
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
            "shortcut_hits": s.shortcutHits.load(ordering: .relaxed),
            "http2_shortcut_hits": s.http2ShortcutHits.load(ordering: .relaxed),
            "misses": s.misses.load(ordering: .relaxed), "stale_served": s.staleServed.load(ordering: .relaxed),
            "revalidations": s.revalidations.load(ordering: .relaxed), "origin_requests": s.originRequests.load(ordering: .relaxed),
            "coalesced": s.coalesced.load(ordering: .relaxed),
            "slice_fetches": s.sliceFetches.load(ordering: .relaxed), "slice_hits": s.sliceHits.load(ordering: .relaxed),
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

    /// Pooled origin connections waiting for a request, over all event loops (tests wait on it
    /// instead of sleeping).
    func idleOriginConnections() async -> Int {
        var total = 0
        for loop in group.makeIterator() {
            guard let bound = loopContexts[ObjectIdentifier(loop)] else { continue }
            total += (try? await loop.submit { bound.value.pool.idleCount }.get()) ?? 0
        }
        return total
    }

    /// Open origin connections, busy or idle, over all event loops.
    func openOriginConnections() async -> Int {
        var total = 0
        for loop in group.makeIterator() {
            guard let bound = loopContexts[ObjectIdentifier(loop)] else { continue }
            total += (try? await loop.submit { bound.value.pool.openCount }.get()) ?? 0
        }
        return total
    }

    func forEachLoop(_ body: @escaping @Sendable (LoopContext) -> Void) async {
        for loop in group.makeIterator() {
            guard let bound = loopContexts[ObjectIdentifier(loop)] else { continue }
            try? await loop.submit { body(bound.value) }.get()
        }
    }
}
