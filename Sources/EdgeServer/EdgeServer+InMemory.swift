import EdgeCore
import NIOCore

/// What `EdgeTesting`'s in-memory mode needs of a node: one client connection set up on a channel
/// of the caller's (an `EmbeddedChannel`), and a stored response put in place as a fill would.
extension EdgeServer {
    /// Sets `channel` up as one HTTP/1.1 client connection of this node, exactly as a listener would
    /// (the stored-hit shortcut, the parser, the request guard, `ProxyHandler` and its phases), with
    /// everything on the channel's own event loop. The node need not be started.
    package func configureInMemoryConnection(_ channel: Channel) throws {
        let services = self.services
        let loop = LoopContext(
            services: services, pool: OriginConnectionPool(eventLoop: channel.eventLoop, loopCount: 1),
            accessLog: AccessLogBuffer(log: services.accessLog, eventLoop: channel.eventLoop))
        var pipeline = TrafficPipeline(drain: drain, http2: configuration.http2, tls: nil, admission: nil)
        pipeline.sendsFiles = false
        try pipeline.configure(channel, kind: .http1, loop: NIOLoopBoundBox.makeBoxSendingValue(loop, eventLoop: channel.eventLoop))
    }

    /// Stores `response` under `url` (`http://host/path?query`) as a fill would, ready for hits; false
    /// when the URL is not absolute or the cache refuses it.
    package func store(_ response: CachedResponse, url: String) -> Bool {
        guard let key = CacheKey(absoluteURL: url) else { return false }
        var prepared = response
        services.prepareForHits(&prepared)
        return cache.insert(prepared, for: key)
    }
}
