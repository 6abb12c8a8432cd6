import EdgeCore
import NIOCore
import NIOHTTP1

/// The request path of one client connection, in Pingora's phases: request filter (`RequestGuard`),
/// routing, cache lookup, upstream fetch, response filter, logging.
///
/// Requests arrive one at a time (NIO's pipelining handler queues the next one until this response
/// ends). Everything here runs on the connection's event loop, as do the origin connections it uses.
final class ProxyHandler: ChannelDuplexHandler, DrainableConnection {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let services: ProxyServices
    let loopContext: LoopContext
    let drain: DrainSignal
    /// TLS or not, HTTP/1.x or an HTTP/2 stream.
    let connection: ClientConnection
    var context: ChannelHandlerContext?
    var current: ClientRequest?
    private var clientAddress = "-"
    /// Client reads held back while an upload waits for the origin to take its bytes.
    private var readsPaused = false
    private var readDeferred = false
    private var closeWhenDone = false
    private var sendStallTimer: Scheduled<Void>?

    init(services: ProxyServices, loopContext: LoopContext, drain: DrainSignal, connection: ClientConnection = .plainHTTP1) {
        self.services = services
        self.loopContext = loopContext
        self.drain = drain
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
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
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    /// Draining: a connection between requests closes now; a busy one closes after its response.
    func closeIfIdle() {
        if current == nil || current?.responseEnded == true {
            context?.close(promise: nil)
        } else {
            closeWhenDone = true
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let request = ClientRequest(
                head: connection.isHTTP2 ? HTTP2RequestHead.asHTTP11(head) : head,
                clientAddress: clientAddress, clientVersion: connection.clientVersion(of: head))
            current = request
            services.stats.requests.wrappingAdd(1, ordering: .relaxed)
            services.stats.activeRequests.wrappingAdd(1, ordering: .relaxed)
            context.triggerUserOutboundEvent(ClientTimeoutHandler.RequestStarted(), promise: nil)
            begin(request)
        case .body(let buffer):
            guard let request = current else { return }
            // HTTP/2 DATA on a request that declared no body has no framing to travel in upstream.
            if connection.isHTTP2, !request.hasBody { return }
            request.bodyBytesReceived += buffer.readableBytes
            let limit = services.settings.limits.maxBodyBytes
            if limit > 0, request.bodyBytesReceived > limit, !request.discardBody {
                request.discardBody = true
                request.fill?.abort()
                if !request.responseStarted {
                    respondError(request, status: .payloadTooLarge, message: "request body larger than \(limit) bytes", close: true)
                } else {
                    context.close(promise: nil)
                }
                return
            }
            guard !request.discardBody, let exchange = request.fill?.exchange else { return }
            exchange.sendBody(buffer)
            if !exchange.canTakeMoreRequestBody {
                readsPaused = true
            }
        case .end:
            guard let request = current else { return }
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
            current?.fill?.exchange.resumeReading()
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
        if let request = current {
            request.fill?.client = nil
            request.fill?.detachClient()
            if !request.responseEnded {
                request.status = request.status == 0 ? 499 : request.status
                loopContext.accessLog.record(request.logEntry())
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

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readDeferred = true
        } else {
            context.read()
        }
    }

    func resumeClientReads() {
        guard readsPaused else { return }
        readsPaused = false
        if readDeferred, let context {
            readDeferred = false
            context.read()
        }
    }

    // MARK: The request's way

    private func begin(_ request: ClientRequest) {
        if let rejection = RequestGuard.check(request.head, limits: services.settings.limits) {
            request.discardBody = true
            respondError(request, status: rejection.status, message: rejection.reason, close: true)
            return
        }
        // `/a/./b` is keyed, routed and forwarded as `/a/b` (the guard refused what cannot be resolved).
        if case .resolved(let target) = TargetPath.resolve(request.head.uri) {
            request.resolveTarget(target)
        }
        let head = request.head
        if drain.isDraining {
            closeWhenDone = true
        }
        let host = RequestFilter.requestHost(head)
        guard let route = services.router.route(host: host) else {
            request.discardBody = true
            respondError(request, status: .misdirectedRequest, message: "no site is configured for host \(host ?? "(none)")", close: false)
            return
        }
        request.route = route
        startPageDelivery(request)
        if head.method == .PURGE {
            request.discardBody = true
            purge(request, host: host ?? "")
            return
        }
        if head.version != .http1_0, head.headers.contains(name: "expect"), head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let key = CacheKey(host: host ?? "", target: head.uri)
        request.cacheKey = key
        if isCacheablePath(head) {
            lookup(request, key: key, coalesce: true, collapsed: false)
        } else {
            let plan = CacheFill.Plan(
                head: upstreamHead(request, cacheable: false, validators: nil),
                clientHeaders: head.headers, cacheKey: key, stale: nil, storeAllowed: head.method == .POST, forward: .bypass)
            startFetch(request, plan: plan, leadership: nil)
        }
    }

    /// GET and HEAD without a request body go through the cache; everything else is forwarded.
    private func isCacheablePath(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .GET || head.method == .HEAD else { return false }
        // If-Match and If-Unmodified-Since are for the origin (RFC 9111 §4.3.2): such requests pass through.
        if head.headers.contains(name: "if-match") || head.headers.contains(name: "if-unmodified-since") { return false }
        if head.headers.contains(name: "transfer-encoding") { return false }
        if let length = head.headers.first(name: "content-length"), length != "0" { return false }
        return true
    }

    func upstreamHead(_ request: ClientRequest, cacheable: Bool, validators: HTTPHeaders?) -> HTTPRequestHead {
        RequestFilter.upstreamHead(
            from: request.head, clientAddress: request.clientAddress, cacheable: cacheable,
            validators: validators, viaPseudonym: services.settings.viaPseudonym, connection: connection)
    }

    func startFetch(_ request: ClientRequest, plan: CacheFill.Plan, leadership: Leadership?) {
        guard let route = request.route else { return }
        let fill = CacheFill(plan: plan, services: services, pool: loopContext.pool, route: route, leadership: leadership, clientAddress: request.clientAddress)
        fill.client = self
        request.fill = fill
        fill.start()
        if request.requestEnded {
            fill.exchange.sendEnd()
        }
    }

    // MARK: Writing responses

    func writeHead(_ request: ClientRequest, status: HTTPResponseStatus, headers: HTTPHeaders) {
        guard let context else { return }
        request.responseStarted = true
        request.status = Int(status.code)
        request.cacheStatus = headers.first(name: "cache-status") ?? ""
        var headers = request.page == nil ? headers : pageHeaders(request, status: status, headers: headers)
        if request.head.version == .http1_0, !headers.contains(name: "connection"), !mustClose(request) {
            // HTTP/1.0 keeps a connection only when the response says so (RFC 9112 §9.3).
            headers.add(name: "connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: request.head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// `flush: false` when the end follows at once (a stored or generated body): one write for the whole response.
    func writeBody(_ request: ClientRequest, _ buffer: ByteBuffer, flush: Bool = true) {
        guard let context else { return }
        if request.page?.rewriter != nil, writePageBody(request, buffer, flush: flush) { return }
        request.bytesSent += buffer.readableBytes
        if flush {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        } else {
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
    }

    func writeEnd(_ request: ClientRequest) {
        guard let context, !request.responseEnded else { return }
        if request.page?.rewriter != nil { finishPageBody(request) }
        request.responseEnded = true
        let close = mustClose(request)
        loopContext.accessLog.record(request.logEntry())
        services.trafficMetrics.record(cacheStatus: request.cacheStatus, bytesSent: request.bytesSent)
        // Finish this request before writing its end: NIO's pipelining handler hands over the next
        // pipelined request from inside that write, and it must find this one already done.
        finishIfDone(request)
        let promise: EventLoopPromise<Void>? = close ? context.eventLoop.makePromise() : nil
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
        if let promise {
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Whether the connection ends with this response.
    func mustClose(_ request: ClientRequest) -> Bool {
        closeWhenDone || drain.isDraining || !request.head.isKeepAlive || (request.hasBody && !request.requestEnded)
    }

    func closeWhenDoneForUnframedBody() {
        closeWhenDone = true
    }

    func respondError(_ request: ClientRequest, status: HTTPResponseStatus, message: String, close: Bool) {
        guard !request.responseStarted else {
            context?.close(promise: nil)
            return
        }
        if close { closeWhenDone = true }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "date", value: HTTPDate.format(ProxyServices.now()))
        if status == .serviceUnavailable {
            headers.add(name: "retry-after", value: "5")
        }
        let body = "\(status.code) \(status.reasonPhrase): \(message)\n"
        headers.add(name: "content-length", value: String(body.utf8.count))
        let cacheStatus = request.cacheStatus.isEmpty ? "edge; fwd=miss; detail=\"\(status.code)\"" : request.cacheStatus
        headers.add(name: "cache-status", value: cacheStatus)
        if mustClose(request) || close {
            headers.add(name: "connection", value: "close")
        }
        writeHead(request, status: status, headers: headers)
        if !request.isHead, let context {
            writeBody(request, context.channel.allocator.buffer(string: body), flush: false)
        }
        writeEnd(request)
    }

    private func finishIfDone(_ request: ClientRequest) {
        guard request.responseEnded, request.requestEnded, current === request else { return }
        current = nil
        services.stats.activeRequests.wrappingAdd(-1, ordering: .relaxed)
        context?.triggerUserOutboundEvent(ClientTimeoutHandler.RequestFinished(), promise: nil)
        resumeClientReads()
    }
}
