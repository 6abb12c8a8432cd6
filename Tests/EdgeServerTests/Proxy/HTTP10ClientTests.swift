import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.0 clients: no interim responses (RFC 9110 §15.2), and keep-alive confirmed in the
/// response (RFC 9112 §C.2.2).
@Suite("HTTP/1.0 clients get no 100 Continue and a confirmed keep-alive", .serialized)
struct HTTP10ClientTests {
    @Test("an HTTP/1.0 client sending Expect: 100-continue gets no 1xx response (RFC 9110 §15.2)")
    func noContinueForHTTP10() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "ok") }) { edge, _ in
            let status = try await onThread { () -> Int in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send("POST /form HTTP/1.0\r\nHost: test.example\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                usleep(200_000)
                try client.send("hello")
                return try client.readHead().status
            }
            #expect(status == 200, "first response head was \(status)")
        }
    }

    @Test("an HTTP/1.0 keep-alive request gets Connection: keep-alive and the connection stays usable")
    func http10KeepAliveIsConfirmed() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "ok") }) { edge, _ in
            let (first, second) = try await onThread { () -> (RawHTTPConnection.Response, RawHTTPConnection.Response) in
                let connection = try edge.connect(timeoutSeconds: 5)
                let request = "GET /a HTTP/1.0\r\nHost: test.example\r\nConnection: keep-alive\r\n\r\n"
                try connection.send(request)
                let first = try connection.readResponse()
                try connection.send(request)
                return (first, try connection.readResponse())
            }
            #expect(second.status == 200)
            // Without it an HTTP/1.0 client must assume the connection closes after the response (RFC 9112 §C.2.2).
            #expect(first.header("connection")?.lowercased() == "keep-alive", "response headers: \(first.headers)")
        }
    }
}
