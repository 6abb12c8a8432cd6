import Synchronization
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Once the edge has seen that a URL's responses are not storable, waiting for another request's
/// response gains nothing: concurrent requests for it are forwarded side by side.
@Suite("Requests for a URL known uncacheable are not coalesced", .serialized)
struct UncacheableNotCoalescedTests {
    @Test("once a URL is known uncacheable, concurrent requests for it go to the origin side by side")
    func uncacheableRequestsAreNotSerialized() async throws {
        let arrivals = Mutex<[Date]>([])
        let handler: TestOrigin.Handler = { _ in
            arrivals.withLock { $0.append(Date()) }
            return TestOrigin.Response(headers: [("Cache-Control", "private")], body: "personal", delay: .seconds(3))
        }
        try await withEdge(origin: handler) { edge, origin in
            let port = edge.port
            // The first response teaches the edge that /me is not storable.
            _ = try await onThread { try edge.get("/me") }
            async let first = onThread { () -> Int in
                let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
                try connection.send(EdgeHarness.request(path: "/me"))
                return try connection.readResponse().status
            }
            try await Task.sleep(nanoseconds: 50_000_000)
            let second = try await onThread { () -> Int in
                let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
                try connection.send(EdgeHarness.request(path: "/me"))
                return try connection.readResponse().status
            }
            #expect(try await first == 200)
            #expect(second == 200)
            #expect(origin.requestCount == 3)
            // Coalesced, the second request would reach the origin only after the first one's 3 s answer
            // (the margin leaves room for a loaded machine starting the second client late).
            let times = arrivals.withLock { $0 }
            if times.count == 3 {
                #expect(times[2].timeIntervalSince(times[1]) < 2.5, "the second request waited for the first")
            }
        }
    }
}
