import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// A client that goes away in the middle of a response ends its request on the edge: nothing keeps
/// counting it as active or keeps pulling the origin's body for nobody.
@Suite("Client disconnects, end to end")
struct ClientDisconnectTests {
    @Test("a client that disconnects in the middle of a large response ends its request")
    func disconnectMidResponse() async throws {
        let handler: TestOrigin.Handler = { request in
            var response = TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "small")
            response.generatedLength = request.uri == "/big" ? 64 << 20 : nil
            return response
        }
        try await withEdge(origin: handler) { edge, _ in
            let status = try await onThread { () -> Int in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/big"))
                return try client.readHead().status
                // The client is released here: its socket closes with most of the body unread.
            }
            #expect(status == 200)
            for _ in 0..<200 where edge.server.activeRequests != 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(edge.server.activeRequests == 0)
            // The edge still serves new requests normally.
            let small = try await onThread { try edge.get("/after") }
            #expect(small.status == 200)
            #expect(small.text == "small")
        }
    }

    @Test("a client that disconnects while the origin is still thinking ends its request")
    func disconnectBeforeResponse() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "late", delay: .milliseconds(500)) }) { edge, origin in
            try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/thinking"))
            }
            for _ in 0..<200 where edge.server.activeRequests != 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(edge.server.activeRequests == 0)
            #expect(origin.requestCount <= 1)
        }
    }
}
