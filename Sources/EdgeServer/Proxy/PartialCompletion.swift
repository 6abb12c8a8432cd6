import EdgeCore
import NIOCore
import NIOHTTP1

/// A request for the whole representation when a piece at one end of it is stored (RFC 9111 §3.3):
/// the origin is asked for the missing bytes only; a 206 for them with the piece's validator is
/// combined with the piece and goes out as the whole 200 (`Cache-Status: fwd=partial`), and the fill
/// stores it whole (`PartialFill`). Any other answer goes to the client as a miss's does: a 200 as it
/// is, a 206 that cannot be combined by asking again for everything.
final class PartialCompletion: CacheFillClient {
    private let phases: ProxyPhases
    private let stored: CachedResponse
    private let piece: ContentRange
    private let key: CacheKey
    /// The stored bytes come after the fetched ones (the piece is the representation's end).
    private var storedLast = false
    /// The bytes the origin's 206 must carry, and how many it has: the 200 went out with the whole
    /// length, so a short or long body must not pass as the representation.
    private var expected = 0
    private var received = 0
    private var passing = false

    init(phases: ProxyPhases, stored: CachedResponse, piece: ContentRange, key: CacheKey) {
        self.phases = phases
        self.stored = stored
        self.piece = piece
        self.key = key
    }

    /// The fields to ask the origin for the missing bytes with: `Range`, and `If-Range` when the piece
    /// has a strong ETag (a changed representation then comes back whole).
    static func requestFields(for stored: CachedResponse, piece: ContentRange) -> HTTPHeaders? {
        guard let missing = PartialContent.missing(piece) else { return nil }
        var fields = HTTPHeaders()
        fields.add(name: "range", value: piece.first == 0 ? "bytes=\(missing.lowerBound)-" : "bytes=0-\(missing.upperBound)")
        if case .entityTag = RepresentationValidator(stored.headers, total: piece.total), let tag = stored.headers.first(name: "etag") {
            fields.add(name: "if-range", value: tag)
        }
        return fields
    }

    var canTakeResponseBody: Bool { phases.canTakeResponseBody }

    func fill(_ fill: CacheFill, didReceiveInterim head: HTTPResponseHead) {
        phases.fill(fill, didReceiveInterim: head)
    }

    func fill(_ fill: CacheFill, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus) {
        guard status == .partialContent else {
            handOver(fill)
            phases.fill(fill, didReceiveHead: status, headers: headers, cacheStatus: cacheStatus)
            return
        }
        guard let fetched = PartialContent.storableRange(status: 206, headers: headers), fetched.total == piece.total,
              let validator = RepresentationValidator(headers, total: fetched.total),
              validator == RepresentationValidator(stored.headers, total: piece.total),
              PartialContent.missing(piece) == fetched.range,
              headers.first(name: "content-length").map({ Int($0) == fetched.range.count }) ?? true, let sink = phases.sink else {
            // Not the missing bytes of this representation: the whole of it, as for any miss.
            fill.detachClient()
            phases.fetchWhole(key)
            return
        }
        var status = cacheStatus
        status.fwd = .partial
        let request = phases.request
        guard sink.writeHead(OutgoingHead(status: .ok, headers: PartialContent.wholeFields(headers, total: piece.total), source: .streamed, cacheStatus: status), for: request) else {
            fill.detachClient()
            sink.respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
            return
        }
        expected = fetched.range.count
        passing = true
        storedLast = piece.first != 0
        if !storedLast {
            sink.writeBody(stored.body, for: request, flush: false)
        }
    }

    func fill(_ fill: CacheFill, didReceiveBody buffer: ByteBuffer) {
        guard passing else {
            phases.fill(fill, didReceiveBody: buffer)
            return
        }
        let room = expected - received
        received += buffer.readableBytes
        if buffer.readableBytes > room {
            // More than the range holds: what fits goes, the rest would be read as the next response.
            if room > 0, let fitting = buffer.getSlice(at: buffer.readerIndex, length: room) {
                phases.fill(fill, didReceiveBody: fitting)
            }
            return
        }
        phases.fill(fill, didReceiveBody: buffer)
    }

    func fillDidEnd(_ fill: CacheFill) {
        if passing, received != expected {
            // The origin's bytes were not the missing range: the 200 cannot be completed, and a
            // client must see a cut response, not a whole one of the wrong bytes.
            phases.sink?.closeConnection()
            return
        }
        if storedLast, let sink = phases.sink {
            sink.writeBody(stored.body, for: phases.request, flush: false)
        }
        phases.fillDidEnd(fill)
    }

    func fill(_ fill: CacheFill, serveStored response: CachedResponse, from body: DiskBody?, cacheStatus: CacheStatus) {
        phases.fill(fill, serveStored: response, from: body, cacheStatus: cacheStatus)
    }

    func fill(_ fill: CacheFill, didFail error: OriginError) {
        phases.fill(fill, didFail: error)
    }

    func fillCanTakeMoreBody(_ fill: CacheFill) {
        phases.fillCanTakeMoreBody(fill)
    }

    /// The response is a miss's like any other: the request's phases take it from here.
    private func handOver(_ fill: CacheFill) {
        fill.client = phases
    }
}
