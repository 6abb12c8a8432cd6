import Testing
@testable import EdgeSettings

@Suite("ConfigReloadPlan: what a reload applies, what waits for a restart, what changed")
struct ConfigReloadPlanTests {
    static var running: EdgeConfig {
        var c = EdgeConfig.defaults
        c.pools = [
            PoolConfig(name: "web", servers: [OriginServerConfig(host: "127.0.0.1", port: 9000), OriginServerConfig(host: "127.0.0.1", port: 9001)]),
            PoolConfig(name: "old", servers: [OriginServerConfig(host: "127.0.0.1", port: 9100)]),
        ]
        c.sites = [SiteConfig(hosts: ["old.example"], target: .pool("old")), SiteConfig(hosts: ["*"], target: .pool("web"))]
        return c
    }

    @Test("keys that cannot change while the node runs are named and keep their running values; the rest of the file applies")
    func restartKeys() {
        var loaded = Self.running
        loaded.cache.memorySize = .mebibytes(64)
        loaded.cache.eviction = .lru
        loaded.server.eventLoops = 3
        loaded.http2.maxConcurrentStreams = 10
        loaded.cache.heuristicMax = .seconds(60)
        loaded.server.listen = [HostPort(host: "127.0.0.1", port: 8081)]
        let plan = ConfigReloadPlan(running: Self.running, loaded: loaded)
        #expect(plan.restartKeys == ["server.event_loops", "http2", "cache.memory_size", "cache.eviction"])
        #expect(plan.effective.cache.memorySize == Self.running.cache.memorySize)
        #expect(plan.effective.cache.eviction == Self.running.cache.eviction)
        #expect(plan.effective.server.eventLoops == 0)
        #expect(plan.effective.http2 == Self.running.http2)
        #expect(plan.effective.cache.heuristicMax == .seconds(60))
        #expect(plan.effective.server.listen == [HostPort(host: "127.0.0.1", port: 8081)])
    }

    @Test("a changed [cluster] waits for a restart: the ring and its peers' health were built at start")
    func clusterNeedsRestart() {
        var loaded = Self.running
        var cluster = ClusterConfig()
        cluster.selfURL = "http://127.0.0.2:8080"
        cluster.nodes = ["http://127.0.0.2:8080", "http://127.0.0.3:8080"]
        loaded.cluster = cluster
        let plan = ConfigReloadPlan(running: Self.running, loaded: loaded)
        #expect(plan.restartKeys == ["cluster"])
        #expect(plan.effective.cluster == nil)
    }

    @Test("the same file again changes nothing and needs no restart")
    func unchanged() {
        let plan = ConfigReloadPlan(running: Self.running, loaded: Self.running)
        #expect(plan.effective == Self.running)
        #expect(plan.restartKeys.isEmpty)
        #expect(plan.sitesAdded.isEmpty && plan.sitesRemoved.isEmpty && plan.poolsAdded.isEmpty && plan.poolsRemoved.isEmpty)
        #expect(plan.serversAdded.isEmpty && plan.serversRemoved.isEmpty)
    }

    @Test("sites and pools added and removed, and servers that joined or left a pool that stays, are listed")
    func changes() {
        var loaded = Self.running
        loaded.pools = [
            PoolConfig(name: "web", servers: [OriginServerConfig(host: "127.0.0.1", port: 9000), OriginServerConfig(host: "127.0.0.1", port: 9002)]),
            PoolConfig(name: "new", servers: [OriginServerConfig(host: "127.0.0.1", port: 9200)]),
        ]
        loaded.sites = [SiteConfig(hosts: ["new.example"], target: .pool("new")), SiteConfig(hosts: ["*"], target: .pool("web"))]
        let plan = ConfigReloadPlan(running: Self.running, loaded: loaded)
        #expect(plan.sitesAdded == ["new.example → pool new"])
        #expect(plan.sitesRemoved == ["old.example → pool old"])
        #expect(plan.poolsAdded == ["new"])
        #expect(plan.poolsRemoved == ["old"])
        #expect(plan.serversAdded == ["web/127.0.0.1:9002"])
        #expect(plan.serversRemoved == ["web/127.0.0.1:9001"])
    }
}
