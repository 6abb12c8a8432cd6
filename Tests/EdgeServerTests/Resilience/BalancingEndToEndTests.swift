import EdgeCore
import Testing
@testable import EdgeServer

@Suite("Balancing across three real origins")
struct BalancingEndToEndTests {
    func counts(_ pool: PoolHarness, paths: [String]) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for path in paths {
            let response = try pool.edge.get(path)
            #expect(response.status == 200)
            counts[response.text, default: 0] += 1
        }
        return counts
    }

    @Test("smooth weighted round robin spreads requests 3:1:1 by weight")
    func weightedRoundRobin() async throws {
        try await withPool(weights: [3, 1, 1], configure: { _, configuration in configuration.eventLoops = 1 }) { pool in
            let result = try counts(pool, paths: (0..<50).map { "/rr/\($0)" })
            #expect(result == ["o0": 30, "o1": 10, "o2": 10])
        }
    }

    @Test("a backup gets no traffic while a primary is up")
    func backupIdle() async throws {
        try await withPool(backups: [2]) { pool in
            let result = try counts(pool, paths: (0..<20).map { "/b/\($0)" })
            #expect(result["o2", default: 0] == 0)
            #expect(result["o0", default: 0] + result["o1", default: 0] == 20)
        }
    }

    @Test("consistent hashing sends each cache key to one origin, and the keys spread over all three")
    func consistentHash() async throws {
        try await withPool(configure: { resilience, _ in resilience.balancing = .consistentHash }) { pool in
            let paths = (0..<60).map { "/object/\($0)" }
            var first: [String: String] = [:]
            for path in paths { first[path] = try pool.edge.get(path).text }
            for path in paths { #expect(try pool.edge.get(path).text == first[path]) }
            #expect(Set(first.values).count == 3)
        }
    }

    @Test("ip hash keeps one client on one origin")
    func ipHash() async throws {
        try await withPool(configure: { resilience, _ in resilience.balancing = .ipHash }) { pool in
            let result = try counts(pool, paths: (0..<20).map { "/ip/\($0)" })
            #expect(result.count == 1)
        }
    }

    @Test("least connections sends new requests away from an origin that is busy")
    func leastConnections() async throws {
        try await withPool(handler: { index in
            { request in
                // Origin 0 is slow: requests pile up on it unless the balancer avoids it.
                TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "o\(index)", delay: index == 0 ? .milliseconds(800) : .zero)
            }
        }, configure: { resilience, configuration in
            resilience.balancing = .leastConnections
            configuration.eventLoops = 1
        }) { pool in
            // Two slow requests in flight on origin 0 …
            var slow: [RawHTTPConnection] = []
            for index in 0..<3 {
                let connection = try pool.edge.connect()
                try connection.send(EdgeHarness.request(path: "/busy/\(index)"))
                slow.append(connection)
            }
            _ = await eventually { pool.edge.server.poolHealth().first?.servers[0].inFlight == 1 }
            // … then sequential requests never go to it while it is busy.
            let result = try counts(pool, paths: (0..<10).map { "/lc/\($0)" })
            #expect(result["o0", default: 0] == 0)
            for connection in slow { _ = try connection.readResponse() }
        }
    }
}
