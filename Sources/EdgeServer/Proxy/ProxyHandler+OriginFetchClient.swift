import EdgeCore
import NIOCore
import NIOHTTP1

extension ProxyHandler: OriginFetchClient {
    var canTakeResponseBody: Bool {
        context?.channel.isWritable ?? true
    }

    func fetch(_ fetch: OriginFetch, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus) {
        guard let request = current, request.fetch === fetch, !request.responseStarted else { return }
        let close = mustClose(request)
        let statusValue = cacheStatus.headerValue
        // On the cacheable path the client's conditionals were kept from the origin; answer them here.
        if fetch.plan.answersClientConditionals, status == .ok,
           ConditionalRequest.evaluate(method: request.isHead ? "HEAD" : "GET", requestHeaders: request.head.headers, responseStatus: 200, responseHeaders: headers, parseDate: HTTPDate.parse) == .notModified {
            request.suppressBody = true
            let notModified = ResponseFilter.forClient(ConditionalRequest.notModifiedHeaders(from: headers), cacheStatus: statusValue, settings: services.settings, closeConnection: close)
            writeHead(request, status: .notModified, headers: notModified)
            writeEnd(request)
            fetch.detachClient()
            return
        }
        var clientHeaders = ResponseFilter.forClient(headers, cacheStatus: statusValue, settings: services.settings, closeConnection: close)
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

    func fetch(_ fetch: OriginFetch, didReceiveBody buffer: ByteBuffer) {
        guard let request = current, request.fetch === fetch, !request.suppressBody, !request.responseEnded else { return }
        writeBody(request, buffer)
    }

    func fetchDidEnd(_ fetch: OriginFetch) {
        guard let request = current, request.fetch === fetch else { return }
        writeEnd(request)
    }

    func fetch(_ fetch: OriginFetch, serveStored response: CachedResponse, cacheStatus: CacheStatus) {
        guard let request = current, request.fetch === fetch, !request.responseStarted else { return }
        serveStored(request, response, cacheStatus: cacheStatus)
    }

    func fetch(_ fetch: OriginFetch, didFail error: OriginError) {
        guard let request = current, request.fetch === fetch else { return }
        services.logger.warning("origin request failed", metadata: ["error": "\(error)", "target": "\(request.head.uri)"])
        if request.responseStarted {
            // Part of the response is out: the only honest signal left is to cut the connection.
            context?.close(promise: nil)
            return
        }
        request.cacheStatus = CacheStatus(fwd: fetch.plan.forward, fwdStatus: nil).headerValue
        respondError(request, status: HTTPResponseStatus(statusCode: error.clientStatus), message: error.description, close: false)
    }

    func fetchCanTakeMoreBody(_ fetch: OriginFetch) {
        guard let request = current, request.fetch === fetch, fetch.canTakeMoreRequestBody else { return }
        resumeClientReads()
    }
}
