import NIOCore
import NIOHTTP1
import NIOPosix
import NIOHTTP2
import NIOSSL
import Synchronization

/// A real HTTP/1.1 origin on a loopback port, answering with what the test tells it and counting
/// what reaches it, so tests can prove hits, coalescing and revalidation.
final class TestOrigin: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    struct Response: Sendable {
        var status: Int = 200
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// Wait this long before answering (slow origins, coalescing windows).
        var delay: TimeAmount = .zero
        /// Send the body in pieces of this size with a flush each, without Content-Length (chunked).
        var chunkSize: Int?
        /// Generate this many bytes of body lazily instead of `body` (large responses).
        var generatedLength: Int?

        init(status: Int = 200, headers: [(String, String)] = [], body: String = "", delay: TimeAmount = .zero) {
            self.status = status
            self.headers = headers
            self.body = Array(body.utf8)
            self.delay = delay
        }
    }

    typealias Handler = @Sendable (Request) -> Response

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let shared: Shared
    let port: Int

    /// `port` 0 takes any free port; a given port brings a stopped origin back where it was.
    /// `tls`: answer over TLS with this context (an `https` origin). `http2`: speak HTTP/2 (ALPN h2
    /// over TLS, prior knowledge in the clear).
    init(port: Int = 0, tls: NIOSSLContext? = nil, http2: Bool = false, _ handler: @escaping Handler = { _ in Response(body: "hello") }) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let shared = Shared(handler: handler)
        self.group = group
        self.shared = shared
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    shared.connections.withLock { $0 += 1 }
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    if http2 {
                        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                            mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                        ) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                try stream.pipeline.syncOperations.addHandler(OriginHandler(shared: shared))
                            }
                        }
                        return
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(OriginHandler(shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func respond(_ handler: @escaping Handler) {
        shared.handler.withLock { $0 = handler }
    }

    var requests: [Request] { shared.log.withLock { $0 } }
    /// TCP connections accepted so far.
    var connectionCount: Int { shared.connections.withLock { $0 } }
    var requestCount: Int { shared.log.withLock { $0.count } }

    /// Stops the origin; calling it again does nothing (a test may stop its origin before `withEdge`
    /// does, and closing a channel whose event loop is already shut down would never complete).
    func stop() async {
        let alreadyStopped = shared.stopped.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    fileprivate final class Shared: Sendable {
        let handler: Mutex<Handler>
        let log = Mutex<[Request]>([])
        let connections = Mutex(0)
        let stopped = Mutex(false)
        init(handler: @escaping Handler) {
            self.handler = Mutex(handler)
        }
    }
}

private final class OriginHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let shared: TestOrigin.Shared
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(shared: TestOrigin.Shared) {
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            let request = TestOrigin.Request(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body)
            shared.log.withLock { $0.append(request) }
            let response = shared.handler.withLock { $0 }(request)
            let keepAlive = head.isKeepAlive
            if response.delay > .zero {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: response.delay) {
                    Self.send(response, context: loopBound.value, keepAlive: keepAlive, isHead: head.method == .HEAD)
                }
            } else {
                Self.send(response, context: context, keepAlive: keepAlive, isHead: head.method == .HEAD)
            }
        }
    }

    private static func send(_ response: TestOrigin.Response, context: ChannelHandlerContext, keepAlive: Bool, isHead: Bool) {
        var headers = HTTPHeaders(response.headers)
        let length = response.generatedLength ?? response.body.count
        if response.chunkSize == nil, !headers.contains(name: "content-length"), response.status != 304, response.status != 204 {
            headers.add(name: "content-length", value: String(length))
        }
        if !keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !isHead {
            if let generated = response.generatedLength {
                writeGenerated(generated, context: context, keepAlive: keepAlive)
                return
            }
            let piece = response.chunkSize ?? max(1, response.body.count)
            var offset = 0
            while offset < response.body.count {
                let end = min(offset + piece, response.body.count)
                let buffer = context.channel.allocator.buffer(bytes: response.body[offset..<end])
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                offset = end
            }
        }
        finish(context: context, keepAlive: keepAlive)
    }

    /// Large bodies are produced as the client reads them, so the origin's memory stays flat too.
    private static func writeGenerated(_ remaining: Int, context: ChannelHandlerContext, keepAlive: Bool) {
        // A closed connection never becomes writable again: stop instead of polling for it forever.
        guard context.channel.isActive else { return }
        var left = remaining
        let chunk = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        while left > 0, context.channel.isWritable {
            let size = min(left, chunk.readableBytes)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(chunk.getSlice(at: 0, length: size)!))), promise: nil)
            left -= size
        }
        context.flush()
        if left == 0 {
            finish(context: context, keepAlive: keepAlive)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let stillToWrite = left
        context.eventLoop.scheduleTask(in: .milliseconds(1)) {
            writeGenerated(stillToWrite, context: loopBound.value, keepAlive: keepAlive)
        }
    }

    private static func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        let channel = context.channel
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
