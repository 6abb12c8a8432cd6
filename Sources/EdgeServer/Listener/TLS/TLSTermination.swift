import EdgeCore
import EdgeSettings
import NIOSSL

/// What the TLS listeners are configured with.
public struct TLSSettings: Sendable {
    public var listen: [(host: String, port: Int)]
    public var certificates: [CertificateStore.Source]
    public var minimumVersion: TLSMinimumVersion
    /// Whether ALPN offers `h2` before `http/1.1`.
    public var offersHTTP2: Bool

    public init(listen: [(host: String, port: Int)], certificates: [CertificateStore.Source],
                minimumVersion: TLSMinimumVersion = .tls12, offersHTTP2: Bool = true) {
        self.listen = listen
        self.certificates = certificates
        self.minimumVersion = minimumVersion
        self.offersHTTP2 = offersHTTP2
    }
}

/// The server side of TLS: one context for every TLS listener, whose handshakes pick their
/// certificate by SNI from the `CertificateStore`, so a reload reaches the next handshake.
final class TLSTermination: Sendable {
    let store: CertificateStore
    private let context: NIOSSLContext

    init(settings: TLSSettings) throws(CertificateError) {
        let store = try CertificateStore(sources: settings.certificates)
        let fallback = store.entry(forServerName: nil)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: fallback.chain.map { .certificate($0) }, privateKey: .privateKey(fallback.key))
        configuration.minimumTLSVersion = settings.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = settings.offersHTTP2 ? ["h2", "http/1.1"] : ["http/1.1"]
        configuration.sslContextCallback = { values, promise in
            let entry = store.entry(forServerName: values.serverHostname)
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = entry.chain.map { .certificate($0) }
            override.privateKey = .privateKey(entry.key)
            promise.succeed(override)
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw CertificateError(path: "", message: "cannot set up TLS (\(error))")
        }
        self.store = store
    }

    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context)
    }
}
