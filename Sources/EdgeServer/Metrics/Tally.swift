import CoreMetrics
import Synchronization

/// A count kept both as a relaxed atomic (a tally for `/stats`, never a guard) and as a metric.
final class Tally: Sendable {
    private let count = Atomic<Int>(0)
    private let metric: CoreMetrics.Counter?

    init(_ metric: CoreMetrics.Counter?) {
        self.metric = metric
    }

    var value: Int { count.load(ordering: .relaxed) }

    func add() {
        count.wrappingAdd(1, ordering: .relaxed)
        metric?.increment()
    }

    func add(_ amount: Int) {
        count.wrappingAdd(amount, ordering: .relaxed)
        metric?.increment(by: Int64(amount))
    }
}
