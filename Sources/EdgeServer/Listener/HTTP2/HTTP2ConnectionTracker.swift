import NIOCore
import NIOHTTP2

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
    /// GOAWAY, and leaves closing to the pipeline: this is the last handler, so it closes. A stream
    /// error (RFC 9113 §8.1.1) has cost its stream a RST_STREAM and nothing more: the client's other
    /// streams go on.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !Self.isStreamError(error) else { return }
        context.close(promise: nil)
    }

    /// The errors NIO reports for one stream alone, having reset it: a request body that does not
    /// match its Content-Length, or trailers that do not end the stream (malformed header blocks are
    /// refused before NIO would see them, by `HTTP2StoredHitShortcut`).
    private static func isStreamError(_ error: any Error) -> Bool {
        switch error {
        case is NIOHTTP2Errors.StreamError, is NIOHTTP2Errors.ContentLengthViolated, is NIOHTTP2Errors.ContentLengthHeadersMismatch,
             is NIOHTTP2Errors.ContentLengthHeaderMalformedValue, is NIOHTTP2Errors.ContentLengthHeaderNegative,
             is NIOHTTP2Errors.TrailersWithoutEndStream:
            true
        default:
            false
        }
    }

    func closeIfIdle() {
        context?.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    var acceptedBy: Channel? { context?.channel.parent }
}
