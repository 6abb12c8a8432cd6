/// Soft purge: a stored response is kept but made stale, so the next request revalidates it with a
/// conditional request (a 304 keeps the body) while `stale-while-revalidate` and `stale-if-error`
/// still apply, counted from the purge.
public enum SoftPurge {
    /// Makes `response` stale from `time` on, as if its freshness lifetime had ended then, by moving
    /// its request and response times back. Returns false when it was stale already (nothing changes).
    @discardableResult
    public static func expire(_ response: inout CachedResponse, at time: EpochSeconds) -> Bool {
        let headers = response.headers
        var timing = response.timing
        let corrected = Double(Freshness.ageHeaderValue(headers) ?? 0) + max(0, timing.responseTime - timing.requestTime)
        let lifetime: Double
        let age: Double
        let initialAge: Double
        if let info = response.freshness {
            // Prepared when stored: no header dates to parse again (a soft purge can cover millions).
            lifetime = info.lifetime
            age = info.currentAge(now: time)
            initialAge = info.correctedInitialAge
        } else {
            lifetime = Freshness.lifetime(status: response.status, headers: headers, settings: CachePolicySettings(), responseTime: timing.responseTime)
            age = Freshness.currentAge(headers: headers, timing: timing, now: time)
            initialAge = age - max(0, time - timing.responseTime)
        }
        guard lifetime > age else { return false }
        // RFC 9111 §4.2.3: age = max(apparent_age, corrected_age_value) + resident_time. Moving both
        // times back by d adds d to the resident time but takes up to d off the apparent age
        // (response_time - Date), so the shift also covers the apparent age's excess.
        let shift = (lifetime - age) + max(0, initialAge - corrected)
        timing.requestTime -= shift
        timing.responseTime -= shift
        response.timing = timing
        return true
    }
}
