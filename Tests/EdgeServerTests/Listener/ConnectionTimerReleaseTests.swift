import NIOCore
import NIOEmbedded
import Testing
@testable import EdgeServer

/// The connection handlers whose timer tasks hold them strongly (a weak reference would slow every
/// read through them) must not outlive their connection: closing it cancels the tasks, so a handler
/// goes with its channel while the event loop, and the far deadline, remain.
@Suite("Connection timers release their handlers")
struct ConnectionTimerReleaseTests {
    @Test("a closed connection's client timeout handler is released although its idle deadline is a minute away")
    func clientTimeoutHandlerIsReleasedOnClose() throws {
        let loop = EmbeddedEventLoop()
        weak var released: ClientTimeoutHandler?
        try {
            let handler = ClientTimeoutHandler(headerTimeout: .seconds(60), idleTimeout: .seconds(60))
            released = handler
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            try channel.writeInbound(channel.allocator.buffer(string: "GET / HTTP/1.1\r\n"))
            try channel.close().wait()
        }()
        loop.run()
        #expect(released == nil)
    }

    @Test("a closed HTTP/2 connection's lifetime handler is released although its idle check is a minute away")
    func http2LifetimeIsReleasedOnClose() throws {
        let loop = EmbeddedEventLoop()
        weak var released: HTTP2ConnectionLifetime?
        try {
            let handler = HTTP2ConnectionLifetime(idleTimeout: .seconds(60), graceTime: .seconds(60))
            released = handler
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            try channel.close().wait()
        }()
        loop.run()
        #expect(released == nil)
    }
}
