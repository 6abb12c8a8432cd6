import Foundation
import Testing
@testable import EdgeServer

/// Requests that RFC 9113 §8.2–8.3 calls malformed are refused with RST_STREAM (PROTOCOL_ERROR) on their
/// own stream, before the cache or the origin sees them, whether or not their URL is stored (so on the
/// frame-level shortcut's path as on the full one); the connection goes on serving its other streams.
@Suite("HTTP/2 malformed requests")
struct HTTP2MalformedRequestTests {
    private typealias Frame = RawHTTP2Connection.Frame

    private static let get: [UInt8] = [0x82, 0x86]  // :method GET, :scheme http (static table)

    private static func field(_ name: String, _ value: String) -> [UInt8] {
        RawHTTP2Connection.literalField(name: name, value: value)
    }

    /// Every frame read until `stream` ends (or the connection closes).
    private static func framesUntilStreamEnds(_ stream: UInt32, on connection: RawHTTP2Connection) throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try connection.readFrame() {
            frames.append(frame)
            if frame.stream == stream, frame.flags & 1 == 1 { break }
        }
        return frames
    }

    private static func request(path: String = "/stored", extra: [UInt8]) -> [UInt8] {
        RawHTTP2Connection.requestHeaderBlock(path: path) + extra
    }

    /// Header blocks each of which makes its request malformed, by name.
    private static let malformed: [(String, [UInt8])] = [
        ("an uppercase field name", request(extra: field("X-Upper", "1"))),
        ("a field name with a space", request(extra: field("x y", "1"))),
        ("Connection", request(extra: field("connection", "keep-alive"))),
        ("Keep-Alive", request(extra: field("keep-alive", "timeout=5"))),
        ("Proxy-Connection", request(extra: field("proxy-connection", "keep-alive"))),
        ("Transfer-Encoding", request(extra: field("transfer-encoding", "chunked"))),
        ("Upgrade", request(extra: field("upgrade", "websocket"))),
        ("TE other than trailers", request(extra: field("te", "gzip"))),
        ("a CR LF in a value", request(extra: field("x-split", "a\r\nx-injected: 1"))),
        ("a NUL in a value", request(extra: field("x-nul", "a\u{0}b"))),
        ("a pseudo-field after a regular field", get + field("x-first", "1") + field(":path", "/stored") + field(":authority", "test.example")),
        ("no :path", get + field(":authority", "test.example")),
        ("an empty :path", get + field(":path", "") + field(":authority", "test.example")),
        ("two :method fields", request(extra: []) + [0x82]),
        ("an unknown pseudo-field", request(extra: field(":foo", "bar"))),
        (":status in a request", request(extra: field(":status", "200"))),
        ("CONNECT with :path", [0x00] + Array("\u{07}:method".utf8) + [0x07] + Array("CONNECT".utf8) + field(":authority", "test.example:443") + field(":path", "/")),
    ]

    @Test("each malformed request gets RST_STREAM PROTOCOL_ERROR on its stream, a stored URL as well, and the next stream is answered")
    func malformedRequestsAreRefused() async throws {
        try await HTTP2ListenerTests.withH2CEdge(origin: { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "stored")
        }) { edge, origin in
            let port = edge.port(.h2c)
            // Stored first, so a request the shortcut could answer is refused there too.
            let warm = try await TLSListenerTests.fetch(["--http2-prior-knowledge", "-H", "Host: test.example"], "http://127.0.0.1:\(port)/stored")
            #expect(warm.status == 200)
            let stored = try await TLSListenerTests.fetch(["--http2-prior-knowledge", "-H", "Host: test.example"], "http://127.0.0.1:\(port)/stored")
            #expect(stored.headers["cache-status"]?.hasPrefix("edge; hit") == true)
            for (name, block) in Self.malformed {
                let frames = try await onThread { () -> [Frame] in
                    let connection = try RawHTTP2Connection(port: port)
                    try connection.send(Frame(type: Frame.headers, flags: 0x5, stream: 1, payload: block))
                    try connection.send(Frame(type: Frame.headers, flags: 0x5, stream: 3, payload: RawHTTP2Connection.requestHeaderBlock(path: "/stored")))
                    return try Self.framesUntilStreamEnds(3, on: connection)
                }
                let reset = frames.first { $0.stream == 1 && $0.type == Frame.rstStream }
                #expect(reset?.payload == [0, 0, 0, 1], "\(name): RST_STREAM PROTOCOL_ERROR, got \(frames.map { ($0.type, $0.stream) })")
                #expect(!frames.contains { $0.stream == 1 && $0.type != Frame.rstStream }, "\(name): no answer on the malformed stream")
                #expect(!frames.contains { $0.type == Frame.goAway }, "\(name): the connection is kept")
                #expect(frames.contains { $0.stream == 3 && $0.type == Frame.data }, "\(name): the next stream is answered: \(frames.map { ($0.type, $0.stream, $0.flags) })")
            }
            #expect(origin.requests.count == 1, "only the first, well-formed request reached the origin")
        }
    }

    @Test("trailers with a pseudo-field get RST_STREAM PROTOCOL_ERROR and never reach the origin whole")
    func pseudoFieldInTrailers() async throws {
        try await HTTP2ListenerTests.withH2CEdge { edge, origin in
            let port = edge.port(.h2c)
            let frames = try await onThread { () -> [Frame] in
                let connection = try RawHTTP2Connection(port: port)
                try connection.send(Frame(type: Frame.headers, flags: 0x4, stream: 1, payload: RawHTTP2Connection.requestHeaderBlock(path: "/upload", post: true)))
                try connection.send(Frame(type: Frame.data, flags: 0, stream: 1, payload: Array("body".utf8)))
                try connection.send(Frame(type: Frame.headers, flags: 0x5, stream: 1, payload: Self.field(":path", "/other")))
                try connection.send(Frame(type: Frame.headers, flags: 0x5, stream: 3, payload: RawHTTP2Connection.requestHeaderBlock(path: "/after")))
                return try Self.framesUntilStreamEnds(3, on: connection)
            }
            #expect(frames.contains { $0.stream == 1 && $0.type == Frame.rstStream && $0.payload == [0, 0, 0, 1] }, "\(frames.map { ($0.type, $0.stream) })")
            #expect(frames.contains { $0.stream == 3 && $0.type == Frame.data })
            #expect(!origin.requests.contains { $0.uri == "/upload" && $0.body == Array("body".utf8) }, "the upload was not completed")
        }
    }
}

extension HTTP2MalformedRequestTests {
    @Test("a client that keeps sending malformed requests gets GOAWAY ENHANCE_YOUR_CALM and loses its connection; others are served")
    func malformedFloodClosesConnection() async throws {
        try await HTTP2ListenerTests.withH2CEdge(origin: { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "fine")
        }, configure: { $0.http2.maxResets = 20 }) { edge, origin in
            let port = edge.port(.h2c)
            let block = Self.request(extra: Self.field("X-Upper", "1"))
            let frames = try await onThread { () -> [Frame] in
                let connection = try RawHTTP2Connection(port: port)
                let burst = (0..<50).map { Frame(type: Frame.headers, flags: 0x5, stream: UInt32(1 + 2 * $0), payload: block) }
                try? connection.send(burst)
                return (try? connection.readUntilClosed()) ?? []
            }
            let goAway = try #require(frames.first { $0.type == Frame.goAway }, "\(frames.map(\.type))")
            #expect(goAway.errorCode == 0xb, "ENHANCE_YOUR_CALM")
            #expect(frames.filter { $0.type == Frame.rstStream }.count == 20)
            try await HTTP2AbuseTests.expectOthersServed(edge)
            #expect(origin.requests.map(\.uri) == ["/ok"])
        }
    }
}
