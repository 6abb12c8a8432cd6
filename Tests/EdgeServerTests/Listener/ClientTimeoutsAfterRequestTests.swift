import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// After a finished request one timer moves on: the idle timeout while the connection waits,
/// the header timeout once a new head has begun.
@Suite("Client timeouts after a finished request", .serialized)
struct ClientTimeoutsAfterRequestTests {
    @Test("an idle keep-alive connection is closed within its idle timeout after a request")
    func idleConnectionClosedAfterRequest() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "x") }, configure: {
            $0.settings.timeouts.clientIdle = .seconds(2)
            $0.settings.timeouts.clientHeader = .milliseconds(500)
        }) { edge, _ in
            let closedAfter = try await onThread { () -> Double in
                let connection = try edge.connect(timeoutSeconds: 6)
                try connection.send(EdgeHarness.request(path: "/i"))
                _ = try connection.readResponse()
                let started = Date()
                _ = connection.isClosedByPeer()
                return Date().timeIntervalSince(started)
            }
            #expect(closedAfter > 1.5 && closedAfter < 3, "closed after \(closedAfter) s")
        }
    }

    @Test("a partial head sent after a finished request is cut at the header timeout")
    func slowHeadAfterRequestIsCut() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "x") }, configure: {
            $0.settings.timeouts.clientIdle = .seconds(4)
            $0.settings.timeouts.clientHeader = .seconds(1)
        }) { edge, _ in
            let closedAfter = try await onThread { () -> Double in
                let connection = try edge.connect(timeoutSeconds: 8)
                try connection.send(EdgeHarness.request(path: "/s"))
                _ = try connection.readResponse()
                usleep(1_500_000)
                try connection.send("GET /s HTTP/1.1\r\nHo")
                let started = Date()
                _ = connection.isClosedByPeer()
                return Date().timeIntervalSince(started)
            }
            #expect(closedAfter > 0.5 && closedAfter < 2, "closed after \(closedAfter) s")
        }
    }
}
