import EdgeCore
import Testing
@testable import EdgeServer

/// Each kind of purge against a running node with a real origin: afterwards every covered URL (every
/// variant) is a miss, and every uncovered one is still a hit.
@Suite("Purge through the real server")
struct PurgeEndToEndTests {
    /// Cacheable for 10 minutes, varying on Accept-Encoding, tagged by path.
    static let origin: TestOrigin.Handler = { request in
        var headers = [("Cache-Control", "max-age=600"), ("Vary", "Accept-Encoding")]
        if request.uri.hasPrefix("/t/1") { headers.append(("Surrogate-Key", "red shared")) }
        if request.uri.hasPrefix("/t/2") { headers.append(("Cache-Tag", "blue, shared")) }
        let encoding = request.headers.first(name: "accept-encoding") ?? "none"
        return TestOrigin.Response(headers: headers, body: "\(request.uri) for \(encoding)")
    }

    static let variants: [[(String, String)]] = [[("Accept-Encoding", "gzip")], [("Accept-Encoding", "br")]]

    /// Stores every variant of every path, and checks that each is now a hit.
    static func prime(_ edge: EdgeHarness, _ paths: [String]) throws {
        for path in paths {
            for headers in variants {
                _ = try edge.get(path, headers: headers)
                #expect(try edge.get(path, headers: headers).cacheStatus.isHit, "\(path) \(headers) should be stored")
            }
        }
    }

    static func expectMisses(_ edge: EdgeHarness, _ paths: [String]) throws {
        for path in paths {
            for headers in variants {
                let response = try edge.get(path, headers: headers)
                #expect(!response.cacheStatus.isHit, "\(path) \(headers) should have been purged: \(response.cacheStatus)")
            }
        }
    }

    static func expectHits(_ edge: EdgeHarness, _ paths: [String]) throws {
        for path in paths {
            for headers in variants {
                #expect(try edge.get(path, headers: headers).cacheStatus.isHit, "\(path) \(headers) should still be stored")
            }
        }
    }

    @Test("a URL purge removes every variant of the URL, normalised like the cache key")
    func urlPurge() async throws {
        try await withAdminEdge(origin: Self.origin) { edge, _ in
            try Self.prime(edge, ["/a?x=1", "/b"])
            let answer = try edge.purge(#"{"urls":["https://TEST.example:443/a?x=1"]}"#)
            #expect(answer.status == 200)
            #expect(answer.text.contains(#""purged":1"#), "\(answer)")
            try Self.expectMisses(edge, ["/a?x=1"])
            try Self.expectHits(edge, ["/b"])
        }
    }

    @Test("a prefix purge removes the URLs under it and keeps the rest")
    func prefixPurge() async throws {
        try await withAdminEdge(origin: Self.origin) { edge, _ in
            try Self.prime(edge, ["/img/1", "/img/deep/2", "/imgx", "/other"])
            let answer = try edge.purge(#"{"prefixes":["http://test.example/img/"]}"#)
            #expect(answer.text.contains(#""purged":2"#), "\(answer)")
            try Self.expectMisses(edge, ["/img/1", "/img/deep/2"])
            try Self.expectHits(edge, ["/imgx", "/other"])
        }
    }

    @Test("a tag purge removes responses tagged by Surrogate-Key or Cache-Tag, which clients never see")
    func tagPurge() async throws {
        try await withAdminEdge(origin: Self.origin) { edge, _ in
            try Self.prime(edge, ["/t/1", "/t/2", "/u"])
            let tagged = try edge.get("/t/1", headers: Self.variants[0])
            #expect(tagged.header("surrogate-key") == nil)
            #expect(try edge.get("/t/2").header("cache-tag") == nil)
            #expect(try edge.purge(#"{"tags":["red"]}"#).text.contains(#""purged":1"#))
            try Self.expectMisses(edge, ["/t/1"])
            try Self.expectHits(edge, ["/t/2", "/u"])
            try Self.prime(edge, ["/t/1"])
            #expect(try edge.purge(#"{"tags":["shared"]}"#).text.contains(#""purged":2"#))
            try Self.expectMisses(edge, ["/t/1", "/t/2"])
            try Self.expectHits(edge, ["/u"])
        }
    }

    @Test("tag fields reach clients when purge.keep_tag_headers is set")
    func keepTagHeaders() async throws {
        try await withAdminEdge(origin: Self.origin, configure: { configuration in configuration.settings.keepTagHeaders = true }) { edge, _ in
            let miss = try edge.get("/t/1")
            let hit = try edge.get("/t/1")
            #expect(miss.header("surrogate-key") == "red shared")
            #expect(hit.cacheStatus.isHit)
            #expect(hit.header("surrogate-key") == "red shared", "on a hit too")
        }
    }

    @Test("a purge of everything makes every URL a miss")
    func purgeAll() async throws {
        try await withAdminEdge(origin: Self.origin) { edge, _ in
            try Self.prime(edge, ["/a", "/b/c", "/t/1"])
            let answer = try edge.purge(#"{"all":true}"#)
            #expect(answer.text.contains(#""purged":3"#), "\(answer)")
            try Self.expectMisses(edge, ["/a", "/b/c", "/t/1"])
            try Self.expectHits(edge, ["/a"])
            // The hidden entries are swept in the background; what was stored since stays.
            #expect(await eventually { edge.server.cache.store.stats.entries == 3 })
        }
    }

    @Test("a fetch that began before a purge covering it does not store its response")
    func purgeWinsOverSlowFetch() async throws {
        try await withAdminEdge(origin: { request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "slow", delay: request.uri == "/slow" ? .milliseconds(700) : .zero)
        }) { edge, origin in
            let port = edge.port
            let pending = Task.detached { try await EdgeServeProcess.get(port: port, "/slow") }
            #expect(await eventually { origin.requestCount == 1 }, "the fetch should have reached the origin")
            #expect(try edge.purge(#"{"urls":["http://test.example/slow"]}"#).status == 200)
            let slow = try await pending.value
            #expect(slow.text == "slow")
            #expect(!(try edge.get("/slow")).cacheStatus.isHit, "the purge must win over the fetch that began before it")
            #expect(origin.requestCount == 2)
        }
    }
}
