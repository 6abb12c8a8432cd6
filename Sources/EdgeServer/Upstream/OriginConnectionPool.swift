import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to origin servers, owned by one event loop.
///
/// Each event loop has its own pool, so a client connection and the origin connection serving it
/// share a thread: no locks on the request path, and bodies move between them without hops.
final class OriginConnectionPool {
    private final class Slot {
        var idle: [OriginConnection] = []
        var open = 0
        var waiters = CircularBuffer<Waiter>()
    }

    private struct Waiter {
        var id: Int
        var completion: (Result<(OriginConnection, reused: Bool), OriginError>) -> Void
        var timer: Scheduled<Void>?
    }

    private let eventLoop: EventLoop
    private let connectTimeout: TimeAmount
    private let keepAliveTimeout: TimeAmount
    private let maxConnectionsPerServer: Int
    private var slots: [OriginServer: Slot] = [:]
    private var nextWaiterID = 0
    private var idleTimers: [ObjectIdentifier: Scheduled<Void>] = [:]

    init(eventLoop: EventLoop, connectTimeout: TimeAmount, keepAliveTimeout: TimeAmount, maxConnectionsPerServer: Int) {
        self.eventLoop = eventLoop
        self.connectTimeout = connectTimeout
        self.keepAliveTimeout = keepAliveTimeout
        self.maxConnectionsPerServer = max(1, maxConnectionsPerServer)
    }

    /// Hands out an idle connection to `server`, or opens one, or waits for one to be released.
    /// `reused` tells the caller whether the connection already carried a request.
    func acquire(_ server: OriginServer, _ completion: @escaping (Result<(OriginConnection, reused: Bool), OriginError>) -> Void) {
        let slot = self.slot(for: server)
        while let connection = slot.idle.popLast() {
            idleTimers.removeValue(forKey: ObjectIdentifier(connection))?.cancel()
            if connection.isActive {
                completion(.success((connection, reused: true)))
                return
            }
        }
        if slot.open < maxConnectionsPerServer {
            connect(server, slot: slot, completion)
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = eventLoop.assumeIsolated().scheduleTask(in: connectTimeout) { [weak self] in
            self?.expireWaiter(id, server: server)
        }
        slot.waiters.append(Waiter(id: id, completion: completion, timer: timer))
    }

    /// Closes every idle connection (used when the server drains).
    func closeIdleConnections() {
        for slot in slots.values {
            for connection in slot.idle {
                connection.abort()
            }
            slot.idle.removeAll()
        }
    }

    private func slot(for server: OriginServer) -> Slot {
        if let slot = slots[server] { return slot }
        let slot = Slot()
        slots[server] = slot
        return slot
    }

    private func connect(_ server: OriginServer, slot: Slot, _ completion: @escaping (Result<(OriginConnection, reused: Bool), OriginError>) -> Void) {
        slot.open += 1
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .dropBytes)
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
                connection.onRelease = { [weak self] connection, reusable in
                    self?.release(connection, reusable: reusable)
                }
                completion(.success((connection, reused: false)))
            case .failure(let error):
                slot.open -= 1
                if error is ChannelError, case ChannelError.connectTimeout = error {
                    completion(.failure(.connectTimeout(server)))
                } else {
                    completion(.failure(.connectFailed(server, Self.describe(error))))
                }
                self.serveNextWaiter(server, slot: slot)
            }
        }
    }

    private func release(_ connection: OriginConnection, reusable: Bool) {
        let server = connection.server
        let slot = self.slot(for: server)
        if reusable {
            if let waiter = slot.waiters.popFirst() {
                waiter.timer?.cancel()
                waiter.completion(.success((connection, reused: true)))
                return
            }
            slot.idle.append(connection)
            let key = ObjectIdentifier(connection)
            idleTimers[key] = eventLoop.assumeIsolated().scheduleTask(in: keepAliveTimeout) { [weak self, weak connection] in
                self?.idleTimers.removeValue(forKey: key)
                connection?.abort()
            }
        } else {
            slot.open -= 1
            if let index = slot.idle.firstIndex(where: { $0 === connection }) {
                slot.idle.remove(at: index)
            }
            idleTimers.removeValue(forKey: ObjectIdentifier(connection))?.cancel()
            serveNextWaiter(server, slot: slot)
        }
    }

    private func serveNextWaiter(_ server: OriginServer, slot: Slot) {
        guard slot.open < maxConnectionsPerServer, let waiter = slot.waiters.popFirst() else { return }
        waiter.timer?.cancel()
        connect(server, slot: slot, waiter.completion)
    }

    private func expireWaiter(_ id: Int, server: OriginServer) {
        guard let slot = slots[server], let index = slot.waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = slot.waiters.remove(at: index)
        waiter.completion(.failure(.poolExhausted(server)))
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
