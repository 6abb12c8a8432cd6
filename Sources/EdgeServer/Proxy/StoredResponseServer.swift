import EdgeCore
import NIOCore
import NIOHTTP1

/// The hit phase: serves a stored response to one request. First the representation this client
/// gets (the coding it negotiates, made once and kept beside the object when missing), then the
/// client's conditionals and range, then the head through the response filter chain.
struct StoredResponseServer {
    let request: ClientRequest
    let sink: ResponseSink
    let cache: HTTPCache
    let compression: CompressionService
    let policy: CachePolicySettings
    /// Whether the request still waits for this answer (a coding being made may finish too late).
    let stillWaiting: () -> Bool

    /// How a stored response goes out to this client.
    enum Representation {
        /// A whole hit whose fields were prepared at store time.
        case prepared(PreparedHit)
        /// As stored, not negotiated (no Vary added).
        case asStored
        /// One coding of it, negotiated: Vary names Accept-Encoding, any variant's tag matches.
        case view(CachedResponse)
        /// No coding at hand is acceptable, and none may be made now.
        case unavailable
        /// The client refuses every coding on offer (406).
        case notAcceptable
        /// The negotiated coding has to be made first.
        case make(ContentCoding)
    }

    func serve(_ stored: CachedResponse, cacheStatus: CacheStatus) {
        if request.fromPeer {
            // Another node of the cluster stores this too and negotiates codings for its own clients:
            // it gets the response as stored, with the fields the prepared ones leave out (`EdgeFields.apply`).
            writeStored(stored, cacheStatus: cacheStatus)
            return
        }
        switch representation(of: stored, mayMake: true) {
        case .prepared(let hit):
            writePrepared(hit, stored: stored, cacheStatus: cacheStatus)
        case .asStored, .unavailable:
            writeStored(stored, cacheStatus: cacheStatus)
        case .view(let view):
            writeView(view, of: stored, cacheStatus: cacheStatus)
        case .notAcceptable:
            sink.respondError(request, status: .notAcceptable, message: "no acceptable content coding (Accept-Encoding refuses identity)", close: false)
        case .make(let coding):
            make(coding, of: stored, cacheStatus: cacheStatus)
        }
    }

    /// Neither conditionals nor a range can change what a stored response with `status` gives this
    /// request (then `ConditionalRequest` says proceed and `ByteRange` says full).
    static func wantsWhole(_ request: ClientRequest, status: Int) -> Bool {
        let headers = request.head.headers
        for name in ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"] where headers.contains(name: name) {
            return false
        }
        return status != 200 || request.isHead || !headers.contains(name: "range")
    }

    // MARK: The representation

    func representation(of stored: CachedResponse, mayMake: Bool) -> Representation {
        let whole = Self.wantsWhole(request, status: stored.status)
        if whole, mayMake, let hit = PreparedHit.choose(stored, accept: acceptEncoding, site: request.site, compression: compression) {
            return .prepared(hit)
        }
        let storedCoding: ContentCoding
        switch stored.encodings.negotiation {
        case .none: return .asStored
        case .from(let coding): storedCoding = coding
        case .unknown:
            guard let coding = compression.negotiatedCoding(of: stored) else { return .asStored }
            storedCoding = coding
        }
        let accept = AcceptEncoding(request.head.headers)
        let available = compression.codingsOnOffer(stored, storedCoding: storedCoding, site: request.site, mayMake: mayMake)
        guard var chosen = accept.negotiate(available) else { return mayMake ? .notAcceptable : .unavailable }
        // A range is a range of the identity body unless the client refuses identity outright; then
        // it is one of the coded body, which is the representation it asked for (RFC 9110 §14.1.2).
        if stored.status == 200, request.head.headers.contains(name: "range"), !accept.refusesIdentity, available.contains(.identity) {
            chosen = .identity
        }
        if chosen == storedCoding {
            if storedCoding == .identity, whole, let prepared = stored.preparedLines {
                return .prepared(PreparedHit(status: stored.status, fieldLines: prepared, body: stored.body))
            }
            var headers = stored.headers
            CompressionRules.addVary(&headers)
            return .view(Self.view(of: stored, headers: headers, body: stored.body))
        }
        if let encoded = stored.encodings.body(for: chosen) {
            if whole, let prepared = encoded.preparedLines {
                return .prepared(PreparedHit(status: 200, fieldLines: prepared, body: encoded.body))
            }
            return .view(Self.view(of: stored, headers: encoded.headers(from: stored.headers, storedHeaders: stored.headers), body: encoded.body))
        }
        return mayMake ? .make(chosen) : .unavailable
    }

    /// The request's Accept-Encoding, nil when it sent none.
    private func acceptEncoding() -> AcceptEncoding? {
        request.head.headers.contains(name: "accept-encoding") ? AcceptEncoding(request.head.headers) : nil
    }

    private static func view(of stored: CachedResponse, headers: HTTPHeaders, body: ByteBuffer) -> CachedResponse {
        CachedResponse(status: stored.status, headers: headers, body: body, timing: stored.timing, secondaryKey: stored.secondaryKey)
    }

    /// Makes `coding` of `stored` (once, off the event loops, kept in the cache entry), then serves it.
    /// A large body does not wait: it goes out in what is at hand, and the variant is for later requests.
    private func make(_ coding: ContentCoding, of stored: CachedResponse, cacheStatus: CacheStatus) {
        guard let key = request.cacheKey else {
            writeStored(stored, cacheStatus: cacheStatus)
            return
        }
        // A copy made from the same stored body (a response just freshened by a 304 is a new value)
        // may find the form already kept in the cache entry.
        if let current = cache.store.peek(key)?.first(where: { $0.secondaryKey == stored.secondaryKey }),
           current.timing == stored.timing, current.body.readableBytes == stored.body.readableBytes,
           let encoded = current.encodings.body(for: coding) {
            var local = stored
            local.encodings.set(encoded, prepared: nil, storedHeaders: stored.headers)
            serve(local, cacheStatus: cacheStatus)
            return
        }
        let future = compression.variant(of: stored, key: key, coding: coding, on: sink.eventLoop)
        if stored.body.readableBytes > CompressionService.waitLimit, coding != .identity, serveAtHand(stored, cacheStatus: cacheStatus) {
            return
        }
        let server = self
        future.hop(to: sink.eventLoop).assumeIsolated().whenComplete { result in
            guard server.stillWaiting() else { return }
            switch result {
            case .success(let updated):
                server.serve(updated, cacheStatus: cacheStatus)
            case .failure:
                // The origin's coded body cannot be decoded: it goes out as it was stored.
                if !server.serveAtHand(stored, cacheStatus: cacheStatus) {
                    server.writeStored(stored, cacheStatus: cacheStatus)
                }
            }
        }
    }

    /// Serves a coding already at hand; false when none is acceptable.
    private func serveAtHand(_ stored: CachedResponse, cacheStatus: CacheStatus) -> Bool {
        switch representation(of: stored, mayMake: false) {
        case .prepared(let hit): writePrepared(hit, stored: stored, cacheStatus: cacheStatus)
        case .asStored: writeStored(stored, cacheStatus: cacheStatus)
        case .view(let view): writeView(view, of: stored, cacheStatus: cacheStatus)
        case .unavailable, .notAcceptable, .make: return false
        }
        return true
    }

    // MARK: Writing

    private func writePrepared(_ hit: PreparedHit, stored: CachedResponse, cacheStatus: CacheStatus) {
        let age = CacheLookup.age(of: stored, now: ProxyServices.now(), settings: policy)
        write(OutgoingHead(status: HTTPResponseStatus(statusCode: hit.status), headers: hit.fields, source: .prepared, cacheStatus: cacheStatus, age: age), body: hit.body)
    }

    /// A coding of a stored response: If-None-Match is answered with any variant's tag (`VariantETag`),
    /// then the view is served as stored.
    private func writeView(_ view: CachedResponse, of stored: CachedResponse, cacheStatus: CacheStatus) {
        if request.head.headers.contains(name: "if-none-match") {
            let widened = VariantETag.requestWithBaseTags(request.head.headers)
            let method = request.isHead ? "HEAD" : "GET"
            if ConditionalRequest.evaluate(method: method, requestHeaders: widened, responseStatus: stored.status, responseHeaders: stored.headers, parseDate: HTTPDate.parse) == .notModified {
                let age = Int(max(0, Freshness.currentAge(headers: stored.headers, timing: stored.timing, now: ProxyServices.now())).rounded(.down))
                write(OutgoingHead(status: .notModified, headers: ConditionalRequest.notModifiedHeaders(from: view.headers), source: .stored, cacheStatus: cacheStatus, age: age), body: nil)
                return
            }
        }
        writeStored(view, cacheStatus: cacheStatus)
    }

    /// The stored fields and body, after the client's conditionals (304, 412) and range (206, 416).
    private func writeStored(_ stored: CachedResponse, cacheStatus: CacheStatus) {
        let now = ProxyServices.now()
        let age = CacheLookup.age(of: stored, now: now, settings: policy)
        if let prepared = stored.preparedClientHeaders, !request.fromPeer, Self.wantsWhole(request, status: stored.status) {
            write(OutgoingHead(status: HTTPResponseStatus(statusCode: stored.status), headers: prepared, source: .prepared, cacheStatus: cacheStatus, age: age), body: stored.body)
            return
        }
        func head(_ status: HTTPResponseStatus, _ headers: HTTPHeaders) -> OutgoingHead {
            OutgoingHead(status: status, headers: headers, source: .stored, cacheStatus: cacheStatus, age: age)
        }
        let length = stored.body.readableBytes
        var headers = stored.headers
        var body = stored.body
        var status = HTTPResponseStatus(statusCode: stored.status)
        if stored.status == 200 {
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        }
        switch StoredAnswer.decide(request, conditionalHeaders: request.head.headers, status: stored.status, headers: stored.headers, length: length) {
        case .notModified(let fields):
            write(head(.notModified, fields), body: nil)
            return
        case .preconditionFailed:
            write(head(.preconditionFailed, HTTPHeaders([("content-length", "0")])), body: nil)
            return
        case .rangeNotSatisfiable(let fields):
            write(head(.rangeNotSatisfiable, fields), body: nil)
            return
        case .whole:
            break
        case .ranges(let ranges) where ranges.count == 1:
            status = .partialContent
            headers.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: length))
            body = stored.body.getSlice(at: stored.body.readerIndex + ranges[0].lowerBound, length: ranges[0].count) ?? body
        case .ranges(let ranges):
            status = .partialContent
            let boundary = "edge-\(UInt64.random(in: 0...UInt64.max))"
            let multipart = ByteRange.multipartBody(ranges: ranges, body: stored.body, length: length, contentType: stored.headers.first(name: "content-type"), boundary: boundary)
            headers.replaceOrAdd(name: "content-type", value: multipart.contentType)
            body = multipart.body
        }
        if HTTPResponseStatus.mayHaveBody(stored.status) {
            headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        }
        write(head(status, headers), body: body)
    }

    private func write(_ head: OutgoingHead, body: ByteBuffer?) {
        guard sink.writeHead(head, for: request) else { return }
        if let body, !request.isHead, body.readableBytes > 0 {
            sink.writeBody(body, for: request, flush: false)
        }
        sink.writeEnd(for: request)
    }
}
