import NIOHTTP1

/// Everything about a stored response that freshness needs.
public struct StoredResponseTiming: Sendable, Equatable {
    /// When the request that produced the response was sent upstream (RFC 9111 §4.2.3 request_time).
    public var requestTime: EpochSeconds
    /// When the response head was received (response_time).
    public var responseTime: EpochSeconds

    public init(requestTime: EpochSeconds, responseTime: EpochSeconds) {
        self.requestTime = requestTime
        self.responseTime = responseTime
    }
}

/// RFC 9111 §4.2: freshness lifetime and age, for a shared cache.
public enum Freshness {
    /// §4.2.1 shared cache: (CDN-Cache-Control/Surrogate-Control when enabled) > s-maxage > max-age >
    /// Expires - Date > heuristic (§4.2.2). Returns seconds (0 if stale at once).
    ///
    /// An Expires that is not a valid date (e.g. "0"), or several differing Expires lines, mean already expired. When Date is absent or
    /// invalid, `responseTime` stands in for it (RFC 9110 §6.6.1); without either, Expires gives 0.
    public static func lifetime(
        status: Int,
        headers: HTTPHeaders,
        settings: CachePolicySettings,
        responseTime: EpochSeconds? = nil
    ) -> Double {
        switch source(status: status, headers: headers, settings: settings, responseTime: responseTime) {
        case .explicit(let seconds), .heuristic(let seconds): return seconds
        case .none: return 0
        }
    }

    /// true when the lifetime comes from the heuristic (no explicit expiration, Last-Modified present).
    public static func isHeuristic(
        status: Int,
        headers: HTTPHeaders,
        settings: CachePolicySettings,
        responseTime: EpochSeconds? = nil
    ) -> Bool {
        if case .heuristic = source(status: status, headers: headers, settings: settings, responseTime: responseTime) {
            return true
        }
        return false
    }

    /// §4.2.3 current_age. The upstream `Age` counts; a Date in the future (clock skew) does not make
    /// the age negative; a missing Date is taken as `responseTime`.
    public static func currentAge(headers: HTTPHeaders, timing: StoredResponseTiming, now: EpochSeconds) -> Double {
        let ageValue = Double(ageHeaderValue(headers) ?? 0)
        let dateValue = date(headers) ?? timing.responseTime
        let apparentAge = max(0, timing.responseTime - dateValue)
        let responseDelay = max(0, timing.responseTime - timing.requestTime)
        let correctedAgeValue = ageValue + responseDelay
        let correctedInitialAge = max(apparentAge, correctedAgeValue)
        let residentTime = max(0, now - timing.responseTime)
        return correctedInitialAge + residentTime
    }

    /// The `Age` field (§5.1): first member of the first line; nil when absent or not a non-negative integer.
    public static func ageHeaderValue(_ headers: HTTPHeaders) -> Int? {
        guard let line = headers["age"].first,
            let first = line.split(separator: ",", omittingEmptySubsequences: false).first
        else { return nil }
        return parseDeltaSeconds(first.trimmingHTTPWhitespace())
    }

    /// The `Date` field, nil when absent or invalid.
    public static func date(_ headers: HTTPHeaders) -> EpochSeconds? {
        headers["date"].first.flatMap(HTTPDate.parse)
    }

    private enum Source {
        case explicit(Double), heuristic(Double), none
    }

    private static func source(
        status: Int,
        headers: HTTPHeaders,
        settings: CachePolicySettings,
        responseTime: EpochSeconds?
    ) -> Source {
        let directives = CacheControl.effective(for: headers, settings: settings)
        if let sMaxAge = directives.sMaxAge { return .explicit(Double(sMaxAge)) }
        if let maxAge = directives.maxAge { return .explicit(Double(maxAge)) }
        let dateValue = date(headers) ?? responseTime
        let expiresLines = headers["expires"]
        if let expiresLine = expiresLines.first {
            // Expires is a singleton (RFC 9110 §5.5): differing lines make it invalid, i.e. expired (§5.3).
            guard expiresLines.allSatisfy({ $0 == expiresLine }), let expires = HTTPDate.parse(expiresLine), let dateValue
            else { return .explicit(0) }
            return .explicit(max(0, expires - dateValue))
        }
        guard directives.isPublic || StoragePolicy.heuristicallyCacheableStatuses.contains(status),
            let lastModified = headers["last-modified"].first.flatMap(HTTPDate.parse),
            let dateValue
        else { return .none }
        let interval = max(0, dateValue - lastModified)
        return .heuristic(min(interval * settings.heuristicFraction, settings.heuristicMaxLifetime))
    }
}
