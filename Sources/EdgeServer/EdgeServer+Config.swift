import EdgeCore
import NIOCore

extension EdgeServer.Configuration {
    /// The server's view of a validated `EdgeConfig`. Sites with a static root are not served by the proxy.
    public init(_ config: EdgeConfig) {
        var settings = ProxySettings()
        settings.limits.maxRequestLine = config.server.maxRequestLine
        settings.limits.maxHeaderBytes = config.server.maxHeaderBytes
        settings.limits.maxHeaderCount = config.server.maxHeaderCount
        settings.limits.maxBodyBytes = config.server.maxBodySize.bytes
        settings.timeouts.clientHeader = config.server.clientHeaderTimeout.timeAmount
        settings.timeouts.clientIdle = config.server.clientIdleTimeout.timeAmount
        settings.timeouts.drain = config.server.drainTimeout.timeAmount
        settings.viaPseudonym = config.server.via
        settings.policy.surrogateDeviceToken = config.server.via
        settings.policy.heuristicFraction = config.cache.heuristicFraction
        settings.policy.heuristicMaxLifetime = config.cache.heuristicMax.seconds
        settings.graceSeconds = config.cache.grace.seconds
        settings.staleIfUnreachableSeconds = config.cache.staleIfUnreachable.seconds
        settings.keepCDNCacheControl = config.cache.keepCDNCacheControl

        var pools: [String: PoolConfig] = [:]
        for pool in config.pools {
            pools[pool.name] = pool
        }
        var sites: [EdgeServer.SiteRoute] = []
        for site in config.effectiveSites {
            guard case .pool(let name) = site.target, let pool = pools[name] else { continue }
            var upstream = UpstreamPolicy()
            upstream.connectTimeout = pool.connectTimeout.timeAmount
            upstream.firstByteTimeout = pool.firstByteTimeout.timeAmount
            upstream.idleTimeout = pool.idleTimeout.timeAmount
            upstream.keepAliveTimeout = pool.keepaliveTimeout.timeAmount
            upstream.maxConnectionsPerServer = pool.maxConnectionsPerServer
            let servers = pool.servers.filter { !$0.backup }.map { OriginServer(host: $0.host, port: $0.port) }
            sites.append(EdgeServer.SiteRoute(hosts: site.hosts, poolName: name, servers: servers, upstream: upstream, resilience: PoolResilience(pool)))
        }

        self.init(
            listen: config.server.listen.map { ($0.host, $0.port) },
            eventLoops: config.server.eventLoops,
            sites: sites,
            settings: settings,
            cacheBytes: config.cache.memorySize.bytes,
            maxObjectBytes: config.cache.maxObjectSize.bytes,
            eviction: config.cache.eviction)
        degradation = DegradationSettings(config.degradation)
    }
}
