import EdgeCore
import EdgeSettings
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
        settings.keepTagHeaders = config.purge.keepTagHeaders
        settings.compression = config.compression.settings

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
            if pool.servers.first?.scheme == .https {
                upstream.tls = OriginTLSSettings(
                    caFile: pool.tls.caFile.isEmpty ? nil : pool.tls.caFile, verify: pool.tls.verify,
                    serverName: pool.tls.serverName.isEmpty ? nil : pool.tls.serverName, http2: pool.http2)
            }
            upstream.http2 = pool.http2
            let servers = pool.servers.filter { !$0.backup }.map { OriginServer(host: $0.host, port: $0.port) }
            var route = EdgeServer.SiteRoute(hosts: site.hosts, poolName: name, servers: servers, upstream: upstream, resilience: PoolResilience(pool))
            route.compression = site.compression != false
            route.sliceSize = site.sliceSize?.bytes ?? 0
            sites.append(route)
        }

        var tls: TLSSettings?
        if !config.tls.listen.isEmpty {
            tls = TLSSettings(
                listen: config.tls.listen.map { ($0.host, $0.port) },
                certificates: config.tls.certificates.map { CertificateStore.Source(certificatePath: $0.cert, keyPath: $0.key, hosts: $0.hosts) },
                minimumVersion: config.tls.minVersion, offersHTTP2: config.tls.http2)
        }
        self.init(
            listen: config.server.listen.map { ($0.host, $0.port) },
            eventLoops: config.server.eventLoops,
            sites: sites,
            settings: settings,
            cacheBytes: config.cache.memorySize.bytes,
            maxObjectBytes: config.cache.maxObjectSize.bytes,
            eviction: config.cache.eviction)
        h2cListen = config.server.h2cListen.map { ($0.host, $0.port) }
        self.tls = tls
        disk = config.cache.disk.map { DiskSettings(path: $0.path, capacityBytes: $0.size.bytes, maxObjectBytes: $0.maxObjectSize.bytes, openFiles: $0.effectiveOpenFiles) }
        http2 = config.http2
        admin = AdminSettings(config)
        degradation = DegradationSettings(config.degradation)
        cluster = config.cluster.map { ClusterSettings($0, purge: config.purge) }
    }
}
