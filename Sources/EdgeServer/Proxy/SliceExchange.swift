import EdgeCore
import NIOCore
import NIOHTTP1

/// One origin request of `SliceFetch`: a slice-aligned `Range` (conditional when a stored object is
/// revalidated). A 206 is gathered whole (one slice); an origin that ignores `Range` answers 200, and
/// its body is cut into slices as it streams (`cut`), read at the pace the slices are taken.
final class SliceExchange: UpstreamExchangeDelegate {
    enum Answer {
        /// The slice: the response's fields, its range and its bytes.
        case partial(HTTPHeaders, ContentRange, ByteBuffer)
        /// A 200 of `length` bytes: its slices follow through `cut`.
        case whole(HTTPHeaders, length: Int)
        case notModified(HTTPHeaders)
        /// 416: the origin's fields (`Content-Range: bytes */length`).
        case unsatisfiable(HTTPHeaders)
        /// Anything else (an error status, a 206 of another range, a 200 of unknown length).
        case other(Int)
        /// No whole answer: why.
        case failed(String)
    }

    let exchange: UpstreamExchange
    private let slices: SliceRange
    /// Called once, when the answer is known (for a 206, once its body is all in).
    private var answered: ((Answer) -> Void)?
    /// For a 200: each slice as it is complete, in order (the last one may be short); then `cutEnded`.
    var cut: ((Int, ByteBuffer) -> Void)?
    /// `complete`: every byte announced arrived.
    var cutEnded: ((_ complete: Bool) -> Void)?
    /// For a 206, before its whole answer: its head (false stops the exchange, and no answer follows),
    /// then its bytes as they arrive, so that the first slice of a cold object reaches the client as
    /// it streams.
    var partialHead: ((HTTPHeaders, ContentRange) -> Bool)?
    var partialBytes: ((ByteBuffer) -> Void)?
    /// Reads of a 200 wait while this says so (a slice is held for a client that has not taken it).
    var paused = false
    private var status = 0
    private var headers = HTTPHeaders()
    private var range: ContentRange?
    private var body = ByteBuffer()
    private var cutIndex = 0
    private var wholeLength = 0
    private var received = 0

    init(head: HTTPRequestHead, slices: SliceRange, pool: Router.Pool, connections: OriginConnectionPool, services: FillServices,
         clientAddress: String, answered: @escaping (Answer) -> Void) {
        self.slices = slices
        self.answered = answered
        exchange = UpstreamExchange(head: head, pool: pool, balanceKey: head.uri, clientAddress: clientAddress, connections: connections,
                                    stats: services.stats, metrics: services.metrics, logger: services.logger, route: nil)
        exchange.delegate = self
    }

    func start() {
        exchange.start()
        exchange.sendEnd()
    }

    var requestTime: EpochSeconds { exchange.requestTime }

    private func answer(_ answer: Answer) {
        let answered = self.answered
        self.answered = nil
        answered?(answer)
    }

    // MARK: The exchange's reports

    var wantsMoreResponseBody: Bool { !paused }

    func exchangeCanTakeMoreBody(_ exchange: UpstreamExchange) {}

    func exchange(_ exchange: UpstreamExchange, interim head: HTTPResponseHead) {}

    func exchange(_ exchange: UpstreamExchange, head: HTTPResponseHead) {
        status = Int(head.status.code)
        headers = head.headers
        HopByHop.strip(&headers)
        if !headers.contains(name: "date") {
            headers.add(name: "date", value: HTTPDate.format(ProxyServices.now()))
        }
        switch status {
        case 206:
            guard let range = PartialContent.storableRange(status: 206, headers: headers), range.count <= slices.size else {
                abort(.other(status))
                return
            }
            self.range = range
            body = ByteBufferAllocator().buffer(capacity: range.count)
            if let partialHead, !partialHead(headers, range) {
                answered = nil
                exchange.abort()
            }
        case 200:
            guard let length = headers.first(name: "content-length").flatMap(Int.init) else {
                abort(.other(status))
                return
            }
            wholeLength = length
            body = ByteBufferAllocator().buffer(capacity: min(length, slices.size))
            answer(.whole(headers, length: length))
        case 304:
            answer(.notModified(headers))
        case 416:
            answer(.unsatisfiable(headers))
        default:
            abort(.other(status))
        }
    }

    func exchange(_ exchange: UpstreamExchange, body buffer: ByteBuffer) {
        var buffer = buffer
        received += buffer.readableBytes
        switch status {
        case 206:
            let piece = buffer
            body.writeBuffer(&buffer)
            partialBytes?(piece)
        case 200:
            // Cut at each slice's end as the bytes pass.
            while buffer.readableBytes > 0 {
                let room = slices.size - body.readableBytes
                if var piece = buffer.readSlice(length: min(room, buffer.readableBytes)) {
                    body.writeBuffer(&piece)
                }
                if body.readableBytes == slices.size {
                    emitCut()
                }
            }
        default:
            break
        }
    }

    private func emitCut() {
        let piece = body
        body = ByteBufferAllocator().buffer(capacity: slices.size)
        cutIndex += 1
        cut?(cutIndex - 1, piece)
    }

    func exchangeDidEnd(_ exchange: UpstreamExchange) {
        exchange.finish()
        switch status {
        case 206:
            guard let range, body.readableBytes == range.count else {
                answer(.failed("the origin's 206 ended before its Content-Range's bytes"))
                return
            }
            answer(.partial(headers, range, body))
        case 200:
            if body.readableBytes > 0 { emitCut() }
            cutEnded?(received == wholeLength)
        default:
            break
        }
    }

    func exchange(_ exchange: UpstreamExchange, failed error: OriginError) {
        answer(.failed(error.description))
        if status == 200 { cutEnded?(false) }
    }

    private func abort(_ answer: Answer) {
        exchange.abort()
        self.answer(answer)
    }

    /// Stops reading: nothing more of it is wanted.
    func stop() {
        cut = nil
        exchange.abort()
    }

    /// Reads may go on (a held slice was taken).
    func resume() {
        paused = false
        exchange.resumeReading()
    }
}
