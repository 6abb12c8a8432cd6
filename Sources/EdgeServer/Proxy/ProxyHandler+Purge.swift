import EdgeCore
import NIOCore
import NIOHTTP1

extension ProxyHandler {
    /// `PURGE /path` on the traffic listener (the Varnish and Squid habit): the URL's every variant,
    /// from allowed client addresses only (`purge.allow`); `Soft-Purge: 1` marks it stale instead.
    /// Applied here and forwarded to the peers like an admin purge.
    func purge(_ request: ClientRequest, host: String) {
        guard services.purgeAllow.allows(request.clientAddress) else {
            services.logger.warning("PURGE refused", metadata: ["client": "\(request.clientAddress)", "target": "\(request.head.uri)"])
            respondError(request, status: .methodNotAllowed, message: "PURGE is not allowed from this address", close: false)
            return
        }
        let key = CacheKey(host: host, target: request.head.uri)
        let soft = request.head.headers.first(name: "soft-purge").map { $0 == "1" || $0.lowercased() == "true" } ?? false
        let purgeRequest = PurgeRequest(urls: ["http://\(key.host)\(key.pathAndQuery)"], soft: soft)
        let forwarded = request.head.headers.contains(name: PurgeCoordinator.forwardedMarker)
        guard let context else { return }
        services.purge.purge(
            purgeRequest, selection: PurgeSelection(keys: [key], soft: soft), who: "\(request.clientAddress) (PURGE)", forward: !forwarded,
            on: context.eventLoop
        ).assumeIsolated().whenComplete { [weak self] result in
            guard let self, self.current === request else { return }
            switch result {
            case .success(let outcome):
                self.respondJSON(request, outcome.json.rendered + "\n")
            case .failure(let error):
                self.respondError(request, status: .internalServerError, message: "purge failed: \(error)", close: false)
            }
        }
    }

    private func respondJSON(_ request: ClientRequest, _ body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "date", value: HTTPDate.format(ProxyServices.now()))
        headers.add(name: "content-length", value: String(body.utf8.count))
        if mustClose(request) { headers.add(name: "connection", value: "close") }
        writeHead(request, status: .ok, headers: headers)
        if !request.isHead, let context {
            writeBody(request, context.channel.allocator.buffer(string: body), flush: false)
        }
        writeEnd(request)
    }
}
