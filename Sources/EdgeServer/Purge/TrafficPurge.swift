import EdgeCore
import Logging
import NIOCore
import NIOHTTP1

/// `PURGE /path` on the traffic listener (the Varnish and Squid habit): the URL's every variant,
/// from allowed client addresses only (`purge.allow`); `Soft-Purge: 1` marks it stale instead.
/// Applied here and forwarded to the peers like an admin purge.
struct TrafficPurge {
    let request: ClientRequest
    let sink: ResponseSink
    let purge: PurgeCoordinator
    /// Clients whose `PURGE` is obeyed.
    let allow: AddressAllowList
    let logger: Logger

    func run(host: String, stillWaiting: @escaping () -> Bool) {
        guard allow.allows(request.clientAddress) else {
            logger.warning("PURGE refused", metadata: ["client": "\(request.clientAddress)", "target": "\(request.head.uri)"])
            sink.respondError(request, status: .methodNotAllowed, message: "PURGE is not allowed from this address", close: false)
            return
        }
        let key = CacheKey(host: host, target: request.head.uri)
        let soft = request.head.headers.first(name: "soft-purge").map { $0 == "1" || $0.lowercased() == "true" } ?? false
        let purgeRequest = PurgeRequest(urls: ["http://\(key.host)\(key.pathAndQuery)"], soft: soft)
        let forwarded = request.head.headers.contains(name: PurgeCoordinator.forwardedMarker)
        let request = self.request
        let sink = self.sink
        purge.purge(
            purgeRequest, selection: PurgeSelection(keys: [key], soft: soft), who: "\(request.clientAddress) (PURGE)", forward: !forwarded,
            on: sink.eventLoop
        ).assumeIsolated().whenComplete { result in
            guard stillWaiting() else { return }
            switch result {
            case .success(let outcome):
                let body = outcome.json.rendered + "\n"
                let headers = HTTPHeaders([
                    ("content-type", "application/json"), ("cache-control", "no-store"), ("date", HTTPDate.format(ProxyServices.now())),
                    ("content-length", String(body.utf8.count)),
                ])
                sink.respond(request, OutgoingHead(status: .ok, headers: headers, source: .edge, cacheStatus: nil), body: sink.allocator.buffer(string: body))
            case .failure(let error):
                sink.respondError(request, status: .internalServerError, message: "purge failed: \(error)", close: false)
            }
        }
    }
}
