import CoreMetrics
import NIOCore
import NIOHTTP1
import Synchronization

/// The node's own protection: at most `maxClientConnections` client connections (more are closed
/// as they arrive) and at most `maxInFlightRequests` requests being served (more get an immediate
/// 503 with Retry-After, without touching the cache or an origin). Sits just before `ProxyHandler`.
/// Added to the pipeline only when a limit is set, so a node without limits pays nothing.
final class AdmissionGate: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every gate shares.
    final class Shared: Sendable {
        let settings: DegradationSettings
        let connections = Atomic<Int>(0)
        let rejectedConnections: Counter
        let rejectedRequests: Counter

        var isNeeded: Bool { settings.maxClientConnections > 0 || settings.maxInFlightRequests > 0 }

        init(settings: DegradationSettings, metrics: EdgeMetrics) {
            self.settings = settings
            rejectedConnections = metrics.counter("edge_admission_rejections_total", ["kind": "connection"])
            rejectedRequests = metrics.counter("edge_admission_rejections_total", ["kind": "request"])
        }
    }

    private let shared: Shared
    private let stats: ProxyStats
    private var counted = false
    /// The connection's request timeouts (HTTP/1.x), told of the requests refused here.
    private var timeouts: ClientTimeoutHandler?
    /// The parts of a refused request are dropped until its end.
    private var refusing = false

    /// False on an HTTP/2 stream: the gate limits its request, not connections.
    private let countsConnection: Bool

    init(shared: Shared, stats: ProxyStats, countsConnection: Bool = true) {
        self.shared = shared
        self.stats = stats
        self.countsConnection = countsConnection
    }

    /// Added after activation (TLS connections get their HTTP pipeline once ALPN is done).
    func handlerAdded(context: ChannelHandlerContext) {
        timeouts = try? context.pipeline.syncOperations.handler(type: ClientTimeoutHandler.self)
        if context.channel.isActive, countsConnection, !counted {
            admitConnection(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        guard countsConnection, !counted else {
            context.fireChannelActive()
            return
        }
        if admitConnection(context: context) {
            context.fireChannelActive()
        }
    }

    /// Counts the connection; closes it (and returns false) when it is over the limit.
    @discardableResult
    private func admitConnection(context: ChannelHandlerContext) -> Bool {
        let limit = shared.settings.maxClientConnections
        let open = shared.connections.wrappingAdd(1, ordering: .relaxed).newValue
        counted = true
        if limit > 0, open > limit {
            shared.rejectedConnections.increment()
            context.close(promise: nil)
            return false
        }
        return true
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted {
            counted = false
            shared.connections.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            let limit = shared.settings.maxInFlightRequests
            if limit > 0, stats.activeRequests.load(ordering: .relaxed) >= limit {
                shared.rejectedRequests.increment()
                refusing = true
                refuse(context: context, head: head)
                return
            }
            refusing = false
        case .body:
            if refusing { return }
        case .end:
            if refusing {
                refusing = false
                timeouts?.requestFinished()
                return
            }
        }
        context.fireChannelRead(data)
    }

    private func refuse(context: ChannelHandlerContext, head: HTTPRequestHead) {
        timeouts?.requestStarted()
        let body = "503 Service Unavailable: this node is at its limit of requests in flight\n"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "retry-after", value: "1")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "cache-status", value: "edge; detail=\"admission\"")
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .serviceUnavailable, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
