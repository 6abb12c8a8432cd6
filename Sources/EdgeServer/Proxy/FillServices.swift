import EdgeCore
import Logging

/// What the miss phase's cache fill needs of the node, and nothing more: the cache and the coalescer
/// it finishes leadership in, the policy settings, how a stored response is prepared for hits, and
/// where its counters and log lines go.
struct FillServices: Sendable {
    let cache: HTTPCache
    /// The disk tier stored responses are written through to, if there is one.
    let disk: DiskStore?
    let coalescer: RequestCoalescer
    let settings: ProxySettings
    let stats: ProxyStats
    let metrics: TrafficMetrics
    let logger: Logger
    /// Works out what every hit on a response needs before it is stored (`ProxyServices.prepareForHits`).
    let prepareForHits: @Sendable (inout CachedResponse) -> Void
}
