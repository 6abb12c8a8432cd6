import NIOCore
import NIOHTTP1

/// Counts the responses the full pipeline finishes, so that `StoredHitShortcut` knows when every
/// request it handed over is answered and it may answer the next one itself without overtaking them.
/// Sits where every final response of an HTTP/1.1 connection passes, whoever wrote it.
final class FullPathResponses: ChannelOutboundHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let handover: StoredHitShortcut.Handover

    init(handover: StoredHitShortcut.Handover) {
        self.handover = handover
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), handover.outstanding > 0 {
            handover.outstanding -= 1
        }
        context.write(data, promise: promise)
    }
}
