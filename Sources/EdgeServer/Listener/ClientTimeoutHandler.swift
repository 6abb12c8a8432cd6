import NIOCore

/// Cuts off clients that hold a connection without finishing a request: the first request head must
/// arrive within the header timeout of the accept (nginx counts from there too), a later one within
/// the header timeout once its first byte is in (slowloris), and an idle keep-alive connection is
/// closed after the idle timeout. Sits in front of the HTTP decoder so it sees raw bytes.
///
/// The handlers that answer requests tell it when one starts and finishes by calling it (they find it
/// in their pipeline once): as an inbound-only handler it is not on the way of every write, flush and
/// read of the connection, which at hundreds of connections cost a few per cent of a cached hit.
final class ClientTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case idle
        case readingHead
        case inRequest
    }

    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// The longest a timer waits before looking again: the shorter timeout.
    private let step: TimeAmount
    private var state = State.idle
    /// When the connection is cut unless a request is in progress by then.
    private var deadline = NIODeadline.distantFuture
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.step = min(headerTimeout, idleTimeout)
    }

    func channelActive(context: ChannelHandlerContext) {
        awaitFirstRequest(context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            awaitFirstRequest(context)
        }
    }

    /// A new connection owes a request head from the start: one that sends nothing is cut off after
    /// the header timeout, not kept for the longer idle timeout.
    private func awaitFirstRequest(_ context: ChannelHandlerContext) {
        state = .readingHead
        arm(context, headerTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .idle {
            state = .readingHead
            arm(context, headerTimeout)
        }
        context.fireChannelRead(data)
    }

    /// A request head has been read: no timer cuts the connection until it is finished. A pending
    /// timer is left to fire: it finds the request in progress and stops. Cancelling and scheduling
    /// timers for every request cost more than the rest of a cache hit.
    func requestStarted() {
        state = .inRequest
    }

    /// A request and its response are complete: the connection is idle again.
    func requestFinished() {
        guard let context else { return }
        state = .idle
        arm(context, idleTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Every request the stored-hit shortcut read so far is answered; one the full path has in hand
    /// keeps the connection in a request until it calls `requestFinished`.
    func requestsAnswered() {
        guard state != .inRequest else { return }
        requestFinished()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Sets the deadline `timeout` from now. A pending timer is kept: it was scheduled at most `step`
    /// after an earlier moment, so it fires no later than this deadline and then looks again.
    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        let now = NIODeadline.now()
        deadline = now + timeout
        if timer == nil {
            schedule(context.channel, at: min(deadline, now + step))
        }
    }

    /// The task holds the handler strongly: a weak reference would give the handler a side table, and
    /// every retain of it (NIO retains a handler for each read it passes in) would then take Swift's
    /// slow path through that table, a cold cache line per connection. The task is cancelled when the
    /// channel goes inactive, so it keeps nothing alive past the connection (the handler is not
    /// removable: it leaves the pipeline only with its channel).
    private func schedule(_ channel: Channel, at time: NIODeadline) {
        timer = channel.eventLoop.assumeIsolated().scheduleTask(deadline: time) {
            self.timerFired(channel)
        }
    }

    private func timerFired(_ channel: Channel) {
        timer = nil
        guard state != .inRequest else { return }
        let now = NIODeadline.now()
        if now >= deadline {
            channel.close(promise: nil)
        } else {
            schedule(channel, at: min(deadline, now + step))
        }
    }
}
