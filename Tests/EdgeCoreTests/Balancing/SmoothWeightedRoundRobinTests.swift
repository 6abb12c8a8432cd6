import Testing

@testable import EdgeCore

@Suite("Smooth weighted round robin")
struct SmoothWeightedRoundRobinTests {
    @Test("weights 5, 1, 1 give nginx's interleaved sequence a a b a c a a")
    func nginxSequence() {
        var rr = SmoothWeightedRoundRobin(weights: [5, 1, 1])
        let picks = (0..<7).compactMap { _ in rr.next(eligible: { _ in true }) }
        #expect(picks == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test("over many picks each server's share matches its weight exactly per cycle")
    func distributionByWeight() {
        var rr = SmoothWeightedRoundRobin(weights: [3, 2, 1])
        var counts = [0, 0, 0]
        for _ in 0..<600 {
            if let index = rr.next(eligible: { _ in true }) { counts[index] += 1 }
        }
        #expect(counts == [300, 200, 100])
    }

    @Test("a heavy server never gets more than its share in a row (smoothness)")
    func smoothness() {
        var rr = SmoothWeightedRoundRobin(weights: [2, 1])
        var longestRun = 0
        var run = 0
        for _ in 0..<300 {
            if rr.next(eligible: { _ in true }) == 0 { run += 1 } else { run = 0 }
            longestRun = max(longestRun, run)
        }
        #expect(longestRun == 2)
    }

    @Test("ineligible servers are skipped and none eligible gives nil")
    func eligibility() {
        var rr = SmoothWeightedRoundRobin(weights: [1, 1, 1])
        let picks = (0..<6).compactMap { _ in rr.next(eligible: { $0 != 1 }) }
        #expect(!picks.contains(1))
        #expect(Set(picks) == [0, 2])
        #expect(rr.next(eligible: { _ in false }) == nil)
    }
}
