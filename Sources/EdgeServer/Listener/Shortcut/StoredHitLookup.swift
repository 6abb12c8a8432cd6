import EdgeCore
import NIOCore
import NIOHTTP1

/// The stored-hit shortcuts' one question, asked with what the full path asks it with (`Router.route`,
/// `CacheKey`, `HTTPCache.lookup`, `CacheLookup.decide`, `PreparedHit.choose`): does a fresh, whole stored
/// response with prepared fields answer this plain GET or HEAD? And when one did, the counters and the
/// logging phase as the full path keeps them for a hit.
///
/// Each entrance asks it from its own form of the request: `StoredHitShortcut` from the bytes of an
/// HTTP/1.1 head, `HTTP2StoredHitShortcut` from a decoded HEADERS frame. One per connection, on its
/// event loop: it remembers what a connection's requests repeat (the Host's route, the Accept-Encoding).
final class StoredHitLookup {
    /// What the shortcut sends: the prepared hit, its Cache-Status and this cache's Age.
    struct Hit {
        var prepared: PreparedHit
        var cacheStatus: CacheStatus
        var age: Int
        var now: EpochSeconds
    }

    /// The configuration generation of the request being answered (see `begin()`).
    private(set) var services: ProxyServices
    private let loopContext: LoopContext
    /// The client's address, for the access log.
    private(set) var clientAddress = "-"
    private var route: HostRoute?
    private var lastAcceptEncoding: AcceptEncodingMemo?

    /// What a Host value led to last time: connections rarely change it.
    private struct HostRoute {
        var hostBytes: [UInt8]
        var site: Site
        var keyHost: String
    }

    /// What the client's Accept-Encoding gives the shortcut: the negotiation's view of it and its Vary
    /// form. Browsers send the same value on every request, so both are worked out once per connection.
    private struct AcceptEncodingMemo {
        var bytes: [UInt8]
        var parsed: AcceptEncoding
        var varyValue: String?
    }

    init(loopContext: LoopContext) {
        self.services = loopContext.services
        self.loopContext = loopContext
    }

    /// Called as a request arrives: it is answered with the loop's current configuration generation.
    /// After a reload, what the connection remembered of the last one (the Host's route) is dropped.
    func begin() {
        let current = loopContext.services
        guard current !== services else { return }
        services = current
        route = nil
    }

    /// Called as the shortcut joins its connection's pipeline.
    func connected(_ channel: any Channel) {
        if let address = channel.remoteAddress?.ipAddress {
            clientAddress = address
        }
    }

    /// The loop's memo of HTTP/2 heads, for the HTTP/2 shortcut.
    var http2Heads: HTTP2HeadMemo { loopContext.http2Heads }

    /// Whether the access log is on, so that an entrance only reads the clock when it is.
    var logsRequests: Bool { loopContext.accessLog.log.isEnabled }

    /// The hit for a request to `host` and origin-form `target` (checked for dot segments and fragments
    /// by the caller's scan), or nil when the full path must answer it. `acceptEncoding` is the one
    /// Accept-Encoding value; `fieldValues` gives the values of any other field a stored response varies on.
    func find(host: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer, acceptEncoding: UnsafeRawBufferPointer?,
              fieldValues: (String) -> [String]) -> Hit? {
        guard let route = route(for: host) else { return nil }
        // A request that has come round again is refused by the full path's request filter (508).
        if let cluster = services.cluster, cluster.isLoop(values: fieldValues(CDNLoop.fieldName)) { return nil }
        // Pages of progressive sites get Early Hints, a tier and a rewrite: the full path's work.
        if route.site.progressive != nil, PageDelivery.looksLikePage(Self.path(of: target)) {
            return nil
        }
        let key = CacheKey(normalisedHost: route.keyHost, originFormTarget: target)
        func normalisedValue(_ name: String) -> String? {
            name == "accept-encoding"
                ? acceptEncodingMemo(acceptEncoding)?.varyValue
                : SecondaryKey.normalisedValue(of: name, lines: fieldValues(name))
        }
        let found = services.cache.lookup(key) { variants in
            variants.first { variant in
                variant.secondaryKey.varyNames.isEmpty || variant.secondaryKey.matches(normalisedValue: normalisedValue)
            }
        }
        let stored: CachedResponse
        switch found {
        case .found(let response):
            stored = services.storage.memory.current(response, for: key)
        case .uriMiss, .varyMiss:
            // A small record on disk whose bytes the page cache holds is answered here; anything else
            // is the full path's (which reads the disk off the loop).
            switch fromDisk(key, hasAcceptEncoding: acceptEncoding != nil, normalisedValue: normalisedValue) {
            case nil: return nil
            case .answered(let hit): return hit
            case .promoted(let response): stored = response
            }
        }
        let now = ProxyServices.now()
        let policy = services.settings.policy
        // The full path's lookup decision and whole-hit representation, answered from the prepared fields.
        guard HTTPResponseStatus.mayHaveBody(stored.status),
              case .fresh(let cacheStatus) = CacheLookup.decide(stored, request: Self.plainRequest, now: now, settings: policy),
              let hit = PreparedHit.choose(stored, accept: { acceptEncodingMemo(acceptEncoding)?.parsed }, site: route.site, compression: services.compression)
        else { return nil }
        return Hit(prepared: hit, cacheStatus: cacheStatus, age: CacheLookup.age(of: stored, now: now, settings: policy), now: now)
    }

    /// The request a lookup sees: the scans sent every request with directives down the full path.
    private static let plainRequest = CacheRequest(method: "GET", headers: HTTPHeaders())

    private func route(for host: UnsafeRawBufferPointer) -> HostRoute? {
        if let route, route.hostBytes.elementsEqual(host) { return route }
        let value = String(decoding: host, as: UTF8.self)
        guard RequestGuard.isValidHost(value), let found = services.router.route(host: value) else { return nil }
        let route = HostRoute(hostBytes: Array(host), site: found, keyHost: CacheKey.normaliseHost(value))
        self.route = route
        return route
    }

    private func acceptEncodingMemo(_ value: UnsafeRawBufferPointer?) -> AcceptEncodingMemo? {
        guard let value else { return nil }
        if let memo = lastAcceptEncoding, memo.bytes.elementsEqual(value) { return memo }
        let text = String(decoding: value, as: UTF8.self)
        let memo = AcceptEncodingMemo(
            bytes: Array(value), parsed: AcceptEncoding(fieldValues: [text]),
            varyValue: SecondaryKey.normalisedValue(of: "accept-encoding", lines: [text]))
        lastAcceptEncoding = memo
        return memo
    }

    private static func path(of target: UnsafeRawBufferPointer) -> String {
        let end = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        return String(decoding: UnsafeRawBufferPointer(rebasing: target[..<end]), as: UTF8.self)
    }

    /// The counters, and the logging phase, as the full path keeps them for a hit.
    func record(_ hit: Hit, entrance: ProxyStats.Entrance, bodyBytes: Int, entry: @autoclosure () -> AccessLog.Entry) {
        services.stats.requests.wrappingAdd(1, ordering: .relaxed)
        services.stats.countHit(stale: false, entrance: entrance)
        RequestLogging(stats: services.stats, metrics: services.trafficMetrics).finished(
            cacheStatus: hit.cacheStatus, bytesSent: bodyBytes, log: loopContext.accessLog, entry: entry())
    }
}
