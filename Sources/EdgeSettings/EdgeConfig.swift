/// Edge's whole configuration, as read from `edge.conf` (TOML) or built by the command line.
///
/// Every key is optional; a missing key takes the value in `EdgeConfig.defaults`. Build one in
/// code with `var c = EdgeConfig.defaults` and assign members, then call `validate()`.
public struct EdgeConfig: Sendable, Codable, Equatable {
    public var server = ServerConfig()
    public var tls = TLSConfig()
    public var http2 = HTTP2Config()
    public var cache = CacheConfig()
    /// Origin pools; `edge serve` needs at least one (from the file or `--origin`).
    public var pools: [PoolConfig] = []
    /// Host routing. When empty, every host goes to the first pool (see `effectiveSites`).
    public var sites: [SiteConfig] = []
    public var admin = AdminConfig()
    /// Purge from the traffic listener, peers, tag fields.
    public var purge = PurgeConfig()
    public var logging = LoggingConfig()
    public var compression = CompressionConfig()
    /// Degraded mode and admission limits.
    public var degradation = DegradationConfig()
    /// The fleet this node shares its cache with (`[cluster]`); nil when it caches alone.
    public var cluster: ClusterConfig?

    public init(
        server: ServerConfig = ServerConfig(),
        cache: CacheConfig = CacheConfig(),
        pools: [PoolConfig] = [],
        sites: [SiteConfig] = [],
        admin: AdminConfig = AdminConfig(),
        purge: PurgeConfig = PurgeConfig(),
        logging: LoggingConfig = LoggingConfig()
    ) {
        self.server = server
        self.cache = cache
        self.pools = pools
        self.sites = sites
        self.admin = admin
        self.purge = purge
        self.logging = logging
    }

    /// What an empty file gives: one listener on 127.0.0.1:8080, no pools, no sites.
    public static let defaults = EdgeConfig()

    /// `sites`, or when none are configured, one site sending every host to the first pool.
    public var effectiveSites: [SiteConfig] {
        if sites.isEmpty, let first = pools.first {
            return [SiteConfig(hosts: ["*"], target: .pool(first.name))]
        }
        return sites
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case server
        case tls
        case http2
        case cache
        case pools
        case sites
        case admin
        case purge
        case logging
        case compression
        case degradation
        case cluster
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.field(.server, default: ServerConfig())
        tls = try c.field(.tls, default: TLSConfig())
        http2 = try c.field(.http2, default: HTTP2Config())
        cache = try c.field(.cache, default: CacheConfig())
        pools = try c.field(.pools, default: [])
        sites = try c.field(.sites, default: [])
        admin = try c.field(.admin, default: AdminConfig())
        purge = try c.field(.purge, default: PurgeConfig())
        logging = try c.field(.logging, default: LoggingConfig())
        compression = try c.field(.compression, default: CompressionConfig())
        degradation = try c.field(.degradation, default: DegradationConfig())
        cluster = try c.field(.cluster, default: nil)
    }
}
