import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// `Cache-Status: stored` (and `.stored` for coalesced followers) is claimed only when the store
/// actually kept the response.
@Suite("A response reported as stored is in the cache", .serialized)
struct StoredMeansStoredTests {
    @Test("a response reported as stored is served from the cache next time")
    func storedMeansStored() async throws {
        let body = String(repeating: "b", count: 99_950)
        let handler: TestOrigin.Handler = { _ in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=60")], body: body)
        }
        try await withEdge(origin: handler, configure: { $0.maxObjectBytes = 100_000 }) { edge, origin in
            let first = try await onThread { try edge.get("/almost-max") }
            let second = try await onThread { try edge.get("/almost-max") }
            let claimedStored = first.header("cache-status")?.contains("stored") == true
            // Body fits under maxObjectBytes, body + headers + overhead does not: insert fails, the header lies,
            // and coalesced followers told `.stored` all go to the origin.
            #expect(!claimedStored || origin.requestCount == 1,
                    "first: \(first.header("cache-status") ?? "-"), second: \(second.header("cache-status") ?? "-"), origin requests: \(origin.requestCount)")
        }
    }
}
