import NIOCore
import NIOPosix
import Synchronization

/// An origin that misbehaves per request: it answers some targets and, for others, closes the
/// connection without an answer or after taking part of an upload. It speaks raw bytes (requests
/// framed by `Content-Length` only), so it can fail in ways a well-behaved HTTP server cannot.
final class FaultyOrigin: Sendable {
    indirect enum Reply: Sendable {
        /// A complete response with `Content-Length`, on a connection kept open.
        case answer(status: Int, body: String, cacheControl: String = "no-store", contentType: String = "text/plain")
        /// An interim (1xx) response with these fields first, then `reply`.
        case interim(status: Int, fields: [(String, String)], then: Reply)
        /// `reply` after a pause, as an origin still working on the response.
        case after(TimeAmount, Reply)
        /// Closes the connection as soon as the request head is in.
        case closeWithoutAnswer
        /// Reads up to `bytes` of the request body (all of it if shorter), then closes without answering,
        /// as servers do to refuse an upload they will not take.
        case closeAfterBody(bytes: Int)
        /// A cacheable 200 that announces `declared` bytes, sends `sent` of them and closes: a body cut short.
        case cutShort(declared: Int, sent: Int)
    }

    typealias Decide = @Sendable (_ method: String, _ target: String) -> Reply

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let log: RequestLog
    let port: Int

    init(_ decide: @escaping Decide) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = RequestLog()
        self.group = group
        self.log = log
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultyOriginHandler(decide: decide, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// The request targets received so far, in order (a request counts once its head is in).
    var targets: [String] { log.targets.withLock { $0 } }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class RequestLog: Sendable {
    let targets = Mutex<[String]>([])
}

private final class FaultyOriginHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let decide: FaultyOrigin.Decide
    private let log: RequestLog
    private var received: [UInt8] = []
    /// The request whose body is being read, and what to do once enough of it is in.
    private var reading: (remaining: Int, reply: FaultyOrigin.Reply)?
    private var closed = false

    init(decide: @escaping FaultyOrigin.Decide, log: RequestLog) {
        self.decide = decide
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        while !closed {
            if let current = reading {
                let wanted: Int
                if case .closeAfterBody(let bytes) = current.reply { wanted = min(bytes, current.remaining) } else { wanted = current.remaining }
                let taken = min(wanted, received.count)
                received.removeFirst(taken)
                reading!.remaining -= taken
                guard taken == wanted else { return }
                finish(context, current.reply)
                reading = nil
                continue
            }
            guard let end = headEnd() else { return }
            let head = String(decoding: received[..<end], as: UTF8.self)
            received.removeFirst(end + 4)
            let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
            let parts = requestLine.split(separator: " ")
            let method = parts.first.map(String.init) ?? ""
            let target = parts.count > 1 ? String(parts[1]) : ""
            log.targets.withLock { $0.append(target) }
            let length = head.split(separator: "\r\n").dropFirst().compactMap { line -> Int? in
                let pieces = line.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2, pieces[0].lowercased() == "content-length" else { return nil }
                return Int(pieces[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            let reply = decide(method, target)
            if case .closeWithoutAnswer = reply {
                finish(context, reply)
            } else {
                reading = (length, reply)
            }
        }
    }

    private func finish(_ context: ChannelHandlerContext, _ reply: FaultyOrigin.Reply) {
        switch reply {
        case .answer(let status, let body, let cacheControl, let contentType):
            let text = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\nCache-Control: \(cacheControl)\r\nContent-Type: \(contentType)\r\n\r\n\(body)"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        case .interim(let status, let fields, let then):
            let text = "HTTP/1.1 \(status) Interim\r\n" + fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
            finish(context, then)
        case .after(let pause, let then):
            context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
                finish(context, then)
            }
        case .cutShort(let declared, let sent):
            let head = "HTTP/1.1 200 OK\r\nContent-Length: \(declared)\r\nCache-Control: max-age=600\r\nContent-Type: text/plain\r\n\r\n"
            var bytes = context.channel.allocator.buffer(string: head)
            bytes.writeRepeatingByte(UInt8(ascii: "c"), count: sent)
            closed = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        case .closeWithoutAnswer, .closeAfterBody:
            closed = true
            context.close(promise: nil)
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
