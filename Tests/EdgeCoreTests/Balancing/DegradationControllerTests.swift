import Testing

@testable import EdgeCore

@Suite("Degraded mode with hysteresis")
struct DegradationControllerTests {
    let thresholds = DegradationController.Thresholds(inFlight: 100, loopDelay: 0.1, recoverFraction: 0.5, hold: 2)

    @Test("one sample over a threshold enters degraded mode, once")
    func enters() {
        var controller = DegradationController(thresholds: thresholds)
        #expect(controller.observe(.init(inFlight: 10, loopDelay: 0), now: 0) == nil)
        #expect(controller.observe(.init(inFlight: 100, loopDelay: 0), now: 1) == true)
        #expect(controller.observe(.init(inFlight: 150, loopDelay: 0), now: 2) == nil)
        var byDelay = DegradationController(thresholds: thresholds)
        #expect(byDelay.observe(.init(inFlight: 0, loopDelay: 0.2), now: 0) == true)
    }

    @Test("it leaves only after staying below the recovery fraction for the hold time")
    func leavesWithHysteresis() {
        var controller = DegradationController(thresholds: thresholds)
        _ = controller.observe(.init(inFlight: 200, loopDelay: 0), now: 0)
        // Below the threshold but above half of it: still degraded however long it lasts.
        #expect(controller.observe(.init(inFlight: 60, loopDelay: 0), now: 1) == nil)
        #expect(controller.observe(.init(inFlight: 60, loopDelay: 0), now: 10) == nil)
        #expect(controller.observe(.init(inFlight: 10, loopDelay: 0), now: 11) == nil)
        #expect(controller.observe(.init(inFlight: 10, loopDelay: 0), now: 12) == nil)
        // A spike resets the calm period.
        #expect(controller.observe(.init(inFlight: 60, loopDelay: 0), now: 12.5) == nil)
        #expect(controller.observe(.init(inFlight: 10, loopDelay: 0), now: 13) == nil)
        #expect(controller.observe(.init(inFlight: 10, loopDelay: 0), now: 15) == false)
        #expect(!controller.degraded)
    }

    @Test("thresholds of 0 are not used")
    func unusedThresholds() {
        var controller = DegradationController(thresholds: .init(inFlight: 0, loopDelay: 0))
        #expect(controller.observe(.init(inFlight: 1_000_000, loopDelay: 10), now: 0) == nil)
    }
}
