/// `[[pools]]`: a named group of origin servers and how requests are spread over them.
public struct PoolConfig: Sendable, Codable, Equatable {
    /// Referenced by `[[sites]] pool = "…"`.
    public var name: String = "default"
    /// At least one; backups are used only when no other server is healthy.
    public var servers: [OriginServerConfig] = []
    public var balancing: BalancingAlgorithm = .roundRobin
    public var maxConnectionsPerServer: Int = 128
    /// TCP connect timeout to an origin.
    public var connectTimeout: TimeSpan = .seconds(3)
    /// Time from sending the request until the first response byte.
    public var firstByteTimeout: TimeSpan = .seconds(30)
    /// Longest silence while reading an origin response.
    public var idleTimeout: TimeSpan = .seconds(60)
    /// How long an idle pooled connection is kept; below the origin's own idle timeout, so that the
    /// origin never closes a connection just as a request goes out on it.
    public var keepaliveTimeout: TimeSpan = .seconds(4)
    /// Certificate checks for `https` servers.
    public var tls = OriginTLSConfig()
    /// Speak HTTP/2 to the servers (ALPN h2 for https, prior knowledge for http), one multiplexed
    /// connection per server and event loop.
    public var http2 = false
    /// Active health checks; nil means none (passive checks still apply).
    public var healthCheck: HealthCheckConfig?
    /// Failed live requests in a row that take a server down; 0 = off. A failure is a refused or reset
    /// connection, a connect or first-byte timeout, a malformed response, or a status in `failStatus`.
    public var maxFails: Int = 3
    /// Response statuses that count as a failed request for `maxFails`; none by default, so an origin's
    /// own errors for some URLs never take it out (nginx counts no status unless told to either).
    public var failStatus: [Int] = []
    /// How long a server taken down by live failures stays out before one request may try it.
    public var failTimeout: TimeSpan = .seconds(10)
    /// Extra attempts on another server after a connection failure or 502/503/504.
    public var retries: Int = 1
    /// Whether PUT and DELETE are retried too (GET, HEAD and OPTIONS always may be).
    public var retryOnUnsafe: Bool = false
    /// Retries may add at most this fraction to the pool's request load.
    public var retryBudget: Double = 0.2
    /// Requests in flight to the pool's servers at once, across all event loops; 0 = unlimited.
    public var maxConcurrentRequests: Int = 0
    /// Requests that may wait for a free slot when the pool is at its cap.
    public var queueSize: Int = 64
    /// How long a request waits in that queue before it gets stale content or 503.
    public var queueTimeout: TimeSpan = .milliseconds(200)

    public init(name: String = "default", servers: [OriginServerConfig] = []) {
        self.name = name
        self.servers = servers
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case servers
        case balancing
        case maxConnectionsPerServer = "max_connections_per_server"
        case connectTimeout = "connect_timeout"
        case firstByteTimeout = "first_byte_timeout"
        case idleTimeout = "idle_timeout"
        case keepaliveTimeout = "keepalive_timeout"
        case tls
        case http2
        case healthCheck = "health_check"
        case maxFails = "max_fails"
        case failStatus = "fail_status"
        case failTimeout = "fail_timeout"
        case retries
        case retryOnUnsafe = "retry_on_unsafe"
        case retryBudget = "retry_budget"
        case maxConcurrentRequests = "max_concurrent_requests"
        case queueSize = "queue_size"
        case queueTimeout = "queue_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PoolConfig()
        name = try c.field(.name, default: d.name)
        servers = try c.field(.servers, default: d.servers)
        balancing = try c.field(.balancing, default: d.balancing)
        maxConnectionsPerServer = try c.field(.maxConnectionsPerServer, default: d.maxConnectionsPerServer)
        connectTimeout = try c.field(.connectTimeout, default: d.connectTimeout)
        firstByteTimeout = try c.field(.firstByteTimeout, default: d.firstByteTimeout)
        idleTimeout = try c.field(.idleTimeout, default: d.idleTimeout)
        keepaliveTimeout = try c.field(.keepaliveTimeout, default: d.keepaliveTimeout)
        tls = try c.field(.tls, default: d.tls)
        http2 = try c.field(.http2, default: d.http2)
        healthCheck = try c.field(.healthCheck, default: d.healthCheck)
        maxFails = try c.field(.maxFails, default: d.maxFails)
        failStatus = try c.field(.failStatus, default: d.failStatus)
        failTimeout = try c.field(.failTimeout, default: d.failTimeout)
        retries = try c.field(.retries, default: d.retries)
        retryOnUnsafe = try c.field(.retryOnUnsafe, default: d.retryOnUnsafe)
        retryBudget = try c.field(.retryBudget, default: d.retryBudget)
        maxConcurrentRequests = try c.field(.maxConcurrentRequests, default: d.maxConcurrentRequests)
        queueSize = try c.field(.queueSize, default: d.queueSize)
        queueTimeout = try c.field(.queueTimeout, default: d.queueTimeout)
    }
}

/// How a pool picks a server.
public enum BalancingAlgorithm: String, ConfigEnum {
    case roundRobin = "round_robin"
    case leastConnections = "least_connections"
    case ipHash = "ip_hash"
    case consistentHash = "consistent_hash"
}

/// One origin server: `{ url = "http://127.0.0.1:9000", weight = 1, backup = false }`.
public struct OriginServerConfig: Sendable, Codable, Equatable {
    /// `http`, or `https` (TLS, checked as the pool's `tls` says).
    public var scheme: OriginScheme = .http
    public var host: String
    public var port: Int
    /// Relative share of requests, at least 1.
    public var weight: Int = 1
    /// Used only when every non-backup server is down.
    public var backup: Bool = false

    public init(scheme: OriginScheme = .http, host: String, port: Int, weight: Int = 1, backup: Bool = false) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.weight = weight
        self.backup = backup
    }

    /// Parses an origin URL such as `http://127.0.0.1:9000` (for `--origin`); the port defaults to 80.
    public init(url: String, weight: Int = 1, backup: Bool = false) throws(ConfigError) {
        switch Self.parseURL(url) {
        case .success(let (scheme, address)):
            self.init(scheme: scheme, host: address.host, port: address.port, weight: weight, backup: backup)
        case .failure(let error):
            throw ConfigError(file: "", message: "\(error.message), got \"\(url)\"")
        }
    }

    /// `http://host:port` or `https://host:port`, IPv6 hosts in brackets.
    public var url: String {
        "\(scheme.rawValue)://\(HostPort(host: host, port: port))"
    }

    static let expectation = "expected an origin URL like \"http://127.0.0.1:9000\" or \"https://origin.example\""

    /// The scheme and address in `url`, or a message saying what is wrong with it.
    static func parseURL(_ url: String) -> Result<(OriginScheme, HostPort), OriginURLError> {
        let lowered = url.lowercased()
        let scheme: OriginScheme
        if lowered.hasPrefix("https://") {
            scheme = .https
        } else if lowered.hasPrefix("http://") {
            scheme = .http
        } else {
            return .failure(OriginURLError(message: expectation))
        }
        var authority = url.dropFirst(scheme.rawValue.count + 3)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "@" }) else {
            return .failure(OriginURLError(message: "expected an origin URL without path, query or user, like \"http://127.0.0.1:9000\""))
        }
        switch HostPort.parse(String(authority), defaultPort: scheme == .https ? 443 : 80) {
        case .success(let address): return .success((scheme, address))
        case .failure(.portOutOfRange): return .failure(OriginURLError(message: "expected a port from 1 to 65535"))
        case .failure(.malformed): return .failure(OriginURLError(message: expectation))
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url
        case weight
        case backup
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text: String = try c.field(.url, default: "")
        guard c.contains(.url) else {
            throw ConfigIssue(at: decoder, "a server needs a url, like { url = \"http://127.0.0.1:9000\" }", showsActual: false)
        }
        switch Self.parseURL(text) {
        case .success(let (parsedScheme, address)):
            scheme = parsedScheme
            host = address.host
            port = address.port
        case .failure(let error):
            throw ConfigIssue(path: ConfigPath.components(decoder.codingPath) + [.key("url")], message: error.message)
        }
        weight = try c.field(.weight, default: 1)
        backup = try c.field(.backup, default: false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(url, forKey: .url)
        try c.encode(weight, forKey: .weight)
        try c.encode(backup, forKey: .backup)
    }
}

/// Why an origin URL was refused.
struct OriginURLError: Error {
    var message: String
}

/// Protocols Edge speaks to origins.
public enum OriginScheme: String, Sendable, Hashable, Codable {
    case http
    case https
}
