import EdgeCore
import NIOCore
import NIOHTTP1

/// Answers the commonest request an edge sees, a plain GET or HEAD for a fresh stored response,
/// straight from the bytes the client sent: one strict scan of the head, one cache lookup, one write
/// of the head serialised from fields prepared at store time and the stored body, untouched.
///
/// It sits in front of the HTTP decoder of an HTTP/1.1 connection. Every request it is not certain
/// of (a miss, a stale entry, a conditional or range request, unusual syntax, a progressive page) goes
/// to the full pipeline, which answers it exactly as before: the shortcut only ever takes requests
/// whose answer it can give byte for byte as the full path would.
///
/// While requests it handed over are unanswered, later requests follow them down the full path so
/// that responses keep their order; once all are answered (`ProtocolErrorResponder` counts the ends) the
/// shortcut takes over again. Bytes it cannot find the end of a head in are held back (up to the
/// header limit) so that the decoder only ever sees whole requests; a head it cannot vouch for at
/// all hands the connection to the full path for good.
final class StoredHitShortcut: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Shared with the connection's `ProtocolErrorResponder`, on the connection's event loop.
    final class Handover {
        /// Requests handed to the full path whose responses have not ended yet.
        var outstanding = 0
        /// Runs once every handed-over request is answered (after the last end is written).
        var whenAllAnswered: (() -> Void)?
    }

    private let services: ProxyServices
    private let loopContext: LoopContext
    private let drain: DrainSignal
    private let timeouts: ClientTimeoutHandler
    let handover = Handover()
    /// After a head the scan cannot vouch for, everything goes to the full path.
    private var fullPathOnly = false
    /// A versionless request line is waiting for the answers before it: nothing more is read.
    private var refusing = false
    /// The start of a head whose end has not arrived yet.
    private var pending: ByteBuffer?
    private var clientAddress = "-"
    private var route: HostRoute?
    private var lastAcceptEncoding: AcceptEncodingMemo?
    /// Whether bytes went on to the full path since the last read-complete.
    private var forwardedSinceReadComplete = false
    /// When the bytes being answered arrived; only kept while the access log is on.
    private var readAt: NIODeadline?

    /// What a Host value led to last time: connections rarely change it.
    private struct HostRoute {
        var hostBytes: [UInt8]
        var site: Site
        var keyHost: String
    }

    init(services: ProxyServices, loopContext: LoopContext, drain: DrainSignal, timeouts: ClientTimeoutHandler) {
        self.services = services
        self.loopContext = loopContext
        self.drain = drain
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress?.ipAddress {
            clientAddress = address
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if refusing { return }
        if fullPathOnly {
            context.fireChannelRead(data)
            return
        }
        if var held = pending {
            pending = nil
            held.writeBuffer(&buffer)
            buffer = held
        }
        readAt = loopContext.accessLog.log.isEnabled ? .now() : nil
        var answered = false
        while buffer.readableBytes > 0 {
            let scan = buffer.withUnsafeReadableBytes { PlainRequestHead.scan($0) }
            switch scan {
            case .incomplete:
                hold(context, buffer)
                finish(context, answered: answered)
                return
            case .unsupported:
                if handover.outstanding == 0, buffer.withUnsafeReadableBytes({ PlainRequestHead.requestLineLacksVersion($0) }) {
                    refuseVersionless(context)
                    return
                }
                handOverForGood(context, buffer, answered: answered)
                return
            case .complete(let head):
                if handover.outstanding > 0 || head.needsFullPath || !answer(context, head, in: buffer) {
                    handOver(context, buffer, answered: answered)
                    return
                }
                answered = true
                buffer.moveReaderIndex(forwardBy: head.length)
            }
        }
        finish(context, answered: answered)
    }

    /// A read the shortcut answered entirely never reached the handlers behind it, so neither does its
    /// read-complete: with hundreds of connections, walking their pipelines for nothing showed in profiles.
    func channelReadComplete(context: ChannelHandlerContext) {
        if forwardedSinceReadComplete || fullPathOnly {
            forwardedSinceReadComplete = false
            context.fireChannelReadComplete()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending = nil
        context.fireChannelInactive()
    }

    private func finish(_ context: ChannelHandlerContext, answered: Bool) {
        guard answered else { return }
        context.flush()
        if pending == nil, handover.outstanding == 0 {
            timeouts.requestsAnswered()
        }
    }

    /// A partial head waits for the rest, unless it is already longer than any head may be.
    private func hold(_ context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        if buffer.readableBytes > services.settings.limits.maxHeaderBytes + services.settings.limits.maxRequestLine {
            handOverForGood(context, buffer, answered: false)
        } else {
            pending = buffer
        }
    }

    /// Passes whole heads on to the full path, counting them; a partial head at the end is held back.
    private func handOver(_ context: ChannelHandlerContext, _ buffer: ByteBuffer, answered: Bool) {
        var rest = buffer
        var whole = 0
        scanning: while rest.readableBytes > 0 {
            switch rest.withUnsafeReadableBytes({ PlainRequestHead.scan($0) }) {
            case .complete(let head):
                whole += head.length
                rest.moveReaderIndex(forwardBy: head.length)
                handover.outstanding += 1
            case .incomplete:
                break scanning
            case .unsupported:
                if rest.withUnsafeReadableBytes({ PlainRequestHead.requestLineLacksVersion($0) }) {
                    // Answered in order: once the requests before it are.
                    refusing = true
                    handover.whenAllAnswered = { [weak self] in self?.refuseVersionless(context) }
                    break scanning
                }
                handOverForGood(context, buffer, answered: answered)
                return
            }
        }
        if answered { context.flush() }
        if let heads = buffer.getSlice(at: buffer.readerIndex, length: whole), whole > 0 {
            forwardedSinceReadComplete = true
            context.fireChannelRead(wrapInboundOut(heads))
        }
        // After the whole heads: a partial one too long to wait for goes on behind them.
        if rest.readableBytes > 0, !refusing { hold(context, rest) }
    }

    private func handOverForGood(_ context: ChannelHandlerContext, _ buffer: ByteBuffer, answered: Bool) {
        fullPathOnly = true
        if answered { context.flush() }
        forwardedSinceReadComplete = true
        context.fireChannelRead(wrapInboundOut(buffer))
    }

    /// `GET /` and its like (HTTP/0.9) get 400 and the connection closes: the decoder would wait for a
    /// header section such a request never sends, and an unframed answer could not be told from the next.
    private func refuseVersionless(_ context: ChannelHandlerContext) {
        refusing = true
        let body = "400 Bad Request: request line without an HTTP version\n"
        let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        let channel = context.channel
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    // MARK: Answering a stored hit

    /// Writes the response and returns true, or returns false having written nothing.
    private func answer(_ context: ChannelHandlerContext, _ head: PlainRequestHead, in buffer: ByteBuffer) -> Bool {
        let limits = services.settings.limits
        guard context.channel.isWritable, !drain.isDraining, head.fieldCount <= limits.maxHeaderCount,
              head.length <= limits.maxHeaderBytes, head.target.count + 14 <= limits.maxRequestLine,
              let hostRange = head.host else { return false }
        return buffer.withUnsafeReadableBytes { bytes in
            guard let route = route(for: UnsafeRawBufferPointer(rebasing: bytes[hostRange])) else { return false }
            let target = UnsafeRawBufferPointer(rebasing: bytes[head.target])
            // Pages of progressive sites get Early Hints, a tier and a rewrite: the full path's work.
            if route.site.progressive != nil, PageDelivery.looksLikePage(Self.path(of: target)) {
                return false
            }
            let key = CacheKey(normalisedHost: route.keyHost, originFormTarget: target)
            let found = services.cache.lookup(key) { variants in
                variants.variants.first { variant in
                    variant.secondaryKey.varyNames.isEmpty
                        || variant.secondaryKey.matches { varyValue(of: $0, head, bytes) }
                }
            }
            guard case .found(let stored) = found else { return false }
            let now = ProxyServices.now()
            let policy = services.settings.policy
            // The full path's lookup decision and whole-hit representation, answered from the prepared fields.
            guard HTTPResponseStatus.mayHaveBody(stored.status),
                  case .fresh(let cacheStatus) = CacheLookup.decide(stored, request: Self.plainRequest, now: now, settings: policy),
                  let hit = PreparedHit.choose(stored, accept: { acceptEncodingMemo(head, bytes)?.parsed }, site: route.site, compression: services.compression)
            else { return false }

            var out = context.channel.allocator.buffer(capacity: 512)
            hit.writeHead(into: &out, cacheStatus: cacheStatus.headerValue, age: CacheLookup.age(of: stored, now: now, settings: policy))
            context.write(NIOAny(out), promise: nil)
            let bodyBytes = head.method == .head ? 0 : hit.body.readableBytes
            if bodyBytes > 0 {
                context.write(NIOAny(hit.body), promise: nil)
            }
            record(head, bytes, status: hit.status, cacheStatus: cacheStatus, bodyBytes: bodyBytes, now: now)
            return true
        }
    }

    /// The request a lookup sees: the scan sent every request with directives down the full path.
    private static let plainRequest = CacheRequest(method: "GET", headers: HTTPHeaders())

    private func route(for host: UnsafeRawBufferPointer) -> HostRoute? {
        if let route, route.hostBytes.elementsEqual(host) { return route }
        let value = String(decoding: host, as: UTF8.self)
        guard RequestGuard.isValidHost(value), let found = services.router.route(host: value) else { return nil }
        let route = HostRoute(hostBytes: Array(host), site: found, keyHost: CacheKey.normaliseHost(value))
        self.route = route
        return route
    }

    /// What the client's Accept-Encoding gives the shortcut: the negotiation's view of it and its Vary
    /// form. Browsers send the same value on every request, so both are worked out once per connection.
    private struct AcceptEncodingMemo {
        var bytes: [UInt8]
        var parsed: AcceptEncoding
        var varyValue: String?
    }

    private func acceptEncodingMemo(_ head: PlainRequestHead, _ bytes: UnsafeRawBufferPointer) -> AcceptEncodingMemo? {
        guard let range = head.acceptEncoding else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: bytes[range])
        if let memo = lastAcceptEncoding, memo.bytes.elementsEqual(value) { return memo }
        let text = String(decoding: value, as: UTF8.self)
        let memo = AcceptEncodingMemo(
            bytes: Array(value), parsed: AcceptEncoding(fieldValues: [text]),
            varyValue: SecondaryKey.normalisedValue(of: "accept-encoding", lines: [text]))
        lastAcceptEncoding = memo
        return memo
    }

    /// The request's normalised value of a field a stored response varies on.
    private func varyValue(of name: String, _ head: PlainRequestHead, _ bytes: UnsafeRawBufferPointer) -> String? {
        guard name == "accept-encoding" else {
            return SecondaryKey.normalisedValue(of: name, lines: PlainRequestHead.fieldValues(named: name, in: bytes, head: head))
        }
        return acceptEncodingMemo(head, bytes)?.varyValue
    }

    private static func path(of target: UnsafeRawBufferPointer) -> String {
        let end = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        return String(decoding: UnsafeRawBufferPointer(rebasing: target[..<end]), as: UTF8.self)
    }

    /// The counters, and the logging phase, as the full path keeps them for a hit.
    private func record(_ head: PlainRequestHead, _ bytes: UnsafeRawBufferPointer, status: Int, cacheStatus: CacheStatus, bodyBytes: Int, now: EpochSeconds) {
        services.stats.requests.wrappingAdd(1, ordering: .relaxed)
        services.stats.countHit(stale: false, shortcut: true)
        RequestLogging(stats: services.stats, metrics: services.trafficMetrics).finished(
            cacheStatus: cacheStatus, bytesSent: bodyBytes, log: loopContext.accessLog,
            entry: AccessLog.Entry(
                client: clientAddress, method: head.method == .head ? "HEAD" : "GET",
                target: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[head.target]), as: UTF8.self),
                version: .http1_1, status: status, bytes: bodyBytes, startedAt: readAt, cacheStatus: cacheStatus, origin: nil,
                referer: PlainRequestHead.fieldValues(named: "referer", in: bytes, head: head).first,
                userAgent: PlainRequestHead.fieldValues(named: "user-agent", in: bytes, head: head).first,
                time: now))
    }
}
