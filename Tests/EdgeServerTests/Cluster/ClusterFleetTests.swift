import EdgeCore
import NIOCore
import Synchronization
import Testing

@testable import EdgeServer

/// Three in-process nodes on 127.0.0.2, .3 and .4 (one port) in front of one origin that counts.
@Suite("A fleet that caches as one")
struct ClusterFleetTests {
    static func cacheableOrigin() async throws -> TestOrigin {
        try await TestOrigin { request in
            TestOrigin.Response(headers: [("cache-control", "max-age=600")], body: "object \(request.uri)")
        }
    }

    /// Every path once through every node, in random order.
    static func work(paths: Int, nodes: Int) -> [(path: String, node: Int)] {
        (0..<paths).flatMap { index in (0..<nodes).map { ("/objects/\(index)", $0) } }.shuffled()
    }

    @Test("1000 URLs asked once through each of three nodes, 32 at a time, reach the origin about 1000 times, not 3000")
    func originSeesEachObjectOnce() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin) { fleet in
            let load = FleetLoad(work: Self.work(paths: 1000, nodes: 3))
            let failures = try await load.run(fleet, concurrency: 32)
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            #expect(origin.requestCount >= 1000)
            #expect(origin.requestCount <= 1030, "the origin saw \(origin.requestCount) requests for 1000 objects")
            let stats = fleet.nodes.indices.compactMap { fleet.clusterStats($0) }
            // Each node owns about a third of the keys and asks the owners for the rest.
            #expect(stats.allSatisfy { $0.ownerFetches.value > 300 })
            #expect(stats.reduce(0) { $0 + $1.peerHits.value } > 500)
            #expect(stats.allSatisfy { $0.peerFailures.value == 0 })
        }
    }

    @Test("with one node stopped mid-run every request still succeeds, and the origin sees at most about a third more")
    func nodeStoppedMidRun() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin) { fleet in
            let load = FleetLoad(work: Self.work(paths: 1000, nodes: 3))
            async let failures = load.run(fleet, concurrency: 32)
            #expect(await eventually(within: 60) { load.done.load(ordering: .relaxed) >= 1000 })
            await fleet.stop(2)
            let failed = try await failures
            #expect(failed.isEmpty, "\(failed.prefix(5))")
            #expect(origin.requestCount <= 1000 + 1000 / 3 + 30, "the origin saw \(origin.requestCount) requests for 1000 objects")
            // The survivors found the stopped node out (live traffic or the health check) and went on without it.
            let stopped = "\(fleet.hosts[2]):\(fleet.port)"
            for survivor in 0..<2 {
                #expect(await eventually(within: 10) { fleet.peerState(stopped, seenBy: survivor) != "up" })
            }
        }
    }

    @Test("Cache-Status lists the owner's entry before the requesting node's, and the owner's Age counts against the copy's freshness")
    func cacheStatusChain() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("cache-control", "max-age=600"), ("age", "100")], body: "object \(request.uri)")
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, configure: { _, configuration in
            configuration.admin = AdminSettings(listen: ("127.0.0.1", 0), token: "secret")
        }) { fleet in
            let path = "/chain"
            let owner = fleet.owner(of: path)
            let other = (owner + 1) % 3
            let first = try fleet.get(owner, path)
            // The origin's Age counts: 600 s of freshness minus the 100 s it says the response has already lived.
            #expect(first.headers("cache-status").count == 1)
            #expect(first.header("cache-status")?.hasPrefix("edge-\(fleet.hosts[owner]); fwd=uri-miss; fwd-status=200; stored; ttl=") == true)
            let second = try fleet.get(other, path)
            let entries = second.headers("cache-status")
            #expect(entries.count == 2, "\(entries)")
            #expect(entries.first?.hasPrefix("edge-\(fleet.hosts[owner]); hit") == true, "\(entries)")
            #expect(entries.last?.hasPrefix("edge-\(fleet.hosts[other]); fwd=uri-miss; fwd-status=200; stored; ttl=") == true, "\(entries)")
            let ttl = entries.last.flatMap { $0.split(separator: "ttl=").last }.flatMap { Int($0) } ?? 0
            #expect(ttl > 0 && ttl <= 500, "the copy's ttl \(ttl) ignores the owner's Age")
            #expect(Int(second.header("age") ?? "") ?? 0 >= 100)
            let third = try fleet.get(other, path)
            #expect(third.headers("cache-status").last?.hasPrefix("edge-\(fleet.hosts[other]); hit") == true)
            #expect(origin.requestCount == 1)
            let stats = try fleet.admin(other, "/stats").text
            #expect(stats.contains("\"cluster\":{\"self\":\"edge-\(fleet.hosts[other])\",\"tallies\":{\"owner_fetches\":1,\"peer_hits\":1,\"peer_failures\":0"), "\(stats)")
            let metrics = try fleet.admin(other, "/metrics").text
            #expect(metrics.contains("edge_cluster_owner_fetches_total 1"), "\(metrics)")
            #expect(metrics.contains("edge_cluster_peer_hits_total 1"))
            #expect(metrics.contains("edge_cluster_peer_failures_total 0"))
            #expect(try fleet.admin(owner, "/metrics").text.contains("edge_cluster_peer_requests_total 1"))
        }
    }

    @Test("a request whose CDN-Loop already names the node is refused with 508; every node appends its own name")
    func loopDetected() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin) { fleet in
            let refused = try fleet.get(0, "/loop", headers: [("CDN-Loop", "other-cdn, edge-\(fleet.hosts[0]); v=1")])
            #expect(refused.status == 508)
            #expect(origin.requestCount == 0)
            #expect(fleet.clusterStats(0)?.loopsRefused.value == 1)
            // Refused before the cache is asked: a stored copy does not hide the loop (the stored-hit
            // shortcut leaves such a request to the full path).
            #expect(try fleet.get(0, "/stored").status == 200)
            let stored = try fleet.get(0, "/stored", headers: [("CDN-Loop", "edge-\(fleet.hosts[0])")])
            #expect(stored.status == 508)
            #expect(fleet.clusterStats(0)?.loopsRefused.value == 2)
            #expect(try fleet.get(0, "/stored", headers: [("CDN-Loop", "other-cdn")]).status == 200)

            let path = "/passing"
            let owner = fleet.owner(of: path)
            let asked = (owner + 1) % 3
            let passed = try fleet.get(asked, path, headers: [("CDN-Loop", "other-cdn")])
            #expect(passed.status == 200)
            let seen = origin.requests.last?.headers["cdn-loop"].joined(separator: ", ")
            #expect(seen == "other-cdn, edge-\(fleet.hosts[asked]), edge-\(fleet.hosts[owner])")
            #expect(origin.requests.last?.headers.contains(name: Cluster.peerField) == false)
        }
    }

    @Test("max_loop_hops lets a request name the node that many times before 508")
    func loopHops() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2"], configure: { _, configuration in
            configuration.cluster?.maxLoopHops = 1
        }) { fleet in
            let once = try fleet.get(0, "/hops", headers: [("CDN-Loop", "edge-127.0.0.2")])
            #expect(once.status == 200)
            #expect(origin.requests.last?.headers["cdn-loop"] == ["edge-127.0.0.2, edge-127.0.0.2"])
            let twice = try fleet.get(0, "/hops/2", headers: [("CDN-Loop", "edge-127.0.0.2"), ("CDN-Loop", "edge-127.0.0.2")])
            #expect(twice.status == 508)
        }
    }

    @Test("an owner that answers 5xx, 508 or not in time is skipped for the origin, and the client never sees its error")
    func failingOwner() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        // Stand-ins for broken nodes: one answers 503, one 508, one nothing in time.
        func broken(_ response: TestOrigin.Response) async throws -> TestOrigin { try await TestOrigin { _ in response } }
        let stand = [
            try await broken(TestOrigin.Response(status: 503, body: "broken node")),
            try await broken(TestOrigin.Response(status: 508, body: "loop")),
            try await broken(TestOrigin.Response(body: "late", delay: .seconds(5))),
        ]
        defer { Task { for node in stand { await node.stop() } } }
        let brokenNodes = stand.map { OriginServer(host: "127.0.0.1", port: $0.port) }
        try await withFleet(origin: origin, hosts: ["127.0.0.2"], configure: { _, configuration in
            configuration.cluster?.nodes += brokenNodes
            configuration.cluster?.upstream.firstByteTimeout = .milliseconds(300)
        }) { fleet in
            let names = [OriginServer(host: "127.0.0.2", port: fleet.port)] + brokenNodes
            let ring = ConsistentHashRing(names: names.map(\.description), weights: names.map { _ in 1 })
            // For each stand-in, a path it owns.
            let paths = (1...3).map { (index: Int) -> String? in
                let candidates = (0..<200).map { (n: Int) in "/owned/\(index)/\(n)" }
                return candidates.first { ring.server(for: CacheKey(host: "shop.example", target: $0).description) == index }
            }
            for path in paths {
                let owned = try #require(path)
                let response = try fleet.get(0, owned)
                #expect(response.status == 200, "\(owned): \(response)")
                #expect(response.text == "object \(owned)")
            }
            #expect(origin.requestCount == 3)
            // Each was asked (besides the ring's health probes), and its answer was not used.
            #expect(stand.allSatisfy { $0.requests.contains { $0.uri != ClusterHealth.path } })
            #expect(fleet.clusterStats(0)?.peerFailures.value ?? 0 >= 3)
        }
    }

    @Test("two nodes that each think the other owns a key (different node lists) end in one origin fetch, never a loop")
    func mismatchedRing() async throws {
        let origin = try await Self.cacheableOrigin()
        defer { Task { await origin.stop() } }
        let otherPort = try unusedLoopbackPort()
        // Node 0 also listens on a second port, and node 1 lists it by that one: their rings differ.
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"], configure: { index, configuration in
            guard let cluster = configuration.cluster else { return }
            if index == 0 {
                configuration.listen.append(("127.0.0.2", otherPort))
            } else {
                configuration.cluster?.nodes = [OriginServer(host: "127.0.0.2", port: otherPort), cluster.selfNode]
            }
        }) { fleet in
            let ringOf0 = ConsistentHashRing(names: ["127.0.0.2:\(fleet.port)", "127.0.0.3:\(fleet.port)"], weights: [1, 1])
            let ringOf1 = ConsistentHashRing(names: ["127.0.0.2:\(otherPort)", "127.0.0.3:\(fleet.port)"], weights: [1, 1])
            let crossed = (0..<1000).map { "/crossed/\($0)" }.filter { path in
                let key = CacheKey(host: "shop.example", target: path).description
                return ringOf0.server(for: key) == 1 && ringOf1.server(for: key) == 0
            }
            try #require(crossed.count >= 2)
            let viaNode0 = try fleet.get(0, crossed[0])
            let viaNode1 = try fleet.get(1, crossed[1])
            #expect(viaNode0.status == 200 && viaNode0.text == "object \(crossed[0])")
            #expect(viaNode1.status == 200 && viaNode1.text == "object \(crossed[1])")
            #expect(origin.requestCount == 2)
            #expect(fleet.clusterStats(0)?.loopsRefused.value == 0 && fleet.clusterStats(1)?.loopsRefused.value == 0)
            // Each asked the other once, and the other, asked by a peer, went to the origin itself.
            #expect(fleet.clusterStats(0)?.peerRequests.value == 1 && fleet.clusterStats(1)?.peerRequests.value == 1)
        }
    }

    @Test("a refill from an owner the purge has not reached yet does not bring the purged copy back")
    func purgeBeatsOwnerCopy() async throws {
        let version = Counter()
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("cache-control", "max-age=600")], body: "v\(version.value.wrappingAdd(1, ordering: .relaxed).newValue) \(request.uri)")
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let path = (0..<100).map { "/purged/\($0)" }.first { fleet.owner(of: $0) == 1 } ?? "/purged/none"
            #expect(try fleet.get(0, path).text == "v1 \(path)")
            // The purge reaches node 0 only (no [purge] peers): node 1 still holds v1.
            let purge = try fleet.get(0, path, method: "PURGE")
            #expect(purge.status == 200, "\(purge)")
            let refilled = try fleet.get(0, path)
            #expect(refilled.text == "v2 \(path)")
            #expect(fleet.clusterStats(0)?.peerPurgeRefusals.value == 1)
            #expect(try fleet.get(0, path).text == "v2 \(path)")
        }
    }
}
