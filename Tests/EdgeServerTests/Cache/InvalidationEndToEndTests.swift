import Testing
@testable import EdgeServer

/// Invalidation after unsafe methods (RFC 9111 §4.4): a successful POST, PUT or DELETE evicts the
/// stored responses for its target and for same-origin Location / Content-Location.
@Suite("Invalidation through the real server")
struct InvalidationEndToEndTests {
    private func send(_ edge: EdgeHarness, _ method: String, _ path: String) throws -> RawHTTPConnection.Response {
        let connection = try edge.connect()
        try connection.send(EdgeHarness.request(method: method, path: path, body: "x=1"))
        return try connection.readResponse()
    }

    @Test("a successful POST to a URL invalidates its stored GET response")
    func postInvalidatesTarget() async throws {
        try await withEdge(origin: { request in
            request.method == "GET"
                ? .init(headers: [("Cache-Control", "max-age=600")], body: "list")
                : .init(status: 200, body: "posted")
        }) { edge, origin in
            _ = try edge.get("/items")
            #expect(try edge.get("/items").cacheStatus.isHit)
            #expect(try send(edge, "POST", "/items").text == "posted")
            let after = try edge.get("/items")
            #expect(!after.cacheStatus.isHit)
            #expect(after.cacheStatus.fwd == "uri-miss")
            #expect(origin.requestCount == 3)
        }
    }

    @Test("PUT and DELETE invalidate as POST does")
    func putAndDeleteInvalidate() async throws {
        try await withEdge(origin: { request in
            request.method == "GET" ? .init(headers: [("Cache-Control", "max-age=600")], body: "doc") : .init(status: 204)
        }) { edge, origin in
            for method in ["PUT", "DELETE"] {
                _ = try edge.get("/doc")
                #expect(try edge.get("/doc").cacheStatus.isHit)
                #expect(try send(edge, method, "/doc").status == 204)
                #expect(!(try edge.get("/doc")).cacheStatus.isHit, "after \(method)")
            }
        }
    }

    @Test("a failed POST does not invalidate")
    func failedPostKeepsEntry() async throws {
        try await withEdge(origin: { request in
            request.method == "GET" ? .init(headers: [("Cache-Control", "max-age=600")], body: "list") : .init(status: 500, body: "no")
        }) { edge, origin in
            _ = try edge.get("/items")
            #expect(try send(edge, "POST", "/items").status == 500)
            #expect(try edge.get("/items").cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a same-origin Location in the POST response is invalidated too")
    func locationInvalidated() async throws {
        try await withEdge(origin: { request in
            request.method == "GET"
                ? .init(headers: [("Cache-Control", "max-age=600")], body: "item \(request.uri)")
                : .init(status: 201, headers: [("Location", "/items/7"), ("Content-Location", "http://test.example/items/8")])
        }) { edge, origin in
            for path in ["/items/7", "/items/8", "/items/9"] {
                _ = try edge.get(path)
                #expect(try edge.get(path).cacheStatus.isHit)
            }
            #expect(try send(edge, "POST", "/items").status == 201)
            #expect(!(try edge.get("/items/7")).cacheStatus.isHit)
            #expect(!(try edge.get("/items/8")).cacheStatus.isHit)
            #expect(try edge.get("/items/9").cacheStatus.isHit)
        }
    }

    @Test("a Location on another origin is not invalidated")
    func crossOriginLocationKept() async throws {
        try await withEdge(origin: { request in
            request.method == "GET"
                ? .init(headers: [("Cache-Control", "max-age=600")], body: "other")
                : .init(status: 201, headers: [("Location", "http://other.example/thing")])
        }) { edge, origin in
            _ = try edge.get("/thing", host: "other.example")
            #expect(try edge.get("/thing", host: "other.example").cacheStatus.isHit)
            #expect(try send(edge, "POST", "/items").status == 201)
            #expect(try edge.get("/thing", host: "other.example").cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("invalidation removes every Vary variant stored under the URL")
    func invalidationRemovesAllVariants() async throws {
        try await withEdge(origin: { request in
            request.method == "GET"
                ? .init(headers: [("Cache-Control", "max-age=600"), ("Vary", "Accept-Language")], body: "v")
                : .init(status: 200)
        }) { edge, origin in
            _ = try edge.get("/v", headers: [("Accept-Language", "en")])
            _ = try edge.get("/v", headers: [("Accept-Language", "fr")])
            _ = try send(edge, "POST", "/v")
            #expect(!(try edge.get("/v", headers: [("Accept-Language", "en")])).cacheStatus.isHit)
            #expect(!(try edge.get("/v", headers: [("Accept-Language", "fr")])).cacheStatus.isHit)
            #expect(origin.requestCount == 5)
        }
    }

    @Test("a PUT invalidates the URL's record on the disk tier too: the next GET asks the origin")
    func putInvalidatesDiskRecord() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin { request in
            request.method == "GET" ? .init(headers: [("Cache-Control", "max-age=600")], body: "doc " + String(repeating: "d", count: 2000)) : .init(status: 204)
        }
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 8 << 20)
        }) { edge in
            _ = try edge.get("/doc")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            #expect(try send(edge, "PUT", "/doc").status == 204)
            // Memory forgets it as before; the disk record must not answer in its place.
            let after = try edge.get("/doc")
            #expect(!after.cacheStatus.isHit)
            #expect(origin.requestCount == 3)
            #expect(edge.server.disk?.stats.hits.value == 0)
        }
        await origin.stop()
    }
}
