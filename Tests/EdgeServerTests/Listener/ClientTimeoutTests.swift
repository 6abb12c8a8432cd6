import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Clients that hold connections without finishing requests are cut off (slowloris), and idle
/// keep-alive connections end. Timeouts are short; waits are bounded by the client's read timeout.
@Suite("Client timeouts, end to end")
struct ClientTimeoutTests {
    private static func shortHeaderTimeout(_ configuration: inout EdgeServer.Configuration) {
        configuration.settings.timeouts.clientHeader = .milliseconds(300)
        configuration.settings.timeouts.clientIdle = .seconds(60)
    }

    private static func shortIdleTimeout(_ configuration: inout EdgeServer.Configuration) {
        configuration.settings.timeouts.clientHeader = .seconds(60)
        configuration.settings.timeouts.clientIdle = .milliseconds(300)
    }

    @Test("a client that sends half a request head and stops is disconnected after the header timeout")
    func halfHeadIsCutOff() async throws {
        try await withEdge(configure: Self.shortHeaderTimeout) { edge, origin in
            let closed = try await onThread {
                let connection = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try connection.send("GET /slow HTTP/1.1\r\nHost: test.example\r\nX-Partial: ")
                return connection.waitForClose()
            }
            #expect(closed)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("a client trickling its head byte by byte is disconnected: each byte does not restart the header timer")
    func tricklingHeadIsCutOff() async throws {
        try await withEdge(configure: Self.shortHeaderTimeout) { edge, origin in
            let sentBeforeClose = try await onThread { () -> Int in
                let connection = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                let head = Array(("GET /slow HTTP/1.1\r\nHost: test.example\r\n" + String(repeating: "X-Pad: 1\r\n", count: 20)).utf8)
                var sent = 0
                for byte in head {
                    do {
                        try connection.send([byte])
                    } catch {
                        return sent
                    }
                    sent += 1
                    usleep(50_000)
                }
                return sent
            }
            // 300 ms of header timeout at one byte per 50 ms: the edge closes long before the head ends.
            #expect(sentBeforeClose < 60)
            #expect(origin.requestCount == 0)
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleKeepAliveIsClosed() async throws {
        try await withEdge(configure: Self.shortIdleTimeout) { edge, _ in
            let (status, closed) = try await onThread {
                let connection = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try connection.send(EdgeHarness.request(path: "/a"))
                let head = try connection.readHead()
                _ = try connection.countBody(for: head)
                return (head.status, connection.waitForClose())
            }
            #expect(status == 200)
            #expect(closed)
        }
    }

    @Test("a connection that never sends a byte is closed after the header timeout counted from accept, not the longer idle timeout")
    func silentConnectionIsClosed() async throws {
        try await withEdge(configure: Self.shortHeaderTimeout) { edge, _ in
            let closed = try await onThread {
                try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5).waitForClose()
            }
            #expect(closed)
        }
    }

    @Test("a response slower than the header and idle timeouts still completes")
    func slowResponseIsNotCutOff() async throws {
        try await withEdge(origin: { _ in .init(body: "late", delay: .milliseconds(800)) }, configure: {
            $0.settings.timeouts.clientHeader = .milliseconds(300)
            $0.settings.timeouts.clientIdle = .milliseconds(300)
        }) { edge, _ in
            let response = try await onThread { try edge.get("/slow") }
            #expect(response.status == 200)
            #expect(response.text == "late")
        }
    }
}
