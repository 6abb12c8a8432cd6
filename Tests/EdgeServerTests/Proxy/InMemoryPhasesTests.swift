import EdgeCore
import EdgeTesting
import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeServer

/// The phases driven in memory (`EdgeTesting.InMemoryEdge`): no socket, no origin, the node's real
/// pipeline on an `EmbeddedChannel`.
@Suite("The request phases, in memory")
struct InMemoryPhasesTests {
    static func node(progressive: ProgressiveSettings? = nil) throws -> InMemoryEdge {
        var site = EdgeServer.SiteRoute(hosts: ["shop.example"], poolName: "default", servers: [OriginServer(host: "127.0.0.1", port: 9)])
        site.progressive = progressive
        return try InMemoryEdge(configuration: EdgeServer.Configuration(listen: [], eventLoops: 1, sites: [site]))
    }

    static func stored(_ body: String, _ fields: [(String, String)]) -> CachedResponse {
        let now = ProxyServices.now()
        return CachedResponse(
            status: 200, headers: HTTPHeaders(fields + [("date", HTTPDate.format(now))]), body: ByteBuffer(string: body),
            timing: StoredResponseTiming(requestTime: now, responseTime: now),
            secondaryKey: SecondaryKey(vary: HTTPHeaders(), request: HTTPHeaders())!)
    }

    /// The head's field lines without the ones that change from moment to moment.
    static func fields(_ response: String) -> [String] {
        response.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
            .filter { !$0.lowercased().hasPrefix("age:") && !$0.lowercased().hasPrefix("cache-status:") }
    }

    @Test("a stored hit gets the same head through the full path as through the shortcut")
    func oneDefinitionOfAHit() async throws {
        let edge = try Self.node()
        edge.store(Self.stored("hello", [("cache-control", "max-age=600"), ("content-type", "text/plain"), ("surrogate-key", "t1")]),
                   url: "http://shop.example/a")
        let (shortcut, fullPath) = try edge.withConnection { connection in
            (try connection.send("GET /a HTTP/1.1\r\nHost: shop.example\r\n\r\n"),
             // A field the shortcut leaves to the full path, which changes nothing about this response.
             try connection.send("GET /a HTTP/1.1\r\nHost: shop.example\r\nExpect: nothing\r\n\r\n"))
        }
        #expect(shortcut.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(shortcut.hasSuffix("\r\n\r\nhello"))
        #expect(Self.fields(shortcut) == Self.fields(fullPath))
        #expect(shortcut.contains("cache-status: edge; hit; ttl="))
        #expect(!shortcut.lowercased().contains("surrogate-key"), "the response filter chain takes the purge tags off")
        #expect(edge.server.counters["shortcut_hits"] == 1)
        #expect(edge.server.counters["hits"] == 2)
        await edge.stop()
    }

    @Test("the request filter refuses a path above the root before any other phase runs")
    func requestFilterFirst() async throws {
        let edge = try Self.node()
        let response = try edge.withConnection { try $0.send("GET /a/../../etc/passwd HTTP/1.1\r\nHost: nowhere.example\r\n\r\n") }
        #expect(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(response.contains("request path climbs above the root"))
        await edge.stop()
    }

    @Test("a host no site serves gets 421 from the route phase")
    func routePhase() async throws {
        let edge = try Self.node()
        let response = try edge.withConnection { try $0.send("GET / HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n") }
        #expect(response.hasPrefix("HTTP/1.1 421 Misdirected Request\r\n"))
        await edge.stop()
    }

    @Test("a conditional hit is answered with 304 and a range hit with 206, from the stored response")
    func conditionalsAndRanges() async throws {
        let edge = try Self.node()
        edge.store(Self.stored("0123456789", [("cache-control", "max-age=600"), ("etag", "\"v1\"")]), url: "http://shop.example/r")
        let (notModified, partial) = try edge.withConnection { connection in
            (try connection.send("GET /r HTTP/1.1\r\nHost: shop.example\r\nIf-None-Match: \"v1\"\r\n\r\n"),
             try connection.send("GET /r HTTP/1.1\r\nHost: shop.example\r\nRange: bytes=2-4\r\n\r\n"))
        }
        #expect(notModified.hasPrefix("HTTP/1.1 304 Not Modified\r\n"))
        #expect(partial.hasPrefix("HTTP/1.1 206 Partial Content\r\n"))
        #expect(partial.contains("content-range: bytes 2-4/10"))
        #expect(partial.hasSuffix("\r\n\r\n234"))
        await edge.stop()
    }

    @Test("only-if-cached with nothing stored gets 504 and never reaches for the origin")
    func onlyIfCached() async throws {
        let edge = try Self.node()
        let response = try edge.withConnection {
            try $0.send("GET /none HTTP/1.1\r\nHost: shop.example\r\nCache-Control: only-if-cached\r\n\r\n")
        }
        #expect(response.hasPrefix("HTTP/1.1 504 Gateway Timeout\r\n"))
        #expect(edge.server.counters["origin_requests"] == 0)
        await edge.stop()
    }
}
