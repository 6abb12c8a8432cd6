import NIOCore
import Testing
@testable import EdgeServer

/// Older and rarer client behaviour: HTTP/1.0 framing and `Expect: 100-continue`.
@Suite("Client protocol versions and expectations, end to end")
struct ClientProtocolTests {
    @Test("an HTTP/1.0 client gets a chunked origin response as a close-delimited body, never chunked")
    func http10GetsCloseDelimited() async throws {
        let body = String(repeating: "0123456789", count: 1000)
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: body)
            response.chunkSize = 1000
            return response
        }) { edge, _ in
            let (head, count) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send("GET /old HTTP/1.0\r\nHost: test.example\r\n\r\n")
                let head = try client.readHead()
                return (head, try client.countBody(for: head))
            }
            #expect(head.status == 200)
            #expect(head.version == "HTTP/1.0")
            #expect(head.header("transfer-encoding") == nil)
            #expect(head.header("connection")?.lowercased() == "close")
            #expect(count.closeDelimited)
            #expect(count.bytes == body.utf8.count)
        }
    }

    @Test("an HTTP/1.0 client gets a Content-Length response with its length and the connection closed")
    func http10GetsContentLength() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "sized body") }) { edge, _ in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send("GET /old HTTP/1.0\r\nHost: test.example\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.header("content-length") == "10")
            #expect(response.text == "sized body")
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("an HTTP/1.0 client without Host is served, and the origin gets a Host naming the origin server")
    func http10WithoutHost() async throws {
        try await withEdge { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send("GET /old HTTP/1.0\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(origin.requestCount == 1)
            #expect(origin.requests.first?.headers["host"] == ["127.0.0.1:\(origin.port)"])
        }
    }

    @Test("Expect: 100-continue gets 100 Continue, then the response once the body is sent")
    func expectContinue() async throws {
        let origin = try await CountingOrigin()
        try await withEdge(originPort: origin.port) { edge in
            let (interim, final, text) = try await onThread { () -> (Int, Int, String) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send("POST /form HTTP/1.1\r\nHost: test.example\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
                let interim = try client.readHead()
                try client.send("hello world")
                let final = try client.readHead()
                return (interim.status, final.status, String(decoding: try client.readSmallBody(for: final), as: UTF8.self))
            }
            #expect(interim == 100)
            #expect(final == 200)
            #expect(text == "received 11")
            #expect(origin.requests.first?.headers.contains(name: "expect") == false)
        }
        await origin.stop()
    }

    @Test("a HEAD request gets the origin's head without a body and the connection stays usable")
    func headRequest() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "not for HEAD") }) { edge, _ in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send(EdgeHarness.request(method: "HEAD", path: "/h"))
            let head = try connection.readResponse(bodyExpected: false)
            #expect(head.status == 200)
            #expect(head.header("content-length") == "12")
            try connection.send(EdgeHarness.request(path: "/h"))
            let get = try connection.readResponse()
            #expect(get.text == "not for HEAD")
        }
    }
}
