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

    private let lookup: StoredHitLookup
    private let drain: DrainSignal
    private let timeouts: ClientTimeoutHandler
    let handover = Handover()
    /// After a head the scan cannot vouch for, everything goes to the full path.
    private var fullPathOnly = false
    /// A versionless request line is waiting for the answers before it: nothing more is read.
    private var refusing = false
    /// The start of a head whose end has not arrived yet.
    private var pending: ByteBuffer?
    /// Whether bytes went on to the full path since the last read-complete.
    private var forwardedSinceReadComplete = false
    /// When the bytes being answered arrived; only kept while the access log is on.
    private var readAt: NIODeadline?

    /// Whether the channel's autoRead is off and this handler asks for every read instead. NIO's
    /// autoRead asks from the tail of the pipeline, through every outbound handler of the full path
    /// (5 % of a cached hit with 512 connections); after a read answered here, nothing behind has a
    /// say, so the shortcut asks from where it sits. After a read that reached the full path it asks
    /// from the tail, as autoRead would, so that the full path can hold reads back as before, with
    /// one exception (`readsPastOneRequest`).
    private let issuesReads: Bool

    init(loopContext: LoopContext, drain: DrainSignal, timeouts: ClientTimeoutHandler, issuesReads: Bool = false) {
        self.lookup = StoredHitLookup(loopContext: loopContext)
        self.drain = drain
        self.timeouts = timeouts
        self.issuesReads = issuesReads
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lookup.connected(context.channel)
        if issuesReads, context.channel.isActive {
            context.read()
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if issuesReads {
            context.read()
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
        readAt = lookup.logsRequests ? .now() : nil
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
            if issuesReads {
                if readsPastOneRequest {
                    context.read()
                } else {
                    context.channel.read()
                }
            }
        } else if issuesReads {
            context.read()
        }
    }

    /// While the full path answers a request, NIO's pipelining handler holds reads back, and the
    /// socket's read interest is dropped and registered again around every such request: two
    /// `epoll_ctl` per miss. When all the full path has in hand is one request without a body (the
    /// shortcut hands over nothing else but for good), the shortcut reads on instead. What comes
    /// meanwhile follows that request down the full path, and once a second request waits there the
    /// reads are asked from the tail again, so the full path still holds back all but one read's worth.
    private var readsPastOneRequest: Bool {
        !fullPathOnly && !refusing && pending == nil && handover.outstanding == 1
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
        let limits = lookup.services.settings.limits
        if buffer.readableBytes > limits.maxHeaderBytes + limits.maxRequestLine {
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
        lookup.begin()
        let limits = lookup.services.settings.limits
        guard context.channel.isWritable, !drain.isDraining, head.fieldCount <= limits.maxHeaderCount,
              head.length <= limits.maxHeaderBytes, head.target.count + 14 <= limits.maxRequestLine,
              let hostRange = head.host else { return false }
        return buffer.withUnsafeReadableBytes { bytes in
            guard let hit = lookup.find(
                host: UnsafeRawBufferPointer(rebasing: bytes[hostRange]), target: UnsafeRawBufferPointer(rebasing: bytes[head.target]),
                acceptEncoding: head.acceptEncoding.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                fieldValues: { PlainRequestHead.fieldValues(named: $0, in: bytes, head: head) })
            else { return false }

            var out = context.channel.allocator.buffer(capacity: 512)
            hit.prepared.writeHead(into: &out, cacheStatus: hit.cacheStatus.headerValue(cache: lookup.services.settings.cacheName), age: hit.age)
            context.write(NIOAny(out), promise: nil)
            let bodyBytes = head.method == .head ? 0 : hit.prepared.body.readableBytes
            if bodyBytes > 0 {
                context.write(NIOAny(hit.prepared.body), promise: nil)
            }
            lookup.record(hit, entrance: .http1Shortcut, bodyBytes: bodyBytes, entry: AccessLog.Entry(
                client: lookup.clientAddress, method: head.method == .head ? "HEAD" : "GET",
                target: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[head.target]), as: UTF8.self),
                version: .http1_1, status: hit.prepared.status, bytes: bodyBytes, startedAt: readAt, cacheStatus: hit.cacheStatus,
                cacheName: lookup.services.settings.cacheName, origin: nil,
                referer: PlainRequestHead.fieldValues(named: "referer", in: bytes, head: head).first,
                userAgent: PlainRequestHead.fieldValues(named: "user-agent", in: bytes, head: head).first,
                time: hit.now))
            return true
        }
    }
}
