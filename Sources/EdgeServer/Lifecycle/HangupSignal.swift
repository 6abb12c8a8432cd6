import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls a handler on every SIGHUP (the operator's "reload" signal) for as long as it is kept.
/// Installing it also stops SIGHUP from ending the process, its default action.
public final class HangupSignal: Sendable {
    /// Behind a lock only because Dispatch's source type is not Sendable; it is set once here.
    private let source: Mutex<DispatchSourceSignal>

    public init(_ handler: @escaping @Sendable () -> Void) {
        // Dispatch sees the signal only when the default action (terminate) is off.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "edge.sighup"))
        source.setEventHandler(handler: handler)
        source.resume()
        self.source = Mutex(source)
    }

    deinit {
        source.withLock { $0.cancel() }
    }
}
