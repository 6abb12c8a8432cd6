import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for SIGTERM or SIGINT, the signals that ask the server to drain and exit, or SIGQUIT, sent
/// by a new node that took the listeners over (`edge serve --upgrade`): drain after a short overlap.
public enum SignalWaiter {
    /// Returns the name of the first termination signal received.
    public static func waitForTermination() async -> String {
        await install().wait()
    }

    /// Starts catching SIGTERM, SIGINT and SIGQUIT and returns once the handlers are registered.
    ///
    /// Call it before announcing that the server is up: a signal sent after the announcement
    /// must neither kill the process (the default action) nor be ignored before a handler exists.
    public static func install() async -> TerminationSignals {
        let signals = TerminationSignals()
        await signals.register()
        return signals
    }
}

/// Termination signals caught since `SignalWaiter.install()`; `wait()` returns the first one.
public final class TerminationSignals: Sendable {
    private struct State {
        var received: String?
        var waiter: CheckedContinuation<String, Never>?
    }

    private let state = Mutex(State())
    /// The sources live as long as this object: a released source stops catching.
    private let sources: Mutex<[(name: String, source: DispatchSourceSignal)]>

    fileprivate init() {
        let queue = DispatchQueue(label: "edge.signals")
        var made: [(name: String, source: DispatchSourceSignal)] = []
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGQUIT, "SIGQUIT")] {
            // Dispatch sees the signal only when the default action (terminate) is off.
            signal(number, SIG_IGN)
            made.append((name, DispatchSource.makeSignalSource(signal: number, queue: queue)))
        }
        sources = Mutex(made)
    }

    fileprivate func register() async {
        let registered = DispatchGroup()
        sources.withLock { sources in
            for (name, source) in sources {
                source.setEventHandler { [self] in
                    received(name)
                }
                registered.enter()
                source.setRegistrationHandler {
                    registered.leave()
                }
                source.resume()
            }
        }
        // Registration is asynchronous; until it is done a signal would be ignored and lost.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            registered.notify(queue: .global()) {
                continuation.resume()
            }
        }
    }

    /// The name of the first termination signal, as soon as there is one.
    public func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let already = state.withLock { state -> String? in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let already {
                continuation.resume(returning: already)
            }
        }
    }

    private func received(_ name: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String, Never>? in
            guard state.received == nil else { return nil }
            state.received = name
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: name)
    }
}
