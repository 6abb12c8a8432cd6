import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// A Range request that misses fetches the whole object, stores it, and gets its range cut from the
/// body as it streams past; the origin connection goes back to the pool as after any other miss.
@Suite("A Range miss is answered 206 and leaves the origin connection reusable", .serialized)
struct RangeMissTests {
    static let cacheable10 = ScriptedOrigin.text(
        "HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Length: 10\r\n\r\n0123456789")

    @Test("a Range miss whose body is all in when its range is cut leaves the origin connection reusable")
    func rangeToLastByteKeepsOriginConnection() async throws {
        let origin = try await ScriptedOrigin(.respond(Self.cacheable10, close: false))
        // A pooled connection idles out after keepalive_timeout (4 s): on a loaded machine the next
        // request could come later than that, and a new connection would be right then.
        try await withEdge(originPort: origin.port, configure: { $0.eventLoops = 1; $0.sites[0].upstream.keepAliveTimeout = .seconds(120) }) { edge in
            // Any range of an object that arrives in one read ends with the store already committed.
            let partial = try await onThread { try edge.get("/a", headers: [("Range", "bytes=2-4")]) }
            #expect(partial.status == 206)
            #expect(partial.text == "234")
            // The connection goes back to the pool just after the client's response; a loaded machine may take a while.
            for _ in 0..<500 where await edge.server.idleOriginConnections() == 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            let other = try await onThread { try edge.get("/b") }
            #expect(other.status == 200)
            // Before the fix: the window's end detaches the fetch after the store is committed, and
            // `detachClient` then aborts the origin connection that was about to go back to the pool.
            #expect(origin.connectionCount == 1, "origin saw \(origin.connectionCount) connections")
        }
        await origin.stop()
    }

    /// Control: the same origin and requests without the Range.
    @Test("a plain miss leaves the origin connection reusable")
    func plainMissKeepsOriginConnection() async throws {
        let origin = try await ScriptedOrigin(.respond(Self.cacheable10, close: false))
        // A pooled connection idles out after keepalive_timeout (4 s): on a loaded machine the next
        // request could come later than that, and a new connection would be right then.
        try await withEdge(originPort: origin.port, configure: { $0.eventLoops = 1; $0.sites[0].upstream.keepAliveTimeout = .seconds(120) }) { edge in
            let partial = try await onThread { try edge.get("/a") }
            #expect(partial.status == 200)
            #expect(partial.text == "0123456789")
            for _ in 0..<500 where await edge.server.idleOriginConnections() == 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            let other = try await onThread { try edge.get("/b") }
            #expect(other.status == 200)
            #expect(origin.connectionCount == 1, "origin saw \(origin.connectionCount) connections")
        }
        await origin.stop()
    }

    @Test("a Range miss on a storable object sent without Content-Length is answered 206")
    func rangeOnChunkedMissGetsPartial() async throws {
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "0123456789")
            response.chunkSize = 4
            return response
        }) { edge, origin in
            let partial = try await onThread { try edge.get("/c", headers: [("Range", "bytes=2-4")]) }
            // Before the fix: `answerRange` needs a Content-Length, so the client asking for 3 bytes
            // gets all of them with 200 (before 44730b1 the Range went to the origin and came back 206).
            // For a large or endless chunked object that is the whole object instead of a range.
            #expect(partial.status == 206, "got \(partial)")
            #expect(partial.text == "234")
        }
    }

    @Test("a Range miss on a large object cuts exactly the asked bytes across many origin reads")
    func rangeWindowAcrossBuffers() async throws {
        let size = 1 << 20
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")])
            response.generatedLength = size
            return response
        }) { edge, _ in
            let first = 100_000, last = 700_000
            let partial = try await onThread { try edge.get("/big", headers: [("Range", "bytes=\(first)-\(last)")]) }
            #expect(partial.status == 206)
            let full = try await onThread { try edge.get("/big") }
            #expect(full.body.count == size)
            #expect(partial.body == Array(full.body[first...last]))
        }
    }
}
