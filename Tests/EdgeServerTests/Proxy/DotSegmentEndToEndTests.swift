import EdgeCore
import Testing
@testable import EdgeServer

@Suite("Dot segments are resolved before keying and forwarding, and never climb above the root")
struct DotSegmentEndToEndTests {
    @Test("paths that climb above the root, plainly or encoded, get 400 and never reach the origin")
    func aboveTheRoot() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(body: "file") }) { edge, origin in
            for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/static/..%2f..%2f..%2fetc/passwd",
                         "/a/..%5c..%5cetc/passwd", "/a/b/../../../etc/passwd", "http://test.example/../etc/passwd"] {
                let response = try edge.get(path)
                #expect(response.status == 400, "\(path)")
            }
            #expect(origin.requestCount == 0)
        }
    }

    @Test("/a/./b and /a/b are one object, and the origin is asked for /a/b")
    func oneObject() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=60")], body: "b") }) { edge, origin in
            let first = try edge.get("/a/./b")
            #expect(first.status == 200)
            let second = try edge.get("/a/b")
            #expect(second.header("cache-status")?.hasPrefix("edge; hit") == true)
            let third = try edge.get("/a/c/../%2e/b")
            #expect(third.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(origin.requests.map(\.uri) == ["/a/b"])
        }
    }

    @Test("dot segments are resolved in what the origin receives; other percent-encoding is passed on as sent")
    func forwardedResolved() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "x") }) { edge, origin in
            _ = try edge.get("/img/../caf%C3%A9/./menu%20card.pdf?x=../y")
            _ = try edge.get("/docs/guide/..")
            #expect(origin.requests.map(\.uri) == ["/caf%C3%A9/menu%20card.pdf?x=../y", "/docs/"])
        }
    }
}
