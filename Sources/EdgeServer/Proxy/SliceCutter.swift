import EdgeCore
import NIOCore

/// The body of a 200 answered to a slice request (an origin that ignores `Range`), cut into slices as
/// it streams: each is stored as it is complete, and handed to the client's body when it is the one
/// asked for. A slice the client has not reached yet is held and the origin's reads wait for it, so
/// a slow client holds one slice, not the object; once the client is done (or gone) the rest is only
/// stored, at the origin's pace.
final class SliceCutter {
    private let fetch: SliceFetch
    private let exchange: SliceExchange
    /// The purge epochs when the 200 was asked for.
    var epochs: FillEpochs
    /// The slice the stream completes next.
    private var next = 0
    private var held: (index: Int, bytes: ByteBuffer)?
    private var promised: (index: Int, promise: EventLoopPromise<ByteBuffer>)?
    private var released = false
    private var ended = false

    init(fetch: SliceFetch, exchange: SliceExchange) {
        self.fetch = fetch
        self.exchange = exchange
        epochs = fetch.services.storage.epochs
        exchange.cut = { [self] index, bytes in cut(index, bytes) }
        exchange.cutEnded = { [self] _ in end() }
    }

    /// Slice `index` from the stream; nil when it has passed (it was stored: read it from the store).
    func take(_ index: Int, on eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer>? {
        if let held {
            self.held = nil
            exchange.resume()
            if held.index == index { return eventLoop.makeSucceededFuture(held.bytes) }
        }
        guard !ended, !released, index >= next else { return nil }
        promised?.promise.fail(SliceFailure.origin)
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        promised = (index, promise)
        return promise.futureResult
    }

    private func cut(_ index: Int, _ bytes: ByteBuffer) {
        next = index + 1
        if let total = fetch.head?.headers.first(name: "content-length").flatMap(Int.init),
           let range = ContentRange(first: index * fetch.slices.size, last: index * fetch.slices.size + bytes.readableBytes - 1, total: total) {
            fetch.storeSlice(index, fields: [:], range: range, bytes: bytes, epochs: epochs)
        }
        if let promised, promised.index == index {
            self.promised = nil
            promised.promise.succeed(bytes)
            return
        }
        // Held only when the body will want it next: not before its first slice (those are only
        // stored), nor while it waits for a later one.
        let reached = fetch.body.inHand?.index ?? fetch.body.firstSlice - 1
        if !released, held == nil, promised == nil, index > reached, index <= fetch.body.lastSlice {
            held = (index, bytes)
            exchange.paused = true
        }
    }

    /// Nobody takes slices any more: the rest is only stored.
    func release() {
        released = true
        held = nil
        promised?.promise.fail(SliceFailure.origin)
        promised = nil
        exchange.resume()
    }

    /// Nothing more of the 200 is wanted.
    func stop() {
        release()
        exchange.stop()
        end()
    }

    private func end() {
        ended = true
        // The exchange's closures hold this cutter (so that the rest of a 200 is stored after the
        // client is gone); they go with the stream, or the cutter, the exchange and the fetch behind
        // them would never be freed.
        exchange.cut = nil
        exchange.cutEnded = nil
        promised?.promise.fail(SliceFailure.origin)
        promised = nil
        if fetch.cutter === self { fetch.cutter = nil }
    }
}
