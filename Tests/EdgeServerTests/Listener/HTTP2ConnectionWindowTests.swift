import Testing
@testable import EdgeServer

/// The connection's receive window follows `[http2] connection_window_size`, apart from the streams'
/// `initial_window_size`, with NIO's multiplexer as a handler of its own in front of the shortcut.
@Suite("HTTP/2 connection window")
struct HTTP2ConnectionWindowTests {
    typealias Frame = RawHTTP2Connection.Frame

    @Test("uploaded DATA opens the connection's window up to connection_window_size, past the streams' window")
    func opensToTheConnectionTarget() async throws {
        try await withEdge(origin: { _ in TestOrigin.Response(body: "taken") }, configure: { configuration in
            configuration.h2cListen = [("127.0.0.1", 0)]
            configuration.http2.initialWindowSize = .kibibytes(256)
            configuration.http2.connectionWindowSize = .mebibytes(4)
        }) { edge, _ in
            let port = edge.port(.h2c)
            let update = try await onThread {
                let connection = try RawHTTP2Connection(port: port)
                let chunk = [UInt8](repeating: 0x61, count: 16_384)
                try connection.send([
                    Frame(type: Frame.headers, flags: 0x4, stream: 1, payload: RawHTTP2Connection.requestHeaderBlock(path: "/up", post: true)),
                    Frame(type: Frame.data, flags: 0, stream: 1, payload: chunk),
                    Frame(type: Frame.data, flags: 0x1, stream: 1, payload: chunk),
                ])
                return try connection.readFrame { $0.type == Frame.windowUpdate && $0.stream == 0 }
            }
            let increment = try #require(update?.windowIncrement)
            // 65 535 to start with, less what was sent before the update: back up to the target.
            #expect(increment > 4 * 1024 * 1024 - 65_535, "\(increment)")
            #expect(increment <= 4 * 1024 * 1024 - 65_535 + 2 * 16_384, "\(increment)")
        }
    }

    @Test("a window at least half open is left alone; below that it goes back to the target")
    func incrementRule() {
        #expect(HTTP2ConnectionWindow.increment(window: 4_000_000, target: 4_194_304) == nil)
        #expect(HTTP2ConnectionWindow.increment(window: 2_097_152, target: 4_194_304) == 2_097_152)
        #expect(HTTP2ConnectionWindow.increment(window: 49_151, target: 4_194_304) == 4_145_153)
        #expect(HTTP2ConnectionWindow.increment(window: 70_000, target: 65_535) == nil)
        #expect(HTTP2ConnectionWindow.increment(window: -10, target: 100) == 110)
    }
}
