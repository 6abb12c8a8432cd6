import EdgeCore
import NIOCore
import NIOHTTP1

/// The hit phase for a stored piece of a representation (a 206 kept by `PartialFill`, RFC 9111
/// §3.3): a range the piece covers is answered from it; a request for the whole representation of a
/// piece at either end asks the origin only for the bytes missing (`PartialCompletion`).
struct PartialHit {
    let request: ClientRequest
    let sink: ResponseSink
    let memory: MemoryStorage
    let policy: CachePolicySettings

    /// The URL's stored piece, while it is fresh for this request, and its range.
    func piece(for key: CacheKey) -> (CachedResponse, ContentRange, CacheStatus)? {
        guard case .found(let stored) = memory.cache.lookup(key.partialPiece, requestHeaders: request.head.headers),
              let range = stored.headers.first(name: "content-range").flatMap(ContentRange.init),
              stored.body.readableBytes == range.count,
              case .fresh(let status) = CacheLookup.decide(stored, request: CacheRequest(method: "GET", headers: request.head.headers),
                                                           now: ProxyServices.now(), settings: policy) else { return nil }
        return (stored, range, status)
    }

    /// Answers a Range request the stored piece covers; false when it does not (or the request has
    /// conditionals, which the origin answers).
    func serve(_ key: CacheKey) -> Bool {
        let headers = request.head.headers
        guard headers.contains(name: "range"), !request.isHead, request.isPlainlyUnconditional,
              let (stored, piece, cacheStatus) = piece(for: key) else { return false }
        let ranges: [ClosedRange<Int>]
        switch ByteRange.resolve(method: "GET", requestHeaders: headers, responseHeaders: stored.headers, length: piece.total, parseDate: HTTPDate.parse) {
        case .partial(let asked) where PartialContent.covers(piece, asked):
            ranges = asked
        default:
            return false
        }
        var fields = stored.headers
        let body: ByteBuffer
        if ranges.count == 1, let part = stored.body.getSlice(at: stored.body.readerIndex + ranges[0].lowerBound - piece.first, length: ranges[0].count) {
            fields.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: piece.total))
            body = part
        } else {
            let multipart = ByteRange.multipartBody(ranges: ranges, body: stored.body, length: piece.total, contentType: stored.headers.first(name: "content-type"),
                                                    boundary: ByteRange.makeBoundary(), bodyOffset: piece.first)
            fields.remove(name: "content-range")
            fields.replaceOrAdd(name: "content-type", value: multipart.contentType)
            body = multipart.body
        }
        fields.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        let age = CacheLookup.age(of: stored, now: ProxyServices.now(), settings: policy)
        guard sink.writeHead(OutgoingHead(status: .partialContent, headers: fields, source: .stored, cacheStatus: cacheStatus, age: age), for: request) else { return true }
        sink.writeBody(body, for: request, flush: false)
        sink.writeEnd(for: request)
        return true
    }
}
