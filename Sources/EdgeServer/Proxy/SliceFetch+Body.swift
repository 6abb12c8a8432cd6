import EdgeCore
import NIOCore
import NIOHTTP1

/// Where the writing of a sliced body is: the parts left, the slice in hand and the one read ahead.
/// At most a few slices per client are held: the one being written, the next, and (from a 200 being
/// cut) one the client has not reached yet.
struct SliceBodyState {
    var parts: [SliceAnswer.Part] = []
    var part = 0
    /// The next byte of the current bytes part; nil at its start.
    var offset: Int?
    var firstSlice = 0
    var lastSlice = -1
    var inHand: (index: Int, bytes: ByteBuffer)?
    /// The first slice while it streams from the origin: the bytes so far.
    var growing: (index: Int, bytes: ByteBuffer)?
    /// Writing waits for more of `growing`.
    var awaitingGrowth = false
    var ahead: (index: Int, bytes: EventLoopFuture<ByteBuffer>)?
    /// A slice is being obtained: writing waits for it.
    var waiting = false
    /// `pump` is running (a write may call back into it).
    var pumping = false
    /// The stored head's remaining freshness, for `Cache-Status`.
    var ttl: Int?
}

/// Why a sliced body could not be finished.
enum SliceFailure: Error {
    /// A slice came from another representation than the head.
    case changed
    /// The origin gave no usable slice.
    case origin
}

extension SliceFetch: BodyPump {
    /// 5. The head of the answer, then its body from the slices.
    func respond(_ answer: SliceAnswer, cacheStatus: CacheStatus) {
        guard let sink = phases.sink, let head else { return }
        let age = CacheLookup.age(of: head, now: ProxyServices.now(), settings: services.settings.policy)
        func out(_ status: HTTPResponseStatus, _ headers: HTTPHeaders) -> OutgoingHead {
            OutgoingHead(status: status, headers: headers, source: .stored, cacheStatus: cacheStatus, age: age)
        }
        switch answer {
        case .notModified(let fields):
            letGoOfCutter()
            sink.respond(request, out(.notModified, fields), body: ByteBuffer())
        case .preconditionFailed:
            letGoOfCutter()
            sink.respond(request, out(.preconditionFailed, HTTPHeaders([("content-length", "0")])), body: ByteBuffer())
        case .unsatisfiable(let fields):
            letGoOfCutter()
            sink.respond(request, out(.rangeNotSatisfiable, fields), body: ByteBuffer())
        case .body(let plan):
            guard sink.writeHead(out(plan.status, plan.headers), for: request) else {
                letGoOfCutter()
                return
            }
            if request.isHead || plan.parts.isEmpty {
                letGoOfCutter()
                sink.writeEnd(for: request)
                return
            }
            body.parts = plan.parts
            body.firstSlice = plan.firstSlice ?? 0
            body.lastSlice = plan.lastSlice ?? -1
            request.bodyStream = self
            pump()
        }
    }

    func resume() {
        pump()
    }

    /// The client takes no more slices from a 200 being cut: the rest is read on only to be stored,
    /// and not at all when it will not be (the origin's bytes would be read for nothing).
    func letGoOfCutter() {
        if storable {
            cutter?.release()
        } else {
            cutter?.stop()
        }
    }

    func clientGone() {
        // A 200 being cut goes on being stored; nobody takes its slices now.
        letGoOfCutter()
        body = SliceBodyState()
    }

    /// Writes while the client takes bytes, obtaining each slice as the body reaches it.
    private func pump() {
        // A write can make the channel call `resume` at once: the loop below goes on by itself.
        guard !body.waiting, !body.pumping, let sink = phases.sink, request.bodyStream === self else { return }
        body.pumping = true
        defer { body.pumping = false }
        while sink.isWritable, !body.waiting, request.bodyStream === self {
            guard body.part < body.parts.count else {
                finishBody(sink)
                return
            }
            switch body.parts[body.part] {
            case .text(let text):
                body.part += 1
                sink.writeBody(sink.allocator.buffer(string: text), for: request, flush: true)
            case .bytes(let range):
                let position = body.offset ?? range.lowerBound
                if position > range.upperBound {
                    body.part += 1
                    body.offset = nil
                    continue
                }
                let index = slices.index(of: position)
                if body.inHand?.index != index, let growing = body.growing, growing.index == index {
                    // The slice is still arriving: what is here goes out, then writing waits for more.
                    let sliceStart = index * slices.size
                    let available = sliceStart + growing.bytes.readableBytes - 1
                    guard position <= available else {
                        body.waiting = true
                        body.awaitingGrowth = true
                        return
                    }
                    let end = min(range.upperBound, available)
                    guard let piece = growing.bytes.getSlice(at: growing.bytes.readerIndex + position - sliceStart, length: end - position + 1) else {
                        fail(.origin)
                        return
                    }
                    body.offset = end + 1
                    sink.writeBody(piece, for: request, flush: true)
                    continue
                }
                guard let held = body.inHand, held.index == index else {
                    body.inHand = nil
                    obtainAndPump(index, on: sink.eventLoop)
                    return
                }
                if body.ahead == nil || body.ahead!.index <= index {
                    readAhead(after: index)
                }
                let sliceStart = index * slices.size
                let end = min(range.upperBound, sliceStart + held.bytes.readableBytes - 1)
                guard end >= position, let piece = held.bytes.getSlice(at: held.bytes.readerIndex + position - sliceStart, length: end - position + 1) else {
                    fail(.origin)
                    return
                }
                body.offset = end + 1
                sink.writeBody(piece, for: request, flush: true)
            }
        }
    }

    /// More of the first slice arrived.
    func grow(_ piece: ByteBuffer) {
        guard body.growing != nil else { return }
        body.growing?.bytes.writeImmutableBuffer(piece)
        wakeForGrowth()
    }

    /// The first slice is whole: from here it is a slice in hand like any other.
    func grown(_ index: Int, _ bytes: ByteBuffer) {
        guard body.growing?.index == index else { return }
        body.growing = nil
        body.inHand = (index, bytes)
        wakeForGrowth()
    }

    /// The first slice will not be whole: its head is out, so only closing says so.
    func failGrowing() {
        guard body.growing != nil || request.bodyStream === self else { return }
        fail(.origin)
    }

    private func wakeForGrowth() {
        guard body.awaitingGrowth else { return }
        body.awaitingGrowth = false
        body.waiting = false
        pump()
    }

    private func obtainAndPump(_ index: Int, on eventLoop: EventLoop) {
        body.waiting = true
        obtain(index, on: eventLoop).assumeIsolated().whenComplete { [self] result in
            body.waiting = false
            switch result {
            case .success(let bytes):
                body.inHand = (index, bytes)
                body.pumping = false
                pump()
            case .failure(let error):
                fail(error as? SliceFailure ?? .origin)
            }
        }
    }

    private func readAhead(after index: Int) {
        guard index + 1 <= body.lastSlice, let sink = phases.sink else { return }
        body.ahead = (index + 1, obtain(index + 1, on: sink.eventLoop))
    }

    /// Slice `index`: read ahead already, from a 200 being cut, from the store, else from the origin.
    private func obtain(_ index: Int, on eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer> {
        if let ahead = body.ahead, ahead.index == index {
            body.ahead = nil
            return ahead.bytes
        }
        if let cutter, let cut = cutter.take(index, on: eventLoop) {
            return cut
        }
        return obtainStored(index, on: eventLoop).assumeIsolated().flatMap { [self] bytes in
            if let bytes { return eventLoop.makeSucceededFuture(bytes) }
            return fetchSlice(index, on: eventLoop)
        }.nonisolated()
    }

    /// Slice `index` from the store, if it is there and of the head's representation (counted as a slice hit).
    func obtainStored(_ index: Int, on eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer?> {
        store.read(slices.key(index, of: key), on: eventLoop).assumeIsolated().map { [self] stored -> ByteBuffer? in
            guard let stored, stored.status == 206, let validator, let total = head?.headers.first(name: "content-length").flatMap(Int.init),
                  let range = stored.headers.first(name: "content-range").flatMap(ContentRange.init),
                  range.total == total, range.range == slices.bytes(of: index, total: total), stored.body.readableBytes == range.count,
                  RepresentationValidator(stored.headers, total: total) == validator else { return nil }
            services.stats.sliceHits.wrappingAdd(1, ordering: .relaxed)
            services.fill.metrics.sliceHits.increment()
            return stored.body
        }.nonisolated()
    }

    /// Slice `index` from the origin; one fetch per slice across clients (the coalescer's leader
    /// fetches, followers read what it stored).
    func fetchSlice(_ index: Int, on eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        switch services.coalescer.join(slices.key(index, of: key), on: eventLoop) {
        case .leader(let leadership):
            fetchSliceNow(index, leadership: leadership, promise: promise)
        case .follower(let outcome):
            outcome.assumeIsolated().whenComplete { [self] _ in
                obtainStored(index, on: eventLoop).assumeIsolated().whenComplete { [self] result in
                    if case .success(let bytes?) = result {
                        promise.succeed(bytes)
                    } else {
                        fetchSliceNow(index, leadership: nil, promise: promise)
                    }
                }
            }
        case .bypass:
            fetchSliceNow(index, leadership: nil, promise: promise)
        }
        return promise.futureResult
    }

    private func fetchSliceNow(_ index: Int, leadership: Leadership?, promise: EventLoopPromise<ByteBuffer>) {
        let epochs = services.storage.epochs
        fetch(index, validators: nil) { [self] answer, _ in
            guard let total = head?.headers.first(name: "content-length").flatMap(Int.init) else {
                leadership?.finish(.failed)
                promise.fail(SliceFailure.origin)
                return
            }
            switch answer {
            case .partial(let fields, let range, let bytes):
                guard range.total == total, range.range == slices.bytes(of: index, total: total),
                      RepresentationValidator(fields, total: total) == validator else {
                    leadership?.finish(.failed)
                    promise.fail(SliceFailure.changed)
                    return
                }
                storeSlice(index, fields: fields, range: range, bytes: bytes, epochs: epochs)
                leadership?.finish(storable ? .stored : .notStorable)
                promise.succeed(bytes)
            case .whole(let fields, let length):
                // The origin stopped honouring Range: its body is cut from here on.
                leadership?.finish(.notStorable)
                guard length == total, RepresentationValidator(PartialContent.wholeFields(fields, total: length), total: length) == validator,
                      let cutter, let cut = cutter.take(index, on: promise.futureResult.eventLoop) else {
                    cutter?.stop()
                    promise.fail(SliceFailure.changed)
                    return
                }
                cutter.epochs = epochs
                promise.completeWith(cut)
            default:
                leadership?.finish(.failed)
                promise.fail(SliceFailure.origin)
            }
        }
    }

    private func finishBody(_ sink: ResponseSink) {
        request.bodyStream = nil
        letGoOfCutter()
        body = SliceBodyState()
        sink.writeEnd(for: request)
    }

    /// The body cannot be finished: before its head, an error; after, only closing says so. A slice of
    /// another representation drops the object's slices, so the next request starts afresh.
    private func fail(_ failure: SliceFailure) {
        request.bodyStream = nil
        cutter?.stop()
        body = SliceBodyState()
        guard let sink = phases.sink else { return }
        if failure == .changed {
            _ = store.drop(key, replacing: validator, slices: slices, cache: services.cache, on: sink.eventLoop)
        }
        sink.respondError(request, status: .badGateway, message: failure == .changed
            ? "the origin's representation changed while its slices were fetched" : "the origin gave no usable slice", close: true)
    }
}
