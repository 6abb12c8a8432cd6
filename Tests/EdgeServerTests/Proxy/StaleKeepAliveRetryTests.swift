import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import EdgeServer

/// An origin that answers one request per connection while advertising keep-alive, and closes the
/// connection unanswered when a second request arrives on it: the race every keep-alive pool meets
/// when an origin times out an idle connection just as a request goes out on it.
private final class OneShotOrigin: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let received = ReceivedBodies()
    private let channel: Mutex<Channel?> = Mutex(nil)

    func start() async throws -> Int {
        let bodies = self.received
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OneShotHandler(bodies: bodies))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = bound }
        return bound.localAddress?.port ?? 0
    }

    func stop() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
        try? await group.shutdownGracefully()
    }
}

private final class ReceivedBodies: Sendable {
    let list = Mutex<[String]>([])
}

private final class OneShotHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let bodies: ReceivedBodies
    private var served = 0
    private var body = ""

    init(bodies: ReceivedBodies) {
        self.bodies = bodies
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            body = ""
            if served > 0 {
                context.close(promise: nil)
            }
        case .body(let buffer):
            body += String(buffer: buffer)
        case .end:
            guard served == 0 else { return }
            served += 1
            let received = body
            bodies.list.withLock { $0.append(received) }
            let headers = HTTPHeaders([("Content-Length", "2"), ("Cache-Control", "no-store")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

@Suite("Retrying on a keep-alive connection the origin closed", .serialized)
struct StaleKeepAliveRetryTests {
    private func withOneShotOrigin(_ body: (EdgeHarness, OneShotOrigin) async throws -> Void) async throws {
        let origin = OneShotOrigin()
        let port = try await origin.start()
        let edge = try await EdgeHarness(origins: []) {
            $0.eventLoops = 1
            $0.sites = [EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: [OriginServer(host: "127.0.0.1", port: port)])]
        }
        do {
            try await body(edge, origin)
        } catch {
            await edge.stop()
            await origin.stop()
            throw error
        }
        await edge.stop()
        await origin.stop()
    }

    @Test("a PUT with a body sent on a connection the origin closes unanswered is sent again, body and all")
    func idempotentRequestWithBodyIsRetried() async throws {
        try await withOneShotOrigin { edge, origin in
            let first = try await onThread { () -> Int in
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "PUT", path: "/a", body: "one"))
                return try connection.readResponse().status
            }
            #expect(first == 200)
            let second = try await onThread { () -> RawHTTPConnection.Response in
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "PUT", path: "/b", body: "two"))
                return try connection.readResponse()
            }
            #expect(second.status == 200)
            #expect(second.text == "ok")
            #expect(origin.received.list.withLock { $0 } == ["one", "two"])
        }
    }

    @Test("a POST on such a connection is not sent twice: the client gets 502")
    func nonIdempotentRequestIsNotRetried() async throws {
        try await withOneShotOrigin { edge, origin in
            _ = try await onThread { () -> Int in
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/a", body: "one"))
                return try connection.readResponse().status
            }
            let second = try await onThread { () -> Int in
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/b", body: "two"))
                return try connection.readResponse().status
            }
            #expect(second == 502)
            #expect(origin.received.list.withLock { $0 } == ["one"])
        }
    }
}
