import EdgeCore
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// Answers the commonest HTTP/2 request, a GET or HEAD for a fresh stored response, on the connection
/// itself: from the decoded HEADERS frame that opens the stream, one cache lookup, then a HEADERS frame
/// from the prepared fields and one DATA frame of the stored body. Such a stream never gets a stream
/// channel, codec or `ProxyHandler`; the HTTP/1.1 `StoredHitShortcut` is its model, and both ask
/// `StoredHitLookup` the one question of what a hit is.
///
/// It sits between `NIOHTTP2Handler` and NIO's `HTTP2StreamMultiplexer`. Every frame it does not answer
/// goes on untouched, so every other stream (a miss, a stale entry, a body, conditionals, ranges, PURGE,
/// whatever `PlainHTTP2Request` does not vouch for) takes the full path as before.
///
/// HTTP/2's state stays NIO's: `NIOHTTP2Handler` has opened the stream (and counted it against
/// SETTINGS_MAX_CONCURRENT_STREAMS) before the frame gets here, checks and HPACK-encodes the frames
/// written here as it does a stream channel's, splits DATA to the peer's SETTINGS_MAX_FRAME_SIZE, holds it
/// to the flow-control windows and closes the stream when END_STREAM goes out, telling the pipeline as
/// for any stream. The multiplexer never hears of such a stream, so until NIO reports it closed, the
/// client's frames for it (a RST_STREAM, a WINDOW_UPDATE) stop here: the multiplexer would take them
/// for frames on a stream that does not exist. So do NIO's events for it (opened, window changed,
/// closed): `HTTP2ConnectionLifetime`, in front of this handler, has counted them, and nothing behind
/// has a use for them. A body the windows NIO last reported cannot take whole
/// goes down the full path, so that an answered stream does not wait for the client's WINDOW_UPDATE
/// (NIO may still send it after other streams' DATA queued for the same connection window).
final class HTTP2StoredHitShortcut: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let lookup: StoredHitLookup
    private let drain: DrainSignal
    /// The highest stream the client has opened: a HEADERS frame above it opens a new one (RFC 9113 §5.1.1).
    private var lastClientStream = HTTP2StreamID.rootStream
    /// Streams answered here that NIO has not yet reported closed.
    private var answered: [HTTP2StreamID] = []
    /// The connection's send window, as NIO last reported it (RFC 9113 §6.9.1: 65 535 until then).
    private var connectionWindow = 65_535
    /// A new stream's send window: the client's SETTINGS_INITIAL_WINDOW_SIZE.
    private var streamWindow = 65_535
    /// Body bytes written here that NIO has not sent yet (it sends DATA at the next flush), so not yet
    /// taken from `connectionWindow`.
    private var unsentBodyBytes = 0
    private var wroteSinceReadComplete = false
    /// Malformed header blocks refused lately: too many cost the client its connection.
    private var refusals: RateLimitWindow

    init(loopContext: LoopContext, drain: DrainSignal, maxRefusals: Int, refusalWindow: TimeAmount) {
        self.lookup = StoredHitLookup(loopContext: loopContext)
        self.drain = drain
        self.refusals = RateLimitWindow(limit: maxRefusals, window: refusalWindow)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lookup.connected(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            let opens = frame.streamID > lastClientStream
            if opens {
                lastClientStream = frame.streamID
            }
            // One pass over the fields: RFC 9113's checks on every block, and the shortcut's reading
            // of a request it may answer.
            var check = HTTP2FieldCheck(opens ? .request : .trailers)
            var reader = PlainHTTP2Request.Reader()
            var plain = opens && headers.endStream
            for (name, value, _) in headers.headers {
                check.check(name: name, value: value)
                if plain {
                    plain = reader.read(name: name, value: value)
                }
            }
            guard check.isWellFormed else {
                refuse(context, stream: frame.streamID, opened: opens)
                return
            }
            if plain, let request = reader.request, answer(context, stream: frame.streamID, request, headers.headers) {
                return
            }
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .initialWindowSize {
                streamWindow = setting.value
            }
        default:
            if !answered.isEmpty, answered.contains(frame.streamID) {
                return
            }
        }
        context.fireChannelRead(data)
    }

    /// NIOHTTP2Handler has already flushed what was written during the read (its read-complete is a flush
    /// point for every frame); this flush only makes sure of it, and costs nothing when nothing is left.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        if wroteSinceReadComplete {
            wroteSinceReadComplete = false
            context.flush()
            unsentBodyBytes = 0
        }
    }

    /// NIO reports three or four events for every stream: each is told apart by its type's metadata
    /// first, so that only the one cast that succeeds is made (failed casts from `Any` were a few per
    /// cent of a hit).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let kind = type(of: event)
        if kind == NIOHTTP2WindowUpdatedEvent.self, let update = event as? NIOHTTP2WindowUpdatedEvent {
            if update.streamID == .rootStream {
                if let size = update.outboundWindowSize {
                    connectionWindow = size
                }
            } else if answered.contains(update.streamID) {
                // A stream answered here has no stream channel to tell.
                return
            }
        } else if kind == NIOHTTP2StreamCreatedEvent.self, let created = event as? NIOHTTP2StreamCreatedEvent {
            if answered.contains(created.streamID) { return }
        } else if kind == StreamClosedEvent.self, let closed = event as? StreamClosedEvent {
            if let index = answered.firstIndex(of: closed.streamID) {
                answered.remove(at: index)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A malformed block's stream is reset (PROTOCOL_ERROR) and the block goes no further. A stream it
    /// opened stops here like an answered one; trailers' stream belongs to the multiplexer, which hears
    /// of the reset from NIO. A client that sends more malformed blocks than `[http2] max_resets` allows
    /// in `reset_window` loses the connection, as for too many resets of its own.
    private func refuse(_ context: ChannelHandlerContext, stream: HTTP2StreamID, opened: Bool) {
        guard refusals.allowsAnother(now: .now()) else {
            let goAway = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: .rootStream, errorCode: .enhanceYourCalm, opaqueData: nil))
            context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
            context.close(promise: nil)
            return
        }
        if opened {
            answered.append(stream)
        }
        wroteSinceReadComplete = true
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.protocolError))), promise: nil)
    }

    /// Writes the response and returns true, or returns false having written nothing.
    private func answer(_ context: ChannelHandlerContext, stream: HTTP2StreamID, _ request: PlainHTTP2Request, _ fields: HPACKHeaders) -> Bool {
        lookup.begin()
        let limits = lookup.services.settings.limits
        guard context.channel.isWritable, !drain.isDraining,
              request.fieldCount <= limits.maxHeaderCount, request.fieldBytes <= limits.maxHeaderBytes,
              request.path.utf8.count + 14 <= limits.maxRequestLine else { return false }
        let startedAt: NIODeadline? = lookup.logsRequests ? .now() : nil
        let found = Self.withBytes(request.authority) { host in
            Self.withBytes(request.path) { target in
                Self.withOptionalBytes(request.acceptEncoding) { acceptEncoding in
                    lookup.find(host: host, target: target, acceptEncoding: acceptEncoding, fieldValues: { fields[$0] })
                }
            }
        }
        guard let hit = found else { return false }
        let bodyBytes = request.method == .head ? 0 : hit.prepared.body.readableBytes
        guard bodyBytes <= min(connectionWindow - unsentBodyBytes, streamWindow) else { return false }

        answered.append(stream)
        wroteSinceReadComplete = true
        let head = lookup.http2Heads.fields(for: hit.prepared, cacheStatus: hit.cacheStatus.headerValue(cache: lookup.services.settings.cacheName), age: hit.age)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: head, endStream: bodyBytes == 0)))), promise: nil)
        if bodyBytes > 0 {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(hit.prepared.body), endStream: true)))), promise: nil)
            unsentBodyBytes += bodyBytes
        }
        lookup.record(hit, entrance: .http2Shortcut, bodyBytes: bodyBytes, entry: AccessLog.Entry(
            client: lookup.clientAddress, method: request.method == .head ? "HEAD" : "GET", target: request.path,
            version: HTTPVersion(major: 2, minor: 0), status: hit.prepared.status, bytes: bodyBytes, startedAt: startedAt,
            cacheStatus: hit.cacheStatus, cacheName: lookup.services.settings.cacheName, origin: nil, referer: fields.first(name: "referer"), userAgent: fields.first(name: "user-agent"),
            time: hit.now))
        return true
    }

    /// A native string's UTF-8 bytes, for the lookup that the HTTP/1.1 shortcut feeds from its read buffer.
    private static func withOptionalBytes<Result>(_ text: String?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard var text else { return body(nil) }
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    private static func withBytes<Result>(_ text: String, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var text = text
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
