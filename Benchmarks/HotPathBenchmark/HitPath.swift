// The steps the server takes on a fresh hit, rebuilt from EdgeCore's public API. The server's own
// code (StoredResponseServer.swift, ResponseFilterChain.swift) is internal to EdgeServer; each step names
// what it mirrors so that the two can be kept in step.
import EdgeCore
import NIOCore
import NIOHTTP1

enum HitPath {
    /// A fresh hit found by the lookup phase.
    struct Hit {
        let stored: CachedResponse
        let cacheStatus: String
    }

    /// `ProxyPhases.lookup` on a fresh hit, up to `StoredResponseServer`: request directives, the lookup,
    /// the freshness decision, the Cache-Status value. nil when it is not a fresh hit.
    static func lookupPhase(_ cache: HTTPCache, key: CacheKey, requestHeaders: HTTPHeaders, now: EpochSeconds) -> Hit? {
        let cacheRequest = CacheRequest(method: "GET", headers: requestHeaders)
        let requestDirectives = CacheControl(requestHeaders)
        blackHole(requestDirectives.onlyIfCached)
        guard case .found(let stored) = cache.lookup(key, requestHeaders: requestHeaders),
              LookupPolicy.evaluate(request: cacheRequest, stored: stored, now: now, settings: Fixtures.policy).decision == .fresh
        else { return nil }
        let ttl = stored.freshness(for: Fixtures.policy)?.remainingTTL(now: now)
        return Hit(stored: stored, cacheStatus: CacheStatus.hit(ttl: ttl).headerValue)
    }

    /// `PreparedHit.choose`'s identity answer for an identity body and a request without Accept-Encoding,
    /// then `StoredResponseServer`'s check for conditionals and Range (`wantsWhole`, run twice).
    static func takesPlainHitPath(_ hit: Hit, requestHeaders: HTTPHeaders) -> Bool {
        guard hit.stored.encodings.negotiation == .from(.identity), hit.stored.preparedClientHeaders != nil,
              !requestHeaders.contains(name: "accept-encoding")
        else { return false }
        return wantsWholeStoredResponse(requestHeaders, status: hit.stored.status)
            && wantsWholeStoredResponse(requestHeaders, status: hit.stored.status)
    }

    /// `StoredResponseServer.wantsWhole` for a GET.
    static func wantsWholeStoredResponse(_ headers: HTTPHeaders, status: Int) -> Bool {
        for name in ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"] where headers.contains(name: name) {
            return false
        }
        return status != 200 || !headers.contains(name: "range")
    }

    /// `StoredResponseServer`'s prepared hit: the current age, then the response filter chain's stages 3 to 5 (the prepared
    /// fields plus Cache-Status and Age; no Connection: close on a keep-alive connection).
    static func hitFields(_ hit: Hit, now: EpochSeconds) -> HTTPHeaders {
        let age = hit.stored.freshness(for: Fixtures.policy)?.currentAge(now: now)
            ?? Freshness.currentAge(headers: hit.stored.headers, timing: hit.stored.timing, now: now)
        return hitFields(prepared: hit.stored.preparedClientHeaders ?? hit.stored.headers, cacheStatus: hit.cacheStatus, age: Int(max(0, age).rounded(.down)))
    }

    /// The response filter chain's stages 3 to 5 for a prepared hit on a keep-alive connection.
    static func hitFields(prepared: HTTPHeaders, cacheStatus: String, age: Int) -> HTTPHeaders {
        var headers = prepared
        headers.add(name: "cache-status", value: cacheStatus)
        headers.add(name: "age", value: String(age))
        return headers
    }
}
