import EdgeCore

/// `[purge]`: purging from the traffic listener, the fleet of peers, and the tag fields.
public struct PurgeConfig: Sendable, Codable, Equatable {
    /// Client addresses (IPs or CIDR blocks) whose `PURGE /path` on the traffic listener is obeyed;
    /// everyone else gets 405.
    public var allow: [String] = ["127.0.0.1", "::1"]
    /// Admin URLs of the other edge nodes (`http://10.0.0.2:9090`); a client's purge is forwarded to each.
    public var peers: [String] = []
    /// How long one attempt to reach a peer may take.
    public var peerTimeout: TimeSpan = .seconds(2)
    /// Further attempts after a failed one.
    public var peerRetries: Int = 2
    /// Pass `Surrogate-Key` and `Cache-Tag` on to clients (they are removed by default).
    public var keepTagHeaders: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allow
        case peers
        case peerTimeout = "peer_timeout"
        case peerRetries = "peer_retries"
        case keepTagHeaders = "keep_tag_headers"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PurgeConfig()
        allow = try c.field(.allow, default: d.allow)
        peers = try c.field(.peers, default: d.peers)
        peerTimeout = try c.field(.peerTimeout, default: d.peerTimeout)
        peerRetries = try c.field(.peerRetries, default: d.peerRetries)
        keepTagHeaders = try c.field(.keepTagHeaders, default: d.keepTagHeaders)
    }

    func validate() throws(ConfigError) {
        for (index, entry) in allow.enumerated() where AddressAllowList.Entry(entry) == nil {
            throw ConfigError(file: "", key: "purge.allow[\(index)]", message: "expected an IP address or CIDR block like \"10.0.0.0/8\", got \"\(entry)\"")
        }
        for (index, peer) in peers.enumerated() where PeerURL(peer) == nil {
            throw ConfigError(file: "", key: "purge.peers[\(index)]", message: "expected an admin URL like \"http://10.0.0.2:9090\", got \"\(peer)\"")
        }
        if peerTimeout.nanoseconds <= 0 {
            throw ConfigError(file: "", key: "purge.peer_timeout", message: "must be more than 0, got \(peerTimeout)")
        }
        if !(0...10).contains(peerRetries) {
            throw ConfigError(file: "", key: "purge.peer_retries", message: "expected 0 to 10, got \(peerRetries)")
        }
    }
}

/// An admin URL of a peer node: `http://host:port` (path ignored; the purge goes to `/purge`).
public struct PeerURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard text.lowercased().hasPrefix("http://") else { return nil }
        var rest = text.dropFirst("http://".count)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard case .success(let address) = HostPort.parse(String(rest), defaultPort: 80) else { return nil }
        host = address.host
        port = address.port
    }

    public var description: String { "http://\(HostPort(host: host, port: port))" }
}
