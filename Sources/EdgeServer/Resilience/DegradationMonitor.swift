import CoreMetrics
import EdgeCore
import Logging
import NIOCore
import Synchronization

/// Measures pressure on the node and runs degraded mode: every `sampleInterval` each event loop
/// notes how late its timer fired (event-loop delay), and one loop feeds the worst delay and the
/// requests in flight to a `DegradationController`. On a switch it sheds (or restores)
/// `enhancements`, `compression` and `backgroundRevalidation`, logs once and counts it.
final class DegradationMonitor: Sendable {
    static let shedFlags: [FeatureFlag] = [.enhancements, .compression, .backgroundRevalidation]

    /// Replaced by a reload; read once per sample, never per request.
    private let current: Mutex<DegradationSettings>
    private let loops: [EventLoop]
    private let flags: FeatureFlags
    private let stats: ProxyStats
    private let logger: Logger
    private let controller: Mutex<DegradationController>
    /// Worst delay seen per loop since the last decision, in nanoseconds.
    private let delays: [DelaySlot]
    /// Which run of the sampling loops is live (0: stopped): a run left behind by a restart ends at
    /// its next sample.
    private let running = Atomic<Int>(0)
    private let runs = Atomic<Int>(0)
    private let switchedOn: Counter
    private let switchedOff: Counter
    private let degradedGauge: Gauge
    private let delayGauge: Gauge

    init(settings: DegradationSettings, loops: [EventLoop], flags: FeatureFlags, stats: ProxyStats, metrics: EdgeMetrics, logger: Logger) {
        current = Mutex(settings)
        self.loops = loops
        self.flags = flags
        self.stats = stats
        self.logger = logger
        controller = Mutex(DegradationController(thresholds: settings.thresholds))
        delays = loops.map { _ in DelaySlot() }
        switchedOn = metrics.counter("edge_degraded_mode_switches_total", ["to": "on"])
        switchedOff = metrics.counter("edge_degraded_mode_switches_total", ["to": "off"])
        degradedGauge = metrics.gauge("edge_degraded_mode")
        delayGauge = metrics.gauge("edge_event_loop_delay_seconds")
        degradedGauge.record(0)
    }

    /// Whether degraded mode is on now.
    var isDegraded: Bool { controller.withLock { $0.degraded } }

    func start() {
        let thresholds = current.withLock { $0.thresholds }
        guard thresholds.inFlight > 0 || thresholds.loopDelay > 0, !loops.isEmpty else { return }
        let run = runs.wrappingAdd(1, ordering: .relaxed).newValue
        guard running.compareExchange(expected: 0, desired: run, ordering: .relaxed).exchanged else { return }
        for (index, loop) in loops.enumerated() {
            loop.execute { self.sample(index, run: run) }
        }
    }

    func stop() {
        running.store(0, ordering: .relaxed)
    }

    /// A reload's thresholds and sampling. Degraded mode is judged afresh under them: if it was on,
    /// what it shed is restored now, and the next samples decide again. `started` says whether the
    /// node runs (sampling starts if the new thresholds need it, and stops if they need none).
    func update(_ settings: DegradationSettings, started: Bool) {
        let old = current.withLock { old in
            defer { old = settings }
            return old
        }
        guard old.thresholds != settings.thresholds || old.sampleInterval != settings.sampleInterval else { return }
        let wasDegraded = controller.withLock { controller in
            defer { controller = DegradationController(thresholds: settings.thresholds) }
            return controller.degraded
        }
        if wasDegraded {
            for flag in Self.shedFlags {
                flags.setShed(flag, shed: false)
            }
            degradedGauge.record(0)
            switchedOff.increment()
            logger.notice("degraded mode off: the configuration was reloaded")
        }
        // Stopping and starting again restarts the sampling loops with the new interval.
        stop()
        if started { start() }
    }

    /// Arms the next measurement on loop `index`; loop 0 also decides.
    private func sample(_ index: Int, run: Int) {
        guard running.load(ordering: .relaxed) == run else { return }
        let loop = loops[index]
        let due = NIODeadline.now() + current.withLock { $0.sampleInterval }
        loop.scheduleTask(deadline: due) {
            let late = max(0, (NIODeadline.now() - due).nanoseconds)
            self.delays[index].raise(to: late)
            if index == 0 { self.decide() }
            self.sample(index, run: run)
        }
    }

    private func decide() {
        var worst: Int64 = 0
        for slot in delays {
            worst = max(worst, slot.nanoseconds.exchange(0, ordering: .relaxed))
        }
        let sample = DegradationController.Sample(
            inFlight: stats.activeRequests.load(ordering: .relaxed), loopDelay: Double(worst) / 1e9)
        delayGauge.record(sample.loopDelay)
        let (change, description) = controller.withLock { controller in
            (controller.observe(sample, now: ProxyServices.now()), controller.describe(sample))
        }
        guard let degraded = change else { return }
        for flag in Self.shedFlags {
            flags.setShed(flag, shed: degraded)
        }
        degradedGauge.record(degraded ? 1 : 0)
        if degraded {
            switchedOn.increment()
            logger.warning("degraded mode on: shedding enhancements, compression and background revalidation",
                           metadata: ["pressure": "\(description)"])
        } else {
            switchedOff.increment()
            logger.notice("degraded mode off: pressure fell", metadata: ["pressure": "\(description)"])
        }
    }
}

/// One loop's worst delay since the last decision (atomics cannot live in an array directly).
private final class DelaySlot: Sendable {
    let nanoseconds = Atomic<Int64>(0)

    func raise(to value: Int64) {
        if value > nanoseconds.load(ordering: .relaxed) { nanoseconds.store(value, ordering: .relaxed) }
    }
}
