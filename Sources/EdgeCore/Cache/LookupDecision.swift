import NIOHTTP1

/// What to do with a stored response for a given request (RFC 9111 §4, §4.2.4, §5.2.1; RFC 5861).
public enum LookupDecision: Sendable, Equatable {
    /// Serve it.
    case fresh
    /// Serve it (stale, but allowed by stale-while-revalidate or the request's max-stale) and
    /// revalidate in the background.
    case staleWhileRevalidate
    /// Stale, or validation required (no-cache): send a conditional request. If the origin fails,
    /// ask `LookupPolicy.staleIfErrorAllowed`.
    case mustRevalidate
    /// Don't use the stored response: forward the request (method not servable from cache, or request no-store).
    case unusable
}

/// A lookup decision with the numbers behind it (for `Age`, Cache-Status `ttl`, logs).
public struct LookupEvaluation: Sendable, Equatable {
    public var decision: LookupDecision
    /// §4.2.3 current_age, seconds.
    public var age: Double
    /// §4.2.1 freshness lifetime, seconds.
    public var lifetime: Double
    /// Remaining freshness (negative when stale): `lifetime - age`.
    public var ttl: Double { lifetime - age }
    public var isStale: Bool { age >= lifetime }
}

/// Decides whether and how a stored response may satisfy a request.
public enum LookupPolicy {
    /// See `LookupDecision`.
    public static func decide(
        request: CacheRequest,
        responseStatus: Int,
        responseHeaders: HTTPHeaders,
        timing: StoredResponseTiming,
        now: EpochSeconds,
        settings: CachePolicySettings
    ) -> LookupDecision {
        evaluate(
            request: request, responseStatus: responseStatus, responseHeaders: responseHeaders,
            timing: timing, now: now, settings: settings
        ).decision
    }

    /// `decide`, plus the age and lifetime it used.
    public static func evaluate(
        request: CacheRequest,
        responseStatus: Int,
        responseHeaders: HTTPHeaders,
        timing: StoredResponseTiming,
        now: EpochSeconds,
        settings: CachePolicySettings
    ) -> LookupEvaluation {
        let age = Freshness.currentAge(headers: responseHeaders, timing: timing, now: now)
        let lifetime = Freshness.lifetime(
            status: responseStatus, headers: responseHeaders, settings: settings, responseTime: timing.responseTime)
        var result = LookupEvaluation(decision: .mustRevalidate, age: age, lifetime: lifetime)
        result.decision = decision(
            request: request, responseHeaders: responseHeaders, age: age, lifetime: lifetime, settings: settings)
        return result
    }

    /// `evaluate` for a stored response, using the freshness it was prepared with (no header parsing)
    /// when that was made for `settings`; the result is the same either way.
    public static func evaluate(
        request: CacheRequest,
        stored: CachedResponse,
        now: EpochSeconds,
        settings: CachePolicySettings
    ) -> LookupEvaluation {
        guard let info = stored.freshness(for: settings) else {
            return evaluate(
                request: request, responseStatus: stored.status, responseHeaders: stored.headers,
                timing: stored.timing, now: now, settings: settings)
        }
        let age = info.currentAge(now: now)
        var result = LookupEvaluation(decision: .mustRevalidate, age: age, lifetime: info.lifetime)
        result.decision = decision(
            request: request, age: age, lifetime: info.lifetime, noCache: info.noCache,
            forbidsStale: info.forbidsStale, staleWhileRevalidate: info.staleWhileRevalidate)
        return result
    }

    private static func decision(
        request: CacheRequest,
        responseHeaders: HTTPHeaders,
        age: Double,
        lifetime: Double,
        settings: CachePolicySettings
    ) -> LookupDecision {
        let responseDirectives = CacheControl.effective(for: responseHeaders, settings: settings)
        return decision(
            request: request, age: age, lifetime: lifetime, noCache: responseDirectives.noCache,
            forbidsStale: forbidsStale(responseDirectives), staleWhileRevalidate: responseDirectives.staleWhileRevalidate)
    }

    private static func decision(
        request: CacheRequest,
        age: Double,
        lifetime: Double,
        noCache: Bool,
        forbidsStale: Bool,
        staleWhileRevalidate: Int?
    ) -> LookupDecision {
        // Compared case-insensitively as always; the usual spellings skip the uppercasing.
        let method = request.method == "GET" || request.method == "HEAD" ? request.method : request.method.uppercased()
        guard method == "GET" || method == "HEAD" else { return .unusable }
        let requestDirectives = request.cacheControl
        if requestDirectives.noStore { return .unusable }
        if noCache || requestDirectives.noCache { return .mustRevalidate }
        if let maxAge = requestDirectives.maxAge, maxAge == 0 || age > Double(maxAge) { return .mustRevalidate }
        if lifetime > age {
            if let minFresh = requestDirectives.minFresh, lifetime - age < Double(minFresh) { return .mustRevalidate }
            return .fresh
        }
        guard !forbidsStale, requestDirectives.minFresh == nil else { return .mustRevalidate }
        let staleness = age - lifetime
        switch requestDirectives.maxStale {
        case .any: return .staleWhileRevalidate
        case .seconds(let limit) where staleness <= Double(limit): return .staleWhileRevalidate
        default: break
        }
        if let window = staleWhileRevalidate, staleness <= Double(window) {
            return .staleWhileRevalidate
        }
        return .mustRevalidate
    }

    /// May a stale response be served because the origin failed (error, or 500/502/503/504)?
    /// stale-if-error from the response or the request, the request's max-stale, or `graceSeconds`
    /// (an extra configured window, 0 by default) allow it; never when no-cache, must-revalidate,
    /// proxy-revalidate or s-maxage forbid serving stale (RFC 9111 §4.2.4).
    ///
    /// `unreachableWindow` is given when no response came at all (connect failure, reset, timeout):
    /// the cache is then "disconnected", which §4.2.4 lets serve stale; the window bounds how stale.
    public static func staleIfErrorAllowed(
        request: CacheRequest,
        responseHeaders: HTTPHeaders,
        timing: StoredResponseTiming,
        now: EpochSeconds,
        settings: CachePolicySettings,
        graceSeconds: Double,
        responseStatus: Int = 200,
        unreachableWindow: Double? = nil
    ) -> Bool {
        let responseDirectives = CacheControl.effective(for: responseHeaders, settings: settings)
        if responseDirectives.noCache || forbidsStale(responseDirectives) { return false }
        let requestDirectives = request.cacheControl
        let age = Freshness.currentAge(headers: responseHeaders, timing: timing, now: now)
        let lifetime = Freshness.lifetime(
            status: responseStatus, headers: responseHeaders, settings: settings, responseTime: timing.responseTime)
        let staleness = age - lifetime
        var window = max(0, graceSeconds)
        if let unreachableWindow { window = max(window, unreachableWindow) }
        if let seconds = responseDirectives.staleIfError { window = max(window, Double(seconds)) }
        if let seconds = requestDirectives.staleIfError { window = max(window, Double(seconds)) }
        switch requestDirectives.maxStale {
        case .any: return true
        case .seconds(let seconds): window = max(window, Double(seconds))
        case nil: break
        }
        return staleness <= window
    }

    /// must-revalidate, proxy-revalidate and (for a shared cache) s-maxage forbid serving stale.
    static func forbidsStale(_ directives: CacheControl) -> Bool {
        directives.mustRevalidate || directives.proxyRevalidate || directives.sMaxAge != nil
    }
}
