import Synchronization

/// Many clients in front of a fleet: each (path, node) request of the work list is sent once, by
/// `concurrency` client threads, each on a fresh connection. A request meant for a node the test
/// took out goes to the next node, as a load balancer sends it, and so does one whose connection
/// that node refused or dropped while it was being taken out.
final class FleetLoad: Sendable {
    let work: [(path: String, node: Int)]
    /// Requests answered so far.
    let done = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let failures = Mutex<[String]>([])

    init(work: [(path: String, node: Int)]) {
        self.work = work
    }

    /// Runs the whole list; returns what went wrong (a status other than 200, a body not the path's).
    func run(_ fleet: Fleet, concurrency: Int) async throws -> [String] {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { try await onThread { self.worker(fleet) } }
            }
            try await group.waitForAll()
        }
        return failures.withLock { $0 }
    }

    private func worker(_ fleet: Fleet) {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < work.count else { return }
            let (path, node) = work[index]
            var target = node
            var attempts = 0
            while true {
                attempts += 1
                if fleet.isStopped(target) { target = (target + 1) % fleet.hosts.count; continue }
                do {
                    let response = try fleet.get(target, path)
                    if response.status != 200 || response.text != "object \(path)" {
                        failures.withLock { $0.append("\(path) via node \(target): \(response.status) \(response.text.prefix(80))") }
                    }
                    break
                } catch {
                    if fleet.isStopped(target), attempts < 5 { continue }
                    failures.withLock { $0.append("\(path) via node \(target): \(error)") }
                    break
                }
            }
            done.wrappingAdd(1, ordering: .relaxed)
        }
    }
}
