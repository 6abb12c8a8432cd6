import EdgeCore
import Synchronization
import Testing
@testable import EdgeServer

/// Soft purges keep the body: the next request revalidates with the origin, and the stale windows
/// of the response still apply.
@Suite("Soft purge through the real server")
struct SoftPurgeEndToEndTests {
    @Test("a soft-purged response is revalidated with If-None-Match and a 304 keeps its body")
    func revalidatesConditionally() async throws {
        try await withAdminEdge(origin: { request in
            if request.headers.first(name: "if-none-match") == "\"v1\"" {
                return TestOrigin.Response(status: 304, headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=600")])
            }
            return TestOrigin.Response(headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=600")], body: "version one")
        }) { edge, origin in
            _ = try edge.get("/doc")
            #expect(try edge.get("/doc").cacheStatus.isHit)
            #expect(try edge.purge(#"{"urls":["http://test.example/doc"],"soft":true}"#).text.contains(#""purged":1"#))
            let after = try edge.get("/doc")
            #expect(after.text == "version one")
            #expect(after.cacheStatus.fwd == "stale")
            #expect(after.cacheStatus.fwdStatus == 304)
            #expect(origin.requests.last?.headers.first(name: "if-none-match") == "\"v1\"")
            #expect(try edge.get("/doc").cacheStatus.isHit, "the 304 freshened it")
            #expect(origin.requestCount == 2)
        }
    }

    @Test("within stale-while-revalidate a soft-purged response is served at once while it revalidates")
    func staleWhileRevalidate() async throws {
        try await withAdminEdge(origin: { request in
            TestOrigin.Response(headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=600, stale-while-revalidate=60")], body: "page")
        }) { edge, origin in
            _ = try edge.get("/page")
            #expect(try edge.purge(#"{"prefixes":["http://test.example/"],"soft":true}"#).status == 200)
            let served = try edge.get("/page")
            #expect(served.text == "page")
            #expect(served.cacheStatus.isHit)
            #expect(served.cacheStatus.has("stale"))
            #expect(await eventually { origin.requests.count == 2 })
            #expect(origin.requests.last?.headers.first(name: "if-none-match") == "\"v1\"")
        }
    }

    @Test("within stale-if-error a soft-purged response is served when the origin fails")
    func staleIfError() async throws {
        let failing = Atomic<Bool>(false)
        try await withAdminEdge(origin: { _ in
            failing.load(ordering: .relaxed)
                ? TestOrigin.Response(status: 500, body: "broken")
                : TestOrigin.Response(headers: [("Cache-Control", "max-age=600, stale-if-error=60"), ("Surrogate-Key", "doc")], body: "good")
        }) { edge, _ in
            _ = try edge.get("/doc")
            #expect(try edge.purge(#"{"tags":["doc"],"soft":true}"#).text.contains(#""purged":1"#))
            failing.store(true, ordering: .relaxed)
            let served = try edge.get("/doc")
            #expect(served.status == 200)
            #expect(served.text == "good")
            #expect(served.cacheStatus.has("stale"))
        }
    }
}
