import NIOCore

/// Stands for one HTTP/2 client connection in its loop's `ConnectionRegistry`: draining asks the
/// connection to quiesce (GOAWAY, then close once its open streams finish, which
/// `NIOHTTP2ServerConnectionManagementHandler` does), and the drain deadline closes it outright.
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

    func closeIfIdle() {
        context?.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    func closeNow() {
        context?.close(promise: nil)
    }
}
