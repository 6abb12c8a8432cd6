import Dispatch
import NIOCore
import Synchronization

/// A few dedicated threads for slow compression (brotli 11 takes about a second per MiB), so that
/// no event loop ever runs it. Serial dispatch queues need no start or shutdown, so a server that is
/// dropped without draining leaves nothing behind.
final class CompressionWorkers: Sendable {
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    init(threads: Int) {
        queues = (0..<max(1, threads)).map { DispatchQueue(label: "edge.compression.\($0)", qos: .utility) }
    }

    /// Runs `work` on a worker thread; the future completes on `eventLoop`.
    func run<T: Sendable>(on eventLoop: EventLoop, _ work: @escaping @Sendable () throws -> T) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue % queues.count
        queues[index].async {
            promise.completeWith(Result { try work() })
        }
        return promise.futureResult
    }
}
