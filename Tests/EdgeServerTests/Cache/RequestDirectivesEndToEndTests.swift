import Testing
@testable import EdgeServer

/// Request Cache-Control directives (RFC 9111 §5.2.1) and Pragma (§5.4) against a stored response.
@Suite("Request cache directives through the real server")
struct RequestDirectivesEndToEndTests {
    /// The origin answers a validated request with 304, otherwise with a fresh 200 carrying an ETag.
    static let validatingOrigin: TestOrigin.Handler = { request in
        if request.headers.first(name: "if-none-match") == "\"v1\"" {
            return .init(status: 304, headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=600")])
        }
        return .init(headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=600")], body: "stored body")
    }

    @Test("request no-cache revalidates a fresh stored response with the origin")
    func noCacheRevalidates() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            let revalidated = try edge.get("/r", headers: [("Cache-Control", "no-cache")])
            #expect(revalidated.status == 200)
            #expect(revalidated.text == "stored body")
            #expect(revalidated.cacheStatus.fwd == "stale")
            #expect(revalidated.cacheStatus.fwdStatus == 304)
            #expect(origin.requestCount == 2)
            #expect(origin.requests.last?.headers.first(name: "if-none-match") == "\"v1\"")
        }
    }

    @Test("request max-age=0 revalidates a fresh stored response with the origin")
    func maxAgeZeroRevalidates() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            let revalidated = try edge.get("/r", headers: [("Cache-Control", "max-age=0")])
            #expect(revalidated.text == "stored body")
            #expect(revalidated.cacheStatus.fwdStatus == 304)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("request max-age larger than the stored response's age is served from cache")
    func largeRequestMaxAgeHits() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            #expect(try edge.get("/r", headers: [("Cache-Control", "max-age=300")]).cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("min-fresh beyond the remaining lifetime sends the request to the origin, within it is a hit")
    func minFresh() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            #expect(try edge.get("/r", headers: [("Cache-Control", "min-fresh=60")]).cacheStatus.isHit)
            #expect(origin.requestCount == 1)
            let tooOld = try edge.get("/r", headers: [("Cache-Control", "min-fresh=3600")])
            #expect(!tooOld.cacheStatus.isHit)
            #expect(tooOld.text == "stored body")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("max-stale lets a stale response be served without waiting for the origin")
    func maxStaleServesStale() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/s")
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v2", delay: .seconds(2)) }
            try await waitForStaleness()
            let stale = try edge.get("/s", headers: [("Cache-Control", "max-stale=60")])
            #expect(stale.text == "v1")
            #expect(stale.cacheStatus.isHit)
            #expect(stale.cacheStatus.has("stale"))
        }
    }

    @Test("max-stale with a bound smaller than the staleness does not accept the stale response")
    func maxStaleTooSmall() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/s")
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v2") }
            try await Task.sleep(for: .seconds(3))
            let response = try edge.get("/s", headers: [("Cache-Control", "max-stale=1")])
            #expect(response.text == "v2")
            #expect(response.cacheStatus.fwd == "stale")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("only-if-cached with nothing stored answers 504 without asking the origin")
    func onlyIfCachedMiss() async throws {
        try await withEdge { edge, origin in
            let response = try edge.get("/nothing", headers: [("Cache-Control", "only-if-cached")])
            #expect(response.status == 504)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("only-if-cached with a fresh stored response is a hit")
    func onlyIfCachedHit() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "here") }) { edge, origin in
            _ = try edge.get("/here")
            let response = try edge.get("/here", headers: [("Cache-Control", "only-if-cached")])
            #expect(response.status == 200)
            #expect(response.text == "here")
            #expect(response.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("only-if-cached with only a stale stored response answers 504 without asking the origin")
    func onlyIfCachedStale() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "old") }) { edge, origin in
            _ = try edge.get("/old")
            try await waitForStaleness()
            let response = try edge.get("/old", headers: [("Cache-Control", "only-if-cached")])
            #expect(response.status == 504)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("request no-store keeps the response out of the cache")
    func requestNoStoreNotStored() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "x") }) { edge, origin in
            let first = try edge.get("/nostore", headers: [("Cache-Control", "no-store")])
            #expect(first.text == "x")
            #expect(!first.cacheStatus.has("stored"))
            let second = try edge.get("/nostore")
            #expect(!second.cacheStatus.isHit)
            #expect(second.cacheStatus.fwd == "uri-miss")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("request no-store does not replace what is stored")
    func requestNoStoreLeavesStoredEntry() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v1") }) { edge, origin in
            _ = try edge.get("/keep")
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v2") }
            let bypass = try edge.get("/keep", headers: [("Cache-Control", "no-store")])
            #expect(bypass.text == "v2" || bypass.text == "v1")
            let later = try edge.get("/keep")
            #expect(later.text == "v1")
            #expect(later.cacheStatus.isHit)
        }
    }

    @Test("Pragma no-cache without Cache-Control revalidates like no-cache")
    func pragmaNoCache() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            let response = try edge.get("/r", headers: [("Pragma", "no-cache")])
            #expect(response.text == "stored body")
            #expect(!response.cacheStatus.isHit)
            #expect(response.cacheStatus.fwdStatus == 304)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("Pragma no-cache is ignored when the request has Cache-Control")
    func pragmaIgnoredWithCacheControl() async throws {
        try await withEdge(origin: Self.validatingOrigin) { edge, origin in
            _ = try edge.get("/r")
            let response = try edge.get("/r", headers: [("Pragma", "no-cache"), ("Cache-Control", "max-age=600")])
            #expect(response.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }
}
