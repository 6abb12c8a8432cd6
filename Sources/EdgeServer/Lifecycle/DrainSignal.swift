import Synchronization

/// Set once when the server starts draining: every connection then ends after its current response.
final class DrainSignal: Sendable {
    private let draining = Atomic<Bool>(false)

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func start() {
        draining.store(true, ordering: .relaxed)
    }
}
