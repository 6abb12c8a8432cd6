import EdgeCore
import NIOCore
import NIOHTTP1

extension ProxyHandler: CacheFillClient {
    var canTakeResponseBody: Bool {
        context?.channel.isWritable ?? true
    }

    /// Relays an origin's interim response as it arrives (RFC 9110 §15.2): never to HTTP/1.0 clients,
    /// which have none, and never `100 Continue`, which the edge answers for itself. A progressive
    /// page's client already has the manifest's hints: it gets only the links it has not seen.
    func fill(_ fetch: CacheFill, didReceiveInterim head: HTTPResponseHead) {
        guard let request = current, request.fill === fetch, !request.responseStarted, request.clientVersion != .http1_0,
              head.status != .continue, let context else { return }
        var headers = head.headers
        HopByHop.strip(&headers)
        if head.status.code == 103 {
            let links = EarlyHintLinks.unsent(headers[canonicalForm: "link"].map(String.init), after: request.hintsSent)
            headers.remove(name: "link")
            guard !links.isEmpty else { return }
            for link in links { headers.add(name: "link", value: link) }
            request.hintsSent += links
        }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: request.head.version, status: head.status, headers: headers))), promise: nil)
    }

    func fill(_ fetch: CacheFill, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus) {
        guard let request = current, request.fill === fetch, !request.responseStarted else { return }
        let close = mustClose(request)
        let statusValue = cacheStatus.headerValue
        // On the cacheable path the client's conditionals were kept from the origin; answer them here.
        if fetch.plan.answersClientConditionals, status == .ok,
           ConditionalRequest.evaluate(method: request.isHead ? "HEAD" : "GET", requestHeaders: VariantETag.requestWithBaseTags(request.head.headers), responseStatus: 200, responseHeaders: headers, parseDate: HTTPDate.parse) == .notModified {
            request.suppressBody = true
            let notModified = ResponseFilter.forClient(ConditionalRequest.notModifiedHeaders(from: headers), cacheStatus: statusValue, settings: services.settings, closeConnection: close)
            writeHead(request, status: .notModified, headers: notModified)
            writeEnd(request)
            fetch.detachClient()
            return
        }
        if fetch.plan.answersClientConditionals, status == .ok, request.head.headers.contains(name: "range"),
           answerRange(request, fetch: fetch, headers: headers, cacheStatus: cacheStatus, close: close) {
            return
        }
        guard let negotiated = negotiateStreamed(request, status: status, headers: headers) else {
            fetch.detachClient()
            respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
            return
        }
        var clientHeaders = ResponseFilter.forClient(negotiated, cacheStatus: statusValue, settings: services.settings, closeConnection: close)
        if request.head.version.minor == 0, !clientHeaders.contains(name: "content-length"), HTTPResponseStatus.mayHaveBody(Int(status.code)) {
            // An HTTP/1.0 client learns where a body of unknown length ends only from the connection closing.
            clientHeaders.replaceOrAdd(name: "connection", value: "close")
            closeWhenDoneForUnframedBody()
        }
        writeHead(request, status: status, headers: clientHeaders)
        if request.isHead {
            request.suppressBody = true
            writeEnd(request)
            fetch.detachClient()
        }
    }

    func fill(_ fetch: CacheFill, didReceiveBody buffer: ByteBuffer) {
        guard let request = current, request.fill === fetch, !request.suppressBody, !request.responseEnded else { return }
        if let transform = request.transform {
            writeTransformed(request, buffer, transform)
            return
        }
        guard let window = request.bodyWindow else {
            writeBody(request, buffer)
            return
        }
        let start = request.bodyOffset
        request.bodyOffset += buffer.readableBytes
        let from = max(window.lowerBound, start)
        let to = min(window.upperBound + 1, request.bodyOffset)
        if from < to, let slice = buffer.getSlice(at: buffer.readerIndex + from - start, length: to - from) {
            writeBody(request, slice)
        }
        if request.bodyOffset > window.upperBound {
            writeEnd(request)
            fetch.detachClient()
        }
    }

    /// A Range request whose miss fetched the whole object: a single satisfiable range is answered with
    /// a 206 cut from the body as it streams; an unsatisfiable one with 416. Returns false when the full
    /// response should go out instead (no length, several ranges, If-Range not matching).
    /// A response that will not be stored is not worth streaming up to the range: the request goes to
    /// the origin again with its Range.
    private func answerRange(_ request: ClientRequest, fetch: CacheFill, headers: HTTPHeaders, cacheStatus: CacheStatus, close: Bool) -> Bool {
        guard cacheStatus.stored else {
            fetch.abort()
            if let key = request.cacheKey {
                forwardUncached(request, key: key, forward: fetch.plan.forward)
            }
            return true
        }
        guard let length = headers.first(name: "content-length").flatMap(Int.init) else {
            // Without the whole length no range can be cut as it streams: the fetch goes on storing the
            // object, and this client waits for it like a coalesced follower, then gets its range from
            // the stored copy (or, if it is not stored after all, asks the origin for the range).
            fetch.detachClient()
            guard let key = request.cacheKey, let context else { return true }
            let fallback = uncachedPlan(request, key: key, forward: fetch.plan.forward)
            switch services.coalescer.join(key, on: context.eventLoop) {
            case .follower(let outcome):
                waitForLeader(request, key: key, outcome: outcome, plan: fallback)
            case .leader(let leadership):
                // This fetch was not coalesced, so there is nobody to wait for.
                leadership.finish(.failed)
                startFetch(request, plan: fallback, leadership: nil)
            case .bypass:
                startFetch(request, plan: fallback, leadership: nil)
            }
            return true
        }
        let method = request.isHead ? "HEAD" : "GET"
        switch ByteRange.resolve(method: method, requestHeaders: request.head.headers, responseHeaders: headers, length: length, parseDate: HTTPDate.parse) {
        case .partial(let ranges) where ranges.count == 1:
            var partial = headers
            partial.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: length))
            partial.replaceOrAdd(name: "content-length", value: String(ranges[0].count))
            request.bodyWindow = ranges[0]
            writeHead(request, status: .partialContent, headers: ResponseFilter.forClient(partial, cacheStatus: cacheStatus.headerValue, settings: services.settings, closeConnection: close))
            return true
        case .unsatisfiable:
            var unsatisfiable = HTTPHeaders()
            unsatisfiable.add(name: "content-range", value: "bytes */\(length)")
            unsatisfiable.add(name: "content-length", value: "0")
            unsatisfiable.add(name: "date", value: HTTPDate.format(ProxyServices.now()))
            writeHead(request, status: .rangeNotSatisfiable, headers: ResponseFilter.forClient(unsatisfiable, cacheStatus: cacheStatus.headerValue, settings: services.settings, closeConnection: close))
            writeEnd(request)
            fetch.detachClient()
            return true
        default:
            return false
        }
    }

    func fillDidEnd(_ fetch: CacheFill) {
        guard let request = current, request.fill === fetch, finishTransformed(request) else { return }
        writeEnd(request)
    }

    func fill(_ fetch: CacheFill, serveStored response: CachedResponse, cacheStatus: CacheStatus) {
        guard let request = current, request.fill === fetch, !request.responseStarted else { return }
        serveStored(request, response, cacheStatus: cacheStatus)
    }

    func fill(_ fetch: CacheFill, didFail error: OriginError) {
        guard let request = current, request.fill === fetch else { return }
        // Load shed by the pool is counted in metrics; a line per request would add to the overload.
        services.logger.log(level: error.isLoadShedding ? .debug : .warning, "origin request failed",
                            metadata: ["error": "\(error)", "target": "\(request.head.uri)"])
        if request.responseStarted {
            // Part of the response is out: the only honest signal left is to cut the connection.
            context?.close(promise: nil)
            return
        }
        request.cacheStatus = CacheStatus(fwd: fetch.plan.forward, fwdStatus: nil).headerValue
        respondError(request, status: HTTPResponseStatus(statusCode: error.clientStatus), message: error.description, close: false)
    }

    func fillCanTakeMoreBody(_ fetch: CacheFill) {
        guard let request = current, request.fill === fetch, fetch.exchange.canTakeMoreRequestBody else { return }
        resumeClientReads()
    }
}
