import NIOHTTP1

/// What every lookup of a stored response needs from its header fields, worked out once when the
/// response is stored or freshened instead of on every hit (parsing Cache-Control and HTTP dates
/// dominated the cost of a hit).
///
/// It holds the same numbers `Freshness` and `LookupPolicy` compute from the headers; it is valid
/// only for the status, headers, timing and settings it was made from, which is why
/// `CachedResponse` drops it when any of them changes and `LookupPolicy` checks the settings.
public struct FreshnessInfo: Sendable {
    /// Everything but the response time: what a stored response keeps, its timing holding the time.
    struct Facts: Sendable {
        let settingsFingerprint: UInt64
        let correctedInitialAge: Double
        let lifetime: Double
        let noCache: Bool
        let forbidsStale: Bool
        /// -1 when absent; longer than 68 years reads as 68 years. Four bytes instead of nine, in every stored object.
        let staleWhileRevalidate: Int32
    }

    let facts: Facts
    public let responseTime: EpochSeconds

    /// Names the settings the values were computed with (`CachePolicySettings.fingerprint`): a
    /// copy of them would cost every stored object another 40 bytes.
    public var settingsFingerprint: UInt64 { facts.settingsFingerprint }
    /// §4.2.3 corrected_initial_age; current_age is this plus the resident time.
    public var correctedInitialAge: Double { facts.correctedInitialAge }
    /// §4.2.1 freshness lifetime, with the response time standing in for a missing Date.
    public var lifetime: Double { facts.lifetime }
    /// Effective response directives that lookups ask about.
    public var noCache: Bool { facts.noCache }
    /// must-revalidate, proxy-revalidate or s-maxage.
    public var forbidsStale: Bool { facts.forbidsStale }
    public var staleWhileRevalidate: Int? {
        facts.staleWhileRevalidate < 0 ? nil : Int(facts.staleWhileRevalidate)
    }

    public init(status: Int, headers: HTTPHeaders, timing: StoredResponseTiming, settings: CachePolicySettings) {
        let directives = CacheControl.effective(for: headers, settings: settings)
        let ageValue = Double(Freshness.ageHeaderValue(headers) ?? 0)
        let dateValue = Freshness.date(headers) ?? timing.responseTime
        let apparentAge = max(0, timing.responseTime - dateValue)
        let responseDelay = max(0, timing.responseTime - timing.requestTime)
        facts = Facts(
            settingsFingerprint: settings.fingerprint,
            correctedInitialAge: max(apparentAge, ageValue + responseDelay),
            lifetime: Freshness.lifetime(status: status, headers: headers, settings: settings, responseTime: timing.responseTime),
            noCache: directives.noCache,
            forbidsStale: LookupPolicy.forbidsStale(directives),
            staleWhileRevalidate: directives.staleWhileRevalidate.map { Int32(clamping: max(0, $0)) } ?? -1)
        responseTime = timing.responseTime
    }

    init(facts: Facts, responseTime: EpochSeconds) {
        self.facts = facts
        self.responseTime = responseTime
    }

    /// §4.2.3 current_age at `now`; the same value as `Freshness.currentAge`.
    public func currentAge(now: EpochSeconds) -> Double {
        correctedInitialAge + max(0, now - responseTime)
    }

    /// Whole seconds of freshness left (negative when stale), as Cache-Status `ttl` reports it.
    public func remainingTTL(now: EpochSeconds) -> Int {
        Int((lifetime - currentAge(now: now)).rounded(.down))
    }
}
