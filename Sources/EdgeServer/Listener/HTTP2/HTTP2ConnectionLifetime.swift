import NIOCore
import NIOHTTP2

/// Ends an HTTP/2 client connection when it has no more use: after `client_idle_timeout` without an
/// open stream, and on drain (`ChannelShouldQuiesceEvent`) with a GOAWAY (NO_ERROR) naming the last
/// stream it will answer, closing once those streams end or the grace time runs out
/// (RFC 9113 §6.8). Either way the client learns from the GOAWAY which of its streams were not
/// processed, so it can send them again elsewhere.
///
/// It counts open streams from NIOHTTP2Handler's stream events and so sits right behind it, in front
/// of the frame-level shortcut, which may keep the events of the streams it answered from the
/// handlers behind it. The idle timer is never cancelled or scheduled per stream: at most one is
/// pending, and when it fires it looks at the time the connection last became idle and schedules
/// itself again if that was too recent (NIO's `NIOHTTP2ServerConnectionManagementHandler` moved its
/// timer at every stream's opening and closing, several per cent of a cached HTTP/2 hit). Its tasks
/// hold it strongly, as they hold its context (which holds it anyway): a weak reference would give it
/// a side table, which every retain of it (one per frame and stream event it is passed) goes through.
final class HTTP2ConnectionLifetime: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let idleTimeout: TimeAmount
    private let graceTime: TimeAmount
    private var openStreams = 0
    /// The highest stream the client has opened: the last one a GOAWAY promises to answer.
    private var lastStream = HTTP2StreamID.rootStream
    /// When the last stream closed (or the connection opened); meaningless while streams are open.
    private var idleSince = NIODeadline.now()
    private var idleTimer: Scheduled<Void>?
    private var graceTimer: Scheduled<Void>?
    private var goingAway = false
    private var closing = false

    init(idleTimeout: TimeAmount, graceTime: TimeAmount) {
        self.idleTimeout = idleTimeout
        self.graceTime = graceTime
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            startIdleClock(context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleClock(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    /// Told apart by type metadata first, as in `HTTP2StoredHitShortcut`: most events are window
    /// updates, which this handler lets by without a cast.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let kind = type(of: event)
        if kind == NIOHTTP2StreamCreatedEvent.self, let created = event as? NIOHTTP2StreamCreatedEvent {
            openStreams += 1
            // Client streams are odd (RFC 9113 §5.1.1).
            if created.streamID > lastStream, Int(created.streamID) & 1 == 1 {
                lastStream = created.streamID
            }
        } else if kind == StreamClosedEvent.self {
            openStreams = max(openStreams - 1, 0)
            if openStreams == 0 {
                if goingAway {
                    // The frame that ended the stream is written but not flushed yet (the event comes as
                    // NIO takes the write; the flush follows): close on the next tick, or it is lost.
                    context.eventLoop.assumeIsolated().execute { [context] in
                        self.close(context)
                    }
                } else {
                    idleSince = .now()
                }
            }
        } else if kind == ChannelShouldQuiesceEvent.self {
            goAway(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func startIdleClock(_ context: ChannelHandlerContext) {
        guard idleTimer == nil else { return }
        idleSince = .now()
        scheduleIdleCheck(context, at: idleSince + idleTimeout)
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let channel = context.channel
        idleTimer = channel.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [context] in
            self.idleCheck(context)
        }
    }

    /// Closes the connection if it has been idle for the whole timeout; otherwise looks again when it
    /// would have been, or a whole timeout from now while streams are open.
    private func idleCheck(_ context: ChannelHandlerContext) {
        idleTimer = nil
        guard !goingAway, !closing else { return }
        let now = NIODeadline.now()
        if openStreams > 0 {
            scheduleIdleCheck(context, at: now + idleTimeout)
        } else if now >= idleSince + idleTimeout {
            goAway(context)
        } else {
            scheduleIdleCheck(context, at: idleSince + idleTimeout)
        }
    }

    /// Sends GOAWAY once, then closes as soon as no stream is open, or when the grace time ends.
    private func goAway(_ context: ChannelHandlerContext) {
        guard !goingAway, !closing else { return }
        goingAway = true
        idleTimer?.cancel()
        idleTimer = nil
        let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStream, errorCode: .noError, opaqueData: nil))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        if openStreams <= 0 {
            close(context)
            return
        }
        graceTimer = context.channel.eventLoop.assumeIsolated().scheduleTask(in: graceTime) { [context] in
            self.graceTimer = nil
            self.close(context)
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        cancelTimers()
        context.close(promise: nil)
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        graceTimer?.cancel()
        graceTimer = nil
    }
}
