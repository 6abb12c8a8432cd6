/// A ketama-style hash ring: each server owns `pointsPerWeight × weight` points on a 64-bit circle
/// and a key goes to the owner of the first point at or after the key's hash. Removing one of N
/// servers moves only the keys it owned (about 1/N); servers that are down are skipped by walking
/// on clockwise, which moves only their keys too.
///
/// Immutable once built, so every event loop reads it without synchronisation.
public struct ConsistentHashRing: Sendable {
    /// Points per unit of weight; 160 like ketama keeps each server's share within a few percent.
    public static let defaultPointsPerWeight = 160

    private let points: [UInt64]
    private let owners: [Int]
    public let serverCount: Int

    /// `names[i]` identifies server i (e.g. "10.0.0.1:80"): the ring depends only on names and
    /// weights, not on the order servers are listed in.
    public init(names: [String], weights: [Int], pointsPerWeight: Int = defaultPointsPerWeight) {
        var entries: [(UInt64, Int)] = []
        for (index, name) in names.enumerated() {
            let weight = index < weights.count ? max(1, weights[index]) : 1
            for replica in 0..<(weight * max(1, pointsPerWeight)) {
                entries.append((StableHash.hash("\(name)#\(replica)"), index))
            }
        }
        // Equal points (vanishingly rare) are ordered by name so the ring does not depend on list order.
        entries.sort { $0.0 != $1.0 ? $0.0 < $1.0 : names[$0.1] < names[$1.1] }
        points = entries.map(\.0)
        owners = entries.map(\.1)
        serverCount = names.count
    }

    /// The server for `key`, skipping those `eligible` refuses; nil when none is eligible.
    public func server(for key: String, eligible: (Int) -> Bool = { _ in true }) -> Int? {
        server(forHash: StableHash.hash(key), eligible: eligible)
    }

    public func server(forHash hash: UInt64, eligible: (Int) -> Bool = { _ in true }) -> Int? {
        guard !points.isEmpty else { return nil }
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle] < hash { low = middle + 1 } else { high = middle }
        }
        var refused = Set<Int>()
        for step in 0..<points.count {
            let owner = owners[(low + step) % points.count]
            if refused.contains(owner) { continue }
            if eligible(owner) { return owner }
            refused.insert(owner)
            if refused.count == serverCount { return nil }
        }
        return nil
    }
}
