import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP origin that counts instead of keeping: TCP connections accepted, requests, and request
/// body bytes (never stored, so a 256 MiB upload costs it nothing). Each request is answered
/// `200` with the body `received N`, where N is the number of body bytes of that request.
final class CountingOrigin: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var bodyBytes: Int
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let connections: Counter
    private let log: Log
    let port: Int

    final class Log: Sendable {
        let requests = Mutex<[Request]>([])
    }

    init() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = Counter()
        let log = Log()
        self.group = group
        self.connections = connections
        self.log = log
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.value.wrappingAdd(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(CountingOriginHandler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// TCP connections accepted so far.
    var connectionCount: Int { connections.value.load(ordering: .relaxed) }
    /// Complete requests seen so far, in arrival order.
    var requests: [Request] { log.requests.withLock { $0 } }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class CountingOriginHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: CountingOrigin.Log
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(log: CountingOrigin.Log) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            guard let head else { return }
            log.requests.withLock {
                $0.append(CountingOrigin.Request(method: head.method.rawValue, uri: head.uri, headers: head.headers, bodyBytes: bodyBytes))
            }
            let body = "received \(bodyBytes)"
            var headers = HTTPHeaders([("content-length", String(body.utf8.count)), ("cache-control", "no-store")])
            if !head.isKeepAlive {
                headers.add(name: "connection", value: "close")
            }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let channel = context.channel
            let keepAlive = head.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
            self.head = nil
        }
    }
}
