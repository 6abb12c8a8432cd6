import Testing
@testable import EdgeServer

@Suite("POST responses reused for GET, end to end")
struct PostResponseReuseEndToEndTests {
    @Test("a fresh POST response whose Content-Location is its own URI answers the next GET from cache")
    func postThenGetIsHit() async throws {
        try await withEdge(origin: { request in
            .init(headers: [("Cache-Control", "max-age=600"), ("Content-Location", "/cart")], body: "cart after \(request.method)")
        }) { edge, origin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(method: "POST", path: "/cart", body: "item=1"))
            let posted = try connection.readResponse()
            #expect(posted.status == 200)
            #expect(posted.header("cache-status")?.contains("stored") == true)
            let fetched = try edge.get("/cart")
            #expect(fetched.text == "cart after POST")
            #expect(fetched.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a POST response without Content-Location is not stored and the next GET goes to the origin")
    func postWithoutContentLocationIsNotStored() async throws {
        try await withEdge(origin: { request in
            .init(headers: [("Cache-Control", "max-age=600")], body: "answer to \(request.method)")
        }) { edge, origin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(method: "POST", path: "/form", body: "a=1"))
            _ = try connection.readResponse()
            let fetched = try edge.get("/form")
            #expect(fetched.text == "answer to GET")
            #expect(origin.requestCount == 2)
        }
    }
}
