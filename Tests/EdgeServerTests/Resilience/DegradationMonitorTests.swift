import EdgeCore
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import EdgeServer

@Suite("Degraded mode monitor")
struct DegradationMonitorTests {
    @Test("requests in flight above the threshold shed the flags, logging and counting the switch once; calm restores them")
    func switchesOnceEachWay() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let store = CapturingLogHandler.Store()
        let flags = FeatureFlags()
        let stats = ProxyStats()
        let metrics = EdgeMetrics()
        var settings = DegradationSettings()
        settings.inFlightThreshold = 10
        settings.sampleInterval = .milliseconds(10)
        settings.hold = .milliseconds(50)
        let monitor = DegradationMonitor(settings: settings, loops: Array(group.makeIterator()), flags: flags, stats: stats,
                                         metrics: metrics, logger: CapturingLogHandler.logger(store))
        monitor.start()
        stats.activeRequests.store(50, ordering: .relaxed)
        let on = await eventually { !flags.isEnabled(.enhancements) }
        #expect(on)
        // Pressure stays high for a while: still one switch.
        try await Task.sleep(for: .milliseconds(100))
        #expect(!flags.isEnabled(.compression))
        #expect(!flags.isEnabled(.backgroundRevalidation))
        stats.activeRequests.store(0, ordering: .relaxed)
        let off = await eventually { flags.isEnabled(.enhancements) && flags.isEnabled(.backgroundRevalidation) }
        #expect(off)
        monitor.stop()
        #expect(store.count("degraded mode on") == 1)
        #expect(store.count("degraded mode off") == 1)
        #expect(metrics.render().contains("edge_degraded_mode_switches_total{to=\"on\"} 1"))
        try await group.shutdownGracefully()
    }
}
