import EdgeCore
import Testing

@testable import EdgeServer

/// What travels between the nodes besides the body: the fields a surrogate consumes, and the shield.
@Suite("A fleet's peers and shield")
struct ClusterPeerFieldsTests {
    @Test("a copy filled from the owner keeps the owner's Surrogate-Control freshness and its purge tags; clients see neither")
    func surrogateFieldsReachPeers() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(
                headers: [("cache-control", "max-age=600"), ("surrogate-control", "max-age=60"), ("surrogate-key", "product-42")],
                body: "object \(request.uri)")
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let path = "/tagged"
            let owner = fleet.owner(of: path)
            let other = 1 - owner
            _ = try fleet.get(owner, path)
            // Now a hit at the owner, and a miss here.
            let copy = try fleet.get(other, path)
            #expect(copy.status == 200)
            #expect(copy.header("surrogate-key") == nil && copy.header("surrogate-control") == nil)
            let ttl = copy.headers("cache-status").last.flatMap { $0.split(separator: "ttl=").last }.flatMap { Int($0) } ?? 0
            #expect(ttl > 0 && ttl <= 60, "\(copy.headers("cache-status"))")
            let key = CacheKey(host: "shop.example", target: path)
            #expect(fleet.nodes[other].cache.purgeIndex.keys(taggedWith: "product-42") == [key])
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a response that varies on Accept-Encoding is one origin fetch for the fleet; the owner sends it as stored and each node makes its own codings")
    func codingsStayLocal() async throws {
        let text = String(repeating: "a fleet caches as one. ", count: 200)
        let origin = try await TestOrigin { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=600"), ("content-type", "text/plain"), ("vary", "Accept-Encoding")], body: text)
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let path = "/varied"
            let owner = fleet.owner(of: path)
            let accept = [("Accept-Encoding", "gzip, br")]
            #expect(try fleet.get(owner, path, headers: accept).status == 200)
            let copy = try fleet.get(1 - owner, path, headers: accept)
            #expect(copy.status == 200)
            #expect(copy.headers("cache-status").first?.hasPrefix("edge-\(fleet.hosts[owner]); hit") == true, "\(copy.headers("cache-status"))")
            #expect(copy.header("content-encoding") == "br")
            let again = try fleet.get(1 - owner, path, headers: accept)
            #expect(again.headers("cache-status").last?.hasPrefix("edge-\(fleet.hosts[1 - owner]); hit") == true)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("an origin's own 5xx relayed by the owner reaches the client once, without a second origin request or a mark against the owner")
    func relayedOriginError() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(status: 500, headers: [("cache-control", "no-store")], body: "origin says no to \(request.uri)")
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let path = "/refused"
            let other = 1 - fleet.owner(of: path)
            let response = try fleet.get(other, path)
            #expect(response.status == 500)
            #expect(response.text == "origin says no to \(path)")
            #expect(origin.requestCount == 1)
            #expect(fleet.clusterStats(other)?.peerFailures.value == 0)
            #expect(fleet.clusterStats(other)?.ownerFetches.value == 1)
        }
    }

    @Test("nodes check each other on the health path, which no origin sees: a stopped node is taken out of the ring without any traffic")
    func activeHealthCheck() async throws {
        let origin = try await ClusterFleetTests.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let probe = try fleet.get(1, ClusterHealth.path)
            #expect(probe.status == 200 && probe.text == "ok\n")
            let peer = "\(fleet.hosts[1]):\(fleet.port)"
            #expect(fleet.peerState(peer, seenBy: 0) == "up")
            await fleet.stop(1)
            #expect(await eventually(within: 15) { fleet.peerState(peer, seenBy: 0) == "down" })
            #expect(origin.requestCount == 0)
        }
    }

    @Test("with a shield every origin fetch of the fleet goes through it, once per object")
    func shield() async throws {
        let origin = try await ClusterFleetTests.cacheableOrigin()
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, configure: { index, configuration in
            guard let cluster = configuration.cluster else { return }
            let shield = cluster.nodes[2]
            configuration.cluster?.nodes = Array(cluster.nodes.prefix(2))
            configuration.cluster?.shield = shield
        }) { fleet in
            let paths = (0..<20).map { "/shielded/\($0)" }
            for path in paths {
                for node in 0..<2 {
                    let response = try fleet.get(node, path)
                    #expect(response.status == 200 && response.text == "object \(path)")
                }
            }
            #expect(origin.requestCount == 20)
            #expect(fleet.clusterStats(2)?.peerRequests.value == 20)
            #expect(origin.requests.allSatisfy { $0.headers["cdn-loop"].joined().contains("edge-127.0.0.4") })
        }
    }
}
