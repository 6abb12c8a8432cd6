import NIOHTTP1
import Testing
@testable import EdgeServer

/// What a proxy must not pass on (fields for one connection only) and what it must add (Via,
/// X-Forwarded-*), checked on the request the origin receives and the response the client receives.
@Suite("Hop-by-hop fields and forwarding fields, end to end")
struct HopByHopForwardingTests {
    private func forward(_ edge: EdgeHarness, headers: [(String, String)]) throws -> RawHTTPConnection.Response {
        let connection = try edge.connect(timeoutSeconds: 5)
        try connection.send(EdgeHarness.request(path: "/hop", headers: headers))
        return try connection.readResponse()
    }

    @Test("fields named in Connection are not forwarded, nor is Connection itself")
    func connectionNamedFieldsStripped() async throws {
        try await withEdge { edge, origin in
            let response = try forward(edge, headers: [("Connection", "close, X-Foo"), ("X-Foo", "secret"), ("X-Bar", "kept")])
            #expect(response.status == 200)
            let seen = try #require(origin.requests.first).headers
            #expect(!seen.contains(name: "x-foo"))
            #expect(seen.first(name: "connection")?.lowercased().contains("x-foo") != true)
            #expect(seen["x-bar"] == ["kept"])
        }
    }

    @Test("Keep-Alive, TE, Upgrade and Proxy-Authorization are stripped towards the origin")
    func standardHopByHopStripped() async throws {
        try await withEdge { edge, origin in
            let response = try forward(edge, headers: [
                ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Upgrade", "websocket"),
                ("Proxy-Authorization", "Basic c2VjcmV0"), ("Proxy-Connection", "keep-alive"), ("Trailer", "X-Sum"),
            ])
            #expect(response.status == 200)
            let seen = try #require(origin.requests.first).headers
            for name in ["keep-alive", "te", "upgrade", "proxy-authorization", "proxy-connection", "trailer"] {
                #expect(!seen.contains(name: name), "\(name) reached the origin")
            }
        }
    }

    @Test("hop-by-hop fields from the origin are stripped towards the client")
    func originHopByHopStripped() async throws {
        let headers = [
            ("Connection", "X-Internal"), ("X-Internal", "origin-only"), ("Keep-Alive", "timeout=5"),
            ("Proxy-Authenticate", "Basic realm=x"), ("Upgrade", "h2c"), ("X-Public", "yes"), ("Cache-Control", "no-store"),
        ]
        try await withEdge(origin: { _ in .init(headers: headers, body: "ok") }) { edge, _ in
            let response = try forward(edge, headers: [])
            #expect(response.status == 200)
            #expect(response.text == "ok")
            for name in ["x-internal", "keep-alive", "proxy-authenticate", "upgrade"] {
                #expect(response.header(name) == nil, "\(name) reached the client")
            }
            #expect(response.header("connection")?.lowercased().contains("x-internal") != true)
            #expect(response.header("x-public") == "yes")
        }
    }

    @Test("Via is appended on the way to the origin and on the way back")
    func viaBothWays() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Via", "1.1 origin-cache"), ("Cache-Control", "no-store")], body: "ok") }) { edge, origin in
            let response = try forward(edge, headers: [("Via", "1.0 client-proxy")])
            let seen = try #require(origin.requests.first).headers
            #expect(seen["via"].joined(separator: ", ") == "1.0 client-proxy, 1.1 edge")
            #expect(response.headers("via").joined(separator: ", ") == "1.1 origin-cache, 1.1 edge")
        }
    }

    @Test("Via names the client's protocol version")
    func viaVersion() async throws {
        try await withEdge { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send("GET /v HTTP/1.0\r\nHost: test.example\r\n\r\n")
            _ = try connection.readResponse()
            #expect(origin.requests.first?.headers["via"] == ["1.0 edge"])
        }
    }

    @Test("X-Forwarded-For gets the client address appended, X-Forwarded-Proto is http, Host is passed on")
    func forwardingFields() async throws {
        try await withEdge { edge, origin in
            _ = try forward(edge, headers: [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")])
            let seen = try #require(origin.requests.first).headers
            #expect(seen["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"])
            #expect(seen["x-forwarded-proto"] == ["http"])
            #expect(seen["host"] == ["test.example"])
        }
    }

    @Test("X-Forwarded-For is set to the client address when the client sent none")
    func forwardedForFresh() async throws {
        try await withEdge { edge, origin in
            _ = try forward(edge, headers: [])
            #expect(origin.requests.first?.headers["x-forwarded-for"] == ["127.0.0.1"])
        }
    }

    @Test("an absolute-form target reaches the origin as a path, with its authority as Host")
    func absoluteFormTarget() async throws {
        try await withEdge { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send("GET http://test.example/abs?q=1 HTTP/1.1\r\nHost: test.example\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(origin.requests.first?.uri == "/abs?q=1")
            #expect(origin.requests.first?.headers["host"] == ["test.example"])
        }
    }
}
