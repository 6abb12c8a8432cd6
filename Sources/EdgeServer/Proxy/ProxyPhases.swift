import EdgeCore
import NIOCore
import NIOHTTP1

/// The life of one request through the edge, phase by phase, in the order they run (Pingora's
/// `ProxyHttp` is the model). Each phase is one call to one owner; `ProxyHandler` reads and writes
/// the bytes and runs `start()`.
///
///  1. request filter    `RequestGuard` (limits, framing, smuggling defences), `TargetPath` (dot segments)
///  2. route             `Router` → `Site` (pool, progressive and compression settings); PURGE here
///  3. cache key         `CacheKey` (primary); the Vary secondary key is the cache's, at lookup and fill
///  4. cache lookup      each `CacheStorage` tier in turn (`MemoryStorage`, then `DiskStore` for a URL
///                       memory has nothing of), then `CacheLookup.decide` (fresh, stale-while-revalidate, revalidate)
///  5. hit               `StoredResponseServer` (coding, conditionals, ranges); `PartialHit` (a stored 206 piece)
///  4–6 for a site with `slice_size`: `SliceFetch` (the object's head, then its slices)
///  6. miss              `RequestCoalescer` → `CacheFill` → `UpstreamExchange` (upstream peer by `PoolBalancer`,
///                       upstream request filter `RequestFilter`, pooled connection, retries)
///                       → `FillPolicy` (store in each tier's `StorageFill`, freshen, stale on error, invalidate)
///                       → the client (`ProxyPhases+Fill`)
///  7. response filter   `ResponseFilterChain` in `ProxyHandler.writeHead`, for every response
///  8. logging           `RequestLogging` in `ProxyHandler.writeEnd`, for every response
final class ProxyPhases {
    let request: ClientRequest
    let services: ProxyServices
    let loop: LoopContext
    let connection: ClientConnection
    weak var sink: ResponseSink?
    /// Set when the request is over or its connection went away: late callbacks then do nothing.
    var detached = false
    /// A client of the fill other than these phases (`PartialCompletion`), held while the request lives.
    private var otherFillClient: CacheFillClient?

    init(request: ClientRequest, sink: ResponseSink, services: ProxyServices, loop: LoopContext, connection: ClientConnection) {
        self.request = request
        self.sink = sink
        self.services = services
        self.loop = loop
        self.connection = connection
    }

    /// Phases 1 to 4, then 5 or 6.
    func start() {
        guard let sink else { return }
        // 1. Request filter.
        if let rejection = RequestGuard.check(request.head, limits: services.settings.limits) {
            request.discardBody = true
            sink.respondError(request, status: rejection.status, message: rejection.reason, close: true)
            return
        }
        if case .resolved(let target) = TargetPath.resolve(request.head.uri) {
            request.resolveTarget(target)
        }
        if let cluster = services.cluster {
            if ClusterHealth.answer(request, sink: sink) { return }
            if cluster.isLoop(request.head.headers) {
                // RFC 8586: the request has come round again; refused before anything (a stored copy
                // included) answers it, so that the loop shows at once.
                cluster.stats.loopsRefused.add()
                request.discardBody = true
                sink.respondError(request, status: .loopDetected, message: "CDN-Loop names \(cluster.identity) already: the request has come round again", close: false)
                return
            }
            request.fromPeer = cluster.isPeerRequest(request.head.headers, clientAddress: request.clientAddress)
        }
        // 2. Route.
        let host = RequestFilter.requestHost(request.head)
        guard let site = services.router.route(host: host) else {
            request.discardBody = true
            sink.respondError(request, status: .misdirectedRequest, message: "no site is configured for host \(host ?? "(none)")", close: false)
            return
        }
        request.site = site
        // A peer's copy is the page as stored; the node its client asked rewrites it.
        request.page = request.fromPeer ? nil : PageDelivery.start(for: request, site: site, flags: services.flags, sink: sink)
        if request.head.method == .PURGE {
            request.discardBody = true
            TrafficPurge(request: request, sink: sink, purge: services.purge, allow: services.purgeAllow, logger: services.logger).run(host: host ?? "", stillWaiting: { [weak self] in self?.isLive ?? false })
            return
        }
        if request.clientVersion != .http1_0, request.head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            sink.writeInterim(HTTPResponseHead(version: request.head.version, status: .continue), for: request)
        }
        // 3. Cache key.
        let key = CacheKey(host: host ?? "", target: request.head.uri)
        request.cacheKey = key
        guard Self.isCacheable(request.head) else {
            forward(CacheFill.Plan(head: upstreamHead(cacheable: false, validators: nil), clientHeaders: request.head.headers, cacheKey: key,
                                   stale: nil, storeAllowed: request.head.method == .POST, forward: .bypass, slices: request.site?.slices))
            return
        }
        if let slices = site.slices {
            // 4–6 for a site whose objects are stored as slices.
            SliceFetch(phases: self, slices: slices, key: key).start()
            return
        }
        lookup(key, coalesce: true, collapsed: false)
    }

    /// 4. Cache lookup: serve a usable stored response (5), or go to the origin (6). The tiers in
    /// order (`StorageTiers`: memory, then disk): a whole response a lower tier holds is promoted into
    /// memory (whose admission decides whether it stays) and served from there; one whose body streams
    /// from its file is served from the file.
    /// `varied`: a tier above holds other variants of the URL (a miss then says `vary-miss`).
    func lookup(_ key: CacheKey, coalesce: Bool, collapsed: Bool, fromTier first: Int = 0, varied: Bool = false) {
        let tiers = services.storage.all
        guard let sink, first < tiers.count else {
            missed(key, reason: varied ? .varyMiss : .uriMiss, coalesce: coalesce)
            return
        }
        switch tiers[first].lookup(key, requestHeaders: request.head.headers, on: sink.eventLoop) {
        case .hit(let hit):
            found(hit, key: key, tier: first, purgeEpoch: nil, coalesce: coalesce, collapsed: collapsed, varied: varied)
        case .miss:
            lookup(key, coalesce: coalesce, collapsed: collapsed, fromTier: first + 1, varied: varied)
        case .varyMiss:
            // A tier below may hold this request's variant (memory keeps the popular ones, disk all).
            lookup(key, coalesce: coalesce, collapsed: collapsed, fromTier: first + 1, varied: true)
        case .later(let answer):
            // A purge while the tier is being read wins, as it does against a fill.
            let epoch = services.cache.purgeIndex.currentEpoch
            answer.assumeIsolated().whenComplete { [weak self] result in
                guard let self, self.isLive else { return }
                if case .success(let hit?) = result {
                    self.found(hit, key: key, tier: first, purgeEpoch: epoch, coalesce: coalesce, collapsed: collapsed, varied: varied)
                } else {
                    self.lookup(key, coalesce: coalesce, collapsed: collapsed, fromTier: first + 1, varied: varied)
                }
            }
        }
    }

    /// What tier `tier` found; from below memory, checked first against this request's Vary fields
    /// and the purges since `purgeEpoch`.
    private func found(_ hit: StorageHit, key: CacheKey, tier: Int, purgeEpoch: UInt64?, coalesce: Bool, collapsed: Bool, varied: Bool) {
        switch hit {
        case .whole(let response) where tier == 0:
            use(response, key: key, coalesce: coalesce, collapsed: collapsed)
        case .whole(let response) where usable(response, key: key, purgeEpoch: purgeEpoch ?? 0):
            let promoted = services.storage.memory.promote(response, for: key, epoch: purgeEpoch ?? 0)
            use(promoted, key: key, coalesce: coalesce, collapsed: collapsed)
        case .streamed(let response, let body) where usable(response, key: key, purgeEpoch: purgeEpoch ?? 0):
            useStreamed(response, body: body, key: key, coalesce: coalesce, collapsed: collapsed)
        default:
            lookup(key, coalesce: coalesce, collapsed: collapsed, fromTier: tier + 1, varied: varied)
        }
    }

    /// A disk record answers this request unless its Vary key does not match or a purge came while it was read.
    private func usable(_ response: CachedResponse, key: CacheKey, purgeEpoch: UInt64) -> Bool {
        response.secondaryKey.matches(request.head.headers)
            && !services.cache.purgeIndex.purgedSince(purgeEpoch, key: key, tags: PurgeTags.parse(response.headers))
    }

    /// A record whose body streams from disk: served while fresh (or within stale-while-revalidate),
    /// revalidated when stale (a 304 rewrites the record's fields around the body it keeps).
    private func useStreamed(_ stored: CachedResponse, body: DiskBody, key: CacheKey, coalesce: Bool, collapsed: Bool) {
        let cacheRequest = CacheRequest(method: "GET", headers: request.head.headers)
        let now = ProxyServices.now()
        let cacheStatus: CacheStatus
        switch CacheLookup.decide(stored, request: cacheRequest, now: now, settings: services.settings.policy, collapsed: collapsed) {
        case .fresh(let status):
            services.stats.countHit(stale: false)
            cacheStatus = status
        case .staleWhileRevalidate(let status):
            services.stats.countHit(stale: true)
            cacheStatus = status
            revalidateInBackground(key, stale: stored, staleBody: body)
        case .revalidate:
            let directives = CacheControl(request.head.headers)
            if directives.onlyIfCached {
                sink?.respondError(request, status: .gatewayTimeout, message: "only-if-cached, and the stored response is stale", close: false)
                return
            }
            miss(key, stale: stored, staleBody: body, storeAllowed: !directives.noStore, forward: .stale, coalesce: coalesce)
            return
        case .unusable:
            missed(key, reason: .request, coalesce: coalesce)
            return
        }
        serveStreamed(stored, body: body, cacheStatus: cacheStatus)
    }

    /// 5. Hit, for a body that streams from its disk record.
    func serveStreamed(_ stored: CachedResponse, body: DiskBody, cacheStatus: CacheStatus) {
        guard let sink, let disk = services.disk else { return }
        let age = CacheLookup.age(of: stored, now: ProxyServices.now(), settings: services.settings.policy)
        StoredBodyStream(request: request, sink: sink, disk: disk, body: body).serve(stored, cacheStatus: cacheStatus, age: age)
    }

    /// A stored response was found: serve it (5), serve it and revalidate it, or revalidate it first (6).
    private func use(_ stored: CachedResponse, key: CacheKey, coalesce: Bool, collapsed: Bool) {
        guard let sink else { return }
        let cacheRequest = CacheRequest(method: "GET", headers: request.head.headers)
        switch CacheLookup.decide(stored, request: cacheRequest, now: ProxyServices.now(), settings: services.settings.policy, collapsed: collapsed) {
        case .fresh(let status):
            services.stats.countHit(stale: false)
            serve(stored, status)
        case .staleWhileRevalidate(let status):
            services.stats.countHit(stale: true)
            serve(stored, status)
            revalidateInBackground(key, stale: stored)
        case .revalidate:
            let directives = CacheControl(request.head.headers)
            if directives.onlyIfCached {
                sink.respondError(request, status: .gatewayTimeout, message: "only-if-cached, and the stored response is stale", close: false)
                return
            }
            miss(key, stale: stored, storeAllowed: !directives.noStore, forward: .stale, coalesce: coalesce)
        case .unusable:
            missed(key, reason: .request, coalesce: coalesce)
        }
    }

    /// Nothing stored serves this request: to the origin, unless the request forbids that.
    private func missed(_ key: CacheKey, reason: CacheStatus.Forward, coalesce: Bool) {
        guard let sink else { return }
        let directives = CacheControl(request.head.headers)
        if directives.onlyIfCached {
            sink.respondError(request, status: .gatewayTimeout, message: "only-if-cached, and nothing usable is stored", close: false)
            return
        }
        if !directives.noStore, storedPieceAnswers(key, sink: sink) { return }
        services.stats.misses.wrappingAdd(1, ordering: .relaxed)
        if directives.noStore {
            // `no-store` in a request forbids storing its response: the request passes through as it is.
            forward(uncachedPlan(key: key, forward: reason))
            return
        }
        // A Range miss fetches the whole object so that it can be stored; the client's range is cut from
        // it as it streams past (`ProxyPhases+Fill`).
        miss(key, stale: nil, storeAllowed: true, forward: reason, coalesce: coalesce)
    }

    /// A stored piece of the representation (a 206 kept, RFC 9111 §3.3) answers a range it covers,
    /// or with the missing bytes from the origin completes a request for the whole.
    private func storedPieceAnswers(_ key: CacheKey, sink: ResponseSink) -> Bool {
        let partial = PartialHit(request: request, sink: sink, memory: services.storage.memory, policy: services.settings.policy)
        if partial.serve(key) {
            services.stats.countHit(stale: false)
            return true
        }
        guard !request.head.headers.contains(name: "range"), request.head.method == .GET, request.isPlainlyUnconditional,
              let (stored, piece, _) = partial.piece(for: key),
              let fields = PartialCompletion.requestFields(for: stored, piece: piece) else { return false }
        services.stats.misses.wrappingAdd(1, ordering: .relaxed)
        let plan = CacheFill.Plan(head: upstreamHead(cacheable: true, validators: fields), clientHeaders: request.head.headers, cacheKey: key,
                                  stale: nil, storeAllowed: true, forward: .partial)
        forward(plan, client: PartialCompletion(phases: self, stored: stored, piece: piece, key: key))
        return true
    }

    /// The whole representation from the origin, as any miss gets it (a stored piece could not be completed).
    func fetchWhole(_ key: CacheKey) {
        miss(key, stale: nil, storeAllowed: true, forward: .miss, coalesce: false)
    }

    /// 5. Hit.
    func serve(_ stored: CachedResponse, _ cacheStatus: CacheStatus) {
        guard let sink else { return }
        StoredResponseServer(request: request, sink: sink, cache: services.cache, compression: services.compression, policy: services.settings.policy, stillWaiting: { [weak self] in
            guard let self else { return false }
            return self.isLive && !self.request.responseStarted
        }).serve(stored, cacheStatus: cacheStatus)
    }

    /// 6. Miss: identical misses collapse into one fill; the others wait for it and look again.
    private func miss(_ key: CacheKey, stale: CachedResponse?, staleBody: DiskBody? = nil, storeAllowed: Bool, forward: CacheStatus.Forward, coalesce: Bool) {
        let plan = CacheFill.Plan(
            head: upstreamHead(cacheable: true, validators: stale.map { Revalidation.validators(for: $0.headers) }),
            clientHeaders: request.head.headers, cacheKey: key, stale: stale, staleBody: staleBody, storeAllowed: storeAllowed, forward: forward,
            answersClientConditionals: true)
        guard coalesce, let sink else {
            self.forward(plan)
            return
        }
        switch services.coalescer.join(key, on: sink.eventLoop) {
        case .leader(let leadership):
            // A fill for this key may have stored its response between our lookup and our join.
            if case .found(let current) = services.cache.lookup(key, requestHeaders: request.head.headers), current.timing != stale?.timing {
                leadership.finish(.stored)
                lookup(key, coalesce: false, collapsed: true)
                return
            }
            self.forward(plan, leadership: leadership)
        case .follower(let outcome):
            services.stats.coalesced.wrappingAdd(1, ordering: .relaxed)
            waitForLeader(key, outcome: outcome, plan: plan)
        case .bypass:
            self.forward(plan)
        }
    }

    /// A follower waits for the leader's fill, then looks again; it never waits longer than an origin
    /// fetch of its own could take, so a stuck leader cannot hold it.
    func waitForLeader(_ key: CacheKey, outcome: EventLoopFuture<RequestCoalescer.Outcome>, plan: CacheFill.Plan) {
        guard let sink else { return }
        var resumed = false
        let policy = request.site?.pool.policy ?? UpstreamPolicy()
        let timer = sink.eventLoop.assumeIsolated().scheduleTask(in: policy.connectTimeout + policy.firstByteTimeout) { [weak self] in
            guard !resumed, let self, self.isLive else { return }
            resumed = true
            self.forward(plan)
        }
        outcome.assumeIsolated().whenComplete { [weak self] result in
            timer.cancel()
            guard !resumed, let self, self.isLive else { return }
            resumed = true
            if case .success(.stored) = result {
                self.lookup(key, coalesce: false, collapsed: true)
            } else {
                self.forward(plan)
            }
        }
    }

    /// stale-while-revalidate: one background fill per key refreshes the entry; clients don't wait for it.
    private func revalidateInBackground(_ key: CacheKey, stale: CachedResponse, staleBody: DiskBody? = nil) {
        // Degraded mode (or an operator) defers background revalidation: the stale copy is served meanwhile.
        guard services.flags.isEnabled(.backgroundRevalidation), services.cluster?.isLoop(request.head.headers) != true, let sink, let site = request.site,
              case .leader(let leadership) = services.coalescer.join(key, on: sink.eventLoop) else { return }
        // Another revalidation may have freshened the entry between our lookup and our join.
        if case .found(let current) = services.cache.lookup(key, requestHeaders: request.head.headers), current.timing != stale.timing {
            leadership.finish(.stored)
            return
        }
        let plan = CacheFill.Plan(
            head: upstreamHead(cacheable: true, validators: Revalidation.validators(for: stale.headers)),
            clientHeaders: request.head.headers, cacheKey: key, stale: stale, staleBody: staleBody, storeAllowed: true, forward: .stale)
        let fill = CacheFill(plan: plan, services: services.fill, connections: loop.pool, pool: site.pool, leadership: leadership,
                             clientAddress: request.clientAddress, route: ownerRoute(plan, origin: site.pool))
        fill.start()
        fill.exchange.sendEnd()
    }

    /// Sends the client's request to the origin as it is (Range and conditionals included), storing nothing.
    func uncachedPlan(key: CacheKey, forward: CacheStatus.Forward) -> CacheFill.Plan {
        CacheFill.Plan(head: upstreamHead(cacheable: false, validators: nil), clientHeaders: request.head.headers,
                       cacheKey: key, stale: nil, storeAllowed: false, forward: forward)
    }

    /// Starts the fill whose response this request gets.
    /// `client`: who takes the response (these phases unless given).
    func forward(_ plan: CacheFill.Plan, leadership: Leadership? = nil, client: CacheFillClient? = nil) {
        guard let site = request.site else { return }
        let fill = CacheFill(plan: plan, services: services.fill, connections: loop.pool, pool: site.pool, leadership: leadership,
                             clientAddress: request.clientAddress, route: ownerRoute(plan, origin: site.pool))
        otherFillClient = client
        fill.client = client ?? self
        request.fill = fill
        fill.start()
        if request.requestEnded {
            fill.exchange.sendEnd()
        }
    }

    /// The upstream request filter: the request the origin sees.
    func upstreamHead(cacheable: Bool, validators: HTTPHeaders?) -> HTTPRequestHead {
        var head = RequestFilter.upstreamHead(
            from: request.head, clientAddress: request.clientAddress, cacheable: cacheable,
            validators: validators, viaPseudonym: services.settings.viaPseudonym, connection: connection)
        services.cluster?.markUpstream(&head)
        return head
    }

    /// A miss that will be stored may come from the node that owns its key (`[cluster]`).
    private func ownerRoute(_ plan: CacheFill.Plan, origin: Router.Pool) -> OwnerFetch? {
        guard let cluster = services.cluster, let key = plan.cacheKey, plan.storeAllowed, plan.forward != .bypass,
              plan.head.method == .GET else { return nil }
        return cluster.route(for: key, head: plan.head, origin: origin, fromPeer: request.fromPeer, purgeIndex: services.cache.purgeIndex)
    }

    /// GET and HEAD without a request body go through the cache; everything else is forwarded.
    static func isCacheable(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .GET || head.method == .HEAD else { return false }
        // If-Match and If-Unmodified-Since are for the origin (RFC 9111 §4.3.2): such requests pass through.
        if head.headers.contains(name: "if-match") || head.headers.contains(name: "if-unmodified-since") { return false }
        if head.headers.contains(name: "transfer-encoding") { return false }
        if let length = head.headers.first(name: "content-length"), length != "0" { return false }
        return true
    }

    /// The request still waits on this connection.
    var isLive: Bool { !detached && sink != nil }
}
