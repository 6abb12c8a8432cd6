import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser rejected, then lets the connection close (NIO's decoder closes it).
///
/// Takes the place of NIO's `HTTPServerProtocolErrorHandler`, which says 400 to everything: the decoder
/// enforces the header count and size limits itself (so that an oversized head is never buffered), and a
/// head refused for its size must get 431 (RFC 6585 §5), as `RequestGuard` answers for heads it measures.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false
    /// Told of every final response's end, so that the stored-hit shortcut knows when the requests
    /// it handed over are all answered (this handler sees every response, whoever wrote it).
    private let handover: StoredHitShortcut.Handover?

    init(handover: StoredHitShortcut.Handover? = nil) {
        self.handover = handover
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // Once a response has begun, no other can be sent: the connection just closes.
        if !responseInProgress {
            let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code < 200:
            break
        case .head:
            responseInProgress = true
        case .body:
            break
        case .end:
            responseInProgress = false
            if let handover, handover.outstanding > 0 {
                handover.outstanding -= 1
                context.write(data, promise: promise)
                if handover.outstanding == 0, let next = handover.whenAllAnswered {
                    handover.whenAllAnswered = nil
                    next()
                }
                return
            }
        }
        context.write(data, promise: promise)
    }
}
