import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// The leader of coalesced requests fetches for everyone; its own client reading slowly must not
/// delay the followers.
@Suite("A coalesced follower is not held back by a leader client that stops reading", .serialized)
struct SlowLeaderClientTests {
    @Test("a follower is answered promptly while the leader's client does not read its large response", .memoryHeavy)
    func followerNotHeldBySlowLeaderClient() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
        }) { edge, _ in
            let port = edge.port
            let (status, seconds) = try await onThread { () -> (Int, Double) in
                // The leader asks and then reads nothing after the head.
                let leader = try StreamingHTTPClient(port: port, timeoutSeconds: 30)
                try leader.send(EdgeHarness.request(path: "/big"))
                _ = try leader.readHead()
                usleep(300_000)
                let started = Date()
                let follower = try StreamingHTTPClient(port: port, timeoutSeconds: 8)
                try follower.send(EdgeHarness.request(path: "/big"))
                let status = (try? follower.readHead().status) ?? -1
                let seconds = Date().timeIntervalSince(started)
                withExtendedLifetime(leader) {}
                return (status, seconds)
            }
            // Before the fix the follower waits connect + first-byte timeout (33 s) for the stalled leader.
            #expect(status == 200, "follower got no response head within 8 s")
            #expect(seconds < 5)
        }
    }
}
