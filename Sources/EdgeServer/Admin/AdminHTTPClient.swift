import NIOCore
import NIOHTTP1
import NIOPosix

/// A one-request HTTP/1.1 client for admin calls (purges forwarded to peers, `edge purge`): connect,
/// send, read the whole (small) answer, close. Every call is bounded by `timeout`.
public enum AdminHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Largest answer read; admin answers are small JSON documents.
    static let maxResponseBytes = 1 << 20

    /// `POST path` with a JSON body, on NIO's shared event loops (for the command line).
    public static func postJSON(host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8], timeoutSeconds: Int) async throws -> Response {
        try await send(
            method: .POST, host: host, port: port, path: path, headers: [("content-type", "application/json")] + headers, body: body,
            timeout: .seconds(Int64(timeoutSeconds)), group: MultiThreadedEventLoopGroup.singleton
        ).get()
    }

    public static func send(
        method: HTTPMethod, host: String, port: Int, path: String, headers: [(String, String)] = [],
        body: [UInt8] = [], timeout: TimeAmount, group: any EventLoopGroup
    ) -> EventLoopFuture<Response> {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let timer = eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "no answer within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "host", value: port == 80 ? host : "\(host.contains(":") ? "[\(host)]" : host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "content-length", value: String(body.count))
        head.headers.add(name: "connection", value: "close")
        let requestHead = head
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    promise.fail(Failure(description: "cannot connect to \(host):\(port): \(error)"))
                case .success(let channel):
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    channel.write(HTTPClientRequestPart.head(requestHead), promise: nil)
                    if !body.isEmpty {
                        channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
                    }
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                }
            }
        return promise.futureResult
    }
}

/// Collects one response and completes the promise with it; a connection that ends first fails it.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<AdminHTTPClient.Response>
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<AdminHTTPClient.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            if body.count + buffer.readableBytes <= AdminHTTPClient.maxResponseBytes {
                body += buffer.readableBytesView
            }
        case .end:
            promise.succeed(AdminHTTPClient.Response(status: status, body: String(decoding: body, as: UTF8.self)))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(AdminHTTPClient.Failure(description: "the connection closed before a whole response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(AdminHTTPClient.Failure(description: "\(error)"))
        context.close(promise: nil)
    }
}
