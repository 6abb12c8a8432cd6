import EdgeCore
import Logging
import Testing

@testable import EdgeServer

@Suite("The cluster's ring")
struct ClusterRingTests {
    let keys = (0..<30_000).map { CacheKey(host: "shop.example", target: "/object/\($0)?v=1").description }

    /// The owner of each key on the ring over `nodes`, as `Cluster` builds it.
    func owners(_ nodes: [OriginServer]) -> [String] {
        let cluster = Cluster(settings: ClusterSettings(selfNode: nodes[0], nodes: nodes), metrics: EdgeMetrics(), logger: Logger(label: "test"))
        let ring = ConsistentHashRing(names: cluster.ring.servers.map(\.description), weights: cluster.ring.servers.map { _ in 1 })
        return keys.map { nodes[ring.server(for: $0) ?? 0].description }
    }

    let three = (2...4).map { OriginServer(host: "10.0.0.\($0)", port: 8080) }

    @Test("a node joining three takes about a quarter of the keys, all from the others, and moves nothing else")
    func joining() {
        let before = owners(three)
        let after = owners(three + [OriginServer(host: "10.0.0.5", port: 8080)])
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(moved.allSatisfy { $0.1 == "10.0.0.5:8080" })
        let share = Double(moved.count) / Double(keys.count)
        #expect(share > 0.17 && share < 0.33, "moved \(share)")
    }

    @Test("a node leaving moves only its own keys, about a third, spread over the others")
    func leaving() {
        let before = owners(three)
        let after = owners(Array(three.dropFirst()))
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(moved.allSatisfy { $0.0 == "10.0.0.2:8080" })
        #expect(moved.count == before.filter { $0 == "10.0.0.2:8080" }.count)
        let share = Double(moved.count) / Double(keys.count)
        #expect(share > 0.23 && share < 0.43, "moved \(share)")
        #expect(Set(moved.map(\.1)) == ["10.0.0.3:8080", "10.0.0.4:8080"])
    }

    @Test("every node computes the same owner whatever order it lists the nodes in")
    func listOrder() {
        let a = owners(three)
        let b = owners(three.reversed())
        #expect(a == b)
    }

    @Test("a node's name in Cache-Status and CDN-Loop is its host, with the port when hosts are shared")
    func identity() {
        #expect(ClusterSettings(selfNode: three[0], nodes: three).identity == "edge-10.0.0.2")
        let local = [OriginServer(host: "127.0.0.1", port: 8081), OriginServer(host: "127.0.0.1", port: 8082)]
        #expect(ClusterSettings(selfNode: local[1], nodes: local).identity == "edge-127.0.0.1:8082")
        let v6 = OriginServer(host: "fd00::2", port: 80)
        #expect(ClusterSettings(selfNode: v6, nodes: [v6]).identity == "edge-fd00--2")
    }
}

@Suite("Purge window")
struct PurgeWindowTests {
    @Test("the epoch answered is one from before the window, or 0 while no sample is that old")
    func epochBeforeWindow() {
        let window = PurgeWindow(window: 6, spacing: 1)
        #expect(window.epoch(now: 100, current: 3) == 0)
        #expect(window.epoch(now: 103, current: 5) == 0)
        // At 106 the sample taken at 100 (epoch 3) is old enough: purges after it are recent.
        #expect(window.epoch(now: 106, current: 5) == 3)
        #expect(window.epoch(now: 109.5, current: 7) == 5)
        #expect(window.epoch(now: 200, current: 7) == 7)
    }
}
