import EdgeCore

/// The logging phase: what every answered request leaves behind, whichever entrance answered it
/// (the full path or the stored-hit shortcut): the metric for its cache status and bytes, and its
/// access-log line (built only when the log is on).
struct RequestLogging {
    let stats: ProxyStats
    let metrics: TrafficMetrics

    func finished(cacheStatus: CacheStatus?, bytesSent: Int, log: AccessLogBuffer, entry: @autoclosure () -> AccessLog.Entry) {
        log.record(entry())
        metrics.record(cacheStatus: cacheStatus, bytesSent: bytesSent)
    }
}
