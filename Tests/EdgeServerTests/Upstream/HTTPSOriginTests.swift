import EdgeCore
import NIOSSL
import Synchronization
import Testing
@testable import EdgeServer

/// `https` origins: the edge verifies them against a CA, sends SNI, and reuses its TLS connections.
@Suite("HTTPS origins")
struct HTTPSOriginTests {
    /// An origin answering over TLS with a certificate for `names`, recording the SNI name of each handshake.
    final class TLSOrigin: Sendable {
        final class Log: Sendable {
            let serverNames = Mutex<[String?]>([])
        }

        let origin: TestOrigin
        private let log = Log()

        var handshakes: [String?] { log.serverNames.withLock { $0 } }

        init(_ certificates: TestCertificates, names: [String]) async throws {
            let files = try certificates.issue(names, file: "origin-\(names[0])")
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(files.cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: files.key, format: .pem)))
            let log = self.log
            configuration.sslContextCallback = { values, promise in
                log.serverNames.withLock { $0.append(values.serverHostname) }
                promise.succeed(.noChanges)
            }
            origin = try await TestOrigin(tls: try NIOSSLContext(configuration: configuration)) { request in
                TestOrigin.Response(headers: [("cache-control", "no-store")], body: "secure \(request.uri)")
            }
        }
    }

    static func withHTTPSOrigin(
        names: [String] = ["origin.test"], settings: OriginTLSSettings?,
        _ body: (EdgeHarness, TLSOrigin, TestCertificates) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates()
        let origin = try await TLSOrigin(certificates, names: names)
        var settings = settings
        if settings?.caFile == "CA" { settings?.caFile = certificates.caPath }
        try await withEdge(in: origin.origin, configure: { configuration in
            configuration.sites[0].upstream.tls = settings
        }) { edge, _ in
            try await body(edge, origin, certificates)
        }
    }

    @Test("an https origin is verified against the configured CA under its server name, sent as SNI")
    func verifiedWithSNI() async throws {
        try await Self.withHTTPSOrigin(settings: OriginTLSSettings(caFile: "CA", serverName: "origin.test")) { edge, origin, _ in
            let response = try edge.get("/hello")
            #expect(response.status == 200)
            #expect(response.text == "secure /hello")
            #expect(origin.handshakes == ["origin.test"])
        }
    }

    @Test("keep-alive TLS connections to an origin are reused: two requests, one handshake")
    func reusesConnections() async throws {
        try await Self.withHTTPSOrigin(settings: OriginTLSSettings(caFile: "CA", serverName: "origin.test")) { edge, origin, _ in
            let connection = try edge.connect()
            for path in ["/one", "/two"] {
                try connection.send(EdgeHarness.request(path: path))
                let response = try connection.readResponse()
                #expect(response.text == "secure \(path)")
            }
            #expect(origin.handshakes.count == 1)
        }
    }

    @Test("an origin whose certificate does not name the expected server gets 502, naming TLS, and serves nothing")
    func wrongNameIsRefused() async throws {
        try await Self.withHTTPSOrigin(settings: OriginTLSSettings(caFile: "CA", serverName: "other.test")) { edge, _, _ in
            let response = try edge.get("/hello")
            #expect(response.status == 502)
            #expect(response.text.contains("TLS with origin"), "\(response.text)")
        }
    }

    @Test("an origin signed by a CA the edge does not trust gets 502")
    func untrustedCAIsRefused() async throws {
        // The system trust store knows nothing of the test's CA.
        try await Self.withHTTPSOrigin(settings: OriginTLSSettings(serverName: "origin.test")) { edge, _, _ in
            let response = try edge.get("/hello")
            #expect(response.status == 502)
        }
    }

    @Test("verify = false accepts an origin no CA vouches for")
    func verificationOff() async throws {
        try await Self.withHTTPSOrigin(settings: OriginTLSSettings(verify: false)) { edge, _, _ in
            let response = try edge.get("/hello")
            #expect(response.status == 200)
        }
    }

    @Test("a CA file that cannot be read stops start with an error naming it")
    func unreadableCAFile() async throws {
        let origin = try await TestOrigin()
        defer { Task { await origin.stop() } }
        await #expect {
            _ = try await EdgeHarness(origins: [origin]) { configuration in
                configuration.sites[0].upstream.tls = OriginTLSSettings(caFile: "/nonexistent/ca.pem")
            }
        } throws: { error in
            (error as? CertificateError)?.path == "/nonexistent/ca.pem"
        }
    }
}
