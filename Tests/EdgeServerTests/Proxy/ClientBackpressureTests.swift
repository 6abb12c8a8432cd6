import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// While a client does not read, the edge stops reading the origin (backpressure); that pause is
/// the client's, and must not trip the origin idle timeout.
@Suite("Client backpressure is not counted as origin idleness", .serialized)
struct ClientBackpressureTests {
    @Test("a client that pauses reading longer than the origin idle timeout still gets the whole body", .memoryHeavy)
    func slowClientIsNotCutAsOriginIdle() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "no-store")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: { $0.sites[0].upstream.idleTimeout = .seconds(1) }) { edge, _ in
            let body = try await onThread { () -> StreamingHTTPClient.BodyCount in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(path: "/download"))
                let head = try client.readHead()
                usleep(2_500_000)
                return try client.countBody(for: head)
            }
            // Before the fix the edge stops reading the origin (correct backpressure), the origin idle
            // timer keeps running, fires as `idleTimeout` ("origin stalled") and the download is cut.
            #expect(body.complete, "got \(body.bytes) of \(size) bytes")
        }
    }
}
