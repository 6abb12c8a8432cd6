/// `[server]`: the traffic listeners and the limits that protect them.
public struct ServerConfig: Sendable, Codable, Equatable {
    /// Traffic listeners, `host:port`.
    public var listen: [HostPort] = [HostPort(host: "127.0.0.1", port: 8080)]
    /// Cleartext HTTP/2 listeners (prior knowledge, h2c), for load balancers in front of the edge.
    public var h2cListen: [HostPort] = []
    /// Event loops; 0 means one per core.
    public var eventLoops: Int = 0
    /// The whole request head must arrive within this (slowloris defence).
    public var clientHeaderTimeout: TimeSpan = .seconds(10)
    /// How long an idle keep-alive client connection is kept.
    public var clientIdleTimeout: TimeSpan = .seconds(60)
    /// How long in-flight requests may finish after SIGTERM/SIGINT.
    public var drainTimeout: TimeSpan = .seconds(30)
    /// Longest request line in bytes (method + target + version).
    public var maxRequestLine: Int = 8192
    /// Largest request head in bytes.
    public var maxHeaderBytes: Int = 65536
    /// Most header fields in a request.
    public var maxHeaderCount: Int = 100
    /// Largest request body; 0 means unlimited (bodies stream).
    public var maxBodySize: ByteSize = ByteSize(bytes: 0)
    /// The pseudonym this node adds to `Via`.
    public var via: String = "edge"
    /// Where `edge serve` writes its process id, for `edge reload` and `edge reopen-logs` (and
    /// systemd's `PIDFile=`); unset, none is written.
    public var pidFile: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case h2cListen = "h2c_listen"
        case eventLoops = "event_loops"
        case clientHeaderTimeout = "client_header_timeout"
        case clientIdleTimeout = "client_idle_timeout"
        case drainTimeout = "drain_timeout"
        case maxRequestLine = "max_request_line"
        case maxHeaderBytes = "max_header_bytes"
        case maxHeaderCount = "max_header_count"
        case maxBodySize = "max_body_size"
        case via
        case pidFile = "pid_file"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerConfig()
        // A single address may be written without the array brackets.
        if (try? c.decode(String.self, forKey: .listen)) != nil {
            listen = [try c.decode(HostPort.self, forKey: .listen)]
        } else {
            listen = try c.field(.listen, default: d.listen)
        }
        h2cListen = try c.field(.h2cListen, default: d.h2cListen)
        eventLoops = try c.field(.eventLoops, default: d.eventLoops)
        clientHeaderTimeout = try c.field(.clientHeaderTimeout, default: d.clientHeaderTimeout)
        clientIdleTimeout = try c.field(.clientIdleTimeout, default: d.clientIdleTimeout)
        drainTimeout = try c.field(.drainTimeout, default: d.drainTimeout)
        maxRequestLine = try c.field(.maxRequestLine, default: d.maxRequestLine)
        maxHeaderBytes = try c.field(.maxHeaderBytes, default: d.maxHeaderBytes)
        maxHeaderCount = try c.field(.maxHeaderCount, default: d.maxHeaderCount)
        maxBodySize = try c.field(.maxBodySize, default: d.maxBodySize)
        via = try c.field(.via, default: d.via)
        pidFile = try c.optionalField(.pidFile)
    }
}
