import CoreMetrics
import EdgeCore

/// The request-path metrics of one node, made once: requests by cache status, bytes sent, purges,
/// and origin latency. Recording is an atomic add on a handle chosen by a few byte compares.
final class TrafficMetrics: Sendable {
    private let hit: CoreMetrics.Counter
    private let stale: CoreMetrics.Counter
    private let miss: CoreMetrics.Counter
    private let revalidated: CoreMetrics.Counter
    private let bypass: CoreMetrics.Counter
    private let partial: CoreMetrics.Counter
    private let bytes: CoreMetrics.Counter
    /// Time from sending a request to an origin to its response head.
    let originLatency: CoreMetrics.Timer
    let purgeRequests: CoreMetrics.Counter
    let purgedEntries: CoreMetrics.Counter
    /// Slices of sliced sites asked of the origin, and served from the store.
    let sliceFetches: CoreMetrics.Counter
    let sliceHits: CoreMetrics.Counter

    init(_ metrics: EdgeMetrics) {
        hit = metrics.counter("edge_requests_total", ["cache": "hit"])
        stale = metrics.counter("edge_requests_total", ["cache": "stale"])
        miss = metrics.counter("edge_requests_total", ["cache": "miss"])
        revalidated = metrics.counter("edge_requests_total", ["cache": "revalidated"])
        bypass = metrics.counter("edge_requests_total", ["cache": "other"])
        partial = metrics.counter("edge_requests_total", ["cache": "partial"])
        sliceFetches = metrics.counter("edge_slice_fetches_total")
        sliceHits = metrics.counter("edge_slice_hits_total")
        bytes = metrics.counter("edge_response_bytes_total")
        originLatency = metrics.timer("edge_origin_response_seconds")
        purgeRequests = metrics.counter("edge_purge_requests_total")
        purgedEntries = metrics.counter("edge_purged_entries_total")
    }

    /// One finished request, by what its Cache-Status said.
    func record(cacheStatus: CacheStatus?, bytesSent: Int) {
        counter(for: cacheStatus).increment()
        if bytesSent > 0 { bytes.increment(by: bytesSent) }
    }

    private func counter(for status: CacheStatus?) -> CoreMetrics.Counter {
        guard let status else { return bypass }
        if status.hit { return status.stale ? stale : hit }
        switch status.fwd {
        case .stale: return status.fwdStatus == 304 ? revalidated : stale
        case .miss, .uriMiss, .varyMiss: return miss
        case .partial: return partial
        default: return bypass
        }
    }
}
