import EdgeCore
import NIOCore

/// The settings the running server reads on its hot paths, in NIO's units, derived once from `EdgeConfig`.
public struct ProxySettings: Sendable {
    public struct Limits: Sendable {
        public var maxRequestLine: Int = 8192
        public var maxHeaderBytes: Int = 65_536
        public var maxHeaderCount: Int = 100
        /// 0 means unlimited: bodies stream with backpressure.
        public var maxBodyBytes: Int = 0
        public init() {}
    }

    public struct Timeouts: Sendable {
        public var clientHeader: TimeAmount = .seconds(10)
        public var clientIdle: TimeAmount = .seconds(60)
        public var drain: TimeAmount = .seconds(30)
        public init() {}
    }

    public var limits = Limits()
    public var timeouts = Timeouts()
    public var viaPseudonym = "edge"
    /// This cache's name in `Cache-Status` (`edge`, or `edge-10.0.0.2` in a cluster).
    public var cacheName = "edge"
    public var policy = CachePolicySettings()
    /// Extra window in which a stale response may be served when the origin fails.
    public var graceSeconds: Double = 0
    /// How stale a response may be served when no origin can be reached at all.
    public var staleIfUnreachableSeconds: Double = 86_400
    /// Pass CDN-Cache-Control and Surrogate-Control on to clients.
    public var keepCDNCacheControl = true
    /// Pass the purge tag fields (Surrogate-Key, Cache-Tag) on to clients.
    public var keepTagHeaders = false
    /// What is compressed and how (`[compression]`).
    public var compression = CompressionSettings()

    public init() {}
}

/// How the edge talks to the servers of one origin pool.
public struct UpstreamPolicy: Sendable, Equatable {
    /// TLS to the pool's servers (`https` origins); nil for plain HTTP.
    public var tls: OriginTLSSettings?
    /// Speak HTTP/2 to the pool's servers: ALPN `h2` over TLS, prior knowledge (h2c) in the clear;
    /// one multiplexed connection per server and event loop.
    public var http2 = false
    public var connectTimeout: TimeAmount = .seconds(3)
    public var firstByteTimeout: TimeAmount = .seconds(30)
    public var idleTimeout: TimeAmount = .seconds(60)
    public var keepAliveTimeout: TimeAmount = .seconds(4)
    /// Across all event loops; each loop may open its share.
    public var maxConnectionsPerServer = 128
    /// The local address connections come from (a cluster node's own, so its peers know it); nil
    /// lets the system choose.
    public var sourceAddress: String?
    public init() {}
}
