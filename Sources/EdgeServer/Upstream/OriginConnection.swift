import NIOCore
import NIOHTTP1
import NIOSSL

/// The last handler of a pooled origin connection: carries one request at a time and hands the
/// response to its delegate. Reads are demand-driven (autoRead is off) so a slow client slows the origin
/// down instead of filling memory.
final class OriginConnection: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case idle
        case awaitingHead
        case receivingBody
        case closed
    }

    let server: OriginServer
    private(set) var requestsServed = 0
    private var state = State.idle
    private var context: ChannelHandlerContext?
    private var delegate: OriginResponseDelegate?
    /// The running timeout (first byte or idle) and when it runs out; nil while none runs. One timer
    /// serves both and is moved without rescheduling ("Timeouts" below).
    private var deadline: (timeout: ExchangeTimeout, at: NIODeadline)?
    /// The one scheduled check of `deadline`, and when it runs.
    private var deadlineCheck: Scheduled<Void>?
    private var deadlineCheckAt = NIODeadline.distantFuture
    private var idleTimeout: TimeAmount = .seconds(60)
    private var firstByteTimeout: TimeAmount = .seconds(30)
    private var responseKeepAlive = true
    private var requestKeepAlive = true
    private var requestComplete = false
    private var readPending = false
    /// Reads are held back because the client is not taking bytes; the idle timer is off meanwhile.
    private var pausedForClient = false
    /// Called once the connection may carry another request, or has closed.
    var onRelease: ((OriginConnection, _ reusable: Bool) -> Void)?

    init(server: OriginServer) {
        self.server = server
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }
    var eventLoop: EventLoop? { context?.eventLoop }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Sending a request

    func startRequest(_ head: HTTPRequestHead, delegate: OriginResponseDelegate, firstByteTimeout: TimeAmount, idleTimeout: TimeAmount) {
        guard let context, state == .idle else {
            delegate.originFailed(.closedBeforeResponse(server, reused: requestsServed > 0))
            return
        }
        self.delegate = delegate
        self.state = .awaitingHead
        self.idleTimeout = idleTimeout
        self.requestKeepAlive = head.isKeepAlive
        self.responseKeepAlive = true
        self.requestComplete = false
        self.pausedForClient = false
        self.firstByteTimeout = firstByteTimeout
        arm(.firstByte)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        readIfNeeded()
    }

    func sendBody(_ buffer: ByteBuffer) {
        guard let context, state != .closed else { return }
        // An upload in progress restarts the wait: the origin answers after the whole request, and a
        // long upload must not be cut off for taking longer than the first-byte timeout; a stalled one still is.
        if state == .awaitingHead {
            arm(.firstByte)
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func sendEnd() {
        guard let context, state != .closed else { return }
        requestComplete = true
        if state == .awaitingHead {
            arm(.firstByte)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The delegate can take more response bytes again.
    func resumeReading() {
        readIfNeeded()
    }

    /// Hands a connection that never carried the request it was fetched for back to its pool.
    func returnUnused() {
        guard state == .idle, isActive else {
            abort()
            return
        }
        readIfNeeded()
        onRelease?(self, true)
    }

    /// Gives up on the current exchange: the connection is closed and never reused.
    func abort() {
        delegate = nil
        closeConnection()
    }

    // MARK: Receiving the response

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head) where head.status.code >= 100 && head.status.code < 200 && head.status.code != 101:
            guard state == .awaitingHead else {
                fail(.invalidResponse(server, "interim response after the final one"))
                return
            }
            // The origin is alive and working on it: the wait for the final head starts again.
            arm(.firstByte)
            delegate?.originInterimResponse(head)
        case .head(let head):
            guard state == .awaitingHead else {
                fail(.invalidResponse(server, "response without a request"))
                return
            }
            state = .receivingBody
            responseKeepAlive = head.isKeepAlive
            arm(.idle)
            delegate?.originResponseHead(head)
        case .body(let buffer):
            arm(.idle)
            delegate?.originResponseBody(buffer)
        case .end:
            disarm()
            requestsServed += 1
            let delegate = self.delegate
            self.delegate = nil
            let reusable = responseKeepAlive && requestKeepAlive && requestComplete && context.channel.isActive
            state = reusable ? .idle : .closed
            delegate?.originResponseEnd()
            if reusable {
                // Keep a read outstanding while idle so an origin closing the connection is noticed at once.
                readIfNeeded()
                onRelease?(self, true)
            } else {
                closeConnection()
            }
        }
    }

    /// Every socket read ends here, whether or not it made a whole HTTP part (half a head, a lone chunk-size
    /// line): only here is the outstanding read known to be over.
    func channelReadComplete(context: ChannelHandlerContext) {
        readPending = false
        if state != .closed {
            readIfNeeded()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.originWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .awaitingHead:
            fail(.closedBeforeResponse(server, reused: requestsServed > 0))
        case .receivingBody:
            fail(.closedMidResponse(server))
        case .idle, .closed:
            markClosed()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError, state != .idle, state != .closed {
            fail(.tlsFailed(server, "\(error)"))
            return
        }
        switch state {
        case .awaitingHead where error is HTTPParserError:
            fail(.invalidResponse(server, "\(error)"))
        case .awaitingHead:
            fail(.closedBeforeResponse(server, reused: requestsServed > 0))
        case .receivingBody where error is HTTPParserError:
            fail(.invalidResponse(server, "\(error)"))
        case .receivingBody:
            fail(.closedMidResponse(server))
        case .idle, .closed:
            closeConnection()
        }
    }

    // MARK: Helpers

    private func readIfNeeded() {
        guard let context, !readPending, state != .closed else { return }
        if state != .idle, let delegate, !delegate.wantsMoreOriginData {
            // Held back by the client, not by the origin: the origin's idle clock stops meanwhile.
            if state == .receivingBody {
                disarm()
                pausedForClient = true
            }
            return
        }
        if pausedForClient {
            pausedForClient = false
            arm(.idle)
        }
        readPending = true
        context.read()
    }

    private func fail(_ error: OriginError) {
        let delegate = self.delegate
        self.delegate = nil
        closeConnection()
        delegate?.originFailed(error)
    }

    private func closeConnection() {
        markClosed()
        context?.close(promise: nil)
    }

    private func markClosed() {
        guard state != .closed || onRelease != nil else { return }
        stopDeadline()
        state = .closed
        let release = onRelease
        onRelease = nil
        release?(self, false)
    }

    // MARK: Timeouts

    // The first-byte and idle timeouts of an exchange on one timer. An exchange moves its deadline four
    // or more times (request written, request ended, head, every body part, end), and scheduling and
    // cancelling a NIO task for each was 2 % of a miss. Here moving the deadline is a store: the one
    // scheduled check, when it finds the deadline further off than when it was set, checks again then.
    // Only a deadline nearer than the pending check (an idle timeout followed by a shorter first-byte
    // one) reschedules it.

    /// Starts `timeout` over from now.
    private func arm(_ timeout: ExchangeTimeout) {
        guard let context else { return }
        let at = NIODeadline.now() + (timeout == .firstByte ? firstByteTimeout : idleTimeout)
        deadline = (timeout, at)
        if deadlineCheck != nil, deadlineCheckAt <= at { return }
        deadlineCheck?.cancel()
        scheduleCheck(on: context.eventLoop, at: at)
    }

    /// No timeout runs (the exchange is over, or the client holds reads back); a pending check finds
    /// nothing to do.
    private func disarm() {
        deadline = nil
    }

    /// The connection is closing: nothing is left scheduled.
    private func stopDeadline() {
        deadline = nil
        deadlineCheck?.cancel()
        deadlineCheck = nil
        deadlineCheckAt = .distantFuture
    }

    private func scheduleCheck(on eventLoop: any EventLoop, at time: NIODeadline) {
        deadlineCheckAt = time
        deadlineCheck = eventLoop.assumeIsolated().scheduleTask(deadline: time) { [weak self] in
            self?.checkDeadline()
        }
    }

    private func checkDeadline() {
        deadlineCheck = nil
        deadlineCheckAt = .distantFuture
        guard let deadline, let context else { return }
        guard NIODeadline.now() >= deadline.at else {
            scheduleCheck(on: context.eventLoop, at: deadline.at)
            return
        }
        self.deadline = nil
        switch deadline.timeout {
        case .firstByte: fail(.firstByteTimeout(server))
        case .idle: fail(.idleTimeout(server))
        }
    }
}

/// Which of an origin connection's timeouts is running.
private enum ExchangeTimeout {
    /// From the request (or its last byte, or an interim response) to the response's head.
    case firstByte
    /// Between two reads of the response's body.
    case idle
}
