import CoreMetrics
import Prometheus

/// One node's metrics: swift-metrics handles backed by a Prometheus registry that belongs to this
/// node, not to the process, so that several servers in one process (the tests) keep apart.
///
/// Parts of the server make their handles once (at start, not per request) and keep them:
/// ```swift
/// let purged = metrics.counter("edge_purged_entries_total", ["kind": "tag"])
/// purged.increment(by: n)
/// ```
/// `GET /metrics` on the admin listener answers `render()`.
public final class EdgeMetrics: Sendable {
    /// The registry `render()` writes out; exposed for gauges and histograms with fixed buckets.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = EdgeMetrics.latencyBuckets
        self.factory = factory
    }

    /// Buckets for request and origin latencies: 1 ms to 30 s.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// A monotonically increasing count.
    public func counter(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    /// A value that goes up and down (connections open, servers healthy).
    public func gauge(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    /// A latency histogram with `latencyBuckets`.
    public func timer(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name, dimensions: labels.map { ($0.key, $0.value) }, factory: factory)
    }

    /// The Prometheus text exposition format (version 0.0.4) of every metric made so far.
    public func render() -> String {
        registry.emitToString()
    }
}
