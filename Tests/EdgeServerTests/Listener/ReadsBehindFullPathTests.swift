import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// While the full path answers one request (a miss waiting for its origin), the connection is still
/// read: registering and dropping the socket's read interest around every miss cost two `epoll_ctl`.
/// A client that pipelines more than one request behind it is held back as before.
@Suite("Reads while the full path answers")
struct ReadsBehindFullPathTests {
    /// Waits up to `seconds` for the edge's end of `connection` to have `expected` unread bytes.
    private static func unread(_ edge: EdgeHarness, _ connection: RawHTTPConnection, becomes expected: (Int) -> Bool, within seconds: Double) async throws -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: Int?
        repeat {
            last = SocketQueues.unreadBytes(localPort: edge.port, remotePort: connection.localPort)
            if let last, expected(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        return last
    }

    @Test("a request sent behind a miss still waiting for its origin is read at once; a third waits in the socket until the miss is answered; all three are answered in order")
    func oneRequestIsReadBehindAMiss() async throws {
        try await withEdge(origin: { request in
            request.uri == "/slow"
                ? TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "slow answer", delay: .seconds(5))
                : TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "answer for \(request.uri)")
        }) { edge, origin in
            // The origin holds the miss for 5 s: longer than every wait below on a busy machine.
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/slow"))
            // The miss is at the origin before anything else is sent.
            for _ in 0..<100 where origin.requestCount == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(origin.requestCount == 1)

            let second = EdgeHarness.request(path: "/second")
            try connection.send(second)
            #expect(try await Self.unread(edge, connection, becomes: { $0 == 0 }, within: 2) == 0)

            let third = EdgeHarness.request(path: "/third")
            try connection.send(third)
            try await Task.sleep(for: .milliseconds(300))
            #expect(SocketQueues.unreadBytes(localPort: edge.port, remotePort: connection.localPort) == third.utf8.count)
            #expect(origin.requestCount == 1)

            #expect(try connection.readResponse().text == "slow answer")
            #expect(try connection.readResponse().text == "answer for /second")
            #expect(try connection.readResponse().text == "answer for /third")
            #expect(origin.requestCount == 3)
        }
    }
}
