import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// A HEAD miss is answered at the origin's head while the body goes on into the cache; that fetch
/// must keep going whatever the client's connection does next.
@Suite("A response still being stored after its HEAD was answered ends up stored", .serialized)
struct StoringAfterHeadTests {
    @Test("a response still being stored after a HEAD was answered is stored even if the next response stalls the client", .memoryHeavy)
    func storingAfterHeadSurvivesClientBackpressure() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { request in
            var response = TestOrigin.Response(headers: [("Cache-Control", request.uri == "/big" ? "max-age=60" : "no-store")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
            $0.sites[0].upstream.idleTimeout = .seconds(2)
        }) { edge, origin in
            let port = edge.port
            let (headStatus, otherBytes) = try await onThread { () -> (Int, Int) in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                // HEAD /big is answered at the origin's head; its body goes on into the cache. The pipelined
                // GET /other then fills the client's socket, which this client leaves unread for a while.
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big") + EdgeHarness.request(path: "/other"))
                let head = try client.readHead()
                _ = try client.countBody(for: head, requestMethod: "HEAD")
                // Shorter than the origin idle timeout, so that /other itself survives the pause (see Proxy/ClientBackpressureTests.swift).
                usleep(1_000_000)
                let other = try client.readHead()
                let bytes = try client.countBody(for: other).bytes
                // A healthy /big fetch finished long ago; a stalled one is killed by its idle timeout meanwhile.
                usleep(2_500_000)
                return (head.status, bytes)
            }
            #expect(headStatus == 200)
            #expect(otherBytes == size)
            let again = try await onThread { () -> String in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                return try client.readHead().header("cache-status") ?? ""
            }
            // Before the fix the /big fetch is paced by a client writability it is never told about
            // again (only `current.fetch` is resumed): it stalls, the origin idle timeout kills it, nothing is stored.
            #expect(again.contains("hit"), "cache-status \(again); origin saw \(origin.requests.map(\.uri))")
        }
    }

    /// Control: the same setup without the pipelined request that stalls the client, so that the
    /// test above fails only for the reason it names.
    @Test("a response still being stored after a HEAD was answered is stored when nothing else is sent", .memoryHeavy)
    func storingAfterHeadIsStored() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
            $0.sites[0].upstream.idleTimeout = .seconds(2)
        }) { edge, _ in
            let port = edge.port
            let again = try await onThread { () -> String in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                _ = try client.readHead()
                usleep(3_500_000)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                return try client.readHead().header("cache-status") ?? ""
            }
            #expect(again.contains("hit"), "cache-status \(again)")
        }
    }
}
