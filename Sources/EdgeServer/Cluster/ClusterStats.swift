import CoreMetrics
import Synchronization

/// What the fleet did for and with this node, for `/stats` (`cluster`) and `/metrics`
/// (`edge_cluster_*_total`). Relaxed tallies, never guards.
final class ClusterStats: Sendable {

    /// Misses this node sent to the key's owner (or the next node on the ring).
    let ownerFetches: Tally
    /// Of those, the ones the peer answered from its cache.
    let peerHits: Tally
    /// Peers that did not answer usably: refused, timed out, 5xx, 508; the next candidate was tried.
    let peerFailures: Tally
    /// Peer answers covered by a purge this node applied moments ago: the origin was asked instead.
    let peerPurgeRefusals: Tally
    /// Requests this node answered for other nodes.
    let peerRequests: Tally
    /// Requests refused with 508 because `CDN-Loop` already named this node too often.
    let loopsRefused: Tally

    init(_ metrics: EdgeMetrics) {
        ownerFetches = Tally(metrics.counter("edge_cluster_owner_fetches_total"))
        peerHits = Tally(metrics.counter("edge_cluster_peer_hits_total"))
        peerFailures = Tally(metrics.counter("edge_cluster_peer_failures_total"))
        peerPurgeRefusals = Tally(metrics.counter("edge_cluster_peer_purge_refusals_total"))
        peerRequests = Tally(metrics.counter("edge_cluster_peer_requests_total"))
        loopsRefused = Tally(metrics.counter("edge_cluster_loops_refused_total"))
    }

    var json: JSONText {
        .object([
            ("owner_fetches", .int(ownerFetches.value)),
            ("peer_hits", .int(peerHits.value)),
            ("peer_failures", .int(peerFailures.value)),
            ("peer_purge_refusals", .int(peerPurgeRefusals.value)),
            ("peer_requests", .int(peerRequests.value)),
            ("loops_refused", .int(loopsRefused.value)),
        ])
    }
}
