/// Weighted least connections: the eligible server with the fewest requests in flight per unit of
/// weight. Ties go to the first candidate at or after `start`, so callers rotate `start` to spread
/// an idle pool evenly instead of piling on server 0.
public enum LeastConnections {
    /// The index to use, or nil when no server is eligible.
    public static func pick(inFlight: [Int], weights: [Int], start: Int = 0, eligible: (Int) -> Bool) -> Int? {
        let count = inFlight.count
        guard count > 0, weights.count == count else { return nil }
        var best: Int?
        for step in 0..<count {
            let index = (start % count + step) % count
            guard eligible(index) else { continue }
            guard let chosen = best else {
                best = index
                continue
            }
            // a/wa < b/wb without division: a*wb < b*wa.
            if inFlight[index] * max(1, weights[chosen]) < inFlight[chosen] * max(1, weights[index]) {
                best = index
            }
        }
        return best
    }
}
