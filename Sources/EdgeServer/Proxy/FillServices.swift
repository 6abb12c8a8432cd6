import EdgeCore
import Logging

/// What the miss phase's cache fill needs of the node, and nothing more: the cache's tiers it stores
/// in, the coalescer it finishes leadership in, the policy settings, and where its counters and log
/// lines go.
struct FillServices: Sendable {
    let cache: HTTPCache
    /// Memory, and disk if there is one: a storable response goes to each tier that takes it.
    let storage: StorageTiers
    let coalescer: RequestCoalescer
    let settings: ProxySettings
    let stats: ProxyStats
    let metrics: TrafficMetrics
    let logger: Logger
}
