import Testing

@testable import EdgeCore

@Suite("Server health state machine")
struct ServerHealthTests {
    let settings = ServerHealth.Settings(rise: 2, fall: 3, maxFails: 2, failTimeout: 10)

    @Test("fall failed probes in a row take a server down, and rise good ones bring it back")
    func riseAndFall() {
        var health = ServerHealth(settings: settings)
        #expect(health.probe(succeeded: false, now: 0) == nil)
        #expect(health.probe(succeeded: false, now: 1) == nil)
        #expect(health.probe(succeeded: false, now: 2) == .down)
        #expect(!health.takesTraffic)
        #expect(health.probe(succeeded: true, now: 3) == nil)
        #expect(health.probe(succeeded: false, now: 4) == nil)
        #expect(health.probe(succeeded: true, now: 5) == nil)
        #expect(health.probe(succeeded: true, now: 6) == .up)
        #expect(health.takesTraffic)
    }

    @Test("a good probe between failures resets the count")
    func interruptedFailures() {
        var health = ServerHealth(settings: settings)
        _ = health.probe(succeeded: false, now: 0)
        _ = health.probe(succeeded: false, now: 1)
        _ = health.probe(succeeded: true, now: 2)
        #expect(health.probe(succeeded: false, now: 3) == nil)
        #expect(health.state == .up)
    }

    @Test("consecutive live failures open the circuit; a success in between resets them")
    func passiveCircuitBreaker() {
        var health = ServerHealth(settings: settings)
        #expect(health.observed(succeeded: false, now: 0) == nil)
        #expect(health.observed(succeeded: true, now: 1) == nil)
        #expect(health.observed(succeeded: false, now: 2) == nil)
        #expect(health.observed(succeeded: false, now: 3) == .down)
        #expect(health.downSince == 3)
    }

    @Test("after fail_timeout one trial request is let through (half-open) and decides the state")
    func halfOpen() {
        var health = ServerHealth(settings: settings)
        _ = health.observed(succeeded: false, now: 0)
        _ = health.observed(succeeded: false, now: 0)
        #expect(health.beginTrial(now: 5) == false)
        #expect(health.beginTrial(now: 10) == true)
        #expect(health.state == .halfOpen)
        #expect(health.beginTrial(now: 10) == false)
        #expect(health.observed(succeeded: false, now: 11) == .down)
        #expect(health.downSince == 11)
        #expect(health.beginTrial(now: 21) == true)
        #expect(health.observed(succeeded: true, now: 22) == .up)
    }

    @Test("passive checks can be turned off with max_fails = 0")
    func passiveOff() {
        var health = ServerHealth(settings: .init(rise: 1, fall: 1, maxFails: 0, failTimeout: 1))
        for step in 0..<10 { #expect(health.observed(succeeded: false, now: Double(step)) == nil) }
        #expect(health.state == .up)
    }

    @Test("each state change is reported once")
    func reportedOnce() {
        var health = ServerHealth(settings: .init(rise: 1, fall: 1, maxFails: 1, failTimeout: 1))
        #expect(health.probe(succeeded: false, now: 0) == .down)
        #expect(health.probe(succeeded: false, now: 1) == nil)
        #expect(health.observed(succeeded: false, now: 2) == nil)
    }

    @Test("a trial whose request never reports back is replaced after another fail_timeout")
    func lostTrial() {
        var health = ServerHealth(settings: .init(rise: 1, fall: 1, maxFails: 1, failTimeout: 10))
        _ = health.observed(succeeded: false, now: 0)
        #expect(health.beginTrial(now: 10) == true)
        #expect(health.beginTrial(now: 15) == false)
        #expect(health.beginTrial(now: 20) == true)
    }

    @Test("a server live traffic took down comes back on its next good answer (panic mode sends it some)")
    func successWhileDownByTraffic() {
        var health = ServerHealth(settings: settings)
        _ = health.observed(succeeded: false, now: 0)
        #expect(health.observed(succeeded: false, now: 0) == .down)
        #expect(health.downCause == .traffic)
        #expect(health.observed(succeeded: true, now: 1) == .up)
        #expect(health.downCause == nil)
    }

    @Test("a server the health check took down gets no trial requests and no comeback from traffic")
    func downByHealthCheck() {
        var health = ServerHealth(settings: .init(rise: 1, fall: 1, maxFails: 1, failTimeout: 1))
        #expect(health.probe(succeeded: false, now: 0) == .down)
        #expect(health.downCause == .healthCheck)
        #expect(health.beginTrial(now: 100) == false)
        #expect(health.observed(succeeded: true, now: 100) == nil)
        #expect(health.probe(succeeded: true, now: 101) == .up)
    }

    @Test("failing probes confirm a server traffic took down, which then stays out")
    func probesConfirmTraffic() {
        var health = ServerHealth(settings: .init(rise: 2, fall: 2, maxFails: 1, failTimeout: 1))
        #expect(health.observed(succeeded: false, now: 0) == .down)
        #expect(health.downCause == .traffic)
        #expect(health.probe(succeeded: false, now: 1) == nil)
        #expect(health.probe(succeeded: false, now: 2) == nil)
        #expect(health.downCause == .healthCheck)
        #expect(health.beginTrial(now: 10) == false)
    }
}
