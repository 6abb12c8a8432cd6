import Testing
@testable import EdgeServer

/// How long a stored response is served without asking the origin (RFC 9111 §4.2, RFC 9213),
/// and what the edge says about it in Age and Cache-Status (RFC 9211).
@Suite("Freshness through the real server")
struct FreshnessEndToEndTests {
    @Test("a fresh response is stored on the first request and served from cache on the second")
    func freshResponseIsHit() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=60")], body: "cached body") }) { edge, origin in
            let first = try edge.get("/a")
            #expect(first.status == 200)
            #expect(first.text == "cached body")
            #expect(first.cacheStatus.fwd == "uri-miss")
            #expect(first.cacheStatus.has("stored"))
            #expect(first.cacheStatus.fwdStatus == 200)
            #expect(!first.cacheStatus.isHit)
            let second = try edge.get("/a")
            #expect(second.status == 200)
            #expect(second.text == "cached body")
            #expect(second.cacheStatus.isHit)
            #expect(second.cacheStatus.fwd == nil)
            #expect(second.header("age") != nil)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a miss is not answered with Age, a hit carries Age and a ttl within the max-age")
    func ageAndTTLOnHit() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=60")], body: "x") }) { edge, _ in
            let miss = try edge.get("/age")
            #expect(miss.header("age") == nil)
            #expect(miss.cacheStatus.ttl.map { (58...60).contains($0) } == true, "\(miss.cacheStatus)")
            let hit = try edge.get("/age")
            let age = try #require(hit.header("age").flatMap(Int.init))
            #expect((0...2).contains(age))
            let ttl = try #require(hit.cacheStatus.ttl)
            #expect((57...60).contains(ttl))
        }
    }

    @Test("Age grows with the time the response has been stored")
    func ageGrows() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=60")], body: "x") }) { edge, origin in
            _ = try edge.get("/grow")
            try await waitForStaleness()
            let hit = try edge.get("/grow")
            #expect(hit.cacheStatus.isHit)
            let age = try #require(hit.header("age").flatMap(Int.init))
            #expect(age >= 1)
            #expect(hit.cacheStatus.ttl.map { $0 <= 59 } == true, "\(hit.cacheStatus)")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("an Age from upstream counts toward the stored response's age")
    func upstreamAgeCounts() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600"), ("Age", "100")], body: "x") }) { edge, origin in
            _ = try edge.get("/aged")
            let hit = try edge.get("/aged")
            #expect(hit.cacheStatus.isHit)
            let age = try #require(hit.header("age").flatMap(Int.init))
            #expect((100...103).contains(age))
            #expect(hit.cacheStatus.ttl.map { (497...500).contains($0) } == true, "\(hit.cacheStatus)")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a response whose upstream Age already exceeds max-age is stale on arrival")
    func upstreamAgeBeyondMaxAgeIsStale() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=60"), ("Age", "120")], body: "x") }) { edge, origin in
            _ = try edge.get("/old")
            let second = try edge.get("/old")
            #expect(second.cacheStatus.fwd == "stale")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("s-maxage wins over max-age for the shared cache")
    func sMaxAgeOverMaxAge() async throws {
        try await withEdge(origin: { request in
            request.uri == "/long"
                ? .init(headers: [("Cache-Control", "max-age=1, s-maxage=600")], body: "long")
                : .init(headers: [("Cache-Control", "max-age=600, s-maxage=0")], body: "short")
        }) { edge, origin in
            let long = try edge.get("/long")
            #expect(long.cacheStatus.ttl.map { $0 >= 590 } == true, "\(long.cacheStatus)")
            #expect(try edge.get("/long").cacheStatus.isHit)
            #expect(origin.requestCount == 1)

            _ = try edge.get("/short")
            let short = try edge.get("/short")
            #expect(!short.cacheStatus.isHit)
            #expect(short.cacheStatus.fwd == "stale")
            #expect(origin.requestCount == 3)
        }
    }

    @Test("CDN-Cache-Control takes precedence over Cache-Control and is passed on for CDNs further down")
    func cdnCacheControlPrecedence() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600")], body: "cdn")
        }) { edge, origin in
            let first = try edge.get("/cdn")
            #expect(first.cacheStatus.has("stored"))
            #expect(first.header("cdn-cache-control") == "max-age=600")
            #expect(first.header("cache-control") == "no-store")
            let second = try edge.get("/cdn")
            #expect(second.cacheStatus.isHit)
            #expect(second.text == "cdn")
            #expect(second.header("cdn-cache-control") == "max-age=600")
            #expect(second.header("cache-control") == "no-store")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("with keep_cdn_cache_control off, CDN-Cache-Control is used but not passed to the client")
    func cdnCacheControlRemovedWhenConfigured() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600")], body: "cdn")
        }, configure: { $0.settings.keepCDNCacheControl = false }) { edge, origin in
            let first = try edge.get("/cdn")
            #expect(first.cacheStatus.has("stored"))
            #expect(first.header("cdn-cache-control") == nil)
            let second = try edge.get("/cdn")
            #expect(second.cacheStatus.isHit)
            #expect(second.header("cdn-cache-control") == nil)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("CDN-Cache-Control no-store keeps a response out of the cache whatever Cache-Control allows")
    func cdnCacheControlNoStore() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "public, max-age=600"), ("CDN-Cache-Control", "no-store")], body: "x")
        }) { edge, origin in
            let first = try edge.get("/cdn")
            #expect(!first.cacheStatus.has("stored"))
            #expect(first.header("cache-control") == "public, max-age=600")
            let second = try edge.get("/cdn")
            #expect(!second.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("Expires in the future makes a response fresh, Expires in the past does not")
    func expires() async throws {
        try await withEdge(origin: { request in
            let offset: Double = request.uri == "/future" ? 600 : -600
            return .init(headers: [("Date", httpDate()), ("Expires", httpDate(offset: offset))], body: "x")
        }) { edge, origin in
            _ = try edge.get("/future")
            let future = try edge.get("/future")
            #expect(future.cacheStatus.isHit)
            #expect(future.cacheStatus.ttl.map { (590...600).contains($0) } == true, "\(future.cacheStatus)")
            #expect(origin.requestCount == 1)

            _ = try edge.get("/past")
            let past = try edge.get("/past")
            #expect(!past.cacheStatus.isHit)
            #expect(origin.requestCount == 3)
        }
    }

    @Test("an invalid Expires such as 0 means already expired")
    func invalidExpiresIsExpired() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Expires", "0"), ("Last-Modified", httpDate(offset: -86_400 * 30))], body: "x") }) { edge, origin in
            _ = try edge.get("/zero")
            #expect(!(try edge.get("/zero")).cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("max-age wins over Expires")
    func maxAgeOverExpires() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Date", httpDate()), ("Expires", httpDate(offset: -600)), ("Cache-Control", "max-age=600")], body: "x")
        }) { edge, origin in
            _ = try edge.get("/both")
            #expect(try edge.get("/both").cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("without explicit freshness a Last-Modified long ago gives a heuristic lifetime")
    func heuristicFreshness() async throws {
        // 10% of 30 days, capped at the default heuristic maximum of one day.
        try await withEdge(origin: { _ in .init(headers: [("Date", httpDate()), ("Last-Modified", httpDate(offset: -86_400 * 30))], body: "x") }) { edge, origin in
            _ = try edge.get("/heuristic")
            let hit = try edge.get("/heuristic")
            #expect(hit.cacheStatus.isHit)
            #expect(hit.cacheStatus.ttl.map { (86_390...86_400).contains($0) } == true, "\(hit.cacheStatus)")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a 200 with neither freshness information nor Last-Modified is not reused without asking the origin")
    func noFreshnessInformation() async throws {
        try await withEdge(origin: { _ in .init(body: "x") }) { edge, origin in
            _ = try edge.get("/plain")
            let second = try edge.get("/plain")
            #expect(!second.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a stored response becomes stale after max-age and the next request goes to the origin")
    func staleAfterMaxAge() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "x") }) { edge, origin in
            _ = try edge.get("/short")
            try await waitForStaleness()
            let later = try edge.get("/short")
            #expect(later.cacheStatus.fwd == "stale")
            #expect(later.cacheStatus.fwdStatus == 200)
            #expect(later.cacheStatus.has("stored"))
            #expect(origin.requestCount == 2)
        }
    }

    @Test("different query strings are different cache entries")
    func queryIsPartOfKey() async throws {
        try await withEdge(origin: { request in .init(headers: [("Cache-Control", "max-age=60")], body: request.uri) }) { edge, origin in
            let one = try edge.get("/q?a=1")
            let two = try edge.get("/q?a=2")
            let oneAgain = try edge.get("/q?a=1")
            #expect(one.text == "/q?a=1")
            #expect(two.text == "/q?a=2")
            #expect(oneAgain.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }
}
