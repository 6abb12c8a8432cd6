import EdgeCore
import NIOCore
import NIOHTTP1

/// What the phases need of the client connection they answer on: `ProxyHandler`'s I/O, nothing more.
protocol ResponseSink: AnyObject {
    /// Passes `head` through the response filter chain and writes it; false when the chain refused it
    /// (the client accepts no coding on offer) and nothing was written.
    func writeHead(_ head: OutgoingHead, for request: ClientRequest) -> Bool
    /// A body piece, through the body stages the head set up. `flush: false` when the end follows at once.
    func writeBody(_ buffer: ByteBuffer, for request: ClientRequest, flush: Bool)
    /// Bytes `range` of a stored body, sent from its record file by the kernel (`sendfile`) when the
    /// connection can and nothing is to be done to them (no coding, no rewriting) and the page cache
    /// holds them all; false, with nothing written, otherwise.
    func writeFile(_ body: DiskBody, _ range: Range<Int>, for request: ClientRequest) -> Bool
    /// The end of the response, then the logging phase.
    func writeEnd(for request: ClientRequest)
    /// A 1xx before the final response.
    func writeInterim(_ head: HTTPResponseHead, for request: ClientRequest)
    /// Cuts the connection: part of a response is out and the rest cannot follow.
    func closeConnection()
    /// Whether the connection ends with this request's response.
    func mustClose(_ request: ClientRequest) -> Bool
    /// The client takes bytes now (its send buffer is not full).
    var isWritable: Bool { get }
    /// Request body reads may go on (the upstream took what was pending).
    func resumeRequestBody()
    var eventLoop: EventLoop { get }
    var allocator: ByteBufferAllocator { get }
}

extension ResponseSink {
    /// The edge's own short text answer (an error the client gets in place of a response).
    func respondError(_ request: ClientRequest, status: HTTPResponseStatus, message: String, close: Bool, cacheStatus: CacheStatus? = nil) {
        guard !request.responseStarted else {
            closeConnection()
            return
        }
        let body = "\(status.code) \(status.reasonPhrase): \(message)\n"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "date", value: HTTPDate.format(ProxyServices.now()))
        if status == .serviceUnavailable {
            headers.add(name: "retry-after", value: "5")
        }
        headers.add(name: "content-length", value: String(body.utf8.count))
        if close { headers.add(name: "connection", value: "close") }
        let status = OutgoingHead(status: status, headers: headers, source: .edge,
                                  cacheStatus: cacheStatus ?? request.cacheStatus ?? CacheStatus(fwd: .miss, detail: "\(status.code)"))
        respond(request, status, body: allocator.buffer(string: body))
    }

    /// A complete answer of the edge's own: head, body (not for HEAD), end.
    func respond(_ request: ClientRequest, _ head: OutgoingHead, body: ByteBuffer) {
        guard writeHead(head, for: request) else { return }
        if !request.isHead, body.readableBytes > 0 {
            writeBody(body, for: request, flush: false)
        }
        writeEnd(for: request)
    }
}
