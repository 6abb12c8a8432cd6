import Testing
@testable import EdgeServer

/// Validating a stale stored response with the origin (RFC 9111 §4.3): conditional request,
/// 304 freshening the stored response, 200 replacing it.
@Suite("Revalidation through the real server")
struct RevalidationEndToEndTests {
    static let lastModified = httpDate(offset: -86_400)

    @Test("a stale entry is revalidated with If-None-Match and If-Modified-Since from its validators")
    func conditionalRequestCarriesValidators() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"abc\""), ("Last-Modified", Self.lastModified)], body: "v1")
        }) { edge, origin in
            _ = try edge.get("/doc")
            #expect(origin.requests.first?.headers.contains(name: "if-none-match") == false)
            try await waitForStaleness()
            _ = try edge.get("/doc")
            #expect(origin.requestCount == 2)
            let conditional = try #require(origin.requests.last)
            #expect(conditional.method == "GET")
            #expect(conditional.headers.first(name: "if-none-match") == "\"abc\"")
            #expect(conditional.headers.first(name: "if-modified-since") == Self.lastModified)
        }
    }

    @Test("a 304 freshens the stored headers and the stored body is served")
    func notModifiedFreshens() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"abc\""), ("X-Version", "1"), ("Content-Type", "text/plain")], body: "stored body")
        }) { edge, origin in
            _ = try edge.get("/doc")
            origin.respond { request in
                #expect(request.headers.first(name: "if-none-match") == "\"abc\"")
                return .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"abc\""), ("X-Version", "2")])
            }
            try await waitForStaleness()
            let revalidated = try edge.get("/doc")
            #expect(revalidated.status == 200)
            #expect(revalidated.text == "stored body")
            #expect(revalidated.header("x-version") == "2")
            #expect(revalidated.header("content-type") == "text/plain")
            #expect(revalidated.header("content-length") == "11")
            #expect(revalidated.cacheStatus.fwd == "stale")
            #expect(revalidated.cacheStatus.fwdStatus == 304)
            #expect(revalidated.cacheStatus.ttl.map { $0 >= 590 } == true, "\(revalidated.cacheStatus)")

            // The freshened entry now lives for max-age=600.
            let hit = try edge.get("/doc")
            #expect(hit.cacheStatus.isHit)
            #expect(hit.text == "stored body")
            #expect(hit.header("x-version") == "2")
            #expect(hit.header("cache-control") == "max-age=600")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a 304 without a validator freshens a response stored with Last-Modified only")
    func notModifiedByDate() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=1"), ("Last-Modified", Self.lastModified)], body: "dated")
        }) { edge, origin in
            _ = try edge.get("/dated")
            origin.respond { request in
                request.headers.first(name: "if-modified-since") == Self.lastModified
                    ? .init(status: 304, headers: [("Cache-Control", "max-age=600")])
                    : .init(status: 500, body: "expected a conditional request")
            }
            try await waitForStaleness()
            let revalidated = try edge.get("/dated")
            #expect(revalidated.status == 200)
            #expect(revalidated.text == "dated")
            #expect(revalidated.cacheStatus.fwdStatus == 304)
            #expect(try edge.get("/dated").cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a 200 to the revalidation replaces the stored response")
    func fullResponseReplaces() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")], body: "v1") }) { edge, origin in
            _ = try edge.get("/doc")
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600"), ("ETag", "\"v2\"")], body: "version two") }
            try await waitForStaleness()
            let replaced = try edge.get("/doc")
            #expect(replaced.text == "version two")
            #expect(replaced.header("etag") == "\"v2\"")
            #expect(replaced.cacheStatus.fwd == "stale")
            #expect(replaced.cacheStatus.fwdStatus == 200)
            #expect(replaced.cacheStatus.has("stored"))

            let hit = try edge.get("/doc")
            #expect(hit.cacheStatus.isHit)
            #expect(hit.text == "version two")
            #expect(hit.header("etag") == "\"v2\"")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a 304 whose strong ETag differs from the stored one is not passed to an unconditional client nor used to freshen")
    func mismatchedNotModifiedIsNotUsed() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")], body: "v1") }) { edge, origin in
            _ = try edge.get("/doc")
            origin.respond { request in
                request.headers.contains(name: "if-none-match")
                    ? .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"v2\"")])
                    : .init(headers: [("Cache-Control", "max-age=600"), ("ETag", "\"v2\"")], body: "v2")
            }
            try await waitForStaleness()
            let response = try edge.get("/doc")
            // The client asked unconditionally: a 304 means nothing to it, and "v1" is not the "v2" the origin has.
            #expect(response.status == 200, "\(response)")
            #expect(response.text == "v2")
            #expect(origin.requestCount == 3)
            #expect(origin.requests.last?.headers.contains(name: "if-none-match") == false)
            let next = try edge.get("/doc")
            #expect(next.text == "v2")
            #expect(next.header("etag") == "\"v2\"")
        }
    }

    @Test("a Set-Cookie named by no-cache in a 304 is not stored with the freshened response")
    func notModifiedSetCookieNotStored() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"k\"")], body: "page") }) { edge, origin in
            _ = try edge.get("/cookie")
            origin.respond { _ in
                .init(status: 304, headers: [("Cache-Control", "max-age=600, no-cache=\"set-cookie\""), ("ETag", "\"k\""), ("Set-Cookie", "session=abc")])
            }
            try await waitForStaleness()
            let revalidated = try edge.get("/cookie")
            #expect(revalidated.header("set-cookie") == "session=abc")
            let hit = try edge.get("/cookie")
            #expect(hit.cacheStatus.isHit)
            #expect(hit.text == "page")
            #expect(hit.header("set-cookie") == nil)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("must-revalidate forbids serving stale when the origin cannot be reached")
    func mustRevalidateOnFailure() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=1, must-revalidate, stale-if-error=600")], body: "v1")
        }) { edge, origin in
            _ = try edge.get("/strict")
            origin.respond { _ in .init(status: 503, body: "down") }
            try await waitForStaleness()
            let response = try edge.get("/strict")
            #expect(response.status == 503)
            #expect(response.text != "v1")
        }
    }

    @Test("a response with no-cache is stored but revalidated on every request")
    func responseNoCache() async throws {
        try await withEdge(origin: RequestDirectivesEndToEndTests.validatingOrigin, configure: { _ in }) { edge, origin in
            origin.respond { request in
                if request.headers.first(name: "if-none-match") == "\"v1\"" {
                    return .init(status: 304, headers: [("ETag", "\"v1\""), ("Cache-Control", "no-cache, max-age=600")])
                }
                return .init(headers: [("ETag", "\"v1\""), ("Cache-Control", "no-cache, max-age=600")], body: "always ask")
            }
            let first = try edge.get("/nc")
            #expect(first.cacheStatus.has("stored"))
            let second = try edge.get("/nc")
            #expect(second.text == "always ask")
            #expect(second.cacheStatus.fwdStatus == 304)
            let third = try edge.get("/nc")
            #expect(third.text == "always ask")
            #expect(origin.requestCount == 3)
            #expect(origin.requests.last?.headers.first(name: "if-none-match") == "\"v1\"")
        }
    }
}
