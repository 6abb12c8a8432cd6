import EdgeCore
import Foundation
import Testing
@testable import EdgeServer

/// Clients that abuse HTTP/2 lose their own connection, and nobody else notices.
@Suite("HTTP/2 abuse")
struct HTTP2AbuseTests {
    typealias Frame = RawHTTP2Connection.Frame

    /// After an attack, a well-behaved client still gets its answer.
    static func expectOthersServed(_ edge: EdgeHarness, body: String = "fine") async throws {
        let response = try await TLSListenerTests.fetch(["--http2-prior-knowledge"], "http://127.0.0.1:\(edge.port(.h2c))/ok")
        #expect(response.status == 200)
        #expect(response.body == Data(body.utf8))
    }

    /// Sends `frames` on a new connection in one write and reads until the server closes it. The
    /// server may close mid-burst: a failed send is part of the expected outcome.
    static func attack(_ edge: EdgeHarness, with frames: [Frame]) async throws -> [Frame] {
        let port = edge.port(.h2c)
        return try await onThread {
            let attacker = try RawHTTP2Connection(port: port)
            attacker.acknowledgesPings = false
            try? attacker.send(frames)
            return (try? attacker.readUntilClosed()) ?? []
        }
    }

    static func withAbusableEdge(_ body: (EdgeHarness) async throws -> Void) async throws {
        try await HTTP2ListenerTests.withH2CEdge(origin: { _ in TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "fine") },
                                                 configure: { configuration in
            configuration.http2.maxResets = 100
            configuration.http2.maxContinuationFrames = 5
        }) { edge, _ in try await body(edge) }
    }

    @Test("a rapid-reset burst (CVE-2023-44487) gets GOAWAY and a closed connection, and other clients are served", .memoryHeavy)
    func rapidReset() async throws {
        try await Self.withAbusableEdge { edge in
            let before = ResidentMemory.current() ?? 0
            var frames: [Frame] = []
            for index in 0..<1000 {
                let stream = UInt32(2 * index + 1)
                frames.append(Frame(type: Frame.headers, flags: 0x5, stream: stream, payload: RawHTTP2Connection.requestHeaderBlock(path: "/r\(index)")))
                frames.append(Frame(type: Frame.rstStream, flags: 0, stream: stream, payload: [0, 0, 0, 8]))  // CANCEL
            }
            for _ in 0..<5 {
                let received = try await Self.attack(edge, with: frames)
                #expect(received.contains { $0.type == Frame.goAway && $0.errorCode == 0xb }, "GOAWAY ENHANCE_YOUR_CALM")
            }
            try await Self.expectOthersServed(edge)
            let after = ResidentMemory.current() ?? 0
            // 10 000 cancelled streams must not stay behind in memory; the bound is far above noise.
            #expect(after - before < 64 << 20, "resident memory grew by \(after - before) bytes")
        }
    }

    @Test("a CONTINUATION flood gets the connection closed before the header block is buffered, and other clients are served")
    func continuationFlood() async throws {
        try await Self.withAbusableEdge { edge in
            let padding = RawHTTP2Connection.literalField(name: "x-pad", value: String(repeating: "a", count: 100))
            var frames = [Frame(type: Frame.headers, flags: 0x1, stream: 1, payload: RawHTTP2Connection.requestHeaderBlock(path: "/c"))]
            frames += Array(repeating: Frame(type: Frame.continuation, flags: 0, stream: 1, payload: padding), count: 10_000)
            let received = try await Self.attack(edge, with: frames)
            #expect(received.contains { $0.type == Frame.goAway }, "GOAWAY before close")
            #expect(!received.contains { $0.type == Frame.headers }, "no response to the flooding stream")
            try await Self.expectOthersServed(edge)
        }
    }

    @Test("a PING flood gets the connection closed, and other clients are served")
    func pingFlood() async throws {
        try await Self.withAbusableEdge { edge in
            // Pings whose acknowledgements are never read: the server refuses to queue them without bound.
            let pings = Array(repeating: Frame(type: Frame.ping, flags: 0, stream: 0, payload: [UInt8](repeating: 7, count: 8)), count: 20_000)
            let received = try await Self.attack(edge, with: pings)
            #expect(received.contains { $0.type == Frame.goAway }, "GOAWAY before close")
            try await Self.expectOthersServed(edge)
        }
    }

    @Test("opening more streams than SETTINGS_MAX_CONCURRENT_STREAMS gets the extra streams refused")
    func streamExhaustion() async throws {
        try await HTTP2ListenerTests.withH2CEdge(origin: { _ in TestOrigin.Response(body: "slow", delay: .seconds(2)) },
                                                 configure: { $0.http2.maxConcurrentStreams = 10 }) { edge, _ in
            let port = edge.port(.h2c)
            let refused = try await onThread {
                let attacker = try RawHTTP2Connection(port: port)
                // Wait for the server's SETTINGS so its limit is in force, then acknowledge it.
                _ = try attacker.readFrame { $0.type == Frame.settings && $0.flags & 1 == 0 }
                try attacker.send(Frame(type: Frame.settings, flags: 1, stream: 0, payload: []))
                let frames = (0..<30).map { index in
                    Frame(type: Frame.headers, flags: 0x5, stream: UInt32(2 * index + 1), payload: RawHTTP2Connection.requestHeaderBlock(path: "/s\(index)"))
                }
                try attacker.send(frames)
                return try attacker.readFrame { $0.type == Frame.rstStream || $0.type == Frame.goAway }
            }
            let frame = try #require(refused)
            if frame.type == Frame.rstStream {
                #expect(frame.payload == [0, 0, 0, 7], "REFUSED_STREAM")
            } else {
                #expect(frame.errorCode == 1, "PROTOCOL_ERROR")
            }
            try await Self.expectOthersServed(edge, body: "slow")
        }
    }
}
