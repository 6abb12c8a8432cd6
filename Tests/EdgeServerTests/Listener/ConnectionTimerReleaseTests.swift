import NIOCore
import NIOEmbedded
import Testing
@testable import EdgeServer

/// The connection handlers whose timer tasks hold them strongly (a weak reference would slow every
/// read through them) must not outlive their connection: closing it cancels the tasks, so a handler
/// goes with its channel while the event loop, and the far deadline, remain.
@Suite("Connection timers release their handlers")
struct ConnectionTimerReleaseTests {
    /// Whether `handler` is gone once its connection, having read `input`, is closed and let go.
    private static func isReleasedAfterClose<Handler: ChannelHandler>(_ make: () -> Handler, input: String? = nil) throws -> Bool {
        let loop = EmbeddedEventLoop()
        weak var released: Handler?
        try {
            let handler = make()
            released = handler
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            if let input {
                try channel.writeInbound(channel.allocator.buffer(string: input))
            }
            try channel.close().wait()
        }()
        loop.run()
        return released == nil
    }

    @Test("a closed connection's client timeout handler is released although its idle deadline is a minute away")
    func clientTimeoutHandlerIsReleasedOnClose() throws {
        #expect(try Self.isReleasedAfterClose({ ClientTimeoutHandler(headerTimeout: .seconds(60), idleTimeout: .seconds(60)) }, input: "GET / HTTP/1.1\r\n"))
    }

    @Test("a closed HTTP/2 connection's lifetime handler is released although its idle check is a minute away")
    func http2LifetimeIsReleasedOnClose() throws {
        #expect(try Self.isReleasedAfterClose({ HTTP2ConnectionLifetime(idleTimeout: .seconds(60), graceTime: .seconds(60)) }))
    }
}
