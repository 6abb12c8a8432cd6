import EdgeCore
import NIOCore
import Testing
@testable import EdgeServer

@Suite("Overload: pool cap, admission limit and degraded mode", .serialized)
struct OverloadEndToEndTests {
    static func slow(_ delay: TimeAmount) -> (Int) -> TestOrigin.Handler {
        { index in
            { request in
                if request.uri.hasPrefix("/cached") {
                    return TestOrigin.Response(headers: [("Cache-Control", "max-age=60")], body: "cached")
                }
                return TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "o\(index)", delay: delay)
            }
        }
    }

    /// Sends `count` requests on their own connections before reading any answer.
    func inFlight(_ edge: EdgeHarness, _ count: Int, prefix: String) throws -> [RawHTTPConnection] {
        try (0..<count).map { index in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "\(prefix)/\(index)"))
            return connection
        }
    }

    @Test("at the pool's cap a slow origin gets no more requests: the rest get 503 with Retry-After while cached hits are served")
    func poolCap() async throws {
        // The two slow requests must still be at the origin when the third arrives, even on a loaded machine.
        try await withPool(count: 1, handler: Self.slow(.milliseconds(3000)), configure: { resilience, _ in
            resilience.maxConcurrentRequests = 2
            resilience.queueSize = 0
        }) { pool in
            #expect(try pool.edge.get("/cached/a").status == 200)
            let first = try inFlight(pool.edge, 2, prefix: "/slow")
            #expect(await eventually { pool.origin(0).requestCount == 3 })
            let refused = try pool.edge.get("/slow/extra")
            #expect(refused.status == 503)
            #expect(refused.header("retry-after") != nil)
            // The node itself is fine: a cached hit is answered while the pool is full.
            let hit = try pool.edge.get("/cached/a")
            #expect(hit.status == 200)
            #expect(hit.header("cache-status")?.hasPrefix("edge; hit") == true)
            for connection in first { #expect(try connection.readResponse().status == 200) }
            #expect(pool.origin(0).requestCount == 3)
            #expect(pool.edge.server.metrics.render().contains("edge_pool_overload_rejections_total{pool=\"default\"} 1"))
        }
    }

    @Test("a request queued at the cap goes through when a slot frees up within queue_timeout")
    func queueAdmits() async throws {
        try await withPool(count: 1, handler: Self.slow(.milliseconds(300)), configure: { resilience, configuration in
            configuration.eventLoops = 1
            resilience.maxConcurrentRequests = 1
            resilience.queueSize = 4
            resilience.queueTimeout = .seconds(5)
        }) { pool in
            let connections = try inFlight(pool.edge, 3, prefix: "/q")
            for connection in connections { #expect(try connection.readResponse().status == 200) }
            #expect(pool.origin(0).requestCount == 3)
        }
    }

    @Test("at the pool's cap a stale stored copy is served instead of a 503")
    func staleAtCap() async throws {
        try await withPool(count: 1, handler: { _ in
            { request in
                if request.uri == "/page" {
                    return TestOrigin.Response(headers: [("Cache-Control", "max-age=1")], body: "page")
                }
                return TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "slow", delay: .milliseconds(1500))
            }
        }, configure: { resilience, _ in
            resilience.maxConcurrentRequests = 1
            resilience.queueSize = 0
        }) { pool in
            #expect(try pool.edge.get("/page").status == 200)
            try await waitForStaleness()
            let busy = try inFlight(pool.edge, 1, prefix: "/slow")
            #expect(await eventually { pool.origin(0).requestCount == 2 })
            let stale = try pool.edge.get("/page")
            #expect(stale.status == 200)
            #expect(stale.header("cache-status")?.hasPrefix("edge; hit; stale") == true)
            _ = try busy[0].readResponse()
        }
    }

    @Test("the node's admission limit answers 503 at once beyond max_in_flight_requests")
    func admissionLimit() async throws {
        try await withPool(count: 1, handler: Self.slow(.milliseconds(1000)), configure: { _, configuration in
            configuration.degradation.maxInFlightRequests = 2
        }) { pool in
            let busy = try inFlight(pool.edge, 2, prefix: "/slow")
            #expect(await eventually { pool.edge.server.activeRequests == 2 })
            let refused = try pool.edge.get("/cached/x")
            #expect(refused.status == 503)
            #expect(refused.header("retry-after") == "1")
            for connection in busy { #expect(try connection.readResponse().status == 200) }
            #expect(pool.edge.server.metrics.render().contains("edge_admission_rejections_total{kind=\"request\"} 1"))
        }
    }

    @Test("beyond max_client_connections a new connection is closed at once; a freed place is taken again")
    func connectionLimit() async throws {
        try await withPool(count: 1, configure: { _, configuration in
            configuration.degradation.maxClientConnections = 1
        }) { pool in
            var first: RawHTTPConnection? = try pool.edge.connect()
            try first?.send(EdgeHarness.request(path: "/a"))
            #expect(try first?.readResponse().status == 200)
            let second = try pool.edge.connect()
            try? second.send(EdgeHarness.request(path: "/b"))
            #expect(throws: (any Error).self) { try second.readResponse() }
            #expect(pool.edge.server.metrics.render().contains("edge_admission_rejections_total{kind=\"connection\"} 1"))
            first = nil
            let admitted = await eventually { (try? pool.edge.get("/c").status) == 200 }
            #expect(admitted)
        }
    }

    @Test("degraded mode sheds the optional flags under pressure and restores them when it falls, counting each switch")
    func degradedMode() async throws {
        try await withPool(count: 1, handler: Self.slow(.milliseconds(600)), configure: { _, configuration in
            configuration.degradation.inFlightThreshold = 3
            configuration.degradation.loopDelayThreshold = .zero
            configuration.degradation.sampleInterval = .milliseconds(20)
            configuration.degradation.hold = .milliseconds(100)
        }) { pool in
            let flags = pool.edge.server.flags
            #expect(flags.isEnabled(.enhancements))
            let busy = try inFlight(pool.edge, 4, prefix: "/slow")
            #expect(await eventually { !flags.isEnabled(.enhancements) })
            #expect(!flags.isEnabled(.compression))
            #expect(!flags.isEnabled(.backgroundRevalidation))
            #expect(pool.edge.server.isDegraded)
            for connection in busy { _ = try connection.readResponse() }
            #expect(await eventually { flags.isEnabled(.enhancements) && flags.isEnabled(.compression) })
            let metrics = pool.edge.server.metrics.render()
            #expect(metrics.contains("edge_degraded_mode_switches_total{to=\"on\"} 1"))
            #expect(metrics.contains("edge_degraded_mode_switches_total{to=\"off\"} 1"))
        }
    }
}
