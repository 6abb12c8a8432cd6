import NIOCore

/// A client connection that draining can end: at once when it is between requests, else after
/// what it is serving now.
protocol DrainableConnection: AnyObject {
    func closeIfIdle()
    func closeNow()
    /// The listening socket that accepted the connection (its channel's parent).
    var acceptedBy: Channel? { get }
}

/// The client connections of one event loop, so that draining can close the idle ones at once.
/// HTTP/1.x connections register their `ProxyHandler`; HTTP/2 connections register one
/// `HTTP2ConnectionTracker` for all their streams.
final class ConnectionRegistry {
    private var connections: [ObjectIdentifier: any DrainableConnection] = [:]

    func add(_ connection: any DrainableConnection) {
        connections[ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: any DrainableConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
    }

    var count: Int { connections.count }

    /// Closes connections between requests; busy ones close after their response (see `DrainSignal`).
    func closeIdle() {
        for connection in connections.values {
            connection.closeIfIdle()
        }
    }

    /// After a reload closed these listeners: the connections they accepted end as draining ends them.
    func closeIdle(acceptedBy listeners: Set<ObjectIdentifier>) {
        for connection in connections.values {
            guard let listener = connection.acceptedBy, listeners.contains(ObjectIdentifier(listener)) else { continue }
            connection.closeIfIdle()
        }
    }

    func closeAll() {
        for connection in connections.values {
            connection.closeNow()
        }
    }
}
