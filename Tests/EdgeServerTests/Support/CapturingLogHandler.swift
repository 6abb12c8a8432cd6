import Logging
import Synchronization

/// A log handler that keeps every message, for tests that count log lines.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        let messages = Mutex<[(level: Logger.Level, message: String)]>([])

        func count(_ text: String) -> Int {
            messages.withLock { $0.filter { $0.message.contains(text) }.count }
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.messages.withLock { $0.append((event.level, "\(event.message)")) }
    }

    /// A logger writing into `store`.
    static func logger(_ store: Store) -> Logger {
        Logger(label: "capture") { _ in CapturingLogHandler(store: store) }
    }
}
