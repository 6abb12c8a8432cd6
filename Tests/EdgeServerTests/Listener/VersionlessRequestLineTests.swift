import Testing
@testable import EdgeServer

@Suite("Request lines without an HTTP version")
struct VersionlessRequestLineTests {
    @Test("HTTP/0.9-style request lines get 400 and the connection closes at once")
    func refused() async throws {
        try await withEdge { edge, origin in
            for line in ["GET /\r\n", "GET /index.html\n", "POST /form\r\n", "GET / FOO/1.0\r\n"] {
                let (status, closed) = try await onThread {
                    let connection = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                    try connection.send(line)
                    let head = try connection.readHead()
                    _ = try connection.countBody(for: head)
                    return (head.status, connection.waitForClose())
                }
                #expect(status == 400, "\(line.debugDescription)")
                #expect(closed, "\(line.debugDescription)")
            }
            #expect(origin.requestCount == 0)
        }
    }

    @Test("a versionless line after a stored hit on the same connection is refused after the hit's answer")
    func afterAHit() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=60")], body: "hit") }) { edge, _ in
            _ = try edge.get("/cached")
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/cached") + "GET /\r\n")
            let hit = try connection.readResponse()
            #expect(hit.status == 200)
            #expect(hit.text == "hit")
            let refused = try connection.readResponse()
            #expect(refused.status == 400)
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("a versionless line pipelined behind a miss is refused once the miss is answered, in order")
    func afterAMiss() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "fresh from the origin") }) { edge, origin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/miss") + "GET /\r\n")
            let miss = try connection.readResponse()
            #expect(miss.status == 200)
            #expect(miss.text == "fresh from the origin")
            let refused = try connection.readResponse()
            #expect(refused.status == 400)
            #expect(connection.isClosedByPeer())
            #expect(origin.requestCount == 1)
        }
    }
}
