/// Soft purge: a stored response is kept but made stale, so the next request revalidates it with a
/// conditional request (a 304 keeps the body) while `stale-while-revalidate` and `stale-if-error`
/// still apply, counted from the purge.
public enum SoftPurge {
    /// Makes `response` stale from `time` on, as if its freshness lifetime had ended then, by moving
    /// its request and response times back. Returns false when it was stale already (nothing changes).
    @discardableResult
    public static func expire(_ response: inout CachedResponse, at time: EpochSeconds) -> Bool {
        let settings = response.freshness?.settings ?? CachePolicySettings()
        let headers = response.headers
        var timing = response.timing
        let lifetime = Freshness.lifetime(status: response.status, headers: headers, settings: settings, responseTime: timing.responseTime)
        let age = Freshness.currentAge(headers: headers, timing: timing, now: time)
        guard lifetime > age else { return false }
        // RFC 9111 §4.2.3: age = max(apparent_age, corrected_age_value) + resident_time. Moving both
        // times back by d adds d to the resident time but takes up to d off the apparent age
        // (response_time - Date), so the shift also covers the apparent age's excess.
        let corrected = Double(Freshness.ageHeaderValue(headers) ?? 0) + max(0, timing.responseTime - timing.requestTime)
        let apparent = max(0, timing.responseTime - (Freshness.date(headers) ?? timing.responseTime))
        let shift = (lifetime - age) + max(0, apparent - corrected)
        timing.requestTime -= shift
        timing.responseTime -= shift
        response.timing = timing
        return true
    }
}
