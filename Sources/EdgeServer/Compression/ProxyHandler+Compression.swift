import EdgeCore
import NIOCore
import NIOHTTP1

/// Content negotiation on the response path: which coding of a stored response a client gets
/// (made once and kept when missing), and on-the-fly recoding of responses that stream from origins.
extension ProxyHandler {
    // MARK: Stored responses

    /// Serves `stored` in the coding this client negotiates; false when the response is not
    /// negotiated (or, with `mayMake` false, when no coding at hand is acceptable). With `mayMake`
    /// false only codings already at hand are offered.
    func serveNegotiated(_ request: ClientRequest, _ stored: CachedResponse, cacheStatus: CacheStatus, mayMake: Bool = true) -> Bool {
        let compression = services.compression
        let storedCoding: ContentCoding
        switch stored.encodings.negotiation {
        case .none: return false
        case .from(let coding): storedCoding = coding
        case .unknown:
            guard let coding = compression.negotiatedCoding(of: stored) else { return false }
            storedCoding = coding
        }
        // The common identity hit (no Accept-Encoding, nothing conditional): the prepared fields,
        // which already name Accept-Encoding in Vary, without building the negotiation.
        if storedCoding == .identity, stored.preparedClientHeaders != nil, !request.head.headers.contains(name: "accept-encoding"),
           Self.wantsWholeStoredResponse(request, status: stored.status) {
            return false
        }
        let accept = AcceptEncoding(request.head.headers)
        let available = compression.codingsOnOffer(stored, storedCoding: storedCoding, site: request.route?.site, mayMake: mayMake)
        guard var chosen = accept.negotiate(available) else {
            if !mayMake { return false }
            respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
            return true
        }
        // A range is a range of the identity body unless the client refuses identity outright; then
        // it is one of the coded body, which is the representation it asked for (RFC 9110 §14.1.2).
        if stored.status == 200, request.head.headers.contains(name: "range"), !accept.refusesIdentity, available.contains(.identity) {
            chosen = .identity
        }
        let whole = Self.wantsWholeStoredResponse(request, status: stored.status)
        if chosen == storedCoding {
            if storedCoding == .identity, whole, stored.preparedClientHeaders != nil {
                // The prepared fields already name Accept-Encoding in Vary: the plain fast path.
                serveStored(request, stored, cacheStatus: cacheStatus, negotiate: false)
                return true
            }
            var headers = stored.headers
            CompressionRules.addVary(&headers)
            serveView(request, stored, view: Self.view(of: stored, headers: headers, body: stored.body), cacheStatus: cacheStatus)
            return true
        }
        if let encoded = stored.encodings.body(for: chosen) {
            if whole, let prepared = encoded.preparedClientHeaders {
                let now = ProxyServices.now()
                let age = stored.freshness(for: services.settings.policy)?.currentAge(now: now)
                    ?? Freshness.currentAge(headers: stored.headers, timing: stored.timing, now: now)
                let headers = ResponseFilter.forStoredHit(prepared, cacheStatus: cacheStatus.headerValue, closeConnection: mustClose(request), age: Int(max(0, age).rounded(.down)))
                writeHead(request, status: .ok, headers: headers)
                if !request.isHead, encoded.body.readableBytes > 0 {
                    writeBody(request, encoded.body, flush: false)
                }
                writeEnd(request)
                return true
            }
            let headers = encoded.headers(from: stored.headers, storedHeaders: stored.headers)
            serveView(request, stored, view: Self.view(of: stored, headers: headers, body: encoded.body), cacheStatus: cacheStatus)
            return true
        }
        guard let key = request.cacheKey, let context else { return false }
        // A copy made from the same stored body (a response just freshened by a 304 is a new value)
        // may find the form already kept in the cache entry.
        if let current = services.cache.store.peek(key)?.variants.first(where: { $0.secondaryKey == stored.secondaryKey }),
           current.timing == stored.timing, current.body.readableBytes == stored.body.readableBytes,
           let encoded = current.encodings.body(for: chosen) {
            var local = stored
            local.encodings.set(encoded, prepared: nil, storedHeaders: stored.headers)
            return serveNegotiated(request, local, cacheStatus: cacheStatus, mayMake: mayMake)
        }
        let future = compression.variant(of: stored, key: key, coding: chosen, on: context.eventLoop)
        if stored.body.readableBytes > CompressionService.waitLimit, chosen != .identity,
           serveNegotiated(request, stored, cacheStatus: cacheStatus, mayMake: false) {
            // Served with what is at hand; the variant is kept for the requests that follow.
            return true
        }
        future.hop(to: context.eventLoop).assumeIsolated().whenComplete { [weak self] result in
            guard let self, self.current === request, !request.responseStarted else { return }
            switch result {
            case .success(let updated):
                self.serveStored(request, updated, cacheStatus: cacheStatus)
            case .failure:
                // The origin's coded body cannot be decoded: it goes out as it was stored.
                if !self.serveNegotiated(request, stored, cacheStatus: cacheStatus, mayMake: false) {
                    self.serveStored(request, stored, cacheStatus: cacheStatus, negotiate: false)
                }
            }
        }
        return true
    }

    /// A stored response as one coding of it: answers If-None-Match with any variant's tag
    /// (`VariantETag`), then serves the view through the plain stored path.
    private func serveView(_ request: ClientRequest, _ stored: CachedResponse, view: CachedResponse, cacheStatus: CacheStatus) {
        if request.head.headers.contains(name: "if-none-match") {
            let widened = VariantETag.requestWithBaseTags(request.head.headers)
            let method = request.isHead ? "HEAD" : "GET"
            if ConditionalRequest.evaluate(method: method, requestHeaders: widened, responseStatus: stored.status, responseHeaders: stored.headers, parseDate: HTTPDate.parse) == .notModified {
                let now = ProxyServices.now()
                let age = Freshness.currentAge(headers: stored.headers, timing: stored.timing, now: now)
                var headers = ResponseFilter.forClient(
                    ConditionalRequest.notModifiedHeaders(from: view.headers), cacheStatus: cacheStatus.headerValue,
                    settings: services.settings, closeConnection: mustClose(request))
                headers.replaceOrAdd(name: "age", value: String(Int(max(0, age).rounded(.down))))
                writeHead(request, status: .notModified, headers: headers)
                writeEnd(request)
                return
            }
        }
        serveStored(request, view, cacheStatus: cacheStatus, negotiate: false)
    }

    private static func view(of stored: CachedResponse, headers: HTTPHeaders, body: ByteBuffer) -> CachedResponse {
        CachedResponse(status: stored.status, headers: headers, body: body, timing: stored.timing, secondaryKey: stored.secondaryKey)
    }

    // MARK: Streamed responses

    /// Negotiates the coding of a response arriving from the origin for this client: returns the
    /// client's header fields, and sets `request.transform` when the body must be recoded as it
    /// streams. Nil means the client refuses every coding on offer (answer 406).
    func negotiateStreamed(_ request: ClientRequest, status: HTTPResponseStatus, headers: HTTPHeaders) -> HTTPHeaders? {
        let compression = services.compression
        let length = headers.first(name: "content-length").flatMap(Int.init)
        guard let originCoding = compression.negotiatedCoding(status: Int(status.code), headers: headers, bodyLength: length) else { return headers }
        let accept = AcceptEncoding(request.head.headers)
        var available: [ContentCoding] = [originCoding, .identity]
        let compressible = originCoding == .identity || compression.decodedIsCompressible(headers: headers)
        if compressible, compression.mayMakeCodings(site: request.route?.site) {
            available += compression.settings.codings
        }
        guard let chosen = accept.negotiate(available) else { return nil }
        var out = headers
        CompressionRules.addVary(&out)
        guard chosen != originCoding else { return out }
        do {
            request.transform = try BodyTransform(from: originCoding, to: chosen, levels: compression.settings.streamingLevels, metrics: compression.metrics)
        } catch {
            return out
        }
        if chosen == .identity {
            out.remove(name: "content-encoding")
        } else {
            out.replaceOrAdd(name: "content-encoding", value: chosen.rawValue)
        }
        out.remove(name: "content-length")
        out.remove(name: "accept-ranges")
        if let etag = headers.first(name: "etag") {
            out.replaceOrAdd(name: "etag", value: VariantETag.tag(etag, storedCoding: originCoding, servedCoding: chosen))
        }
        return out
    }

    /// Recodes and forwards one piece of a streamed body.
    func writeTransformed(_ request: ClientRequest, _ buffer: ByteBuffer, _ transform: BodyTransform) {
        guard let context else { return }
        do {
            let output = try transform.process(buffer, allocator: context.channel.allocator)
            if output.readableBytes > 0 {
                writeBody(request, output)
            }
        } catch {
            // Part of the response is out: cutting the connection is the only honest signal left.
            request.transform = nil
            request.fill?.abort()
            context.close(promise: nil)
        }
    }

    /// Writes the recoder's last bytes; false when the stream could not be finished properly.
    func finishTransformed(_ request: ClientRequest) -> Bool {
        guard let transform = request.transform, let context else { return true }
        request.transform = nil
        do {
            let output = try transform.finish(allocator: context.channel.allocator)
            if output.readableBytes > 0 {
                writeBody(request, output, flush: false)
            }
            return true
        } catch {
            context.close(promise: nil)
            return false
        }
    }
}
