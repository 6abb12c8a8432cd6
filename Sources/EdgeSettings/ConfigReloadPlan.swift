/// What reloading a running node from `running` to `loaded` can do: the configuration that takes
/// effect (the loaded one, except for keys that cannot change while the node runs, which keep their
/// running values), those keys by name, and the coarse changes the reload log line reports.
///
/// Keys that need a restart are the ones a running node built once and cannot rebuild under traffic:
/// the cache's size and eviction (the store holds every entry), the disk tier (its files and index),
/// the number of event loops (every connection lives on one), the HTTP/2 and TLS protocol settings of
/// listeners that stay open, the log level (the logging system is set up once per process), the
/// admission limits (counted per connection since it opened) and the pid file the node wrote.
public struct ConfigReloadPlan: Sendable, Equatable {
    /// The configuration the node runs with after the reload.
    public var effective: EdgeConfig
    /// Keys whose new value waits for a restart (the running value stays in force), in file order.
    public var restartKeys: [String]
    public var sitesAdded: [String]
    public var sitesRemoved: [String]
    public var poolsAdded: [String]
    public var poolsRemoved: [String]
    /// Servers, `pool/host:port`, that joined or left a pool present before and after.
    public var serversAdded: [String]
    public var serversRemoved: [String]

    public init(running: EdgeConfig, loaded: EdgeConfig) {
        var effective = loaded
        var restart: [String] = []
        func keep<Value: Equatable>(_ key: String, _ path: WritableKeyPath<EdgeConfig, Value>) {
            guard running[keyPath: path] != loaded[keyPath: path] else { return }
            restart.append(key)
            effective[keyPath: path] = running[keyPath: path]
        }
        keep("server.event_loops", \.server.eventLoops)
        keep("server.pid_file", \.server.pidFile)
        keep("tls.min_version", \.tls.minVersion)
        keep("tls.http2", \.tls.http2)
        keep("http2", \.http2)
        keep("cache.memory_size", \.cache.memorySize)
        keep("cache.max_object_size", \.cache.maxObjectSize)
        keep("cache.eviction", \.cache.eviction)
        keep("cache.disk", \.cache.disk)
        keep("cluster", \.cluster)
        keep("logging.level", \.logging.level)
        keep("degradation.max_client_connections", \.degradation.maxClientConnections)
        keep("degradation.max_in_flight_requests", \.degradation.maxInFlightRequests)
        self.effective = effective
        restartKeys = restart

        let oldSites = running.effectiveSites.map(Self.siteName)
        let newSites = effective.effectiveSites.map(Self.siteName)
        sitesAdded = newSites.filter { !oldSites.contains($0) }
        sitesRemoved = oldSites.filter { !newSites.contains($0) }
        let oldPools = Dictionary(running.pools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newPools = Dictionary(effective.pools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        poolsAdded = effective.pools.map(\.name).filter { oldPools[$0] == nil }
        poolsRemoved = running.pools.map(\.name).filter { newPools[$0] == nil }
        var added: [String] = []
        var removed: [String] = []
        for pool in effective.pools {
            guard let old = oldPools[pool.name] else { continue }
            let before = old.servers.map(\.address)
            let after = pool.servers.map(\.address)
            added += after.filter { !before.contains($0) }.map { "\(pool.name)/\($0)" }
            removed += before.filter { !after.contains($0) }.map { "\(pool.name)/\($0)" }
        }
        serversAdded = added
        serversRemoved = removed
    }

    /// A site by what it answers for: its hosts, then what serves them.
    private static func siteName(_ site: SiteConfig) -> String {
        let target: String
        switch site.target {
        case .pool(let name): target = "pool \(name)"
        case .staticRoot(let root): target = "root \(root)"
        }
        return "\(site.hosts.joined(separator: ",")) → \(target)"
    }
}

extension OriginServerConfig {
    /// `host:port`, the server's identity in a pool.
    var address: String { HostPort(host: host, port: port).description }
}
