/// The client connections of one event loop, so that draining can close the idle ones at once.
final class ConnectionRegistry {
    private var handlers: [ObjectIdentifier: ProxyHandler] = [:]

    func add(_ handler: ProxyHandler) {
        handlers[ObjectIdentifier(handler)] = handler
    }

    func remove(_ handler: ProxyHandler) {
        handlers.removeValue(forKey: ObjectIdentifier(handler))
    }

    var count: Int { handlers.count }

    /// Closes connections between requests; busy ones close after their response (see `DrainSignal`).
    func closeIdle() {
        for handler in handlers.values {
            handler.closeIfIdle()
        }
    }

    func closeAll() {
        for handler in handlers.values {
            handler.context?.close(promise: nil)
        }
    }
}
