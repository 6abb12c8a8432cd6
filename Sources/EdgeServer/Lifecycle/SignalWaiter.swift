import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for SIGTERM or SIGINT, the signals that ask the server to drain and exit.
public enum SignalWaiter {
    /// Returns the name of the first termination signal received.
    public static func waitForTermination() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "edge.signals")
            let once = SignalOnce(continuation)
            var sources: [DispatchSourceSignal] = []
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    once.resume(name)
                }
                sources.append(source)
            }
            once.keep(sources)
            for source in sources {
                source.resume()
            }
        }
    }
}

/// Resumes the waiting task once, and keeps the signal sources alive.
private final class SignalOnce: @unchecked Sendable {
    // @unchecked: `continuation` and `sources` are written during setup on the caller's thread before the
    // sources start, and afterwards only read or cleared on the one serial signal queue.
    private var continuation: CheckedContinuation<String, Never>?
    private var sources: [DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation = continuation
    }

    func keep(_ sources: [DispatchSourceSignal]) {
        self.sources = sources
    }

    func resume(_ name: String) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(returning: name)
    }
}
