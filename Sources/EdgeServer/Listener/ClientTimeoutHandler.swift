import NIOCore

/// Cuts off clients that hold a connection without finishing a request: a request head must arrive
/// within the header timeout once its first byte is in (slowloris), and an idle keep-alive connection
/// is closed after the idle timeout. Sits in front of the HTTP decoder so it sees raw bytes.
final class ClientTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent outbound by the proxy handler when a request head has been read.
    struct RequestStarted {}
    /// Sent outbound by the proxy handler when a request and its response are complete.
    struct RequestFinished {}

    private enum State {
        case idle
        case readingHead
        case inRequest
    }

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var state = State.idle
    private var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, idleTimeout)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            arm(context, idleTimeout)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .idle {
            state = .readingHead
            arm(context, headerTimeout)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestStarted:
            state = .inRequest
            timer?.cancel()
            timer = nil
            promise?.succeed()
        case is RequestFinished:
            state = .idle
            arm(context, idleTimeout)
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, self.state != .inRequest else { return }
            channel.close(promise: nil)
        }
    }
}
