import NIOCore
import NIOPosix
import Synchronization

/// An origin that speaks raw bytes instead of HTTP: once a request head has arrived it sends exactly
/// what the test scripted (a truncated body, nothing at all) and may close, so tests can make an
/// origin misbehave in ways a well-formed HTTP server cannot.
final class ScriptedOrigin: Sendable {
    enum Behaviour: Sendable {
        /// Accept and read, never answer.
        case silent
        /// Send these bytes after each request head, then close the connection if `close`.
        case respond([UInt8], close: Bool)
        /// Answer the first request head of each connection with `first`, then `rest` after `pause`;
        /// never answer a later one (a reused connection whose origin has gone quiet).
        case answerFirstSlowly(first: [UInt8], rest: [UInt8], pause: TimeAmount)
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let counter: Counter
    let port: Int

    init(_ behaviour: Behaviour) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = Counter()
        self.group = group
        counter = connections
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.value.wrappingAdd(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedOriginHandler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// TCP connections accepted so far.
    var connectionCount: Int { counter.value.load(ordering: .relaxed) }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    static func text(_ string: String) -> [UInt8] {
        Array(string.utf8)
    }
}

/// A shared tally that initializer closures can capture.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

private final class ScriptedOriginHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: ScriptedOrigin.Behaviour
    private var received: [UInt8] = []
    private var answered = false

    init(behaviour: ScriptedOrigin.Behaviour) {
        self.behaviour = behaviour
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        if case .answerFirstSlowly(let first, let rest, let pause) = behaviour {
            guard !answered, headEnd() != nil else { return }
            answered = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: first)), promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: pause) {
                channel.writeAndFlush(channel.allocator.buffer(bytes: rest), promise: nil)
            }
            return
        }
        guard case .respond(let bytes, let close) = behaviour else { return }
        while let end = headEnd() {
            received.removeFirst(end + 4)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
                if close { channel.close(promise: nil) }
            }
            if close { return }
        }
    }

    private func headEnd() -> Int? {
        guard received.count >= 4 else { return nil }
        for i in 0...(received.count - 4) where received[i] == 13 && received[i + 1] == 10 && received[i + 2] == 13 && received[i + 3] == 10 {
            return i
        }
        return nil
    }
}
