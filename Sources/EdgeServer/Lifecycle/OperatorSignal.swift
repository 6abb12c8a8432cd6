import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls a handler on every delivery of an operator's signal (`SIGHUP`: reload; `SIGUSR1`: reopen
/// the log files) for as long as it is kept. Installing it also stops the signal from ending the
/// process, its default action.
public final class OperatorSignal: Sendable {
    /// Behind a lock only because Dispatch's source type is not Sendable; it is set once here.
    private let source: Mutex<DispatchSourceSignal>

    public init(_ number: Int32, _ handler: @escaping @Sendable () -> Void) {
        // Dispatch sees the signal only when the default action (terminate) is off.
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "edge.signal.\(number)"))
        source.setEventHandler(handler: handler)
        source.resume()
        self.source = Mutex(source)
    }

    deinit {
        source.withLock { $0.cancel() }
    }
}
