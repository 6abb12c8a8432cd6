/// `[[pools]] tls = { … }`: how the edge checks `https` origin servers.
public struct OriginTLSConfig: Sendable, Codable, Equatable {
    /// PEM file of the CAs to trust; empty means the system's trust store.
    public var caFile: String = ""
    /// Check the origin's certificate chain and name. Turn off only for testing.
    public var verify: Bool = true
    /// The name sent in SNI and checked against the certificate; empty means the server's host.
    public var serverName: String = ""

    public init(caFile: String = "", verify: Bool = true, serverName: String = "") {
        self.caFile = caFile
        self.verify = verify
        self.serverName = serverName
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case caFile = "ca_file"
        case verify
        case serverName = "server_name"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OriginTLSConfig()
        caFile = try c.field(.caFile, default: d.caFile)
        verify = try c.field(.verify, default: d.verify)
        serverName = try c.field(.serverName, default: d.serverName)
    }
}
