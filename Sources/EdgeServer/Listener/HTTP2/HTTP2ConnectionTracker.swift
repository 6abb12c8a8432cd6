import NIOCore

/// Stands for one HTTP/2 client connection in its loop's `ConnectionRegistry`: draining asks the
/// connection to quiesce (GOAWAY, then close once its open streams finish, which
/// `HTTP2ConnectionLifetime` does), and the drain deadline closes it outright.
/// It also ends connections that NIOHTTP2Handler found in error.
final class HTTP2ConnectionTracker: ChannelInboundHandler, DrainableConnection {
    typealias InboundIn = NIOAny

    private let registry: ConnectionRegistry
    private var context: ChannelHandlerContext?

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        registry.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        registry.remove(self)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        registry.remove(self)
        context.fireChannelInactive()
    }

    /// NIOHTTP2Handler reports a connection error (a flood, a protocol violation) after sending its
    /// GOAWAY, and leaves closing to the pipeline: this is the last handler, so it closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func closeIfIdle() {
        context?.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    var acceptedBy: Channel? { context?.channel.parent }
}
