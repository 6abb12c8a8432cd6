import EdgeCore
import NIOCore
import NIOHTTP1

/// Phase 6's last step: what the fill brings back goes to the client. On the cacheable path the
/// client's conditionals and range were kept from the origin, so they are answered here.
extension ProxyPhases: CacheFillClient {
    var canTakeResponseBody: Bool {
        sink?.isWritable ?? true
    }

    /// Relays an origin's interim response as it arrives (RFC 9110 §15.2): never to HTTP/1.0 clients,
    /// which have none, and never `100 Continue`, which the edge answers for itself. A progressive
    /// page's client already has the manifest's hints: it gets only the links it has not seen.
    func fill(_ fill: CacheFill, didReceiveInterim head: HTTPResponseHead) {
        guard let sink, request.fill === fill, !request.responseStarted, request.clientVersion != .http1_0, head.status != .continue else { return }
        var headers = head.headers
        HopByHop.strip(&headers)
        if head.status.code == 103 {
            let links = EarlyHintLinks.unsent(headers[canonicalForm: "link"].map(String.init), after: request.hintsSent)
            headers.remove(name: "link")
            guard !links.isEmpty else { return }
            for link in links { headers.add(name: "link", value: link) }
            request.hintsSent += links
        }
        sink.writeInterim(HTTPResponseHead(version: request.head.version, status: head.status, headers: headers), for: request)
    }

    func fill(_ fill: CacheFill, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus) {
        guard let sink, request.fill === fill, !request.responseStarted else { return }
        if fill.plan.answersClientConditionals, status == .ok {
            let requestHeaders = VariantETag.requestWithBaseTags(request.head.headers)
            if ConditionalRequest.evaluate(method: request.isHead ? "HEAD" : "GET", requestHeaders: requestHeaders, responseStatus: 200,
                                           responseHeaders: headers, parseDate: HTTPDate.parse) == .notModified {
                request.suppressBody = true
                _ = sink.writeHead(OutgoingHead(status: .notModified, headers: ConditionalRequest.notModifiedHeaders(from: headers), source: .stored, cacheStatus: cacheStatus), for: request)
                sink.writeEnd(for: request)
                fill.detachClient()
                return
            }
            if request.head.headers.contains(name: "range"), answerRange(fill, sink: sink, headers: headers, cacheStatus: cacheStatus) {
                return
            }
        }
        guard sink.writeHead(OutgoingHead(status: status, headers: headers, source: .streamed, cacheStatus: cacheStatus), for: request) else {
            fill.detachClient()
            sink.respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
            return
        }
        if request.isHead {
            request.suppressBody = true
            sink.writeEnd(for: request)
            fill.detachClient()
        }
    }

    func fill(_ fill: CacheFill, didReceiveBody buffer: ByteBuffer) {
        guard let sink, request.fill === fill, !request.suppressBody, !request.responseEnded else { return }
        sink.writeBody(buffer, for: request, flush: true)
        if request.body.windowComplete {
            sink.writeEnd(for: request)
            fill.detachClient()
        }
    }

    func fillDidEnd(_ fill: CacheFill) {
        guard let sink, request.fill === fill else { return }
        sink.writeEnd(for: request)
    }

    func fill(_ fill: CacheFill, serveStored response: CachedResponse, from body: DiskBody?, cacheStatus: CacheStatus) {
        guard request.fill === fill, !request.responseStarted else { return }
        if let body {
            serveStreamed(response, body: body, cacheStatus: cacheStatus)
        } else {
            serve(response, cacheStatus)
        }
    }

    func fill(_ fill: CacheFill, didFail error: OriginError) {
        guard let sink, request.fill === fill else { return }
        // Load shed by the pool is counted in metrics; a line per request would add to the overload.
        services.logger.log(level: error.isLoadShedding ? .debug : .warning, "origin request failed",
                            metadata: ["error": "\(error)", "target": "\(request.head.uri)"])
        sink.respondError(request, status: HTTPResponseStatus(statusCode: error.clientStatus), message: error.description, close: false,
                          cacheStatus: CacheStatus(fwd: fill.plan.forward, fwdStatus: nil))
    }

    func fillCanTakeMoreBody(_ fill: CacheFill) {
        guard request.fill === fill, fill.exchange.canTakeMoreRequestBody else { return }
        sink?.resumeRequestBody()
    }

    /// A Range request whose miss fetched the whole object: a single satisfiable range is answered with
    /// a 206 cut from the body as it streams; an unsatisfiable one with 416. Returns false when the full
    /// response should go out instead (several ranges, If-Range not matching).
    /// A response that will not be stored is not worth streaming up to the range: the request goes to
    /// the origin again with its Range.
    private func answerRange(_ fill: CacheFill, sink: ResponseSink, headers: HTTPHeaders, cacheStatus: CacheStatus) -> Bool {
        guard let key = request.cacheKey else { return false }
        guard cacheStatus.stored else {
            fill.abort()
            forward(uncachedPlan(key: key, forward: fill.plan.forward))
            return true
        }
        guard let length = headers.first(name: "content-length").flatMap(Int.init) else {
            // Without the whole length no range can be cut as it streams: the fill goes on storing the
            // object, and this client waits for it like a coalesced follower, then gets its range from
            // the stored copy (or, if it is not stored after all, asks the origin for the range).
            fill.detachClient()
            let fallback = uncachedPlan(key: key, forward: fill.plan.forward)
            switch services.coalescer.join(key, on: sink.eventLoop) {
            case .follower(let outcome):
                waitForLeader(key, outcome: outcome, plan: fallback)
            case .leader(let leadership):
                // This fill was not coalesced, so there is nobody to wait for.
                leadership.finish(.failed)
                forward(fallback)
            case .bypass:
                forward(fallback)
            }
            return true
        }
        let method = request.isHead ? "HEAD" : "GET"
        switch ByteRange.resolve(method: method, requestHeaders: request.head.headers, responseHeaders: headers, length: length, parseDate: HTTPDate.parse) {
        case .partial(let ranges) where ranges.count == 1:
            var partial = headers
            partial.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: length))
            partial.replaceOrAdd(name: "content-length", value: String(ranges[0].count))
            request.body.window = ranges[0]
            _ = sink.writeHead(OutgoingHead(status: .partialContent, headers: partial, source: .stored, cacheStatus: cacheStatus), for: request)
            return true
        case .unsatisfiable:
            let fields = HTTPHeaders([("content-range", "bytes */\(length)"), ("content-length", "0"), ("date", HTTPDate.format(ProxyServices.now()))])
            _ = sink.writeHead(OutgoingHead(status: .rangeNotSatisfiable, headers: fields, source: .stored, cacheStatus: cacheStatus), for: request)
            sink.writeEnd(for: request)
            fill.detachClient()
            return true
        default:
            return false
        }
    }
}
