import EdgeCore
import NIOCore
import NIOHTTP1

/// What a cache fill reports to the client connection that asked for it.
protocol CacheFillClient: AnyObject {
    func fill(_ fill: CacheFill, didReceiveInterim head: HTTPResponseHead)
    func fill(_ fill: CacheFill, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus)
    func fill(_ fill: CacheFill, didReceiveBody buffer: ByteBuffer)
    func fillDidEnd(_ fill: CacheFill)
    /// The origin's answer means the stored response should be served (after a 304, or stale on error);
    /// `body`: the stored body streams from its disk record (`response.body` is empty then).
    func fill(_ fill: CacheFill, serveStored response: CachedResponse, from body: DiskBody?, cacheStatus: CacheStatus)
    func fill(_ fill: CacheFill, didFail error: OriginError)
    func fillCanTakeMoreBody(_ fill: CacheFill)
    var canTakeResponseBody: Bool { get }
}

/// The cache half of a fetch (its transport half is `UpstreamExchange`): what `FillPolicy` decides
/// for the origin's response — freshen the stored entry after a 304, serve stale on an error, store
/// the response while it streams to the client, invalidate after an unsafe request — and the purge
/// epoch and coalescing leadership that go with it.
///
/// When the client goes away while a response is being stored, the fill finishes on its own so
/// that coalesced followers still get the stored object.
final class CacheFill: UpstreamExchangeDelegate {
    struct Plan {
        var head: HTTPRequestHead
        /// The client's request fields, for the Vary secondary key and storage rules.
        var clientHeaders: HTTPHeaders
        var cacheKey: CacheKey?
        /// A stored response being revalidated.
        var stale: CachedResponse?
        /// The stale response's body when it streams from its disk record (`stale.body` is empty then).
        var staleBody: DiskBody?
        /// Whether the response may go into the cache at all (cacheable path, no request no-store).
        var storeAllowed: Bool
        var forward: CacheStatus.Forward
        /// The client's conditionals were kept from the origin (cacheable GET/HEAD path): the edge answers them.
        var answersClientConditionals = false
        /// The site's slices, whose object heads an unsafe request's invalidation removes too.
        var slices: SliceRange?
    }

    weak var client: CacheFillClient?
    private(set) var plan: Plan
    let exchange: UpstreamExchange
    private let services: FillServices
    private var leadership: Leadership?
    /// The purge epochs when this fill began: a purge since then that covers the response wins.
    private let epochs: FillEpochs
    private var purgeEpoch: UInt64 { epochs.memory }
    /// The response on its way into memory; and the fill that takes its body as it streams: the disk
    /// tier's record, or, for a 206, its piece (`PartialFill`).
    private var memoryFill: MemoryFill?
    private var bodyFill: (any StorageFill)?
    private var discardingResponse = false
    /// The response's Content-Length, and how much of its body has arrived.
    private var responseLength: Int?
    private var responseBytesReceived = 0
    /// The origin's 304 did not select the stored response: ask again without validators once it ends.
    private var retryWithoutValidators = false
    private var finished = false

    var server: OriginServer? { exchange.server }

    /// `connections` are this event loop's pooled origin connections; `pool` is the site's origin pool.
    /// `route`: the cluster's peers to ask before the origin pool, for a miss another node may own.
    init(plan: Plan, services: FillServices, connections: OriginConnectionPool, pool: Router.Pool,
         leadership: Leadership?, clientAddress: String, route: OwnerFetch? = nil) {
        self.plan = plan
        self.services = services
        self.leadership = leadership
        self.epochs = services.storage.epochs
        self.exchange = UpstreamExchange(
            head: plan.head, pool: pool, balanceKey: plan.cacheKey?.description ?? plan.head.uri, clientAddress: clientAddress,
            connections: connections, stats: services.stats, metrics: services.metrics, logger: services.logger, route: route)
        exchange.delegate = self
    }

    func start() {
        exchange.start()
    }

    /// The client is gone: finish storing if a stored response is on its way, else stop.
    func detachClient() {
        client = nil
        if memoryFill != nil || bodyFill != nil, !discardingResponse {
            // Reads were paced by the client; now only the store is waiting (the disk's record is
            // given up if the disk falls far behind the origin: `DiskFill.maxQueuedBytes`).
            exchange.resumeReading()
        } else if let responseLength, responseBytesReceived >= responseLength {
            // The whole body is in: the origin's end is on its way and the connection goes back to the pool.
        } else {
            abort()
        }
    }

    func abort() {
        guard !finished else { return }
        finished = true
        abandonFills()
        leadership?.finish(.failed)
        exchange.abort()
    }

    // MARK: The exchange's reports

    /// While a response is being stored, followers wait for it: the origin is read at its own pace, and
    /// the client's share queues on its connection (at most `maxObjectBytes`, the most that is stored).
    var wantsMoreResponseBody: Bool {
        memoryFill != nil || (client?.canTakeResponseBody ?? true)
    }

    func exchangeCanTakeMoreBody(_ exchange: UpstreamExchange) {
        client?.fillCanTakeMoreBody(self)
    }

    func exchange(_ exchange: UpstreamExchange, interim head: HTTPResponseHead) {
        guard !discardingResponse else { return }
        client?.fill(self, didReceiveInterim: head)
    }

    func exchange(_ exchange: UpstreamExchange, head: HTTPResponseHead) {
        let now = ProxyServices.now()
        var headers = head.headers
        responseLength = headers.first(name: "content-length").flatMap(Int.init)
        responseBytesReceived = 0
        HopByHop.strip(&headers)
        if !headers.contains(name: "date") {
            headers.add(name: "date", value: HTTPDate.format(now))
        }
        let status = Int(head.status.code)
        let request = fillRequest
        let settings = services.settings
        for key in FillPolicy.invalidations(for: request, status: status, headers: headers) {
            invalidate(key)
        }
        var cacheStatus = CacheStatus(fwd: plan.forward, fwdStatus: status)
        switch FillPolicy.decide(status: status, headers: headers, for: request, now: now, settings: settings.policy, graceSeconds: settings.graceSeconds) {
        case .freshen(let stored, let forClient):
            freshen(stored: stored, forClient: forClient, now: now)
            return
        case .retryUnconditionally:
            retryWithoutValidators = true
            discardingResponse = true
            return
        case .serveStale:
            leadership?.finish(.failed)
            discardingResponse = true
            services.stats.staleServed.wrappingAdd(1, ordering: .relaxed)
            cacheStatus.hit = true
            cacheStatus.stale = true
            if let stale = plan.stale { client?.fill(self, serveStored: stale, from: plan.staleBody, cacheStatus: cacheStatus) }
            return
        case .store(let fields, let ttl):
            beginFills(status: status, headers: fields, responseTime: now)
            if memoryFill == nil {
                leadership?.finish(.notStorable)
            }
            if memoryFill != nil || bodyFill != nil {
                cacheStatus.stored = true
                cacheStatus.ttl = ttl
            }
        case .pass:
            leadership?.finish(.notStorable)
            if client == nil {
                // A background fetch exists only to store: a response it may not store is not worth reading.
                abort()
                return
            }
        }
        client?.fill(self, didReceiveHead: head.status, headers: headers, cacheStatus: cacheStatus)
    }

    /// The origin's 304 selected the stored response: the entry is freshened (or put back, if it went
    /// meanwhile) and the client is served from it.
    private func freshen(stored storedHeaders: HTTPHeaders, forClient merged: HTTPHeaders, now: EpochSeconds) {
        guard let stale = plan.stale, let key = plan.cacheKey else { return }
        services.stats.revalidations.wrappingAdd(1, ordering: .relaxed)
        let timing = StoredResponseTiming(requestTime: exchange.requestTime, responseTime: now)
        let replacement = CachedResponse(status: stale.status, headers: storedHeaders, body: stale.body, timing: timing, secondaryKey: stale.secondaryKey)
        let stored: Bool
        if let staleBody = plan.staleBody, let disk = services.storage.disk {
            // A body on disk stays there: the record is rewritten with the new fields around it.
            disk.freshen(replacement, body: staleBody, for: key, epoch: epochs.disk)
            stored = true
        } else {
            stored = services.storage.memory.freshen(replacement, for: key, epochs: epochs)
            if stored {
                services.storage.disk?.freshen(replacement, for: key, epochs: epochs)
            }
        }
        // This client gets every field of the 304 (a Set-Cookie was meant for it); later ones get the stored copy.
        let updated = CachedResponse(status: stale.status, headers: merged, body: stale.body, timing: timing, secondaryKey: stale.secondaryKey)
        leadership?.finish(stored ? .stored : .notStorable)
        discardingResponse = true
        var cacheStatus = CacheStatus(fwd: .stale, fwdStatus: 304)
        cacheStatus.ttl = FillPolicy.remainingTTL(updated, now: now, settings: services.settings.policy)
        client?.fill(self, serveStored: updated, from: plan.staleBody, cacheStatus: cacheStatus)
    }

    func exchange(_ exchange: UpstreamExchange, body buffer: ByteBuffer) {
        responseBytesReceived += buffer.readableBytes
        if let bodyFill, !bodyFill.write(buffer) {
            self.bodyFill = nil
        }
        if let memoryFill {
            if !memoryFill.write(buffer) {
                // Larger than memory takes (the disk's record, if any, goes on).
                self.memoryFill = nil
                leadership?.finish(.notStorable)
            } else if memoryFill.hasExpectedLength {
                // Store before the client gets the last bytes: a client that has read the whole
                // response and asks again at once must find it (the origin's end may come later).
                commitMemory()
            }
        }
        if client == nil, memoryFill == nil, bodyFill == nil, !discardingResponse {
            // Only storing kept this fetch going, and nothing will be stored.
            abort()
            return
        }
        if !discardingResponse {
            client?.fill(self, didReceiveBody: buffer)
        }
    }

    func exchangeDidEnd(_ exchange: UpstreamExchange) {
        if retryWithoutValidators {
            restartWithoutValidators()
            return
        }
        finished = true
        exchange.finish()
        commitMemory()
        finishBodyFill()
        leadership?.finish(.notStorable)
        if !discardingResponse {
            client?.fillDidEnd(self)
        }
    }

    /// Sends the request again, unconditionally, to the same servers; the response is then handled
    /// like a miss (forwarded, and stored if allowed), so followers keep waiting for it.
    private func restartWithoutValidators() {
        retryWithoutValidators = false
        discardingResponse = false
        for name in Revalidation.preconditionFieldNames {
            plan.head.headers.remove(name: name)
        }
        plan.stale = nil
        plan.staleBody = nil
        exchange.restart(with: plan.head)
    }

    /// Puts the response gathered in memory into the store: followers that waited for it look again.
    private func commitMemory() {
        guard let memoryFill, let key = plan.cacheKey else { return }
        self.memoryFill = nil
        if case .stored = memoryFill.finish() {
            services.coalescer.markStored(key)
            leadership?.finish(.stored)
        }
        leadership?.finish(.notStorable)
    }

    /// Offers the response to every tier: memory takes it if it fits (its body gathered, then stored
    /// whole); the disk tier writes its record as the body streams. A 206 becomes a stored piece.
    private func beginFills(status: Int, headers: HTTPHeaders, responseTime: EpochSeconds) {
        guard let key = plan.cacheKey, let secondaryKey = SecondaryKey(vary: headers, request: plan.clientHeaders) else { return }
        let expectedLength = headers.first(name: "content-length").flatMap(Int.init)
        let timing = StoredResponseTiming(requestTime: exchange.requestTime, responseTime: responseTime)
        let response = CachedResponse(status: status, headers: headers, body: ByteBuffer(), timing: timing, secondaryKey: secondaryKey)
        if status == 206 {
            // A piece of the representation, kept beside the URL's whole response (RFC 9111 §3.3).
            bodyFill = PartialFill(memory: services.storage.memory, key: key, response: response, epoch: epochs.memory)
            return
        }
        memoryFill = services.storage.memory.beginMemoryFill(response, for: key, expectedLength: expectedLength, epoch: epochs.memory)
        // The disk's record needs the body: an upstream HEAD has none.
        if plan.head.method == .GET {
            bodyFill = services.storage.disk?.beginFill(response, for: key, expectedLength: expectedLength, epochs: epochs)
        }
    }

    private func abandonFills() {
        memoryFill?.abandon()
        memoryFill = nil
        bodyFill?.abandon()
        bodyFill = nil
    }

    /// The origin's body has ended: the disk's record goes into place if it holds every byte announced.
    private func finishBodyFill() {
        guard let bodyFill else { return }
        self.bodyFill = nil
        if let responseLength, responseBytesReceived != responseLength {
            bodyFill.abandon()
        } else {
            _ = bodyFill.finish()
        }
    }

    func exchange(_ exchange: UpstreamExchange, failed error: OriginError) {
        guard !finished else { return }
        finished = true
        abandonFills()
        leadership?.finish(.failed)
        if let stale = plan.stale {
            let settings = services.settings
            if FillPolicy.serveStaleWhenUnreachable(
                stale, for: fillRequest, now: ProxyServices.now(), settings: settings.policy, graceSeconds: settings.graceSeconds,
                unreachableWindow: settings.staleIfUnreachableSeconds) {
                services.stats.staleServed.wrappingAdd(1, ordering: .relaxed)
                var cacheStatus = CacheStatus(fwd: .stale, fwdStatus: nil)
                cacheStatus.hit = true
                cacheStatus.stale = true
                cacheStatus.detail = "origin-unreachable"
                client?.fill(self, serveStored: stale, from: plan.staleBody, cacheStatus: cacheStatus)
                return
            }
        }
        client?.fill(self, didFail: error)
    }

    /// The request as `FillPolicy` sees it.
    /// RFC 9111 §4.4: what is stored for the URL goes, in memory and on disk, with its pieces: a stored
    /// 206, and a sliced object's head (its slices are then never read as the URL's again: the next
    /// head is fetched anew and slices of another representation are dropped by their validators).
    private func invalidate(_ key: CacheKey) {
        var keys = [key, key.partialPiece]
        if let slices = plan.slices {
            keys.append(slices.headKey(of: key))
        }
        for key in keys {
            services.cache.invalidate(key)
        }
        services.storage.disk?.forget(keys)
    }

    private var fillRequest: FillRequest {
        FillRequest(
            method: plan.head.method.rawValue, clientHeaders: plan.clientHeaders, host: RequestFilter.requestHost(plan.head) ?? "",
            target: plan.head.uri, revalidating: plan.stale, storeAllowed: plan.storeAllowed, requestTime: exchange.requestTime)
    }
}
