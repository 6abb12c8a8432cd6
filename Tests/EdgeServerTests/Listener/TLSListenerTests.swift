import EdgeCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import EdgeServer

/// TLS termination, end to end: a real origin, the real server with TLS and h2c listeners, and
/// curl and openssl as the clients, with a CA made for the test.
@Suite("TLS listener")
struct TLSListenerTests {
    /// An edge with a plain, an h2c and a TLS listener holding certificates for a.test and b.test.
    static func withTLSEdge(
        _ certificates: TestCertificates,
        origin handler: @escaping TestOrigin.Handler = { _ in TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "hello over tls") },
        _ body: (EdgeHarness, TestOrigin, _ a: (cert: String, key: String)) async throws -> Void
    ) async throws {
        let a = try certificates.issue(["a.test", "*.a.test"])
        let b = try certificates.issue(["b.test"])
        try await withEdge(origin: handler, configure: { configuration in
            configuration.h2cListen = [("127.0.0.1", 0)]
            configuration.tls = TLSSettings(listen: [("127.0.0.1", 0)], certificates: [
                CertificateStore.Source(certificatePath: a.cert, keyPath: a.key),
                CertificateStore.Source(certificatePath: b.cert, keyPath: b.key),
            ])
        }) { edge, origin in
            try await body(edge, origin, a)
        }
    }

    static func curl(_ arguments: [String], stdin: Data? = nil) async throws -> ExternalTool.Outcome {
        try await ExternalTool.run("curl", ["--silent", "--show-error", "--max-time", "20"] + arguments, stdin: stdin)
    }

    /// Response headers (`-D`) and body of one curl request; the headers as lower-cased name → value.
    static func fetch(_ arguments: [String], _ url: String) async throws -> (status: Int, headers: [String: String], body: Data, version: String) {
        let outcome = try await curl(arguments + ["--dump-header", "/dev/stderr", "--write-out", "", url])
        guard outcome.exitCode == 0 else { throw ExternalTool.Failure(description: "curl \(url): \(outcome)") }
        var headers: [String: String] = [:]
        var status = 0
        var version = ""
        for line in outcome.stderr.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("HTTP/") {
                let parts = line.split(separator: " ")
                version = String(parts[0])
                status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers, outcome.stdout, version)
    }

    @Test("HTTPS over HTTP/2 and HTTP/1.1 and h2c answer with the same bytes and cache status as plain HTTP/1.1")
    func protocolsAgree() async throws {
        let certificates = try TestCertificates()
        try await Self.withTLSEdge(certificates) { edge, origin, _ in
            let tlsPort = edge.port(.tls)
            // curl's Host would carry the port, and the port is part of the cache key: name the host alike everywhere.
            let resolve = ["--cacert", certificates.caPath, "--resolve", "a.test:\(tlsPort):127.0.0.1", "-H", "Host: a.test"]
            // Same host for every protocol, so all four share one cache entry.
            let plain = try await Self.fetch(["-H", "Host: a.test"], "http://127.0.0.1:\(edge.port)/page")
            let h1 = try await Self.fetch(resolve + ["--http1.1"], "https://a.test:\(tlsPort)/page")
            let h2 = try await Self.fetch(resolve + ["--http2"], "https://a.test:\(tlsPort)/page")
            let h2c = try await Self.fetch(["--http2-prior-knowledge", "-H", "Host: a.test"], "http://127.0.0.1:\(edge.port(.h2c))/page")
            #expect(plain.headers["cache-status"]?.contains("stored") == true)
            #expect(h1.version == "HTTP/1.1")
            #expect(h2.version == "HTTP/2")
            #expect(h2c.version == "HTTP/2")
            for response in [h1, h2, h2c] {
                #expect(response.status == 200)
                #expect(response.body == plain.body)
                #expect(response.headers["cache-status"]?.hasPrefix("edge; hit") == true, "\(response.version) \(response.headers)")
                #expect(response.headers["content-length"] == String(plain.body.count))
            }
            #expect(origin.requests.count == 1, "one origin fetch serves every protocol")
        }
    }

    @Test("SNI picks the certificate whose names match, and the first certificate for names it does not know")
    func sniSelectsCertificate() async throws {
        let certificates = try TestCertificates()
        try await Self.withTLSEdge(certificates) { edge, _, _ in
            let port = edge.port(.tls)
            // curl verifies the name against the CA-signed certificate: a wrong certificate fails the request.
            for host in ["a.test", "www.a.test", "b.test"] {
                let response = try await Self.fetch(["--cacert", certificates.caPath, "--resolve", "\(host):\(port):127.0.0.1"], "https://\(host):\(port)/")
                #expect(response.status == 200, "\(host)")
            }
            #expect(try await Self.servedSubject(port: port, serverName: "b.test").contains("b.test"))
            #expect(try await Self.servedSubject(port: port, serverName: "unknown.test").contains("a.test"))
        }
    }

    @Test("ALPN negotiates h2 when offered and http/1.1 otherwise")
    func alpnNegotiation() async throws {
        let certificates = try TestCertificates()
        try await Self.withTLSEdge(certificates) { edge, _, _ in
            let h2 = try await Self.handshake(port: edge.port(.tls), serverName: "a.test", extra: ["-alpn", "h2,http/1.1"])
            #expect(h2.contains("ALPN protocol: h2"), "\(h2)")
            let h1 = try await Self.handshake(port: edge.port(.tls), serverName: "a.test", extra: ["-alpn", "http/1.1"])
            #expect(h1.contains("ALPN protocol: http/1.1"), "\(h1)")
        }
    }

    @Test("reloaded certificates are presented by the next handshake; a broken file leaves the old ones in use")
    func reloadCertificates() async throws {
        let certificates = try TestCertificates()
        try await Self.withTLSEdge(certificates) { edge, _, a in
            let port = edge.port(.tls)
            let before = try await Self.servedLeaf(port: port, serverName: "a.test")
            #expect(before == (try Self.firstCertificate(in: a.cert)))
            _ = try certificates.issue(["a.test", "*.a.test"])
            try edge.server.reloadCertificates()
            let after = try await Self.servedLeaf(port: port, serverName: "a.test")
            #expect(after == (try Self.firstCertificate(in: a.cert)))
            #expect(after != before)

            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: a.cert))
            #expect(throws: CertificateError.self) { try edge.server.reloadCertificates() }
            #expect(try await Self.servedLeaf(port: port, serverName: "a.test") == after)
        }
    }

    @Test("the origin sees X-Forwarded-Proto https and a Forwarded element with proto=https for TLS clients")
    func forwardingFieldsReflectTLS() async throws {
        let certificates = try TestCertificates()
        try await Self.withTLSEdge(certificates, origin: { _ in TestOrigin.Response(headers: [("cache-control", "no-store")], body: "x") }) { edge, origin, _ in
            let port = edge.port(.tls)
            _ = try await Self.fetch(["--cacert", certificates.caPath, "--resolve", "a.test:\(port):127.0.0.1", "--http2"], "https://a.test:\(port)/f")
            _ = try await Self.fetch([], "http://127.0.0.1:\(edge.port)/f")
            let requests = origin.requests
            try #require(requests.count == 2)
            #expect(requests[0].headers.first(name: "x-forwarded-proto") == "https")
            #expect(requests[0].headers.first(name: "forwarded") == "for=127.0.0.1;proto=https")
            #expect(requests[0].headers.first(name: "via") == "2 edge")
            #expect(requests[1].headers.first(name: "x-forwarded-proto") == "http")
            #expect(requests[1].headers.first(name: "forwarded") == "for=127.0.0.1;proto=http")
        }
    }

    @Test("a certificate file that cannot be read stops start with an error naming the file, and nothing listens")
    func brokenCertificateStopsStart() async throws {
        let certificates = try TestCertificates()
        let a = try certificates.issue(["a.test"])
        let origin = try await TestOrigin()
        defer { Task { await origin.stop() } }
        let missing = certificates.directory.path("missing.pem")
        await #expect {
            _ = try await EdgeHarness(origins: [origin]) { configuration in
                configuration.tls = TLSSettings(listen: [("127.0.0.1", 0)], certificates: [
                    CertificateStore.Source(certificatePath: missing, keyPath: a.key),
                ])
            }
        } throws: { error in
            (error as? CertificateError)?.path == missing
        }
        let wrongKey = try certificates.issue(["b.test"])
        await #expect {
            _ = try await EdgeHarness(origins: [origin]) { configuration in
                configuration.tls = TLSSettings(listen: [("127.0.0.1", 0)], certificates: [
                    CertificateStore.Source(certificatePath: a.cert, keyPath: wrongKey.key),
                ])
            }
        } throws: { error in
            (error as? CertificateError)?.path == wrongKey.key
        }
    }

    @Test("a client that never finishes its TLS handshake is disconnected after the header timeout")
    func handshakeTimeout() async throws {
        let certificates = try TestCertificates()
        let a = try certificates.issue(["a.test"])
        try await withEdge(configure: { configuration in
            configuration.settings.timeouts.clientHeader = .milliseconds(300)
            configuration.tls = TLSSettings(listen: [("127.0.0.1", 0)], certificates: [CertificateStore.Source(certificatePath: a.cert, keyPath: a.key)])
        }) { edge, _ in
            // The start of a ClientHello, and then nothing: the read ends with the server's close,
            // long before the socket's own 5 s receive timeout would.
            let port = edge.port(.tls)
            let (result, error) = try await onThread {
                let fd = try LoopbackSocket.connect(port: port, timeoutSeconds: 5)
                defer { close(fd) }
                try LoopbackSocket.sendAll(fd, [0x16, 0x03, 0x01])
                var byte: UInt8 = 0
                var result = recv(fd, &byte, 1, 0)
                while result > 0 { result = recv(fd, &byte, 1, 0) }
                return (result, errno)
            }
            #expect(result == 0, "closed by the server, not timed out (errno \(error))")
        }
    }

    // MARK: openssl s_client

    static func handshake(port: Int, serverName: String, extra: [String] = []) async throws -> String {
        let outcome = try await ExternalTool.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", serverName, "-showcerts"] + extra, stdin: Data())
        return outcome.stdoutText + outcome.stderr
    }

    static func servedSubject(port: Int, serverName: String) async throws -> String {
        let text = try await handshake(port: port, serverName: serverName)
        return text.split(whereSeparator: \.isNewline).first { $0.contains("s:") || $0.hasPrefix("subject=") }.map(String.init) ?? text
    }

    static func servedLeaf(port: Int, serverName: String) async throws -> String {
        try firstCertificate(inText: await handshake(port: port, serverName: serverName))
    }

    static func firstCertificate(in path: String) throws -> String {
        try firstCertificate(inText: String(contentsOfFile: path, encoding: .utf8))
    }

    static func firstCertificate(inText text: String) throws -> String {
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex) else {
            throw ExternalTool.Failure(description: "no certificate in \(text.prefix(500))")
        }
        return String(text[start.lowerBound..<end.upperBound])
    }
}
