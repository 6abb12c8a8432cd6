import Testing

@testable import EdgeCore

@Suite("Weighted least connections")
struct LeastConnectionsTests {
    @Test("the server with fewest requests in flight wins")
    func fewestWins() {
        #expect(LeastConnections.pick(inFlight: [4, 1, 3], weights: [1, 1, 1], eligible: { _ in true }) == 1)
    }

    @Test("in-flight counts are divided by weight")
    func weighted() {
        // 4/4 = 1 beats 2/1 = 2.
        #expect(LeastConnections.pick(inFlight: [4, 2], weights: [4, 1], eligible: { _ in true }) == 0)
        #expect(LeastConnections.pick(inFlight: [5, 1], weights: [4, 1], eligible: { _ in true }) == 1)
    }

    @Test("ties rotate with the start position instead of always taking the first server")
    func tiesRotate() {
        let picks = (0..<3).compactMap { LeastConnections.pick(inFlight: [0, 0, 0], weights: [1, 1, 1], start: $0, eligible: { _ in true }) }
        #expect(picks == [0, 1, 2])
    }

    @Test("ineligible servers are never picked, even when idle")
    func eligibility() {
        #expect(LeastConnections.pick(inFlight: [0, 9], weights: [1, 1], eligible: { $0 == 1 }) == 1)
        #expect(LeastConnections.pick(inFlight: [0, 9], weights: [1, 1], eligible: { _ in false }) == nil)
    }

    @Test("a simulated steady load spreads in-flight requests in proportion to weight")
    func steadyLoad() {
        var inFlight = [0, 0, 0]
        let weights = [1, 2, 3]
        for step in 0..<60 {
            if let index = LeastConnections.pick(inFlight: inFlight, weights: weights, start: step, eligible: { _ in true }) {
                inFlight[index] += 1
            }
        }
        #expect(inFlight == [10, 20, 30])
    }
}
