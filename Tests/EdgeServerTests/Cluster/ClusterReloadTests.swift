import EdgeCore
import Foundation
import Testing
@testable import EdgeServer

/// A reload keeps the cluster (`[cluster]` needs a restart): its peers stay probed and connected.
@Suite("A reload keeps a fleet node's peers", .serialized)
struct ClusterReloadTests {
    @Test("after a reload a node still health-checks its peers and keeps its pooled connections to them")
    func reloadKeepsPeers() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "origin \(request.uri)")
        }
        defer { Task { await origin.stop() } }
        try await withFleet(origin: origin, hosts: ["127.0.0.2", "127.0.0.3"]) { fleet in
            let node = fleet.nodes[0]
            // A path the other node owns: node 0 fetches it from its peer and keeps the connection.
            let path = (0..<100).map { "/peer/\($0)" }.first { fleet.owner(of: $0) == 1 } ?? "/peer/0"
            #expect(try fleet.get(0, path).status == 200)
            var before = 0
            for _ in 0..<250 where before == 0 {
                before = await node.idleOriginConnections()
                if before == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            #expect(before >= 1)
            #expect(node.resilience.checkedPools.contains(Cluster.ringName))

            try await node.reload(to: node.configuration, accessLog: node.services.accessLog)

            #expect(node.resilience.checkedPools.contains(Cluster.ringName), "the peers are no longer probed after a reload")
            #expect(await node.idleOriginConnections() == before, "the reload closed the connections to a peer that stays")
            let again = try fleet.get(0, path.replacingOccurrences(of: "/peer/", with: "/peer/again-"))
            #expect(again.status == 200)
        }
    }
}
