import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// When an HTTP/2 client connection ends (`HTTP2ConnectionLifetime`): after the idle timeout without an
/// open stream, and on drain once the streams it promised to answer have ended, each time with a
/// GOAWAY (NO_ERROR) naming the last stream it answers. Waits are bounded by the raw client's read timeout.
@Suite("HTTP/2 connection lifetime")
struct HTTP2ConnectionLifetimeTests {
    private typealias Frame = RawHTTP2Connection.Frame

    private static func get(_ path: String, stream: UInt32) -> Frame {
        Frame(type: Frame.headers, flags: 0x5, stream: stream, payload: RawHTTP2Connection.requestHeaderBlock(path: path))
    }

    private static func endsStream(_ stream: UInt32) -> (Frame) -> Bool {
        { $0.stream == stream && ($0.type == Frame.data || $0.type == Frame.headers) && $0.flags & 1 == 1 }
    }

    @Test("a connection with no open stream gets GOAWAY (NO_ERROR) naming its last stream and is closed after the idle timeout")
    func idleConnectionIsClosed() async throws {
        try await HTTP2ListenerTests.withH2CEdge(configure: { $0.settings.timeouts.clientIdle = .milliseconds(400) }) { edge, _ in
            let port = edge.port(.h2c)
            let (frames, idleFor) = try await onThread { () -> ([Frame], Double) in
                let connection = try RawHTTP2Connection(port: port, timeoutSeconds: 10)
                try connection.send(Self.get("/one", stream: 1))
                try connection.send(Self.get("/one", stream: 3))
                var open: Set<UInt32> = [1, 3]
                while !open.isEmpty, let frame = try connection.readFrame() {
                    if let stream = open.first(where: { Self.endsStream($0)(frame) }) { open.remove(stream) }
                }
                let idleFrom = Date()
                let frames = try connection.readUntilClosed()
                return (frames, Date().timeIntervalSince(idleFrom))
            }
            let goAway = try #require(frames.first { $0.type == Frame.goAway }, "\(frames.map(\.type))")
            #expect(goAway.errorCode == 0)
            #expect(goAway.lastStreamID == 3)
            // Closed by the idle timer, not by the client's 10 s read timeout; not before the timeout either.
            #expect(idleFor >= 0.3 && idleFor < 8, "idle for \(idleFor) s")
        }
    }

    @Test("a stream open for longer than the idle timeout keeps its connection; the connection closes once idle after it")
    func openStreamIsNotIdle() async throws {
        try await HTTP2ListenerTests.withH2CEdge(origin: { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "slow", delay: .milliseconds(1200))
        }, configure: { $0.settings.timeouts.clientIdle = .milliseconds(400) }) { edge, _ in
            let port = edge.port(.h2c)
            let frames = try await onThread { () -> [Frame] in
                let connection = try RawHTTP2Connection(port: port, timeoutSeconds: 10)
                try connection.send(Self.get("/slow", stream: 1))
                return try connection.readUntilClosed()
            }
            let end = try #require(frames.firstIndex(where: Self.endsStream(1)), "the slow response arrived whole: \(frames.map(\.type))")
            let goAway = try #require(frames.firstIndex { $0.type == Frame.goAway })
            #expect(end < goAway, "GOAWAY only after the response")
            #expect(frames[goAway].lastStreamID == 1)
        }
    }

    @Test("on drain, a stream in progress is answered whole after GOAWAY, then the connection closes; a stream opened after GOAWAY is not answered")
    func drainFinishesOpenStreams() async throws {
        let origin = try await TestOrigin { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "finished", delay: .milliseconds(800))
        }
        let edge = try await EdgeHarness(origins: [origin]) {
            $0.h2cListen = [("127.0.0.1", 0)]
            $0.settings.timeouts.drain = .seconds(10)
        }
        let port = edge.port(.h2c)
        let requestSent = AsyncStream<Void>.makeStream()
        async let frames = onThread { () -> [Frame] in
            let connection = try RawHTTP2Connection(port: port)
            try connection.send(Self.get("/in-progress", stream: 1))
            requestSent.continuation.finish()
            var frames: [Frame] = []
            while let frame = try connection.readFrame() {
                frames.append(frame)
                if frame.type == Frame.goAway {
                    // Too late: the GOAWAY has named stream 1 as the last one answered.
                    try? connection.send(Self.get("/too-late", stream: 3))
                }
            }
            return frames
        }
        for await _ in requestSent.stream {}
        try await Task.sleep(for: .milliseconds(200))
        await edge.stop()
        await origin.stop()
        let received = try await frames
        let goAway = try #require(received.firstIndex { $0.type == Frame.goAway }, "\(received.map(\.type))")
        #expect(received[goAway].errorCode == 0)
        #expect(received[goAway].lastStreamID == 1)
        let end = try #require(received.firstIndex(where: Self.endsStream(1)), "stream 1 answered whole: \(received.map(\.type))")
        #expect(goAway < end, "the GOAWAY came first, the answer after it")
        #expect(!received.contains { $0.stream == 3 && $0.type != Frame.rstStream }, "stream 3 got no answer")
        #expect(origin.requests.map(\.uri) == ["/in-progress"])
    }
}
