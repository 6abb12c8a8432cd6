/// `[admin]`: the separate listener for purge, flags and metrics.
public struct AdminConfig: Sendable, Codable, Equatable {
    /// Admin listener address.
    public var listen: HostPort = HostPort(host: "127.0.0.1", port: 9090)
    /// Bearer token required by the admin API; empty means none. `EDGE_ADMIN_TOKEN` overrides it.
    public var token: String = ""

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case token
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdminConfig()
        listen = try c.field(.listen, default: d.listen)
        token = try c.field(.token, default: d.token)
    }
}
