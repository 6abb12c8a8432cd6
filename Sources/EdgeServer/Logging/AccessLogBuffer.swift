import EdgeCore
import NIOCore

/// One event loop's access-log lines, written in batches: when more than `flushThreshold` bytes wait,
/// once the loop has handled the events at hand (a task queued behind them), and when the server
/// stops. A write per request under a lock shared by every loop cost more than answering a cache hit.
/// Lines still reach the log before the loop waits for more input, so an idle server's log is
/// current and requests answered one after another on different loops keep their order.
///
/// Used only on its event loop.
final class AccessLogBuffer {
    static let flushThreshold = 32 * 1024

    let log: AccessLog
    private let eventLoop: EventLoop
    private var pending: [UInt8] = []
    private var flushScheduled = false

    init(log: AccessLog, eventLoop: EventLoop) {
        self.log = log
        self.eventLoop = eventLoop
    }

    deinit {
        flush()
    }

    /// Queues the line for `entry`; `entry` is only built when the log is on.
    func record(_ entry: @autoclosure () -> AccessLog.Entry) {
        guard log.isEnabled else { return }
        var line = log.line(entry())
        line.withUTF8 { pending.append(contentsOf: $0) }
        if pending.count >= Self.flushThreshold {
            flush()
        } else if !flushScheduled {
            flushScheduled = true
            eventLoop.assumeIsolated().execute { [self] in
                flushScheduled = false
                flush()
            }
        }
    }

    /// Writes every waiting line now.
    func flush() {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBufferPointer { log.writeAll($0) }
        pending.removeAll(keepingCapacity: true)
    }
}
