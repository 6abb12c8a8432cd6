import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Keep-alive connections to origin servers, owned by one event loop.
///
/// Each event loop has its own pool, so a client connection and the origin connection serving it
/// share a thread: no locks on the request path, and bodies move between them without hops.
/// Connections are kept per origin pool and server, so each pool's limits and timeouts hold.
final class OriginConnectionPool {
    struct SlotKey: Hashable {
        var pool: String
        var server: OriginServer
    }

    private final class Slot {
        let key: SlotKey
        let policy: UpstreamPolicy
        let limit: Int
        var idle: [OriginConnection] = []
        var open = 0
        var waiters = CircularBuffer<Waiter>()
        /// Left behind by a reload: its connections close as their exchanges end.
        var retired = false

        init(key: SlotKey, policy: UpstreamPolicy, limit: Int) {
            self.key = key
            self.policy = policy
            self.limit = limit
        }
    }

    private struct Waiter {
        var id: Int
        var completion: (Result<(OriginConnection, reused: Bool), OriginError>) -> Void
        var timer: Scheduled<Void>?
    }

    typealias Completion = (Result<(OriginConnection, reused: Bool), OriginError>) -> Void

    let eventLoop: EventLoop
    let loopCount: Int
    /// This loop's balancing scores and requests waiting for a pool slot.
    let upstream: LoopUpstreamState
    private var slots: [SlotKey: Slot] = [:]
    /// Slots a reload left behind, kept until their last busy connection ends.
    private var retiredSlots: [ObjectIdentifier: Slot] = [:]
    private var nextWaiterID = 0
    private var idleTimers: [ObjectIdentifier: Scheduled<Void>] = [:]
    /// Every open connection, busy or idle, so that shutdown can end them all.
    private var connections: [ObjectIdentifier: OriginConnection] = [:]

    private let tlsContexts: OriginTLSContexts
    /// One multiplexed connection per pool and server, for pools that speak HTTP/2 to their origins.
    private var sessions: [SlotKey: HTTP2OriginSession] = [:]

    init(eventLoop: EventLoop, loopCount: Int, tlsContexts: OriginTLSContexts = OriginTLSContexts()) {
        self.eventLoop = eventLoop
        self.loopCount = max(1, loopCount)
        self.tlsContexts = tlsContexts
        self.upstream = LoopUpstreamState(eventLoop: eventLoop)
    }

    /// Hands out an idle connection to `server`, or opens one, or waits for one to be released.
    /// `reused` tells the caller whether the connection already carried a request.
    func acquire(_ server: OriginServer, pool: String, policy: UpstreamPolicy, _ completion: @escaping Completion) {
        if policy.http2 {
            session(for: SlotKey(pool: pool, server: server), policy: policy, completion)?.openStream(completion)
            return
        }
        let slot = self.slot(for: SlotKey(pool: pool, server: server), policy: policy)
        while let connection = slot.idle.popLast() {
            idleTimers.removeValue(forKey: ObjectIdentifier(connection))?.cancel()
            if connection.isActive {
                completion(.success((connection, reused: true)))
                return
            }
        }
        if slot.open < slot.limit {
            connect(slot: slot, completion)
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = eventLoop.assumeIsolated().scheduleTask(in: policy.connectTimeout) { [weak self, weak slot] () -> Void in
            guard let self, let slot else { return }
            self.expireWaiter(id, slot: slot)
        }
        slot.waiters.append(Waiter(id: id, completion: completion, timer: timer))
    }

    /// Connections waiting for a request.
    var idleCount: Int { slots.values.reduce(0) { $0 + $1.idle.count } }
    /// Open HTTP/1.1 origin connections, busy or idle.
    var openCount: Int { connections.count }

    /// Closes every idle connection (used when the server drains).
    func closeIdleConnections() {
        for session in sessions.values {
            session.close(onlyIfIdle: true)
        }
        for slot in slots.values {
            let idle = slot.idle
            slot.idle.removeAll()
            for connection in idle {
                connection.abort()
            }
        }
    }

    /// Ends every connection, busy ones included: the last step of shutting down, so that no fetch
    /// outlives the event loops.
    func closeAllConnections() {
        for session in Array(sessions.values) {
            session.close(onlyIfIdle: false)
        }
        for connection in Array(connections.values) {
            connection.abort()
        }
    }

    /// After a reload: connections to a server no longer configured (or whose pool's connection
    /// settings changed) are closed now if idle, and as their exchanges end if busy; new requests
    /// open connections under the new settings. `current` is every (pool, server) still configured.
    func retire(keeping current: [SlotKey: UpstreamPolicy]) {
        for (key, slot) in slots where current[key] != slot.policy {
            slots.removeValue(forKey: key)
            slot.retired = true
            let idle = slot.idle
            slot.idle.removeAll()
            for connection in idle {
                connection.abort()
            }
            if slot.open > 0 {
                retiredSlots[ObjectIdentifier(slot)] = slot
            }
            // Requests waiting for a connection wait under the new settings, or learn that their
            // server left the configuration (never for a connection of the retired slot's).
            let waiters = slot.waiters
            slot.waiters.removeAll()
            for waiter in waiters {
                waiter.timer?.cancel()
                if let policy = current[key] {
                    acquire(key.server, pool: key.pool, policy: policy, waiter.completion)
                } else {
                    waiter.completion(.failure(.connectFailed(key.server, "the server left the configuration in a reload")))
                }
            }
        }
        for (key, session) in sessions where current[key] != session.policy {
            // A busy one closes once idle for the keep-alive timeout, as any idle session does.
            sessions.removeValue(forKey: key)
            session.close(onlyIfIdle: true)
        }
    }

    private func slot(for key: SlotKey, policy: UpstreamPolicy) -> Slot {
        if let slot = slots[key] { return slot }
        // Each loop may open its share of the pool's connection limit.
        let limit = max(1, (policy.maxConnectionsPerServer + loopCount - 1) / loopCount)
        let slot = Slot(key: key, policy: policy, limit: limit)
        slots[key] = slot
        return slot
    }

    /// The HTTP/2 connection for `key`, opening one when there is none; nil (after failing
    /// `completion`) when its TLS context is missing.
    private func session(for key: SlotKey, policy: UpstreamPolicy, _ completion: Completion) -> HTTP2OriginSession? {
        if let session = sessions[key] { return session }
        let tls: (context: NIOSSLContext, serverName: String?)?
        do {
            tls = try tlsSetup(for: key.server, policy: policy)
        } catch {
            completion(.failure(error))
            return nil
        }
        let session = HTTP2OriginSession(server: key.server, policy: policy, eventLoop: eventLoop, tls: tls)
        session.onClose = { [weak self, weak session] in
            guard let self, let session, self.sessions[key] === session else { return }
            self.sessions.removeValue(forKey: key)
        }
        sessions[key] = session
        session.connect()
        return session
    }

    /// The TLS context and SNI name for a server of `policy`, nil for plain HTTP. Throws when the
    /// pool needs TLS but its context was never prepared.
    private func tlsSetup(for server: OriginServer, policy: UpstreamPolicy) throws(OriginError) -> (context: NIOSSLContext, serverName: String?)? {
        guard let settings = policy.tls else { return nil }
        guard let context = tlsContexts.context(for: settings) else {
            throw .tlsFailed(server, "no TLS context was prepared for this pool")
        }
        return (context, settings.sniName(for: server.host))
    }

    private func connect(slot: Slot, _ completion: @escaping Completion) {
        slot.open += 1
        let server = slot.key.server
        let tls: (context: NIOSSLContext, serverName: String?)?
        do {
            tls = try tlsSetup(for: server, policy: slot.policy)
        } catch {
            slot.open -= 1
            completion(.failure(error))
            return
        }
        var bootstrap = ClientBootstrap(group: eventLoop)
        if let source = slot.policy.sourceAddress, let address = try? SocketAddress(ipAddress: source, port: 0) {
            bootstrap = bootstrap.bind(to: address)
        }
        bootstrap = bootstrap
            .connectTimeout(slot.policy.connectTimeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName))
                    }
                    // Interim responses (103 Early Hints) are passed on to the client, so the decoder forwards them.
                    try channel.pipeline.syncOperations.addHandlers([
                        HTTPRequestEncoder(),
                        ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .forward)),
                        NIOHTTPRequestHeadersValidator(),
                    ])
                    try channel.pipeline.syncOperations.addHandler(OriginConnection(server: server))
                }
            }
        bootstrap.connect(host: server.host, port: server.port).assumeIsolated().whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let channel):
                guard let connection = try? channel.pipeline.syncOperations.handler(type: OriginConnection.self) else {
                    slot.open -= 1
                    channel.close(promise: nil)
                    completion(.failure(.connectFailed(server, "pipeline setup failed")))
                    return
                }
                self.connections[ObjectIdentifier(connection)] = connection
                connection.onRelease = { [weak self, weak slot] connection, reusable in
                    guard let self, let slot else { return }
                    self.release(connection, slot: slot, reusable: reusable)
                }
                completion(.success((connection, reused: false)))
            case .failure(let error):
                slot.open -= 1
                if error is ChannelError, case ChannelError.connectTimeout = error {
                    completion(.failure(.connectTimeout(server)))
                } else {
                    completion(.failure(.connectFailed(server, Self.describe(error))))
                }
                self.serveNextWaiter(slot)
            }
        }
    }

    private func release(_ connection: OriginConnection, slot: Slot, reusable: Bool) {
        let key = ObjectIdentifier(connection)
        if reusable, slot.retired {
            connection.abort()
            return
        }
        if reusable {
            if let waiter = slot.waiters.popFirst() {
                waiter.timer?.cancel()
                waiter.completion(.success((connection, reused: true)))
                return
            }
            slot.idle.append(connection)
            idleTimers[key] = eventLoop.assumeIsolated().scheduleTask(in: slot.policy.keepAliveTimeout) { [weak self, weak connection] () -> Void in
                self?.idleTimers.removeValue(forKey: key)
                connection?.abort()
            }
        } else {
            slot.open -= 1
            connections.removeValue(forKey: key)
            if let index = slot.idle.firstIndex(where: { $0 === connection }) {
                slot.idle.remove(at: index)
            }
            idleTimers.removeValue(forKey: key)?.cancel()
            if slot.retired, slot.open == 0 {
                retiredSlots.removeValue(forKey: ObjectIdentifier(slot))
            }
            serveNextWaiter(slot)
        }
    }

    private func serveNextWaiter(_ slot: Slot) {
        guard !slot.retired, slot.open < slot.limit, let waiter = slot.waiters.popFirst() else { return }
        waiter.timer?.cancel()
        connect(slot: slot, waiter.completion)
    }

    private func expireWaiter(_ id: Int, slot: Slot) {
        guard let index = slot.waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = slot.waiters.remove(at: index)
        waiter.completion(.failure(.poolExhausted(slot.key.server)))
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? IOError {
            return error.description
        }
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
        }
        return "\(error)"
    }
}
