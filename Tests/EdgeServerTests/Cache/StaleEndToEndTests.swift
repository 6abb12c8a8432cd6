import Testing
@testable import EdgeServer

/// Serving stale responses (RFC 5861): stale-while-revalidate refreshes in the background,
/// stale-if-error covers a failing or unreachable origin within its window only.
@Suite("Serving stale through the real server")
struct StaleEndToEndTests {
    @Test("stale-while-revalidate serves the stale response at once and revalidates exactly once in the background")
    func staleWhileRevalidate() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-while-revalidate=60")], body: "v1") }) { edge, origin in
            _ = try edge.get("/swr")
            // The refreshed response is slow: a client that waited for it would see "v2".
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v2", delay: .milliseconds(500)) }
            try await waitForStaleness()

            for _ in 0..<3 {
                let stale = try edge.get("/swr")
                #expect(stale.text == "v1")
                #expect(stale.cacheStatus.isHit)
                #expect(stale.cacheStatus.has("stale"))
                #expect(stale.header("age") != nil)
            }
            #expect(await eventually { origin.requestCount >= 2 })
            #expect(await eventually { (try? edge.get("/swr").text) == "v2" })
            let fresh = try edge.get("/swr")
            #expect(fresh.text == "v2")
            #expect(fresh.cacheStatus.isHit)
            #expect(!fresh.cacheStatus.has("stale"))
            #expect(origin.requestCount == 2)
        }
    }

    @Test("stale-while-revalidate's background request is conditional and a 304 freshens the entry")
    func backgroundRevalidationUsesValidators() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=1, stale-while-revalidate=60"), ("ETag", "\"s1\"")], body: "v1")
        }) { edge, origin in
            _ = try edge.get("/swr")
            origin.respond { request in
                request.headers.first(name: "if-none-match") == "\"s1\""
                    ? .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"s1\"")])
                    : .init(status: 500, body: "expected a conditional request")
            }
            try await waitForStaleness()
            #expect(try edge.get("/swr").cacheStatus.has("stale"))
            #expect(await eventually {
                guard let response = try? edge.get("/swr") else { return false }
                return response.cacheStatus.isHit && !response.cacheStatus.has("stale")
            })
            let fresh = try edge.get("/swr")
            #expect(fresh.text == "v1")
            #expect(fresh.header("cache-control") == "max-age=600")
            #expect(origin.requestCount == 2, "\(origin.requests.map { "\($0.method) \($0.uri) inm=\($0.headers.first(name: "if-none-match") ?? "-")" })")
        }
    }

    @Test("beyond the stale-while-revalidate window the client waits for the origin")
    func beyondStaleWhileRevalidate() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-while-revalidate=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/swr")
            origin.respond { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "v2") }
            try await Task.sleep(for: .seconds(3))
            let response = try edge.get("/swr")
            #expect(response.text == "v2")
            #expect(response.cacheStatus.fwd == "stale")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("stale-if-error serves the stale response when the origin answers 503 within the window")
    func staleIfErrorOn503() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-if-error=600")], body: "v1") }) { edge, origin in
            _ = try edge.get("/sie")
            origin.respond { _ in .init(status: 503, body: "down") }
            try await waitForStaleness()
            let response = try edge.get("/sie")
            #expect(response.status == 200)
            #expect(response.text == "v1")
            #expect(response.cacheStatus.has("stale"))
            #expect(response.cacheStatus.fwdStatus == 503)
            #expect(response.header("age") != nil)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("stale-if-error serves the stale response when the origin is unreachable")
    func staleIfErrorOriginDown() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-if-error=600")], body: "v1") }) { edge, origin in
            _ = try edge.get("/sie")
            await origin.stop()
            try await waitForStaleness()
            let response = try edge.get("/sie")
            #expect(response.status == 200)
            #expect(response.text == "v1")
            #expect(response.cacheStatus.has("stale"))
        }
    }

    @Test("beyond the stale-if-error window the origin's 503 reaches the client")
    func staleIfErrorExpired() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-if-error=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/sie")
            origin.respond { _ in .init(status: 503, body: "down") }
            try await Task.sleep(for: .seconds(3))
            let response = try edge.get("/sie")
            #expect(response.status == 503)
            #expect(response.text == "down")
        }
    }

    @Test("an unreachable origin gets a stale response served, within stale_if_unreachable (RFC 9111 §4.2.4)")
    func staleServedWhenOriginUnreachable() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/down")
            await origin.stop()
            try await Task.sleep(for: .seconds(1.5))
            let response = try edge.get("/down")
            #expect(response.status == 200)
            #expect(response.text == "v1")
            #expect(response.header("cache-status")?.contains("stale") == true)
        }
    }

    @Test("an unreachable origin does not get must-revalidate content served stale")
    func mustRevalidateNotServedWhenUnreachable() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, must-revalidate")], body: "v1") }) { edge, origin in
            _ = try edge.get("/strict")
            await origin.stop()
            try await Task.sleep(for: .seconds(1.5))
            let response = try edge.get("/strict")
            #expect(response.status == 502 || response.status == 504)
        }
    }

    @Test("with stale_if_unreachable off, beyond the stale-if-error window an unreachable origin gives an error")
    func staleIfErrorExpiredOriginDown() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1, stale-if-error=1")], body: "v1") },
                           configure: { $0.settings.staleIfUnreachableSeconds = 0 }) { edge, origin in
            _ = try edge.get("/sie")
            await origin.stop()
            try await Task.sleep(for: .seconds(3))
            let response = try edge.get("/sie")
            #expect(response.status == 502 || response.status == 503 || response.status == 504)
            #expect(response.text != "v1")
        }
    }

    @Test("without stale-if-error a failing origin's 503 reaches the client")
    func noStaleIfError() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/plain")
            origin.respond { _ in .init(status: 503, body: "down") }
            try await waitForStaleness()
            let response = try edge.get("/plain")
            #expect(response.status == 503)
        }
    }

    @Test("a request's own stale-if-error lets it accept a stale response when the origin fails")
    func requestStaleIfError() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1")], body: "v1") }) { edge, origin in
            _ = try edge.get("/req")
            origin.respond { _ in .init(status: 500, body: "down") }
            try await waitForStaleness()
            let response = try edge.get("/req", headers: [("Cache-Control", "stale-if-error=600")])
            #expect(response.status == 200)
            #expect(response.text == "v1")
        }
    }
}
