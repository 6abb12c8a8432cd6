import EdgeCore
import EdgeSettings
import NIOCore
import NIOHTTP1

/// The path a node answers for itself on its traffic listener, so that its peers (and a load
/// balancer in front of the fleet) can check it without a request reaching any origin.
enum ClusterHealth {
    static let path = "/.well-known/edge-cluster-health"

    /// The ring's active health check: each node asks every other this often. Two misses in a row
    /// take a peer out; one answer brings it back (live traffic has its own say, as for pools).
    static var check: PoolResilience.HealthCheck {
        var check = PoolResilience.HealthCheck()
        check.path = path
        check.interval = .seconds(2)
        check.timeout = .seconds(1)
        check.rise = 1
        check.fall = 2
        check.expectedStatus = StatusRange(lower: 200, upper: 200)
        return check
    }

    /// Answers the health path with `200 ok`; false for every other request.
    static func answer(_ request: ClientRequest, sink: ResponseSink) -> Bool {
        guard request.head.uri == path, request.head.method == .GET || request.head.method == .HEAD else { return false }
        request.discardBody = true
        let body = "ok\n"
        let headers = HTTPHeaders([
            ("content-type", "text/plain"), ("cache-control", "no-store"), ("date", HTTPDate.format(ProxyServices.now())),
            ("content-length", String(body.utf8.count)),
        ])
        sink.respond(request, OutgoingHead(status: .ok, headers: headers, source: .edge, cacheStatus: nil), body: sink.allocator.buffer(string: body))
        return true
    }
}
