import EdgeCore
import NIOCore
import NIOHTTP1

/// The hit phase for a record whose body streams from disk (`DiskHit.streamed`): the client's
/// conditionals and range are answered from the stored fields, then the body, or the one range asked
/// for, is read a chunk at a time and written as fast as the client takes it, so a large object costs
/// a chunk of memory per client, not its size. On plain HTTP/1.1, a chunk the page cache holds that
/// needs no recoding is sent by the kernel from the file (`sendfile`) without being read at all.
final class StoredBodyStream: BodyPump {
    private let request: ClientRequest
    private weak var sink: ResponseSink?
    private let disk: DiskStore
    private let body: DiskBody
    /// The part of the body still to send (relative to the body).
    private var next = 0
    private var end = 0
    private var reading = false

    static let chunkBytes = 256 << 10

    init(request: ClientRequest, sink: ResponseSink, disk: DiskStore, body: DiskBody) {
        self.request = request
        self.sink = sink
        self.disk = disk
        self.body = body
    }

    /// Answers the request from `stored` (the record's fields) and this body.
    func serve(_ stored: CachedResponse, cacheStatus: CacheStatus, age: Int) {
        guard let sink else { return }
        func head(_ status: HTTPResponseStatus, _ headers: HTTPHeaders, source: OutgoingHead.Source = .stored) -> OutgoingHead {
            OutgoingHead(status: status, headers: headers, source: source, cacheStatus: cacheStatus, age: age)
        }
        let length = body.length
        var headers = stored.headers
        var status = HTTPResponseStatus(statusCode: stored.status)
        end = length
        if stored.status == 200 {
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        }
        let conditionalHeaders = VariantETag.requestWithBaseTags(request.head.headers)
        switch StoredAnswer.decide(request, conditionalHeaders: conditionalHeaders, status: stored.status, headers: stored.headers, length: length) {
        case .notModified(let fields):
            sink.respond(request, head(.notModified, fields), body: ByteBuffer())
            return
        case .preconditionFailed:
            sink.respond(request, head(.preconditionFailed, HTTPHeaders([("content-length", "0")])), body: ByteBuffer())
            return
        case .rangeNotSatisfiable(let fields):
            sink.respond(request, head(.rangeNotSatisfiable, fields), body: ByteBuffer())
            return
        case .ranges(let ranges) where ranges.count == 1:
            status = .partialContent
            headers.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: length))
            next = ranges[0].lowerBound
            end = ranges[0].upperBound + 1
        case .whole, .ranges:
            // Several ranges of a body on disk: the whole body instead, which a server may always
            // send for a Range request (RFC 9110 §14.2).
            break
        }
        if HTTPResponseStatus.mayHaveBody(stored.status) {
            headers.replaceOrAdd(name: "content-length", value: String(end - next))
        }
        // The coding is negotiated as for any streamed body; a range goes out as stored.
        guard sink.writeHead(head(status, headers, source: status == .ok ? .streamed : .stored), for: request) else {
            sink.respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
            return
        }
        if request.isHead || !HTTPResponseStatus.mayHaveBody(stored.status) || next >= end {
            sink.writeEnd(for: request)
            return
        }
        request.bodyStream = self
        pump()
    }

    /// The client takes bytes again.
    func resume() {
        pump()
    }

    func clientGone() {}

    /// Reads and writes chunks while the client takes them; one read at a time.
    private func pump() {
        guard !reading, let sink, request.bodyStream === self else { return }
        while next < end, sink.isWritable {
            let range = next..<min(end, next + Self.chunkBytes)
            // Moved on before the write: a flush can make the client writable again, and `resume`
            // then runs this loop from inside the write.
            next = range.upperBound
            if sink.writeFile(body, range, for: request) {
                disk.stats.sentFromFile.add(range.count)
                continue
            }
            next = range.lowerBound
            if let bytes = disk.readCached(body, range) {
                write(bytes, range: range)
                continue
            }
            reading = true
            disk.read(body, range, on: sink.eventLoop).assumeIsolated().whenComplete { [weak self] result in
                guard let self else { return }
                self.reading = false
                switch result {
                case .success(let bytes):
                    self.write(bytes, range: range)
                    self.pump()
                case .failure:
                    // Part of the response is out and the rest cannot be read: only closing says so.
                    self.request.bodyStream = nil
                    self.sink?.closeConnection()
                }
            }
            return
        }
        if next >= end, request.bodyStream === self {
            request.bodyStream = nil
            sink.writeEnd(for: request)
        }
    }

    private func write(_ bytes: ByteBuffer, range: Range<Int>) {
        guard let sink, request.bodyStream === self else { return }
        next = range.upperBound
        sink.writeBody(bytes, for: request, flush: true)
    }
}
