import EdgeCore
import NIOCore
import NIOHTTP1

/// The I/O of one client connection (or one HTTP/2 stream): it reads requests, holds back request
/// body reads while the origin is not taking them, writes responses, and drains. For each request it
/// runs the phases (`ProxyPhases`), which decide everything else.
///
/// Requests arrive one at a time (NIO's pipelining handler queues the next one until this response
/// ends). Everything here runs on the connection's event loop, as do the origin connections it uses.
final class ProxyHandler: ChannelDuplexHandler, DrainableConnection {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The configuration generation of the current (or last) request: the loop's current one when
    /// its head arrived. A keep-alive connection's next request takes the generation of its own time.
    private(set) var services: ProxyServices
    let loopContext: LoopContext
    let drain: DrainSignal
    /// TLS or not, HTTP/1.x or an HTTP/2 stream.
    let connection: ClientConnection
    private(set) var context: ChannelHandlerContext?
    /// The connection's request timeouts, told when a request starts and finishes.
    private var timeouts: ClientTimeoutHandler?
    private var current: ProxyPhases?
    private var clientAddress = "-"
    /// Client reads held back while an upload waits for the origin to take its bytes.
    private var readsPaused = false
    private var readDeferred = false
    var closeWhenDone = false
    private var sendStallTimer: Scheduled<Void>?

    init(loopContext: LoopContext, drain: DrainSignal, connection: ClientConnection = .plainHTTP1) {
        self.services = loopContext.services
        self.loopContext = loopContext
        self.drain = drain
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // An HTTP/1.x connection's; an HTTP/2 stream has none (its connection has `HTTP2ConnectionLifetime`).
        timeouts = try? context.pipeline.syncOperations.handler(type: ClientTimeoutHandler.self)
        if let address = context.channel.remoteAddress?.ipAddress {
            clientAddress = address
        }
        // An HTTP/2 stream drains with its connection (`HTTP2ConnectionTracker`).
        if !connection.isHTTP2 {
            loopContext.connections.add(self)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !connection.isHTTP2 {
            loopContext.connections.remove(self)
        }
        self.context = nil
        timeouts = nil
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    var acceptedBy: Channel? { context?.channel.parent }

    /// Draining: a connection between requests closes now; a busy one closes after its response.
    func closeIfIdle() {
        if current == nil || current?.request.responseEnded == true {
            context?.close(promise: nil)
        } else {
            closeWhenDone = true
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            services = loopContext.services
            let request = ClientRequest(
                head: connection.isHTTP2 ? HTTP2RequestHead.asHTTP11(head) : head,
                clientAddress: clientAddress, clientVersion: connection.clientVersion(of: head))
            let phases = ProxyPhases(request: request, sink: self, services: services, loop: loopContext, connection: connection)
            current = phases
            services.stats.requests.wrappingAdd(1, ordering: .relaxed)
            services.stats.activeRequests.wrappingAdd(1, ordering: .relaxed)
            timeouts?.requestStarted()
            if drain.isDraining {
                closeWhenDone = true
            }
            phases.start()
        case .body(let buffer):
            guard let request = current?.request else { return }
            // HTTP/2 DATA on a request that declared no body has no framing to travel in upstream.
            if connection.isHTTP2, !request.hasBody { return }
            request.bodyBytesReceived += buffer.readableBytes
            let limit = services.settings.limits.maxBodyBytes
            if limit > 0, request.bodyBytesReceived > limit, !request.discardBody {
                request.discardBody = true
                request.fill?.abort()
                respondError(request, status: .payloadTooLarge, message: "request body larger than \(limit) bytes", close: true)
                return
            }
            guard !request.discardBody, let exchange = request.fill?.exchange else { return }
            exchange.sendBody(buffer)
            if !exchange.canTakeMoreRequestBody {
                readsPaused = true
            }
        case .end:
            guard let request = current?.request else { return }
            request.requestEnded = true
            if !request.discardBody {
                request.fill?.exchange.sendEnd()
            }
            finishIfDone(request)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendStallTimer?.cancel()
            sendStallTimer = nil
            current?.request.fill?.exchange.resumeReading()
            current?.request.bodyStream?.resume()
        } else if sendStallTimer == nil {
            // A client that takes no bytes for the idle timeout is gone in all but name.
            let channel = context.channel
            sendStallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: services.settings.timeouts.clientIdle) {
                channel.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        sendStallTimer?.cancel()
        sendStallTimer = nil
        if let phases = current {
            let request = phases.request
            phases.detached = true
            request.fill?.client = nil
            request.fill?.detachClient()
            request.bodyStream?.clientGone()
            request.bodyStream = nil
            if !request.responseEnded {
                request.status = request.status == 0 ? 499 : request.status
                loopContext.accessLog.record(request.logEntry(cacheName: services.settings.cacheName))
            }
            services.stats.activeRequests.wrappingAdd(-1, ordering: .relaxed)
            current = nil
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parse errors were answered with 400 by NIO's protocol error handler; every error ends the connection.
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readDeferred = true
        } else {
            context.read()
        }
    }

    func resumeRequestBody() {
        guard readsPaused else { return }
        readsPaused = false
        if readDeferred, let context {
            readDeferred = false
            context.read()
        }
    }

    func finishIfDone(_ request: ClientRequest) {
        guard request.responseEnded, request.requestEnded, let phases = current, phases.request === request else { return }
        phases.detached = true
        current = nil
        services.stats.activeRequests.wrappingAdd(-1, ordering: .relaxed)
        timeouts?.requestFinished()
        resumeRequestBody()
    }
}
