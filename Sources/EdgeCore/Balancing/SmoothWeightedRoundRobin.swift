/// nginx's smooth weighted round robin: each pick adds every candidate's weight to its running
/// score, takes the highest, and subtracts the total from the winner. Weights 5, 1, 1 give
/// `a a b a c a a` rather than `a a a a a b c`, so no server gets a burst.
///
/// A value type with no locking: the server keeps one per event loop (see `PoolBalancer`).
public struct SmoothWeightedRoundRobin: Sendable {
    public let weights: [Int]
    private var current: [Int]

    /// `weights[i]` is server i's share; values below 1 count as 1.
    public init(weights: [Int]) {
        self.weights = weights.map { max(1, $0) }
        self.current = Array(repeating: 0, count: weights.count)
    }

    /// The next server among those `eligible` says may be used, or nil when none may.
    /// Servers that are not eligible keep their score, so they rejoin without a burst.
    public mutating func next(eligible: (Int) -> Bool) -> Int? {
        var total = 0
        var best: Int?
        for index in weights.indices where eligible(index) {
            current[index] += weights[index]
            total += weights[index]
            if let chosen = best {
                if current[index] > current[chosen] { best = index }
            } else {
                best = index
            }
        }
        guard let best else { return nil }
        current[best] -= total
        return best
    }
}
