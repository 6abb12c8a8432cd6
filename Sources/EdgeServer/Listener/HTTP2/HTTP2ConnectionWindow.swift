import NIOCore
import NIOHTTP2

/// Keeps an HTTP/2 connection's receive window at `[http2] connection_window_size`, apart from the
/// streams' `initial_window_size`.
///
/// The frame-level shortcut needs NIO's multiplexer as a handler of its own (`HTTP2StreamMultiplexer`),
/// and that one keeps the connection's window and every stream's at one target. So this handler, just
/// in front of it, takes the connection's part: it answers NIO's reports of the connection's window
/// itself, by the rule NIO's multiplexers use (`InboundWindowManager`), and keeps them from the
/// multiplexer, which would otherwise grant the same bytes a second time. Streams' windows stay the
/// multiplexer's, which opens them as stream channels read.
final class HTTP2ConnectionWindow: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let target: Int

    init(target: Int) {
        self.target = min(max(target, 0), Int(Int32.max))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let update = event as? NIOHTTP2WindowUpdatedEvent, update.streamID == .rootStream else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let window = update.inboundWindowSize, let increment = Self.increment(window: window, target: target) {
            let frame = HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// How much to open a window of `window` bytes towards `target`: nothing while at least half of the
    /// target is open, else back up to the target (a window below zero, which NIO's rule allows for,
    /// by the whole distance, at most 2^31 - 1 at once).
    static func increment(window: Int, target: Int) -> Int? {
        if window >= target { return nil }
        if window >= 0 {
            let increment = target - window
            return increment >= window ? increment : nil
        }
        return min(target - window, Int(Int32.max))
    }
}
