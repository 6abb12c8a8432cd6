import EdgeCore
import NIOCore
import NIOHTTP1

/// One request to an origin and what becomes of its response: forwarded, stored, or both.
///
/// Lives on the client connection's event loop. When the client goes away while a response is being
/// stored, the fetch finishes on its own so that coalesced followers still get the stored object.
final class OriginFetch: OriginResponseDelegate {
    struct Plan {
        var head: HTTPRequestHead
        /// The client's request fields, for the Vary secondary key and storage rules.
        var clientHeaders: HTTPHeaders
        var cacheKey: CacheKey?
        /// A stored response being revalidated.
        var stale: CachedResponse?
        /// Whether the response may go into the cache at all (cacheable path, no request no-store).
        var storeAllowed: Bool
        var forward: CacheStatus.Forward
        /// The client's conditionals were kept from the origin (cacheable GET/HEAD path): the edge answers them.
        var answersClientConditionals = false
    }

    weak var client: OriginFetchClient?
    private(set) var plan: Plan
    private let services: ProxyServices
    private let pool: OriginConnectionPool
    private let route: (site: Int, pool: Router.Pool)
    private var leadership: Leadership?
    private var connection: OriginConnection?
    private var requestTime: EpochSeconds = 0
    private var pendingBody = CircularBuffer<ByteBuffer>()
    private var pendingBodyBytes = 0
    private var bodyBytesSent = 0
    private var requestEnded = false
    private var triedServers: [OriginServer] = []
    private var retriedStaleConnection = false
    /// The request body sent so far, kept (up to `uploadBufferLimit`) so that an idempotent request can be
    /// sent again on a fresh connection; nil when it cannot be (non-idempotent, or too large).
    private lazy var retainedBody: [ByteBuffer]? = Self.isIdempotent(plan.head.method) ? [] : nil
    private var finished = false
    // The response being stored.
    private var storing: (status: Int, headers: HTTPHeaders, body: ByteBuffer, responseTime: EpochSeconds)?
    /// The Content-Length of the response being stored: once that many bytes are in, it is stored.
    private var storingDeclaredLength: Int?
    /// The most body bytes the response being stored may have (the store's limit less its headers).
    private var storingBodyLimit = 0
    private var discardingResponse = false
    /// The response's Content-Length, and how much of its body has arrived.
    private var responseLength: Int?
    private var responseBytesReceived = 0
    /// The origin's 304 did not select the stored response: ask again without validators once it ends.
    private var retryWithoutValidators = false
    private(set) var server: OriginServer?
    /// The purge epoch when this fetch began: a purge since then that covers the response wins.
    private var purgeEpoch: UInt64?
    /// The client's address, for `ip_hash` balancing.
    var clientAddress = ""
    /// Pool slot, server choice, passive health and retries (UpstreamAttempts.swift).
    private let attempts: UpstreamAttempts

    static let uploadBufferLimit = 64 * 1024

    init(plan: Plan, services: ProxyServices, pool: OriginConnectionPool, route: (site: Int, pool: Router.Pool), leadership: Leadership?) {
        self.plan = plan
        self.services = services
        self.pool = pool
        self.route = route
        self.leadership = leadership
        self.attempts = UpstreamAttempts(
            balancer: route.pool.balancer, loop: pool.upstream, loopCount: pool.loopCount,
            requestTimeout: route.pool.policy.firstByteTimeout)
    }

    // MARK: Request side

    func start() {
        attempts.admit { [self] admitted in
            guard !finished else {
                attempts.finish()
                return
            }
            guard admitted else {
                fail(.poolOverloaded(route.pool.name))
                return
            }
            startAttempt()
        }
    }

    private func startAttempt() {
        let key = plan.cacheKey?.description ?? plan.head.uri
        guard let server = attempts.choose(key: key, client: clientAddress, excluding: triedServers) else {
            fail(route.pool.servers.isEmpty ? .noServer : .poolDown(route.pool.name))
            return
        }
        self.server = server
        triedServers.append(server)
        if !plan.head.headers.contains(name: "host") {
            // An HTTP/1.0 client may leave Host out; the HTTP/1.1 request to the origin must carry one.
            plan.head.headers.add(name: "host", value: server.description)
        }
        requestTime = ProxyServices.now()
        if purgeEpoch == nil { purgeEpoch = services.cache.purgeIndex.currentEpoch }
        services.stats.originRequests.wrappingAdd(1, ordering: .relaxed)
        let policy = route.pool.policy
        pool.acquire(server, pool: route.pool.name, policy: policy) { [self] result in
            switch result {
            case .success(let (connection, reused)):
                guard !finished else {
                    connection.returnUnused()
                    return
                }
                self.connection = connection
                connection.startRequest(
                    plan.head, delegate: self,
                    firstByteTimeout: policy.firstByteTimeout,
                    idleTimeout: policy.idleTimeout)
                _ = reused
                flushPendingBody()
            case .failure(let error):
                originFailed(error)
            }
        }
    }

    func sendBody(_ buffer: ByteBuffer) {
        if let connection, pendingBody.isEmpty {
            sent(buffer)
            connection.sendBody(buffer)
        } else {
            pendingBody.append(buffer)
            pendingBodyBytes += buffer.readableBytes
        }
    }

    func sendEnd() {
        requestEnded = true
        if let connection, pendingBody.isEmpty {
            connection.sendEnd()
        }
    }

    /// Whether the client may keep reading request body bytes for this fetch.
    var canTakeMoreRequestBody: Bool {
        guard let connection else { return pendingBodyBytes < Self.uploadBufferLimit }
        return connection.isWritable && pendingBodyBytes < Self.uploadBufferLimit
    }

    /// The client is gone: finish storing if a stored response is on its way, else stop.
    func detachClient() {
        client = nil
        if storing != nil, !discardingResponse {
            // Reads were paced by the client; now only the store is waiting.
            connection?.resumeReading()
        } else if let responseLength, responseBytesReceived >= responseLength {
            // The whole body is in: the origin's end is on its way and the connection goes back to the pool.
        } else {
            abort()
        }
    }

    func abort() {
        guard !finished else { return }
        finished = true
        attempts.finish()
        leadership?.finish(.failed)
        connection?.abort()
        connection = nil
    }

    func resumeReading() {
        connection?.resumeReading()
    }

    /// Counts a body part that went to the origin, and keeps it while a retry could still send it again.
    private func sent(_ buffer: ByteBuffer) {
        bodyBytesSent += buffer.readableBytes
        guard retainedBody != nil else { return }
        if bodyBytesSent <= Self.uploadBufferLimit {
            retainedBody?.append(buffer)
        } else {
            retainedBody = nil
        }
    }

    private func flushPendingBody() {
        guard let connection else { return }
        while let buffer = pendingBody.popFirst() {
            pendingBodyBytes -= buffer.readableBytes
            sent(buffer)
            connection.sendBody(buffer)
        }
        if requestEnded {
            connection.sendEnd()
        }
        client?.fetchCanTakeMoreBody(self)
    }

    // MARK: Response side

    /// While a response is being stored, followers wait for it: the origin is read at its own pace, and
    /// the client's share queues on its connection (at most `maxObjectBytes`, the most that is stored).
    var wantsMoreOriginData: Bool {
        storing != nil || (client?.canTakeResponseBody ?? true)
    }

    func originWritabilityChanged(isWritable: Bool) {
        if isWritable {
            client?.fetchCanTakeMoreBody(self)
        }
    }

    func originInterimResponse(_ head: HTTPResponseHead) {
        guard !discardingResponse else { return }
        client?.fetch(self, didReceiveInterim: head)
    }

    func originResponseHead(_ head: HTTPResponseHead) {
        attempts.endAttempt(attempts.evidence(.response(status: Int(head.status.code)), body: requestBodySent, detail: "status \(head.status.code)"))
        if UpstreamAttempts.isRetryableStatus(Int(head.status.code)), retryOnAnotherServer() {
            return
        }
        let now = ProxyServices.now()
        services.trafficMetrics.originLatency.recordNanoseconds(Int64(max(0, now - requestTime) * 1e9))
        var headers = head.headers
        responseLength = headers.first(name: "content-length").flatMap(Int.init)
        responseBytesReceived = 0
        HopByHop.strip(&headers)
        if !headers.contains(name: "date") {
            headers.add(name: "date", value: HTTPDate.format(now))
        }
        let status = Int(head.status.code)
        let cacheRequest = CacheRequest(method: "GET", headers: plan.clientHeaders)
        let settings = services.settings

        if let stale = plan.stale, let key = plan.cacheKey {
            if status == 304, Revalidation.notModifiedSelects(stored: stale.headers, notModified: headers) {
                services.stats.revalidations.wrappingAdd(1, ordering: .relaxed)
                let merged = Revalidation.freshen(stored: stale.headers, with: headers)
                let timing = StoredResponseTiming(requestTime: requestTime, responseTime: now)
                let storedHeaders = Self.headersToStore(merged, settings: settings.policy)
                let services = self.services
                var stored = services.cache.freshen(
                    key, secondaryKey: stale.secondaryKey, headers: storedHeaders, timing: timing, fetchEpoch: purgeEpoch,
                    prepare: { services.prepareForHits(&$0) }) != nil
                if !stored {
                    // Evicted or purged while being revalidated: the 304 still proves the body current.
                    var replacement = CachedResponse(status: stale.status, headers: storedHeaders, body: stale.body, timing: timing, secondaryKey: stale.secondaryKey)
                    services.prepareForHits(&replacement)
                    stored = services.cache.insert(replacement, for: key, fetchEpoch: purgeEpoch)
                }
                // This client gets every field of the 304 (a Set-Cookie was meant for it); later ones get the stored copy.
                let updated = CachedResponse(status: stale.status, headers: merged, body: stale.body, timing: timing, secondaryKey: stale.secondaryKey)
                leadership?.finish(stored ? .stored : .notStorable)
                discardingResponse = true
                let ttl = Self.remainingTTL(updated, now: now, settings: settings.policy)
                var cacheStatus = CacheStatus(fwd: .stale, fwdStatus: 304)
                cacheStatus.ttl = ttl
                client?.fetch(self, serveStored: updated, cacheStatus: cacheStatus)
                return
            }
            if status == 304 {
                // A 304 for another representation (RFC 9111 §4.3.4: it selects no stored response)
                // can neither freshen the entry nor be forwarded: the client did not ask conditionally.
                retryWithoutValidators = true
                discardingResponse = true
                return
            }
            if [500, 502, 503, 504].contains(status),
               LookupPolicy.staleIfErrorAllowed(
                   request: cacheRequest, responseHeaders: stale.headers, timing: stale.timing, now: now,
                   settings: settings.policy, graceSeconds: settings.graceSeconds, responseStatus: stale.status) {
                leadership?.finish(.failed)
                discardingResponse = true
                services.stats.staleServed.wrappingAdd(1, ordering: .relaxed)
                var cacheStatus = CacheStatus(fwd: .stale, fwdStatus: status)
                cacheStatus.hit = true
                cacheStatus.stale = true
                client?.fetch(self, serveStored: stale, cacheStatus: cacheStatus)
                return
            }
        }

        if !Self.isSafe(plan.head.method), (200..<400).contains(status) {
            Self.invalidate(after: plan.head, status: status, headers: headers, cache: services.cache)
        }

        var cacheStatus = CacheStatus(fwd: plan.forward, fwdStatus: status)
        if plan.storeAllowed, let key = plan.cacheKey, Self.mayStore(plan.head, status: status, headers: headers, cacheRequest: cacheRequest, settings: services.settings.policy) {
            let declaredLength = headers.first(name: "content-length").flatMap(Int.init)
            let storedHeaders = Self.headersToStore(headers, settings: settings.policy)
            let bodyLimit = services.cache.maxBodyBytes(storedWith: storedHeaders)
            if let declaredLength, declaredLength > bodyLimit {
                leadership?.finish(.notStorable)
            } else {
                let body = ByteBufferAllocator().buffer(capacity: min(declaredLength ?? 0, max(0, bodyLimit)))
                storing = (status, storedHeaders, body, now)
                storingBodyLimit = bodyLimit
                storingDeclaredLength = declaredLength
                cacheStatus.stored = true
                let timing = StoredResponseTiming(requestTime: requestTime, responseTime: now)
                let lifetime = Freshness.lifetime(status: status, headers: storedHeaders, settings: settings.policy, responseTime: now)
                let age = Freshness.currentAge(headers: storedHeaders, timing: timing, now: now)
                cacheStatus.ttl = Int((lifetime - age).rounded(.down))
                _ = key
            }
        } else {
            leadership?.finish(.notStorable)
            if client == nil {
                // A background fetch exists only to store: a response it may not store is not worth reading.
                abort()
                return
            }
        }
        client?.fetch(self, didReceiveHead: head.status, headers: headers, cacheStatus: cacheStatus)
    }

    func originResponseBody(_ buffer: ByteBuffer) {
        responseBytesReceived += buffer.readableBytes
        if storing != nil {
            var buffer = buffer
            storing!.body.writeBuffer(&buffer)
            if storing!.body.readableBytes > storingBodyLimit {
                storing = nil
                leadership?.finish(.notStorable)
                if client == nil {
                    abort()
                    return
                }
            } else if let storingDeclaredLength, storing!.body.readableBytes == storingDeclaredLength {
                // Store before the client gets the last bytes: a client that has read the whole
                // response and asks again at once must find it (the origin's end may come later).
                commitStored()
            }
        }
        if !discardingResponse {
            client?.fetch(self, didReceiveBody: buffer)
        }
    }

    func originResponseEnd() {
        if retryWithoutValidators {
            restartWithoutValidators()
            return
        }
        finished = true
        connection = nil
        attempts.finish()
        commitStored()
        leadership?.finish(.notStorable)
        if !discardingResponse {
            client?.fetchDidEnd(self)
        }
    }

    /// Sends the request again, unconditionally, to the same servers; the response is then handled
    /// like a miss (forwarded, and stored if allowed), so followers keep waiting for it.
    private func restartWithoutValidators() {
        retryWithoutValidators = false
        discardingResponse = false
        connection = nil
        for name in Revalidation.preconditionFieldNames {
            plan.head.headers.remove(name: name)
        }
        plan.stale = nil
        if !triedServers.isEmpty {
            triedServers.removeLast()
        }
        startAttempt()
    }

    private func commitStored() {
        guard let storing, let key = plan.cacheKey else { return }
        self.storing = nil
        let timing = StoredResponseTiming(requestTime: requestTime, responseTime: storing.responseTime)
        if let secondaryKey = SecondaryKey(vary: storing.headers, request: plan.clientHeaders) {
            var response = CachedResponse(status: storing.status, headers: storing.headers, body: storing.body, timing: timing, secondaryKey: secondaryKey)
            services.prepareForHits(&response)
            if services.cache.insert(response, for: key, fetchEpoch: purgeEpoch) {
                services.coalescer.markStored(key)
                leadership?.finish(.stored)
            }
        }
        leadership?.finish(.notStorable)
    }

    func originFailed(_ error: OriginError) {
        connection = nil
        if case .closedBeforeResponse(_, reused: true) = error, !retriedStaleConnection, !finished,
           Self.isIdempotent(plan.head.method), let resend = retainedBody {
            // An origin may close an idle keep-alive connection just as a request goes out on it: an
            // idempotent request is sent once more (RFC 9110 §9.2.2), its body too when it was kept.
            retriedStaleConnection = true
            for buffer in resend.reversed() {
                pendingBody.prepend(buffer)
                pendingBodyBytes += buffer.readableBytes
            }
            retainedBody = []
            bodyBytesSent = 0
            triedServers.removeLast()
            attempts.endAttempt(.none)
            startAttempt()
            return
        }
        attempts.endAttempt(attempts.evidence(error.passiveOutcome, body: requestBodySent, detail: error.description))
        if error.isConnectionFailure, retryOnAnotherServer() {
            return
        }
        fail(error)
    }

    /// How much of the request's body went to the server: a connection the origin closed while taking
    /// an upload is the upload's doing as far as anyone can tell.
    private var requestBodySent: PassiveEvidence.RequestBody {
        let head = plan.head
        let chunked = head.headers.contains(name: "transfer-encoding")
        let length = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
        guard chunked || length > 0 else { return .none }
        return requestEnded && pendingBody.isEmpty ? .complete : .partial
    }

    /// Sends the request to another server of the pool if `UpstreamAttempts` allows: nothing of the
    /// request body may have gone out, so a partly sent body is never sent twice.
    private func retryOnAnotherServer() -> Bool {
        guard !finished, attempts.mayRetry(method: plan.head.method, bodyResendable: bodyBytesSent == 0, excluding: triedServers) else {
            return false
        }
        connection?.abort()
        connection = nil
        services.logger.debug("retrying on another server", metadata: ["target": "\(plan.head.uri)", "after": "\(server.map { "\($0)" } ?? "-")"])
        startAttempt()
        return true
    }

    private func fail(_ error: OriginError) {
        guard !finished else { return }
        finished = true
        attempts.finish()
        storing = nil
        leadership?.finish(.failed)
        if let stale = plan.stale {
            let now = ProxyServices.now()
            let settings = services.settings
            // No response at all: the cache is disconnected, and RFC 9111 §4.2.4 lets it serve stale
            // unless the stored response forbids that.
            if LookupPolicy.staleIfErrorAllowed(
                request: CacheRequest(method: "GET", headers: plan.clientHeaders), responseHeaders: stale.headers,
                timing: stale.timing, now: now, settings: settings.policy, graceSeconds: settings.graceSeconds,
                responseStatus: stale.status, unreachableWindow: settings.staleIfUnreachableSeconds) {
                services.stats.staleServed.wrappingAdd(1, ordering: .relaxed)
                var cacheStatus = CacheStatus(fwd: .stale, fwdStatus: nil)
                cacheStatus.hit = true
                cacheStatus.stale = true
                cacheStatus.detail = "origin-unreachable"
                client?.fetch(self, serveStored: stale, cacheStatus: cacheStatus)
                return
            }
        }
        client?.fetch(self, didFail: error)
    }
}
