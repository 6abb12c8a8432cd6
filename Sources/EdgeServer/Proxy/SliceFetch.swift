import EdgeCore
import NIOCore
import NIOHTTP1

/// The cache phases for a site with `slice_size` (nginx `slice`, Traffic Server `slice`): an object is
/// fetched and stored as aligned slices (`SliceRange`, `SliceStore`), never whole. The object's head
/// (its fields and freshness) is looked up first; a cold object is learnt from the slice that holds
/// the first byte asked for, so a seek into a large file costs the origin one slice. The client's
/// conditionals and range are then answered from the head, and the body is written slice by slice
/// (`SliceFetch+Body`): stored slices are read, missing ones fetched (one at a time per slice across
/// clients, through the coalescer), one slice ahead.
///
/// Every slice must come from the same representation as the head (`RepresentationValidator`): a slice
/// of another one drops the object's slices; nothing sent yet, the request starts again, otherwise its
/// connection is closed — a body is never mixed. An origin with no validator, or one that answers
/// what a slice cannot be made of, gets the ordinary path (`ProxyPhases.fetchWhole`).
final class SliceFetch {
    let phases: ProxyPhases
    let slices: SliceRange
    let key: CacheKey
    let store: SliceStore
    /// The object's head: status 200, its fields with the whole length; set before any body is written.
    var head: CachedResponse?
    var validator: RepresentationValidator?
    /// Whether slices may be stored (the head's response is storable and has a validator).
    var storable = false
    /// Where the writing of the body is (`SliceFetch+Body`).
    var body = SliceBodyState()
    /// A 200 whose body is being cut into slices (an origin that ignores `Range`).
    var cutter: SliceCutter?
    /// The request started again once already (a changed representation).
    private var restarted = false

    init(phases: ProxyPhases, slices: SliceRange, key: CacheKey) {
        self.phases = phases
        self.slices = slices
        self.key = key
        store = SliceStore(storage: phases.services.storage)
    }

    var request: ClientRequest { phases.request }
    var services: ProxyServices { phases.services }
    var headKey: CacheKey { slices.headKey(of: key) }

    /// 4. Lookup of the object's head, then the answer.
    func start() {
        guard let sink = phases.sink else { return }
        let directives = CacheControl(request.head.headers)
        if directives.noStore {
            phases.forward(phases.uncachedPlan(key: key, forward: .request))
            return
        }
        store.read(headKey, on: sink.eventLoop).assumeIsolated().whenComplete { [self] result in
            guard phases.isLive else { return }
            guard case .success(let stored?) = result, stored.status == 200,
                  let total = stored.headers.first(name: "content-length").flatMap(Int.init),
                  let validator = RepresentationValidator(stored.headers, total: total) else {
                // An object that could not be sliced (no validator, an error, empty) was stored whole
                // under its URL: the ordinary phases answer from it.
                if storedWhole {
                    phases.lookup(key, coalesce: true, collapsed: false)
                    return
                }
                if directives.onlyIfCached {
                    sink.respondError(request, status: .gatewayTimeout, message: "only-if-cached, and nothing usable is stored", close: false)
                    return
                }
                services.stats.misses.wrappingAdd(1, ordering: .relaxed)
                fetchFirst(revalidating: nil)
                return
            }
            let cacheRequest = CacheRequest(method: "GET", headers: request.head.headers)
            switch CacheLookup.decide(stored, request: cacheRequest, now: ProxyServices.now(), settings: services.settings.policy) {
            case .fresh(let status), .staleWhileRevalidate(let status):
                adopt(stored, validator: validator, storable: true)
                answerFromStore(status)
            case .revalidate, .unusable:
                fetchFirst(revalidating: stored)
            }
        }
    }

    /// Whether a tier holds a response under the URL's own key.
    private var storedWhole: Bool {
        if case .uriMiss = services.cache.lookup(key, requestHeaders: request.head.headers) {
            return services.storage.disk?.holds(key) ?? false
        }
        return true
    }

    /// The slice that holds the first byte asked for (slice 0 when that depends on the length).
    private var firstIndex: Int {
        ByteRange.lowestFirstByte(request.head.headers).map(slices.index(of:)) ?? 0
    }

    /// A fresh head: the first slice needed is looked up; `Cache-Status` is a hit when it is stored
    /// (later slices are fetched as the body goes, if need be), `fwd=partial` when it is not. A missing
    /// first slice is fetched before the head goes out, so that a changed representation can still
    /// start the request again.
    private func answerFromStore(_ hit: CacheStatus) {
        guard let sink = phases.sink, let head else { return }
        let answer = SliceAnswer.make(for: request, head: head, slices: slices)
        guard case .body(let plan) = answer, let index = plan.firstSlice else {
            services.stats.countHit(stale: false)
            respond(answer, cacheStatus: hit)
            return
        }
        obtainStored(index, on: sink.eventLoop).assumeIsolated().whenComplete { [self] result in
            guard phases.isLive else { return }
            if case .success(let bytes?) = result {
                services.stats.countHit(stale: false)
                body.inHand = (index, bytes)
                respond(.body(plan), cacheStatus: hit)
                return
            }
            services.stats.misses.wrappingAdd(1, ordering: .relaxed)
            fetchSlice(index, on: sink.eventLoop).assumeIsolated().whenComplete { [self] fetched in
                guard phases.isLive else { return }
                switch fetched {
                case .success(let bytes):
                    body.inHand = (index, bytes)
                    respond(.body(plan), cacheStatus: CacheStatus(fwd: .partial, fwdStatus: 206, ttl: hit.ttl))
                case .failure(SliceFailure.changed):
                    restart()
                case .failure:
                    sink.respondError(request, status: .badGateway, message: "the origin gave no usable slice", close: false)
                }
            }
        }
    }

    /// 6. The slice holding the first byte asked for, from the origin: it makes (or, with
    /// `revalidating`, confirms) the head. Its 206 goes out as it streams: the head as soon as the
    /// origin's head is here, the bytes as they arrive (`SliceBodyState.growing`).
    private func fetchFirst(revalidating stale: CachedResponse?) {
        let index = firstIndex
        let epochs = services.storage.epochs
        var streaming = false
        let exchange = fetch(index, validators: stale.map { Revalidation.validators(for: $0.headers) }) { [self] answer, requestTime in
            if streaming, case .partial(let fields, let range, let bytes) = answer {
                // Stored whether or not the client is still there (it may have had its bytes already).
                storeSlice(index, fields: fields, range: range, bytes: bytes, epochs: epochs)
                grown(index, bytes)
                return
            }
            guard phases.isLive else {
                if case .whole = answer { cutter?.stop() }
                return
            }
            switch answer {
            case .partial:
                // Only after a head `partialHead` turned away, which stopped the exchange.
                break
            case .failed where streaming:
                failGrowing()
            case .notModified(let fields):
                guard let stale, let total = stale.headers.first(name: "content-length").flatMap(Int.init),
                      let validator = RepresentationValidator(stale.headers, total: total) else {
                    phases.fetchWhole(key)
                    return
                }
                services.stats.revalidations.wrappingAdd(1, ordering: .relaxed)
                // RFC 9111 §4.3.4: the head takes the 304's fields; every slice shares its freshness.
                var freshened = stale
                freshened.headers = FillPolicy.fieldsToStore(Revalidation.freshen(stored: stale.headers, with: fields), settings: services.settings.policy)
                freshened.timing = StoredResponseTiming(requestTime: requestTime, responseTime: ProxyServices.now())
                adopt(freshened, validator: validator, storable: true)
                storeHead(freshened, epochs: epochs)
                answerFromStore(CacheStatus(fwd: .stale, fwdStatus: 304,
                                            ttl: FillPolicy.remainingTTL(freshened, now: ProxyServices.now(), settings: services.settings.policy)))
            case .whole(let fields, let length):
                guard let cutter, makeHead(fields, total: length, requestTime: requestTime) != nil else {
                    self.cutter?.stop()
                    self.cutter = nil
                    phases.fetchWhole(key)
                    return
                }
                if let stale, RepresentationValidator(stale.headers, total: length) != validator {
                    cutter.stop()
                    restart()
                    return
                }
                cutter.epochs = epochs
                if let head { storeHead(head, epochs: epochs) }
                answerFetched(stale == nil ? .uriMiss : .stale, status: 200)
            case .unsatisfiable where !request.head.headers.contains(name: "range"):
                // An empty object (no byte for slice 0): the ordinary path takes it.
                phases.fetchWhole(key)
            case .unsatisfiable(let fields):
                var headers = HTTPHeaders([("content-length", "0"), ("date", HTTPDate.format(ProxyServices.now()))])
                if let range = fields.first(name: "content-range") { headers.add(name: "content-range", value: range) }
                phases.sink?.respond(request, OutgoingHead(status: .rangeNotSatisfiable, headers: headers, source: .edge,
                                                           cacheStatus: CacheStatus(fwd: .uriMiss, fwdStatus: 416)), body: ByteBuffer())
            case .other:
                phases.fetchWhole(key)
            case .failed(let reason):
                phases.sink?.respondError(request, status: .badGateway, message: reason, close: false)
            }
        }
        exchange?.partialHead = { [self, weak exchange] fields, range in
            let requestTime = exchange?.requestTime ?? ProxyServices.now()
            guard phases.isLive, adoptFirst(index, fields: fields, range: range, requestTime: requestTime, stale: stale, epochs: epochs) else { return false }
            streaming = true
            body.growing = (index, ByteBufferAllocator().buffer(capacity: range.count))
            answerFetched(stale == nil ? .uriMiss : .stale, status: 206)
            return true
        }
        exchange?.partialBytes = { [self] piece in grow(piece) }
    }

    /// The head made from the first slice's 206; false when the request took another way (a slice
    /// not where it was asked for, no validator: the ordinary path; a changed representation under a
    /// stale head: a new start).
    private func adoptFirst(_ index: Int, fields: HTTPHeaders, range: ContentRange, requestTime: EpochSeconds, stale: CachedResponse?, epochs: FillEpochs) -> Bool {
        guard range.first == index * slices.size, range.count == slices.bytes(of: index, total: range.total)?.count,
              let made = makeHead(fields, total: range.total, requestTime: requestTime) else {
            phases.fetchWhole(key)
            return false
        }
        if let stale, RepresentationValidator(stale.headers, total: range.total) != validator {
            restart()
            return false
        }
        storeHead(made, epochs: epochs)
        return true
    }

    /// The head made from a slice's (or a 200's) fields; nil when slices of it cannot be trusted to
    /// match (no validator) — the ordinary path takes such an object. Sets `head`, `validator` and
    /// whether the slices may be stored.
    private func makeHead(_ fields: HTTPHeaders, total: Int, requestTime: EpochSeconds) -> CachedResponse? {
        let whole = PartialContent.wholeFields(fields, total: total)
        guard let validator = RepresentationValidator(whole, total: total) else { return nil }
        let now = ProxyServices.now()
        let fillRequest = FillRequest(method: "GET", clientHeaders: request.head.headers, host: key.host, target: key.pathAndQuery,
                                      revalidating: nil, storeAllowed: true, requestTime: requestTime)
        var stored = whole
        var storable = false
        var ttl: Int?
        if case .store(let kept, let remaining) = FillPolicy.decide(status: 200, headers: whole, for: fillRequest, now: now,
                                                                     settings: services.settings.policy, graceSeconds: services.settings.graceSeconds),
           SecondaryKey(vary: whole, request: [:])?.varyNames.allSatisfy({ $0 == "accept-encoding" }) == true {
            stored = kept
            storable = true
            ttl = remaining
        }
        let made = CachedResponse(status: 200, headers: stored, body: ByteBuffer(), timing: StoredResponseTiming(requestTime: requestTime, responseTime: now),
                                  secondaryKey: SecondaryKey(varyNames: [], values: []))
        adopt(made, validator: validator, storable: storable)
        body.ttl = ttl
        return made
    }

    func adopt(_ head: CachedResponse, validator: RepresentationValidator, storable: Bool) {
        self.head = head
        self.validator = validator
        self.storable = storable
    }

    private func answerFetched(_ reason: CacheStatus.Forward, status: Int) {
        guard let head else { return }
        respond(SliceAnswer.make(for: request, head: head, slices: slices),
                cacheStatus: CacheStatus(fwd: reason, fwdStatus: status, stored: storable, ttl: body.ttl))
    }

    /// The object's representation changed under a stored head: its slices go, and the request
    /// starts again (once) as if nothing were stored.
    func restart() {
        guard let sink = phases.sink else { return }
        store.drop(key, replacing: validator, slices: slices, cache: services.cache, on: sink.eventLoop).assumeIsolated().whenComplete { [self] _ in
            guard phases.isLive else { return }
            head = nil
            validator = nil
            body = SliceBodyState()
            guard !restarted else {
                sink.respondError(request, status: .badGateway, message: "the origin's representation changed while its slices were fetched", close: false)
                return
            }
            restarted = true
            fetchFirst(revalidating: nil)
        }
    }

    func storeHead(_ head: CachedResponse, epochs: FillEpochs) {
        guard storable else { return }
        store.put(head, for: headKey, epochs: epochs)
    }

    /// Stores one slice as the 206 it is (its `Content-Range` names its place).
    func storeSlice(_ index: Int, fields: HTTPHeaders, range: ContentRange, bytes: ByteBuffer, epochs: FillEpochs) {
        guard storable, let head else { return }
        var headers = HTTPHeaders()
        for name in ["etag", "last-modified", "content-type"] {
            if let value = head.headers.first(name: name) { headers.add(name: name, value: value) }
        }
        headers.add(name: "content-range", value: range.headerValue)
        headers.add(name: "content-length", value: String(range.count))
        let slice = CachedResponse(status: 206, headers: headers, body: bytes, timing: head.timing, secondaryKey: head.secondaryKey)
        store.put(slice, for: slices.key(index, of: key), epochs: epochs)
    }

    /// One slice-aligned request to the origin (`SliceExchange`); `done` gets its answer and the time it was sent.
    @discardableResult
    func fetch(_ index: Int, validators: HTTPHeaders?, done: @escaping (SliceExchange.Answer, EpochSeconds) -> Void) -> SliceExchange? {
        guard let site = request.site else { return nil }
        var head = phases.upstreamHead(cacheable: true, validators: validators)
        head.headers.replaceOrAdd(name: "range", value: slices.requestRange(index))
        // Slices are ranges of the identity body: a range of a coded one could not be combined with another's.
        head.headers.replaceOrAdd(name: "accept-encoding", value: "identity")
        services.stats.sliceFetches.wrappingAdd(1, ordering: .relaxed)
        services.fill.metrics.sliceFetches.increment()
        var exchange: SliceExchange?
        exchange = SliceExchange(head: head, slices: slices, pool: site.pool, connections: phases.loop.pool, services: services.fill,
                                 clientAddress: request.clientAddress) { [self] answer in
            if case .whole = answer, let exchange {
                cutter = SliceCutter(fetch: self, exchange: exchange)
            }
            done(answer, exchange?.requestTime ?? ProxyServices.now())
        }
        exchange?.start()
        return exchange
    }
}
