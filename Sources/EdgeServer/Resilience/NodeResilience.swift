import EdgeCore
import Logging
import NIOCore
import Synchronization

/// The parts of a node that keep it working when things go wrong: each pool's active health
/// checker, degraded mode, and the admission limits. Started with the listeners, stopped first
/// when draining; a reload starts the checkers of new pools and stops those of pools gone.
final class NodeResilience: Sendable {
    private struct State {
        var checkers: [HealthChecker] = []
        var started = false
    }

    private let state: Mutex<State>
    private let loops: [EventLoop]
    let degradation: DegradationMonitor
    let admission: AdmissionGate.Shared

    init(balancers: [PoolBalancer], loops: [EventLoop], settings: DegradationSettings, services: ProxyServices) {
        self.loops = loops
        state = Mutex(State(checkers: Self.checkers(for: balancers, keeping: [], loops: loops)))
        degradation = DegradationMonitor(
            settings: settings, loops: loops, flags: services.flags, stats: services.stats,
            metrics: services.metrics, logger: services.logger)
        admission = AdmissionGate.Shared(settings: settings, metrics: services.metrics)
    }

    /// One checker per balancer with a health check: the one in `keeping` for a balancer kept by a
    /// reload (it goes on probing), a new one otherwise.
    private static func checkers(for balancers: [PoolBalancer], keeping: [HealthChecker], loops: [EventLoop]) -> [HealthChecker] {
        guard !loops.isEmpty else { return [] }
        return balancers.enumerated().compactMap { index, balancer in
            guard let check = balancer.resilience.healthCheck else { return nil }
            return keeping.first { $0.balancer === balancer }
                ?? HealthChecker(balancer: balancer, check: check, eventLoop: loops[index % loops.count])
        }
    }

    /// The pools whose servers are being probed now.
    var checkedPools: [String] { state.withLock { $0.checkers.map(\.balancer.name) } }

    func start() {
        let checkers = state.withLock { state in
            state.started = true
            return state.checkers
        }
        for checker in checkers { checker.start() }
        degradation.start()
    }

    func stop() {
        let checkers = state.withLock { state in
            state.started = false
            return state.checkers
        }
        for checker in checkers { checker.stop() }
        degradation.stop()
    }

    /// After a reload: health checks for the new generation's balancers (those kept go on as they
    /// were), and the new degradation thresholds. Admission limits need a restart.
    func update(balancers: [PoolBalancer], degradation settings: DegradationSettings) {
        let loops = self.loops
        let (added, removed, started) = state.withLock { state in
            let next = Self.checkers(for: balancers, keeping: state.checkers, loops: loops)
            let added = next.filter { checker in !state.checkers.contains { $0 === checker } }
            let removed = state.checkers.filter { checker in !next.contains { $0 === checker } }
            state.checkers = next
            return (added, removed, state.started)
        }
        for checker in removed { checker.stop() }
        if started {
            for checker in added { checker.start() }
        }
        degradation.update(settings, started: started)
    }
}

extension EdgeServer {
    /// Each origin pool's servers and their health, in-flight requests and retry budget (for `/stats`).
    public func poolHealth() -> [PoolHealthSnapshot] {
        services.router.balancers.map { $0.snapshot() }
    }

    /// Whether degraded mode is on (optional work is being shed).
    public var isDegraded: Bool { resilience.degradation.isDegraded }
}
