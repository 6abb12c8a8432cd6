import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// An HTTP/2 client on NIO for tests that need what curl does not give: many streams at once on one
/// connection, response fields in the order they came, request fields as written, and a chosen
/// SETTINGS_INITIAL_WINDOW_SIZE. In the clear with prior knowledge, or over TLS with ALPN h2.
final class HTTP2TestClient: Sendable {
    struct Response: Sendable {
        var status: Int
        /// The regular fields of the response's head, in order.
        var fields: [(String, String)]
        var body: [UInt8]

        func field(_ name: String) -> String? {
            fields.first { $0.0 == name }?.1
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Trust `caPath` and name `serverName` in SNI.
    struct TLS {
        var caPath: String
        var serverName: String
    }

    let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        self.channel = channel
        self.multiplexer = multiplexer
    }

    /// `records`: counts the TLS records the client receives (under TLS only).
    static func connect(port: Int, tls: TLS? = nil, initialWindowSize: Int = 1 << 20, records: TLSRecordCounter? = nil) async throws -> HTTP2TestClient {
        let context = try tls.map { tls in
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(tls.caPath)
            configuration.applicationProtocols = ["h2"]
            return try NIOSSLContext(configuration: configuration)
        }
        let (channel, multiplexer, acknowledged) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let acknowledged = channel.eventLoop.makePromise(of: Void.self)
                    let pipeline = channel.pipeline.syncOperations
                    if let context, let tls {
                        if let records { try pipeline.addHandler(records) }
                        try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: tls.serverName))
                    }
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    connection.initialSettings = [HTTP2Setting(parameter: .initialWindowSize, value: initialWindowSize)]
                    var stream = NIOHTTP2Handler.StreamConfiguration()
                    stream.targetWindowSize = max(initialWindowSize, 1)
                    let multiplexer = try pipeline.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: connection, streamConfiguration: stream
                    ) { $0.eventLoop.makeSucceededVoidFuture() }
                    try pipeline.addHandler(SettingsAcknowledgement(acknowledged: acknowledged))
                    return (channel, multiplexer, acknowledged.futureResult)
                }
            }
        // Until the server acknowledges the client's SETTINGS, NIO counts the client's stream windows at
        // the default size while the server already uses the new one: a stream opened before could stall.
        try await acknowledged.get()
        return HTTP2TestClient(channel: channel, multiplexer: multiplexer)
    }

    /// A GET (or `method`) for `path` with `fields` after the pseudo-fields, and `body` in one DATA frame
    /// after a HEADERS frame without END_STREAM when there is one.
    func request(_ path: String, method: String = "GET", authority: String = "test.example", fields: [(String, String)] = [],
                 body: [UInt8]? = nil) async throws -> Response {
        let head = HPACKHeaders([(":method", method), (":scheme", "http"), (":path", path), (":authority", authority)] + fields)
        let done = channel.eventLoop.makePromise(of: Response.self)
        // A response that never ends (a wrong Content-Length, a lost frame) fails the test instead of
        // hanging it; a promise already fulfilled ignores the late failure.
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(10)) {
            done.fail(Failure(description: "no whole response to \(method) \(path) within 10 s"))
        }
        done.futureResult.whenComplete { _ in deadline.cancel() }
        let stream = try await multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(ResponseCollector(done: done))
            }
        }.get()
        if let body {
            stream.write(HTTP2Frame.FramePayload.headers(.init(headers: head)), promise: nil)
            stream.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: body)), endStream: true)), promise: nil)
        } else {
            stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: head, endStream: true)), promise: nil)
        }
        return try await done.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Tells when the server has acknowledged the client's SETTINGS.
private final class SettingsAcknowledgement: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let acknowledged: EventLoopPromise<Void>

    init(acknowledged: EventLoopPromise<Void>) {
        self.acknowledged = acknowledged
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .settings(.ack) = unwrapInboundIn(data).payload {
            acknowledged.succeed()
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        acknowledged.fail(HTTP2TestClient.Failure(description: "closed before the SETTINGS acknowledgement"))
        context.fireChannelInactive()
    }
}

/// Gathers one stream's response: the first non-informational head, the DATA, until END_STREAM.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    private let done: EventLoopPromise<HTTP2TestClient.Response>
    private var response: HTTP2TestClient.Response?
    private var finished = false

    init(done: EventLoopPromise<HTTP2TestClient.Response>) {
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if response == nil {
                let status = Int(headers.headers.first(name: ":status") ?? "") ?? 0
                if (100..<200).contains(status) { return }
                let fields = headers.headers.filter { !$0.name.hasPrefix(":") }.map { ($0.name, $0.value) }
                response = .init(status: status, fields: fields, body: [])
            }
            if headers.endStream { finish() }
        case .data(let data):
            if case .byteBuffer(let buffer) = data.data {
                response?.body += buffer.readableBytesView
            }
            if data.endStream { finish() }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("the stream closed before END_STREAM")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)")
    }

    private func finish() {
        guard !finished, let response else { return }
        finished = true
        done.succeed(response)
    }

    private func fail(_ reason: String) {
        guard !finished else { return }
        finished = true
        done.fail(HTTP2TestClient.Failure(description: reason))
    }
}
