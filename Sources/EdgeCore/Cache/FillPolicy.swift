import NIOHTTP1

/// What becomes of an origin's response: the response side of caching, beside `LookupPolicy` on the
/// request side. Pure: every input is a value, so each rule is tested on its own.
public enum FillDecision: Sendable, Equatable {
    /// The 304 selects the stored response (RFC 9111 §4.3.4): the entry is freshened with `stored`
    /// (less the fields a shared cache may not keep); this client gets `forClient`, every field of the 304.
    case freshen(stored: HTTPHeaders, forClient: HTTPHeaders)
    /// A 304 that selects no stored response can neither freshen it nor be forwarded (the client did
    /// not ask conditionally): the request is sent again without validators.
    case retryUnconditionally
    /// The origin answered with an error and the stored response may stand in for it (stale-if-error,
    /// RFC 5861 §4, or `cache.grace`).
    case serveStale
    /// Stored as it streams, with these fields; `ttl` is its remaining freshness for Cache-Status.
    case store(fields: HTTPHeaders, ttl: Int)
    /// Forwarded; nothing is stored.
    case pass
}

/// The request an origin response answers, as the fill rules see it.
public struct FillRequest: Sendable {
    public var method: String
    /// The client's request fields (directives, the Vary secondary key).
    public var clientHeaders: HTTPHeaders
    public var host: String
    public var target: String
    /// The stored response being revalidated, if any.
    public var revalidating: CachedResponse?
    /// The request may fill the cache at all (a cacheable path, no request `no-store`).
    public var storeAllowed: Bool
    public var requestTime: EpochSeconds

    public init(method: String, clientHeaders: HTTPHeaders, host: String, target: String, revalidating: CachedResponse?,
                storeAllowed: Bool, requestTime: EpochSeconds) {
        self.method = method
        self.clientHeaders = clientHeaders
        self.host = host
        self.target = target
        self.revalidating = revalidating
        self.storeAllowed = storeAllowed
        self.requestTime = requestTime
    }

    var cacheRequest: CacheRequest { CacheRequest(method: "GET", headers: clientHeaders) }
}

public enum FillPolicy {
    /// Statuses after which a stored response may be served in place of the origin's (RFC 5861 §4).
    static let staleIfErrorStatuses: Set<Int> = [500, 502, 503, 504]

    /// See `FillDecision`. `headers` are the response's fields with hop-by-hop fields removed and a `Date`.
    public static func decide(status: Int, headers: HTTPHeaders, for request: FillRequest, now: EpochSeconds,
                              settings: CachePolicySettings, graceSeconds: Double) -> FillDecision {
        if let stale = request.revalidating {
            if status == 304 {
                guard Revalidation.notModifiedSelects(stored: stale.headers, notModified: headers) else { return .retryUnconditionally }
                let merged = Revalidation.freshen(stored: stale.headers, with: headers)
                return .freshen(stored: fieldsToStore(merged, settings: settings), forClient: merged)
            }
            if staleIfErrorStatuses.contains(status),
               LookupPolicy.staleIfErrorAllowed(
                   request: request.cacheRequest, responseHeaders: stale.headers, timing: stale.timing, now: now,
                   settings: settings, graceSeconds: graceSeconds, responseStatus: stale.status) {
                return .serveStale
            }
        }
        guard request.storeAllowed, mayStore(request, status: status, headers: headers, settings: settings) else { return .pass }
        let fields = fieldsToStore(headers, settings: settings)
        let timing = StoredResponseTiming(requestTime: request.requestTime, responseTime: now)
        let lifetime = Freshness.lifetime(status: status, headers: fields, settings: settings, responseTime: now)
        let age = Freshness.currentAge(headers: fields, timing: timing, now: now)
        return .store(fields: fields, ttl: Int((lifetime - age).rounded(.down)))
    }

    /// No response came at all: whether the stored response may be served, as a disconnected cache may
    /// (RFC 9111 §4.2.4) for up to `unreachableWindow` past its freshness, unless it forbids that.
    public static func serveStaleWhenUnreachable(_ stale: CachedResponse, for request: FillRequest, now: EpochSeconds,
                                                 settings: CachePolicySettings, graceSeconds: Double, unreachableWindow: Double) -> Bool {
        LookupPolicy.staleIfErrorAllowed(
            request: request.cacheRequest, responseHeaders: stale.headers, timing: stale.timing, now: now, settings: settings,
            graceSeconds: graceSeconds, responseStatus: stale.status, unreachableWindow: unreachableWindow)
    }

    /// What a successful unsafe request invalidates (RFC 9111 §4.4): its own URL and same-origin
    /// `Location` / `Content-Location`.
    public static func invalidations(for request: FillRequest, status: Int, headers: HTTPHeaders) -> [CacheKey] {
        guard !isSafe(request.method), (200..<400).contains(status) else { return [] }
        return Invalidation.targets(method: request.method, status: status, requestHost: request.host, requestTarget: request.target, responseHeaders: headers)
            .map { CacheKey(host: $0.host, target: $0.pathAndQuery) }
    }

    /// Storage rules (RFC 9111 §3); a POST response is stored for later GETs only as RFC 9110 §9.3.3 allows.
    static func mayStore(_ request: FillRequest, status: Int, headers: HTTPHeaders, settings: CachePolicySettings) -> Bool {
        if request.method == "POST" {
            guard StoragePolicy.postResponseMayBeStored(
                status: status, responseHeaders: headers, requestHost: request.host, requestTarget: request.target,
                settings: settings) else { return false }
        }
        return StoragePolicy.unstorableReason(request: request.cacheRequest, status: status, responseHeaders: headers, settings: settings) == nil
    }

    /// The fields a shared cache may keep: those named by `private="..."` must not be stored, and those
    /// named by `no-cache="..."` must not be reused without revalidation (RFC 9111 §5.2.2.4, §5.2.2.7),
    /// so neither goes into the stored copy (a `Set-Cookie` must not reach other clients).
    public static func fieldsToStore(_ headers: HTTPHeaders, settings: CachePolicySettings) -> HTTPHeaders {
        var stored = headers
        let names = StoragePolicy.fieldsToStripBeforeStoring(headers, settings: settings)
            + StoragePolicy.fieldsRequiringRevalidation(headers, settings: settings)
        for name in names {
            stored.remove(name: name)
        }
        return stored
    }

    /// Seconds of freshness left (negative when stale), for Cache-Status `ttl`.
    public static func remainingTTL(_ response: CachedResponse, now: EpochSeconds, settings: CachePolicySettings) -> Int {
        if let freshness = response.freshness(for: settings) {
            return freshness.remainingTTL(now: now)
        }
        let lifetime = Freshness.lifetime(status: response.status, headers: response.headers, settings: settings, responseTime: response.timing.responseTime)
        let age = Freshness.currentAge(headers: response.headers, timing: response.timing, now: now)
        return Int((lifetime - age).rounded(.down))
    }

    /// RFC 9110 §9.2.1.
    public static func isSafe(_ method: String) -> Bool {
        ["GET", "HEAD", "OPTIONS", "TRACE"].contains(method)
    }

    /// RFC 9110 §9.2.2: only these may be sent again automatically.
    public static func isIdempotent(_ method: String) -> Bool {
        ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(method)
    }
}
