import EdgeCore
import NIOCore
import NIOHTTP1

extension ProxyHandler {
    /// Cache lookup phase: serve a usable stored response, or fetch (coalesced with identical misses).
    func lookup(_ request: ClientRequest, key: CacheKey, coalesce: Bool, collapsed: Bool) {
        let head = request.head
        let cacheRequest = CacheRequest(method: "GET", headers: head.headers)
        let requestDirectives = CacheControl(head.headers)
        let now = ProxyServices.now()
        let settings = services.settings
        var forward = CacheStatus.Forward.uriMiss

        switch services.cache.lookup(key, requestHeaders: head.headers) {
        case .found(let stored):
            let decision = LookupPolicy.evaluate(request: cacheRequest, stored: stored, now: now, settings: settings.policy).decision
            switch decision {
            case .fresh:
                services.stats.hits.wrappingAdd(1, ordering: .relaxed)
                var status = CacheStatus.hit(ttl: FillPolicy.remainingTTL(stored, now: now, settings: settings.policy))
                status.collapsed = collapsed
                serveStored(request, stored, cacheStatus: status)
                return
            case .staleWhileRevalidate:
                services.stats.hits.wrappingAdd(1, ordering: .relaxed)
                services.stats.staleServed.wrappingAdd(1, ordering: .relaxed)
                var status = CacheStatus.hit(ttl: FillPolicy.remainingTTL(stored, now: now, settings: settings.policy))
                status.stale = true
                serveStored(request, stored, cacheStatus: status)
                revalidateInBackground(request, key: key, stale: stored)
                return
            case .mustRevalidate:
                if requestDirectives.onlyIfCached {
                    respondError(request, status: .gatewayTimeout, message: "only-if-cached, and the stored response is stale", close: false)
                    return
                }
                fetch(request, key: key, stale: stored, storeAllowed: !requestDirectives.noStore, forward: .stale, coalesce: coalesce)
                return
            case .unusable:
                forward = .request
            }
        case .uriMiss:
            forward = .uriMiss
        case .varyMiss:
            forward = .varyMiss
        }

        if requestDirectives.onlyIfCached {
            respondError(request, status: .gatewayTimeout, message: "only-if-cached, and nothing usable is stored", close: false)
            return
        }
        services.stats.misses.wrappingAdd(1, ordering: .relaxed)
        if requestDirectives.noStore {
            // `no-store` in a request forbids storing its response: the request passes through as it is.
            forwardUncached(request, key: key, forward: forward)
            return
        }
        // A Range miss fetches the whole object so that it can be stored; the client's range is cut from
        // it as it streams past (see `fetch(_:didReceiveHead:)`).
        fetch(request, key: key, stale: nil, storeAllowed: true, forward: forward, coalesce: coalesce)
    }

    /// Sends the client's request to the origin as it is (Range and conditionals included), storing nothing.
    func forwardUncached(_ request: ClientRequest, key: CacheKey, forward: CacheStatus.Forward) {
        startFetch(request, plan: uncachedPlan(request, key: key, forward: forward), leadership: nil)
    }

    func uncachedPlan(_ request: ClientRequest, key: CacheKey, forward: CacheStatus.Forward) -> CacheFill.Plan {
        CacheFill.Plan(
            head: upstreamHead(request, cacheable: false, validators: nil), clientHeaders: request.head.headers,
            cacheKey: key, stale: nil, storeAllowed: false, forward: forward)
    }

    private func fetch(_ request: ClientRequest, key: CacheKey, stale: CachedResponse?, storeAllowed: Bool, forward: CacheStatus.Forward, coalesce: Bool) {
        let plan = CacheFill.Plan(
            head: upstreamHead(request, cacheable: true, validators: stale.map { Revalidation.validators(for: $0.headers) }),
            clientHeaders: request.head.headers, cacheKey: key, stale: stale, storeAllowed: storeAllowed, forward: forward,
            answersClientConditionals: true)
        guard coalesce, let context else {
            startFetch(request, plan: plan, leadership: nil)
            return
        }
        switch services.coalescer.join(key, on: context.eventLoop) {
        case .leader(let leadership):
            // A fetch for this key may have stored its response between our lookup and our join.
            if case .found(let current) = services.cache.lookup(key, requestHeaders: request.head.headers),
               current.timing != stale?.timing {
                leadership.finish(.stored)
                lookup(request, key: key, coalesce: false, collapsed: true)
                return
            }
            startFetch(request, plan: plan, leadership: leadership)
        case .follower(let outcome):
            services.stats.coalesced.wrappingAdd(1, ordering: .relaxed)
            waitForLeader(request, key: key, outcome: outcome, plan: plan)
        case .bypass:
            startFetch(request, plan: plan, leadership: nil)
        }
    }

    /// A follower waits for the leader's fetch, then looks again; it never waits longer than an origin
    /// fetch of its own could take, so a stuck leader cannot hold it.
    func waitForLeader(_ request: ClientRequest, key: CacheKey, outcome: EventLoopFuture<RequestCoalescer.Outcome>, plan: CacheFill.Plan) {
        guard let context else { return }
        var resumed = false
        let policy = request.route?.pool.policy ?? UpstreamPolicy()
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: policy.connectTimeout + policy.firstByteTimeout) { [weak self] in
            guard !resumed, let self, self.current === request else { return }
            resumed = true
            self.startFetch(request, plan: plan, leadership: nil)
        }
        outcome.assumeIsolated().whenComplete { [weak self] result in
            timer.cancel()
            guard !resumed, let self, self.current === request else { return }
            resumed = true
            switch result {
            case .success(.stored):
                self.lookup(request, key: key, coalesce: false, collapsed: true)
            default:
                self.startFetch(request, plan: plan, leadership: nil)
            }
        }
    }

    /// stale-while-revalidate: one background fetch per key refreshes the entry; clients don't wait for it.
    private func revalidateInBackground(_ request: ClientRequest, key: CacheKey, stale: CachedResponse) {
        // Degraded mode (or an operator) defers background revalidation: the stale copy is served meanwhile.
        guard services.flags.isEnabled(.backgroundRevalidation) else { return }
        guard let context, let route = request.route,
              case .leader(let leadership) = services.coalescer.join(key, on: context.eventLoop) else { return }
        // Another revalidation may have freshened the entry between our lookup and our join.
        if case .found(let current) = services.cache.lookup(key, requestHeaders: request.head.headers),
           current.timing != stale.timing {
            leadership.finish(.stored)
            return
        }
        let plan = CacheFill.Plan(
            head: upstreamHead(request, cacheable: true, validators: Revalidation.validators(for: stale.headers)),
            clientHeaders: request.head.headers, cacheKey: key, stale: stale, storeAllowed: true, forward: .stale)
        let fill = CacheFill(plan: plan, services: services, pool: loopContext.pool, route: route, leadership: leadership, clientAddress: request.clientAddress)
        fill.start()
        fill.exchange.sendEnd()
    }

    /// Response phase for a stored response: content coding, client conditionals, ranges, HEAD, Age and Cache-Status.
    func serveStored(_ request: ClientRequest, _ stored: CachedResponse, cacheStatus: CacheStatus, negotiate: Bool = true) {
        if negotiate, serveNegotiated(request, stored, cacheStatus: cacheStatus) { return }
        let now = ProxyServices.now()
        let age = stored.freshness(for: services.settings.policy)?.currentAge(now: now)
            ?? Freshness.currentAge(headers: stored.headers, timing: stored.timing, now: now)
        let method = request.isHead ? "HEAD" : "GET"
        let close = mustClose(request)
        let statusValue = cacheStatus.headerValue
        if let prepared = stored.preparedClientHeaders, Self.wantsWholeStoredResponse(request, status: stored.status) {
            // The common hit: no conditionals, no range; only the per-hit fields are added.
            let headers = ResponseFilter.forStoredHit(prepared, cacheStatus: statusValue, closeConnection: close, age: Int(max(0, age).rounded(.down)))
            writeHead(request, status: HTTPResponseStatus(statusCode: stored.status), headers: headers)
            if !request.isHead, stored.body.readableBytes > 0 {
                writeBody(request, stored.body, flush: false)
            }
            writeEnd(request)
            return
        }
        func finalHeaders(_ headers: HTTPHeaders) -> HTTPHeaders {
            var headers = ResponseFilter.forClient(headers, cacheStatus: statusValue, settings: services.settings, closeConnection: close)
            headers.replaceOrAdd(name: "age", value: String(Int(max(0, age).rounded(.down))))
            return headers
        }

        switch ConditionalRequest.evaluate(method: method, requestHeaders: request.head.headers, responseStatus: stored.status, responseHeaders: stored.headers, parseDate: HTTPDate.parse) {
        case .notModified:
            writeHead(request, status: .notModified, headers: finalHeaders(ConditionalRequest.notModifiedHeaders(from: stored.headers)))
            writeEnd(request)
            return
        case .preconditionFailed:
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: "0")
            writeHead(request, status: .preconditionFailed, headers: finalHeaders(headers))
            writeEnd(request)
            return
        case .proceed:
            break
        }

        let length = stored.body.readableBytes
        var headers = stored.headers
        var body = stored.body
        var status = HTTPResponseStatus(statusCode: stored.status)
        if stored.status == 200 {
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
            switch ByteRange.resolve(method: method, requestHeaders: request.head.headers, responseHeaders: stored.headers, length: length, parseDate: HTTPDate.parse) {
            case .full:
                break
            case .partial(let ranges) where ranges.count == 1:
                let range = ranges[0]
                status = .partialContent
                headers.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(range, length: length))
                body = stored.body.getSlice(at: stored.body.readerIndex + range.lowerBound, length: range.count) ?? body
            case .partial(let ranges):
                status = .partialContent
                let boundary = "edge-\(UInt64.random(in: 0...UInt64.max))"
                let multipart = ByteRange.multipartBody(ranges: ranges, body: stored.body, length: length, contentType: stored.headers.first(name: "content-type"), boundary: boundary)
                headers.replaceOrAdd(name: "content-type", value: multipart.contentType)
                body = multipart.body
            case .unsatisfiable:
                var unsatisfiable = HTTPHeaders()
                unsatisfiable.add(name: "content-range", value: "bytes */\(length)")
                unsatisfiable.add(name: "content-length", value: "0")
                unsatisfiable.add(name: "date", value: HTTPDate.format(now))
                writeHead(request, status: .rangeNotSatisfiable, headers: finalHeaders(unsatisfiable))
                writeEnd(request)
                return
            }
        }
        if HTTPResponseStatus.mayHaveBody(stored.status) {
            headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        }
        writeHead(request, status: status, headers: finalHeaders(headers))
        if !request.isHead, body.readableBytes > 0 {
            writeBody(request, body, flush: false)
        }
        writeEnd(request)
    }
}

extension ProxyHandler {
    /// True when neither conditionals nor a range can change what a stored response with `status` gives
    /// this request (then `ConditionalRequest` says proceed and `ByteRange` says full).
    static func wantsWholeStoredResponse(_ request: ClientRequest, status: Int) -> Bool {
        let headers = request.head.headers
        for name in ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"] where headers.contains(name: name) {
            return false
        }
        return status != 200 || request.isHead || !headers.contains(name: "range")
    }
}

extension HTTPResponseStatus {
    static func mayHaveBody(_ code: Int) -> Bool {
        !(100..<200).contains(code) && code != 204 && code != 304
    }
}
