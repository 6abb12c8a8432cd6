import EdgeCore
import Logging
import NIOCore

/// The parts of a node that keep it working when things go wrong: each pool's active health
/// checker, degraded mode, and the admission limits. Started with the listeners, stopped first
/// when draining.
final class NodeResilience: Sendable {
    let checkers: [HealthChecker]
    let degradation: DegradationMonitor
    let admission: AdmissionGate.Shared

    init(balancers: [PoolBalancer], loops: [EventLoop], settings: DegradationSettings, services: ProxyServices) {
        var checkers: [HealthChecker] = []
        for (index, balancer) in balancers.enumerated() {
            guard let check = balancer.resilience.healthCheck, !loops.isEmpty else { continue }
            checkers.append(HealthChecker(balancer: balancer, check: check, eventLoop: loops[index % loops.count]))
        }
        self.checkers = checkers
        degradation = DegradationMonitor(
            settings: settings, loops: loops, flags: services.flags, stats: services.stats,
            metrics: services.metrics, logger: services.logger)
        admission = AdmissionGate.Shared(settings: settings, metrics: services.metrics)
    }

    func start() {
        for checker in checkers { checker.start() }
        degradation.start()
    }

    func stop() {
        for checker in checkers { checker.stop() }
        degradation.stop()
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
