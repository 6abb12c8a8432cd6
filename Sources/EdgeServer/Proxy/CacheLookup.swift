import EdgeCore
import NIOHTTP1

/// The cache lookup phase's one decision about a stored response, taken the same way by the full
/// path and the stored-hit shortcut: serve it (and say so in Cache-Status), serve it while it is
/// revalidated, revalidate it first, or leave it.
enum CacheLookup {
    enum Outcome: Equatable {
        case fresh(CacheStatus)
        case staleWhileRevalidate(CacheStatus)
        case revalidate
        case unusable
    }

    static func decide(_ stored: CachedResponse, request: CacheRequest, now: EpochSeconds, settings: CachePolicySettings, collapsed: Bool = false) -> Outcome {
        switch LookupPolicy.evaluate(request: request, stored: stored, now: now, settings: settings).decision {
        case .fresh:
            var status = CacheStatus.hit(ttl: FillPolicy.remainingTTL(stored, now: now, settings: settings))
            status.collapsed = collapsed
            return .fresh(status)
        case .staleWhileRevalidate:
            var status = CacheStatus.hit(ttl: FillPolicy.remainingTTL(stored, now: now, settings: settings))
            status.stale = true
            return .staleWhileRevalidate(status)
        case .mustRevalidate:
            return .revalidate
        case .unusable:
            return .unusable
        }
    }

    /// This cache's `Age` for a stored response (RFC 9111 §4.2.3), in whole seconds.
    static func age(of stored: CachedResponse, now: EpochSeconds, settings: CachePolicySettings) -> Int {
        let age = stored.freshness(for: settings)?.currentAge(now: now)
            ?? Freshness.currentAge(headers: stored.headers, timing: stored.timing, now: now)
        return Int(max(0, age).rounded(.down))
    }
}
