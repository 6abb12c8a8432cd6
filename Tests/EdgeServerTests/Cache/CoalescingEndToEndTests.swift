import Testing
@testable import EdgeServer

/// Concurrent misses for one URL collapse into one origin request when the response is storable,
/// and are each forwarded when it is not.
@Suite("Request coalescing through the real server")
struct CoalescingEndToEndTests {
    @Test("ten concurrent misses for one URL reach the origin once and all get the body")
    func concurrentMissesCollapse() async throws {
        try await withEdge(origin: { _ in
            .init(headers: [("Cache-Control", "max-age=600")], body: "shared body", delay: .milliseconds(300))
        }) { edge, origin in
            let responses = try edge.concurrentGets("/hot", count: 10)
            #expect(responses.count == 10)
            for response in responses {
                #expect(response.status == 200)
                #expect(response.text == "shared body")
            }
            #expect(origin.requestCount == 1)
            let collapsed = responses.filter { $0.cacheStatus.has("collapsed") }
            #expect(collapsed.count == 9, "\(responses.map(\.cacheStatus))")
            #expect(collapsed.allSatisfy { $0.cacheStatus.isHit })
            #expect(responses.filter { $0.cacheStatus.has("stored") }.count == 1)
        }
    }

    @Test("concurrent requests for an uncacheable response are each forwarded and none hangs")
    func uncacheableConcurrentRequests() async throws {
        try await withEdge(origin: { request in
            .init(headers: [("Cache-Control", "no-store")], body: "private \(request.uri)", delay: .milliseconds(300))
        }) { edge, origin in
            let responses = try edge.concurrentGets("/personal", count: 10)
            #expect(responses.count == 10)
            #expect(responses.allSatisfy { $0.status == 200 && $0.text == "private /personal" })
            #expect(origin.requestCount == 10)
        }
    }

    @Test("concurrent misses for a response the origin fails are each answered")
    func failedLeaderReleasesFollowers() async throws {
        try await withEdge(origin: { _ in .init(status: 503, body: "down", delay: .milliseconds(300)) }) { edge, origin in
            let responses = try edge.concurrentGets("/failing", count: 5)
            #expect(responses.count == 5)
            #expect(responses.allSatisfy { $0.status == 503 })
            #expect(origin.requestCount == 5)
        }
    }

    @Test("concurrent requests for different URLs are not collapsed")
    func differentURLsNotCollapsed() async throws {
        try await withEdge(origin: { request in
            .init(headers: [("Cache-Control", "max-age=600")], body: request.uri, delay: .milliseconds(200))
        }) { edge, origin in
            var connections: [(String, RawHTTPConnection)] = []
            for index in 0..<4 {
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(path: "/u\(index)"))
                connections.append(("/u\(index)", connection))
            }
            for (path, connection) in connections {
                #expect(try connection.readResponse().text == path)
            }
            #expect(origin.requestCount == 4)
        }
    }

    @Test("concurrent revalidations of one stale entry reach the origin once")
    func staleRevalidationsCollapse() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"c1\"")], body: "v1") }) { edge, origin in
            _ = try edge.get("/stale-hot")
            origin.respond { _ in .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"c1\"")], delay: .milliseconds(300)) }
            try await waitForStaleness()
            let responses = try edge.concurrentGets("/stale-hot", count: 6)
            #expect(responses.allSatisfy { $0.status == 200 && $0.text == "v1" })
            #expect(origin.requestCount == 2)
        }
    }
}
