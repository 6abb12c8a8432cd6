import Testing
@testable import EdgeServer

@Suite("Caching through the real server")
struct CachingEndToEndTests {
    @Test("a fresh response is stored on the first request and served from cache on the second")
    func freshResponseIsHit() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=60")], body: "cached body") }) { edge, origin in
            let first = try edge.get("/a")
            #expect(first.status == 200)
            #expect(first.text == "cached body")
            #expect(first.header("cache-status")?.contains("fwd=uri-miss") == true)
            #expect(first.header("cache-status")?.contains("stored") == true)
            let second = try edge.get("/a")
            #expect(second.status == 200)
            #expect(second.text == "cached body")
            #expect(second.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(second.header("age") != nil)
            #expect(origin.requestCount == 1)
        }
    }
}
