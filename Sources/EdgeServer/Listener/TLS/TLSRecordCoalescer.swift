import NIOCore

/// Gathers the small writes made between two flushes into one buffer, so that TLS seals them as one
/// record instead of one record each. NIOSSL seals every write it is given as a record of its own,
/// and NIOHTTP2 writes every frame, and a DATA frame's 9-byte header apart from its payload, as a
/// write of its own: a 1 KiB HTTP/2 hit left as three records, ten streams answered from one read
/// as thirty, each with its own seal, its own 22 bytes of framing and its own pass through the
/// channel's write queue. nginx fills a 16 KiB buffer before it seals (`ssl_buffer_size`).
///
/// Sits right behind the TLS handler. Writes larger than `smallWrite` go on as they are, after
/// what was gathered before them, so a large body is never copied; order is kept for everything.
/// Nothing waits longer than it would have: NIOSSL holds every write until a flush anyway, and
/// whatever is gathered goes on at the flush, before a close or an outbound event, and when the
/// handler leaves.
final class TLSRecordCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Writes up to this many bytes are gathered; larger ones are passed on without a copy.
    static let smallWrite = 4096
    /// The most plaintext one TLS record carries (RFC 8446 §5.1): gathering stops there.
    static let recordSize = 16384

    /// What has been gathered since the last write passed on.
    private var pending: ByteBuffer?
    /// Whether `pending` is this handler's own buffer (else it is the one write gathered so far,
    /// kept as it came so that a lone write is not copied).
    private var ownsPending = false
    /// The promise of the gathered writes: the first one's, the others' cascaded from it.
    private var pendingPromise: EventLoopPromise<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var bytes) = unwrapOutboundIn(data), bytes.readableBytes <= Self.smallWrite else {
            passOnPending(context)
            context.write(data, promise: promise)
            return
        }
        if let gathered = pending, gathered.readableBytes + bytes.readableBytes > Self.recordSize {
            passOnPending(context)
        }
        if pending == nil {
            pending = bytes
            ownsPending = false
        } else {
            if !ownsPending, let single = pending {
                // Room for an HTTP/1.1 head and a small body at once; a batch of HTTP/2 frames grows it.
                var own = context.channel.allocator.buffer(capacity: max(Self.smallWrite, single.readableBytes + bytes.readableBytes))
                own.writeImmutableBuffer(single)
                pending = own
                ownsPending = true
            }
            pending?.writeBuffer(&bytes)
        }
        if let promise {
            if let pendingPromise {
                pendingPromise.futureResult.cascade(to: promise)
            } else {
                pendingPromise = promise
            }
        }
    }

    func flush(context: ChannelHandlerContext) {
        passOnPending(context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // What was written before the close goes on before it, as it would have without this handler.
        passOnPending(context)
        context.close(mode: mode, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        // An event such as a half-close comes after the writes made before it.
        passOnPending(context)
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        passOnPending(context)
    }

    private func passOnPending(_ context: ChannelHandlerContext) {
        guard let gathered = pending else { return }
        let promise = pendingPromise
        pending = nil
        ownsPending = false
        pendingPromise = nil
        context.write(wrapOutboundOut(.byteBuffer(gathered)), promise: promise)
    }
}
