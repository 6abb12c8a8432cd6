import Foundation
import NIOCore
import Testing
@testable import EdgeServer

@Suite("Draining, end to end")
struct DrainTests {
    @Test("drainAndStop lets a slow request in flight finish and refuses new connections")
    func drainFinishesInFlight() async throws {
        let origin = try await TestOrigin { _ in .init(headers: [("Cache-Control", "no-store")], body: "finished", delay: .milliseconds(4000)) }
        let edge = try await EdgeHarness(origins: [origin]) { $0.settings.timeouts.drain = .seconds(10) }
        let port = edge.port
        let inFlight = Task {
            try await onThread { () -> (StreamingHTTPClient.Head, StreamingHTTPClient.BodyCount, Bool) in
                let connection = try StreamingHTTPClient(port: port, timeoutSeconds: 10)
                try connection.send(EdgeHarness.request(path: "/slow"))
                let head = try connection.readHead()
                let body = try connection.countBody(for: head)
                return (head, body, connection.waitForClose())
            }
        }
        // Wait until the edge has the request, then start draining while the origin is still slow.
        for _ in 0..<200 where origin.requestCount == 0 {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(origin.requestCount == 1)
        let draining = Task { await edge.server.drainAndStop() }
        // The listener closes at the start of the drain; on a loaded machine that may take a moment.
        var refused = false
        for _ in 0..<100 {
            do {
                _ = try RawHTTPConnection(port: port, timeoutSeconds: 2)
                try await Task.sleep(nanoseconds: 50_000_000)
            } catch {
                refused = true
                break
            }
        }
        #expect(refused, "new connections are refused while draining")

        let (head, body, closed) = try await inFlight.value
        #expect(head.status == 200)
        #expect(body.complete)
        #expect(body.bytes == "finished".utf8.count)
        #expect(head.header("connection")?.lowercased() == "close")
        #expect(closed)
        await draining.value
        await origin.stop()
    }
}
