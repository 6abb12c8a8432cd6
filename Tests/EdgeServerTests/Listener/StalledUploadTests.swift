import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// A request refused before its body was read (here 421, misdirected) still leaves the client
/// connection under the idle timeout while the client stops sending that body.
@Suite("A request body stalled after an early error is cut by the idle timeout", .serialized)
struct StalledUploadTests {
    @Test("a client that stops sending the body of a misdirected request is disconnected by the idle timeout")
    func misdirectedUploadStallIsCutOff() async throws {
        try await withEdge(configure: { configuration in
            configuration.sites[0].hosts = ["known.example"]
            configuration.settings.timeouts.clientHeader = .milliseconds(300)
            configuration.settings.timeouts.clientIdle = .milliseconds(300)
        }) { edge, _ in
            let (status, closed) = try await onThread { () -> (Int, Bool) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 4)
                try client.send("POST /upload HTTP/1.1\r\nHost: other.example\r\nContent-Length: 100000\r\n\r\n0123456789")
                let head = try client.readHead()
                _ = try client.readSmallBody(for: head)
                return (head.status, client.waitForClose())
            }
            #expect(status == 421)
            // Before the fix nothing times out: the request never ends, so no timer is armed.
            #expect(closed, "connection still open 4 s after the client stalled")
            for _ in 0..<50 where edge.server.activeRequests != 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(edge.server.activeRequests == 0)
        }
    }
}
