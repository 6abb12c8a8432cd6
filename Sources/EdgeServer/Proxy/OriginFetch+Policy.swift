import EdgeCore
import NIOHTTP1

/// The HTTP rules an origin fetch applies to what it sends and receives: which responses are
/// stored and with which fields, what an unsafe request invalidates, which methods may be retried.
extension OriginFetch {
    /// A successful unsafe request invalidates what it changed (RFC 9111 §4.4).
    static func invalidate(after head: HTTPRequestHead, status: Int, headers: HTTPHeaders, cache: HTTPCache) {
        let host = RequestFilter.requestHost(head) ?? ""
        for target in Invalidation.targets(method: head.method.rawValue, status: status, requestHost: host, requestTarget: head.uri, responseHeaders: headers) {
            cache.invalidate(CacheKey(host: target.host, target: target.pathAndQuery))
        }
    }

    /// Storage rules (RFC 9111 §3); a POST response is stored for later GETs only as RFC 9110 §9.3.3 allows.
    static func mayStore(_ head: HTTPRequestHead, status: Int, headers: HTTPHeaders, cacheRequest: CacheRequest, settings: CachePolicySettings) -> Bool {
        if head.method == .POST {
            guard StoragePolicy.postResponseMayBeStored(
                status: status, responseHeaders: headers, requestHost: RequestFilter.requestHost(head) ?? "",
                requestTarget: head.uri, settings: settings) else { return false }
        }
        return StoragePolicy.unstorableReason(request: cacheRequest, status: status, responseHeaders: headers, settings: settings) == nil
    }

    /// The fields a shared cache may keep: those named by `private="..."` must not be stored, and
    /// those named by `no-cache="..."` must not be reused without revalidation (RFC 9111 §5.2.2.4,
    /// §5.2.2.7), so neither goes into the stored copy (a `Set-Cookie` must not reach other clients).
    static func headersToStore(_ headers: HTTPHeaders, settings: CachePolicySettings) -> HTTPHeaders {
        var stored = headers
        let names = StoragePolicy.fieldsToStripBeforeStoring(headers, settings: settings)
            + StoragePolicy.fieldsRequiringRevalidation(headers, settings: settings)
        for name in names {
            stored.remove(name: name)
        }
        return stored
    }

    /// RFC 9110 §9.2.2: only these may be retried automatically.
    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE: return true
        default: return false
        }
    }

    static func isSafe(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .TRACE: return true
        default: return false
        }
    }

    static func remainingTTL(_ response: CachedResponse, now: EpochSeconds, settings: CachePolicySettings) -> Int {
        if let freshness = response.freshness(for: settings) {
            return freshness.remainingTTL(now: now)
        }
        let lifetime = Freshness.lifetime(status: response.status, headers: response.headers, settings: settings, responseTime: response.timing.responseTime)
        let age = Freshness.currentAge(headers: response.headers, timing: response.timing, now: now)
        return Int((lifetime - age).rounded(.down))
    }
}
