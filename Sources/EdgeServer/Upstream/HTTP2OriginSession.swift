import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// One multiplexed HTTP/2 connection to an origin server, owned by one event loop's pool: every
/// request is a stream on it, so a single TCP (and TLS) connection carries them all. Each stream
/// gets an `OriginConnection` of its own behind NIO's HTTP/2-to-HTTP/1 codec, so the request path
/// is the same as over HTTP/1.1: demand-driven reads, timers, failures.
final class HTTP2OriginSession {
    private enum State {
        case connecting([OriginConnectionPool.Completion])
        case ready(Channel, NIOHTTP2Handler.StreamMultiplexer)
        case closed
    }

    let server: OriginServer
    let policy: UpstreamPolicy
    private let eventLoop: EventLoop
    private let tls: (context: NIOSSLContext, serverName: String?)?
    private var state = State.connecting([])
    private var openStreams = 0
    private var streamsStarted = 0
    private var idleTimer: Scheduled<Void>?
    /// Called once when the connection is gone, so the pool opens a new one next time.
    var onClose: (() -> Void)?

    init(server: OriginServer, policy: UpstreamPolicy, eventLoop: EventLoop, tls: (context: NIOSSLContext, serverName: String?)?) {
        self.server = server
        self.policy = policy
        self.eventLoop = eventLoop
        self.tls = tls
    }

    /// Whether no request is using the connection (for closing idle connections on drain).
    var isIdle: Bool { openStreams == 0 }

    /// Opens the connection; requests that arrive meanwhile wait for it.
    func connect() {
        let tls = self.tls
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(policy.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName))
                    }
                    // The origin may not open streams towards the edge (no server push): refuse them.
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                    ) { stream in
                        stream.close()
                    }
                }
            }
        let server = self.server
        bootstrap.connect(host: server.host, port: server.port).assumeIsolated().whenComplete { [self] result in
            guard case .connecting(let waiting) = state else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let channel):
                guard let multiplexer = try? channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self).syncMultiplexer() else {
                    channel.close(promise: nil)
                    fail(waiting, .connectFailed(server, "HTTP/2 pipeline setup failed"))
                    return
                }
                state = .ready(channel, multiplexer)
                channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
                    markClosed()
                }
                for completion in waiting {
                    openStream(completion)
                }
                armIdleTimerIfIdle()
            case .failure(let error):
                if let channelError = error as? ChannelError, case .connectTimeout = channelError {
                    fail(waiting, .connectTimeout(server))
                } else {
                    fail(waiting, .connectFailed(server, "\(error)"))
                }
            }
        }
    }

    /// A new stream for one request, as an `OriginConnection` used once.
    func openStream(_ completion: @escaping OriginConnectionPool.Completion) {
        switch state {
        case .connecting(var waiting):
            waiting.append(completion)
            state = .connecting(waiting)
        case .closed:
            completion(.failure(.closedBeforeResponse(server, reused: true)))
        case .ready(_, let multiplexer):
            idleTimer?.cancel()
            idleTimer = nil
            openStreams += 1
            let reused = streamsStarted > 0
            streamsStarted += 1
            let server = self.server
            let httpProtocol: HTTP2FramePayloadToHTTP1ClientCodec.HTTPProtocol = tls == nil ? .http : .https
            let promise = eventLoop.makePromise(of: Channel.self)
            multiplexer.createStreamChannel(promise: promise) { stream in
                stream.eventLoop.makeCompletedFuture {
                    // Reads follow the client's demand, as on HTTP/1.1 connections (flow control does the rest).
                    try stream.syncOptions?.setOption(.autoRead, value: false)
                    try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: httpProtocol))
                    try stream.pipeline.syncOperations.addHandler(OriginConnection(server: server))
                }
            }
            promise.futureResult.assumeIsolated().whenComplete { [self] result in
                guard case .success(let stream) = result,
                      let connection = try? stream.pipeline.syncOperations.handler(type: OriginConnection.self) else {
                    streamEnded()
                    completion(.failure(.closedBeforeResponse(server, reused: true)))
                    return
                }
                // A stream carries one exchange: when it ends, one fewer stream is open.
                connection.onRelease = { [weak self] connection, reusable in
                    if reusable {
                        connection.abort()
                    } else {
                        self?.streamEnded()
                    }
                }
                completion(.success((connection, reused: reused)))
            }
        }
    }

    /// Closes the connection now (shutdown), or only if idle.
    func close(onlyIfIdle: Bool) {
        guard case .ready(let channel, _) = state, !onlyIfIdle || openStreams == 0 else { return }
        channel.close(promise: nil)
    }

    private func streamEnded() {
        openStreams = max(0, openStreams - 1)
        armIdleTimerIfIdle()
    }

    private func armIdleTimerIfIdle() {
        guard openStreams == 0, idleTimer == nil, case .ready(let channel, _) = state else { return }
        idleTimer = eventLoop.assumeIsolated().scheduleTask(in: policy.keepAliveTimeout) {
            channel.close(promise: nil)
        }
    }

    private func fail(_ waiting: [OriginConnectionPool.Completion], _ error: OriginError) {
        markClosed()
        for completion in waiting {
            completion(.failure(error))
        }
    }

    private func markClosed() {
        if case .closed = state { return }
        state = .closed
        idleTimer?.cancel()
        idleTimer = nil
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
    }
}
