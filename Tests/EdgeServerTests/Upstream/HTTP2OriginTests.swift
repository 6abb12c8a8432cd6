import EdgeCore
import NIOCore
import NIOSSL
import Testing
@testable import EdgeServer

/// Pools that speak HTTP/2 to their origins: requests become streams of one reused connection.
@Suite("HTTP/2 origins")
struct HTTP2OriginTests {
    static func withHTTP2Origin(
        tls: NIOSSLContext? = nil,
        upstreamTLS: OriginTLSSettings? = nil,
        _ handler: @escaping TestOrigin.Handler,
        _ body: (EdgeHarness, TestOrigin) async throws -> Void
    ) async throws {
        let origin = try await TestOrigin(tls: tls, http2: true, handler)
        try await withEdge(in: origin, configure: { configuration in
            // One event loop: one connection per origin server.
            configuration.eventLoops = 1
            configuration.sites[0].upstream.http2 = true
            configuration.sites[0].upstream.tls = upstreamTLS
        }, body)
    }

    @Test("concurrent requests to an h2c origin travel as streams of one connection")
    func multiplexesOnOneConnection() async throws {
        try await Self.withHTTP2Origin({ request in
            TestOrigin.Response(headers: [("cache-control", "no-store")], body: "h2 \(request.uri)", delay: .milliseconds(100))
        }) { edge, origin in
            let responses = try edge.concurrentGets("/same", count: 10)
            #expect(responses.map(\.status) == Array(repeating: 200, count: 10))
            #expect(responses.allSatisfy { $0.text == "h2 /same" })
            #expect(origin.requestCount == 10)
            #expect(origin.connectionCount == 1)
            // Later requests reuse the connection too.
            let later = try edge.get("/later")
            #expect(later.text == "h2 /later")
            #expect(origin.connectionCount == 1)
        }
    }

    @Test("a body larger than the HTTP/2 flow-control window streams through from the origin whole")
    func largeBodyStreams() async throws {
        try await Self.withHTTP2Origin({ _ in
            var response = TestOrigin.Response(headers: [("cache-control", "max-age=60")])
            response.generatedLength = 3 << 20
            return response
        }) { edge, _ in
            let response = try edge.get("/big")
            #expect(response.status == 200)
            #expect(response.body.count == 3 << 20)
            #expect(response.body.allSatisfy { $0 == UInt8(ascii: "x") })
            let hit = try edge.get("/big")
            #expect(hit.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(hit.body.count == 3 << 20)
        }
    }

    @Test("a request body reaches an HTTP/2 origin whole")
    func requestBody() async throws {
        try await Self.withHTTP2Origin({ request in
            TestOrigin.Response(body: "got \(request.body.count)")
        }) { edge, origin in
            let payload = String(repeating: "abcdefgh", count: 40_000)
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(method: "POST", path: "/upload", body: payload))
            let response = try connection.readResponse()
            #expect(response.text == "got \(payload.utf8.count)")
            #expect(origin.requests.first?.body == Array(payload.utf8))
        }
    }

    @Test("an https origin is spoken to over HTTP/2 when ALPN agrees on h2")
    func httpsWithALPN() async throws {
        let certificates = try TestCertificates()
        let files = try certificates.issue(["origin.test"])
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(files.cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: files.key, format: .pem)))
        configuration.applicationProtocols = ["h2"]
        let upstream = OriginTLSSettings(caFile: certificates.caPath, serverName: "origin.test", http2: true)
        try await Self.withHTTP2Origin(tls: try NIOSSLContext(configuration: configuration), upstreamTLS: upstream, { request in
            TestOrigin.Response(headers: [("cache-control", "no-store")], body: "secure h2 \(request.uri)")
        }) { edge, origin in
            let first = try edge.get("/a")
            let second = try edge.get("/b")
            #expect(first.text == "secure h2 /a")
            #expect(second.text == "secure h2 /b")
            #expect(origin.connectionCount == 1)
        }
    }
}
