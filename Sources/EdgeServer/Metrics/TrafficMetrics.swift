import CoreMetrics

/// The request-path metrics of one node, made once: requests by cache status, bytes sent, purges,
/// and origin latency. Recording is an atomic add on a handle chosen by a few byte compares.
final class TrafficMetrics: Sendable {
    private let hit: CoreMetrics.Counter
    private let stale: CoreMetrics.Counter
    private let miss: CoreMetrics.Counter
    private let revalidated: CoreMetrics.Counter
    private let bypass: CoreMetrics.Counter
    private let bytes: CoreMetrics.Counter
    /// Time from sending a request to an origin to its response head.
    let originLatency: CoreMetrics.Timer
    let purgeRequests: CoreMetrics.Counter
    let purgedEntries: CoreMetrics.Counter

    init(_ metrics: EdgeMetrics) {
        hit = metrics.counter("edge_requests_total", ["cache": "hit"])
        stale = metrics.counter("edge_requests_total", ["cache": "stale"])
        miss = metrics.counter("edge_requests_total", ["cache": "miss"])
        revalidated = metrics.counter("edge_requests_total", ["cache": "revalidated"])
        bypass = metrics.counter("edge_requests_total", ["cache": "other"])
        bytes = metrics.counter("edge_response_bytes_total")
        originLatency = metrics.timer("edge_origin_response_seconds")
        purgeRequests = metrics.counter("edge_purge_requests_total")
        purgedEntries = metrics.counter("edge_purged_entries_total")
    }

    /// One finished request, by its Cache-Status value.
    func record(cacheStatus: String, bytesSent: Int) {
        counter(for: cacheStatus).increment()
        if bytesSent > 0 { bytes.increment(by: bytesSent) }
    }

    /// A fresh hit answered by the stored-hit shortcut: its counter without reading the status back.
    func recordFreshHit(bytesSent: Int) {
        hit.increment()
        if bytesSent > 0 { bytes.increment(by: bytesSent) }
    }

    private func counter(for cacheStatus: String) -> CoreMetrics.Counter {
        let utf8 = cacheStatus.utf8
        if utf8.starts(with: "edge; hit".utf8) {
            return Self.mentions(cacheStatus, "stale") ? stale : hit
        }
        if utf8.starts(with: "edge; fwd=stale".utf8) {
            return Self.mentions(cacheStatus, "fwd-status=304") ? revalidated : stale
        }
        if utf8.starts(with: "edge; fwd=".utf8) {
            return Self.mentions(cacheStatus, "miss") ? miss : bypass
        }
        return bypass
    }

    /// A byte search: Foundation's `contains` went through NSString on every request.
    private static func mentions(_ text: String, _ word: StaticString) -> Bool {
        let needle = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        var text = text
        return text.withUTF8 { haystack in
            guard haystack.count >= needle.count else { return false }
            for start in 0...(haystack.count - needle.count)
            where haystack[start] == needle[0] && needle.elementsEqual(haystack[start..<start + needle.count]) {
                return true
            }
            return false
        }
    }
}
