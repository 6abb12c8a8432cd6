import Testing
@testable import EdgeServer

/// What the edge keeps out of the cache (RFC 9111 §3) and what it may keep, proven by counting
/// the requests that reach the origin.
@Suite("Storing responses through the real server")
struct StorageEndToEndTests {
    /// Requests `path` twice and returns the second response.
    private func twice(_ edge: EdgeHarness, _ path: String, headers: [(String, String)] = []) throws -> (RawHTTPConnection.Response, RawHTTPConnection.Response) {
        (try edge.get(path, headers: headers), try edge.get(path, headers: headers))
    }

    @Test("a response with Cache-Control no-store is forwarded but never stored")
    func noStore() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store, max-age=600")], body: "secret") }) { edge, origin in
            let (first, second) = try twice(edge, "/ns")
            #expect(first.text == "secret")
            #expect(!first.cacheStatus.has("stored"))
            #expect(first.cacheStatus.fwdStatus == 200)
            #expect(second.text == "secret")
            #expect(!second.cacheStatus.isHit)
            #expect(second.cacheStatus.fwd == "uri-miss")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a response with Cache-Control private is not stored by the shared cache")
    func privateResponse() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "private, max-age=600")], body: "mine") }) { edge, origin in
            let (first, second) = try twice(edge, "/p")
            #expect(!first.cacheStatus.has("stored"))
            #expect(!second.cacheStatus.isHit)
            #expect(second.text == "mine")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("private naming fields stores the response without those fields")
    func privateFieldsStripped() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=600, private=\"x-user\""), ("X-User", "alice"), ("X-Shared", "yes")], body: "page")
        }) { edge, origin in
            let first = try edge.get("/pf")
            #expect(first.cacheStatus.has("stored"))
            let second = try edge.get("/pf")
            #expect(second.cacheStatus.isHit)
            #expect(second.header("x-user") == nil)
            #expect(second.header("x-shared") == "yes")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("Set-Cookie does not prevent storing a response with explicit freshness (RFC 9111 leaves it to Cache-Control)")
    func setCookieIsStorable() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600"), ("Set-Cookie", "a=1")], body: "page") }) { edge, origin in
            let (first, second) = try twice(edge, "/cookie")
            #expect(first.cacheStatus.has("stored"))
            #expect(second.cacheStatus.isHit)
            #expect(second.text == "page")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("no-cache naming Set-Cookie keeps the cookie out of the stored copy")
    func noCacheSetCookieStripped() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=600, no-cache=\"set-cookie\""), ("Set-Cookie", "session=abc")], body: "page")
        }) { edge, origin in
            let first = try edge.get("/nc-cookie")
            #expect(first.header("set-cookie") == "session=abc")
            let second = try edge.get("/nc-cookie")
            #expect(second.cacheStatus.isHit)
            #expect(second.header("set-cookie") == nil)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a response to a request with Authorization is not stored without public, s-maxage or must-revalidate")
    func authorizationWithoutPublic() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "for you") }) { edge, origin in
            let (first, second) = try twice(edge, "/auth", headers: [("Authorization", "Bearer t")])
            #expect(!first.cacheStatus.has("stored"))
            #expect(!second.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
            #expect(origin.requests.first?.headers.first(name: "authorization") == "Bearer t")
        }
    }

    @Test("a response to a request with Authorization is stored when it says public")
    func authorizationWithPublic() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "public, max-age=600")], body: "for all") }) { edge, origin in
            let (first, second) = try twice(edge, "/auth-public", headers: [("Authorization", "Bearer t")])
            #expect(first.cacheStatus.has("stored"))
            #expect(second.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a POST response is forwarded and never stored, even with explicit freshness")
    func postNotStored() async throws {
        try await withEdge(origin: { request in .init(headers: [("Cache-Control", "max-age=600")], body: request.method) }) { edge, origin in
            for _ in 0..<2 {
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/form", body: "a=1"))
                let response = try connection.readResponse()
                #expect(response.text == "POST")
                #expect(!response.cacheStatus.has("stored"))
                #expect(!response.cacheStatus.isHit)
            }
            let get = try edge.get("/form")
            #expect(get.text == "GET")
            #expect(!get.cacheStatus.isHit)
            #expect(origin.requestCount == 3)
            #expect(origin.requests.first?.body == Array("a=1".utf8))
        }
    }

    @Test("a 500 without explicit freshness is not stored")
    func serverErrorNotStored() async throws {
        try await withEdge(origin: { _ in .init(status: 500, headers: [("Last-Modified", httpDate(offset: -86_400))], body: "boom") }) { edge, origin in
            let (first, second) = try twice(edge, "/err")
            #expect(first.status == 500)
            #expect(!first.cacheStatus.has("stored"))
            #expect(first.cacheStatus.fwdStatus == 500)
            #expect(second.status == 500)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a 500 with explicit max-age is stored like any other response")
    func serverErrorWithMaxAgeStored() async throws {
        try await withEdge(origin: { _ in .init(status: 500, headers: [("Cache-Control", "max-age=600")], body: "boom") }) { edge, origin in
            let (first, second) = try twice(edge, "/err")
            #expect(first.cacheStatus.has("stored"))
            #expect(second.status == 500)
            #expect(second.text == "boom")
            #expect(second.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a 404 with max-age is stored and served from cache")
    func notFoundStored() async throws {
        try await withEdge(origin: { _ in .init(status: 404, headers: [("Cache-Control", "max-age=600")], body: "nope") }) { edge, origin in
            let (_, second) = try twice(edge, "/missing")
            #expect(second.status == 404)
            #expect(second.text == "nope")
            #expect(second.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a response larger than maxObjectBytes with Content-Length is streamed whole and not stored")
    func largeResponseWithLength() async throws {
        let size = 300 * 1024
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")])
            response.generatedLength = size
            return response
        }, configure: { $0.maxObjectBytes = 64 * 1024 }) { edge, origin in
            let first = try edge.get("/big")
            #expect(first.body.count == size)
            #expect(first.body.allSatisfy { $0 == UInt8(ascii: "x") })
            #expect(!first.cacheStatus.has("stored"))
            let second = try edge.get("/big")
            #expect(second.body.count == size)
            #expect(!second.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a chunked response that grows past maxObjectBytes is streamed whole and not stored")
    func largeChunkedResponse() async throws {
        let body = String((0..<(200 * 1024)).map { _ in Character("y") })
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: body)
            response.chunkSize = 16 * 1024
            return response
        }, configure: { $0.maxObjectBytes = 64 * 1024 }) { edge, origin in
            let first = try edge.get("/big-chunked")
            #expect(first.text == body)
            let second = try edge.get("/big-chunked")
            #expect(second.text == body)
            #expect(!second.cacheStatus.isHit)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a chunked response below maxObjectBytes is stored and served with Content-Length")
    func smallChunkedResponseStored() async throws {
        let body = String(repeating: "z", count: 10_000)
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: body)
            response.chunkSize = 1000
            return response
        }) { edge, origin in
            #expect(try edge.get("/chunked").text == body)
            let second = try edge.get("/chunked")
            #expect(second.cacheStatus.isHit)
            #expect(second.text == body)
            #expect(second.header("content-length") == "10000")
            #expect(origin.requestCount == 1)
        }
    }
}
