import NIOSSL
import Synchronization

/// How a pool's connections to `https` origins are secured.
public struct OriginTLSSettings: Sendable, Hashable {
    /// PEM file of the CAs to trust instead of the system's trust store; nil means the system's.
    public var caFile: String?
    /// Whether the origin's certificate is checked (chain and name). Off only for testing.
    public var verify: Bool
    /// The name sent in SNI and checked against the certificate; nil means the server's host
    /// (and no SNI when that is an IP address, which is then checked against the certificate's IP names).
    public var serverName: String?
    /// ALPN offers `h2` (the pool speaks HTTP/2) rather than `http/1.1`.
    public var http2: Bool

    public init(caFile: String? = nil, verify: Bool = true, serverName: String? = nil, http2: Bool = false) {
        self.caFile = caFile
        self.verify = verify
        self.serverName = serverName
        self.http2 = http2
    }

    /// The SNI name for a connection to `host`: SNI carries host names only (RFC 6066 §3).
    func sniName(for host: String) -> String? {
        if let serverName { return serverName }
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        return isAddress ? nil : host
    }
}

/// The client TLS contexts of a node's origin pools, made once at start (where a CA file that
/// cannot be read stops the server, naming it) and shared by every event loop's connections.
final class OriginTLSContexts: Sendable {
    private let contexts = Mutex<[OriginTLSSettings: NIOSSLContext]>([:])

    /// Builds the context for `settings` unless it exists.
    func prepare(_ settings: OriginTLSSettings) throws(CertificateError) {
        if contexts.withLock({ $0[settings] }) != nil { return }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = settings.http2 ? ["h2"] : ["http/1.1"]
        configuration.certificateVerification = settings.verify ? .fullVerification : .none
        if let caFile = settings.caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw CertificateError(path: caFile, message: "cannot read the CA certificates (\(error))")
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw CertificateError(path: settings.caFile ?? "", message: "cannot set up TLS to origins (\(error))")
        }
        contexts.withLock { $0[settings] = context }
    }

    func context(for settings: OriginTLSSettings) -> NIOSSLContext? {
        contexts.withLock { $0[settings] }
    }
}
