import NIOCore
import NIOHTTP1

/// Lets no request through after a response that closes the connection.
///
/// NIO's pipelining handler hands the next pipelined request over as soon as a response ends, even
/// when that response said `Connection: close` and the connection is about to go. After a request the
/// guard refused, those bytes are exactly what a smuggler hid behind framing the edge did not accept
/// (`Transfer-Encoding: gzip, chunked` followed by `GET /smuggled`): they must never reach an origin.
final class ClosingConnectionGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseCloses = false
    private var closed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            responseCloses = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        case .end where responseCloses:
            // Set before passing the end on: the pipelining handler delivers the next request from inside that write.
            closed = true
        case .head, .body, .end:
            break
        }
        context.write(data, promise: promise)
    }
}
