/// A client connection that draining can end: at once when it is between requests, else after
/// what it is serving now.
protocol DrainableConnection: AnyObject {
    func closeIfIdle()
    func closeNow()
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

    func closeAll() {
        for connection in connections.values {
            connection.closeNow()
        }
    }
}
