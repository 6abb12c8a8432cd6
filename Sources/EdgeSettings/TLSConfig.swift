/// `[tls]`: TLS listeners, their certificates and protocol versions.
///
/// ```toml
/// [tls]
/// listen = ["0.0.0.0:443"]
/// certificates = [
///   { cert = "/etc/edge/shop.pem", key = "/etc/edge/shop.key" },
///   { cert = "/etc/edge/blog.pem", key = "/etc/edge/blog.key", hosts = ["blog.example"] },
/// ]
/// ```
public struct TLSConfig: Sendable, Codable, Equatable {
    /// TLS listeners, `host:port`; HTTP/2 and HTTP/1.1 are chosen by ALPN.
    public var listen: [HostPort] = []
    /// Certificates picked by SNI; the first is used when no name matches (or no SNI is sent).
    public var certificates: [CertificateConfig] = []
    /// The lowest TLS version accepted.
    public var minVersion: TLSMinimumVersion = .tls12
    /// Whether ALPN offers `h2`; off leaves TLS clients on HTTP/1.1.
    public var http2: Bool = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case certificates
        case minVersion = "min_version"
        case http2
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TLSConfig()
        listen = try c.field(.listen, default: d.listen)
        certificates = try c.field(.certificates, default: d.certificates)
        minVersion = try c.field(.minVersion, default: d.minVersion)
        http2 = try c.field(.http2, default: d.http2)
    }
}

/// One certificate chain and its key, PEM files, re-read on `SIGHUP`.
public struct CertificateConfig: Sendable, Codable, Equatable {
    /// The leaf certificate followed by its intermediates.
    public var cert: String
    public var key: String
    /// Names this certificate answers for (`shop.example`, `*.shop.example`); empty means the
    /// names in the certificate itself.
    public var hosts: [String] = []

    public init(cert: String, key: String, hosts: [String] = []) {
        self.cert = cert
        self.key = key
        self.hosts = hosts
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cert
        case key
        case hosts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.contains(.cert), c.contains(.key) else {
            throw ConfigIssue(at: decoder, "a certificate needs cert and key files, like { cert = \"shop.pem\", key = \"shop.key\" }", showsActual: false)
        }
        cert = try c.field(.cert, default: "")
        key = try c.field(.key, default: "")
        hosts = try c.field(.hosts, default: [])
    }
}

/// `tls.min_version`.
public enum TLSMinimumVersion: String, ConfigEnum {
    case tls12 = "1.2"
    case tls13 = "1.3"
}
