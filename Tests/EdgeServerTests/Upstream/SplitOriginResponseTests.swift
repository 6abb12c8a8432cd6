import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// An origin whose response head or chunk-size line arrives in a TCP segment of its own is read
/// on as more bytes come, not left waiting for a read that already happened.
@Suite("Origin responses split across TCP segments are read whole", .serialized)
struct SplitOriginResponseTests {
    @Test("an origin response head that arrives in two TCP segments is still read")
    func splitOriginHeadIsRead() async throws {
        let origin = try PacedOrigin(pieces: [
            (0, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nCon"),
            (200, "tent-Length: 5\r\n\r\nhello"),
        ])
        defer { origin.stop() }
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .seconds(2), idle: .seconds(2))) { edge in
            let response = try await onThread { () -> RawHTTPConnection.Response in
                let connection = try RawHTTPConnection(port: edge.port, timeoutSeconds: 6)
                try connection.send(EdgeHarness.request(path: "/split-head"))
                return try connection.readResponse()
            }
            // Before the fix: 504 after the first-byte timeout, although the origin answered in 200 ms.
            #expect(response.status == 200, "got \(response)")
            #expect(response.text == "hello")
        }
    }

    @Test("a chunked origin body whose chunk-size line arrives alone is read to its end")
    func splitChunkIsRead() async throws {
        let origin = try PacedOrigin(pieces: [
            (0, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
            (200, "5\r\n"),
            (200, "world\r\n0\r\n\r\n"),
        ])
        defer { origin.stop() }
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .seconds(2), idle: .seconds(2))) { edge in
            let body = try await onThread { () -> StreamingHTTPClient.BodyCount in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 6)
                try client.send(EdgeHarness.request(path: "/split-chunk"))
                let head = try client.readHead()
                return try client.countBody(for: head)
            }
            // Before the fix: the origin read stalls after "5\r\n", the idle timeout cuts the response.
            #expect(body.complete)
            #expect(body.bytes == 10)
        }
    }
}
