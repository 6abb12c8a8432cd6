import EdgeCore
import Foundation
import NIOCore
import Synchronization
import Testing
@testable import EdgeServer

@Suite("Health checks, failover and retries with real origins", .serialized)
struct FailoverEndToEndTests {
    /// Client-side tally of a steady load.
    final class Tally: Sendable {
        let cachedErrors = Atomic<Int>(0)
        let uncachedErrors = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)

        func record(cached: Bool, ok: Bool) {
            requests.wrappingAdd(1, ordering: .relaxed)
            guard !ok else { return }
            if cached {
                cachedErrors.wrappingAdd(1, ordering: .relaxed)
            } else {
                uncachedErrors.wrappingAdd(1, ordering: .relaxed)
            }
        }
    }

    @Test("killing one origin under steady load: no errors for cached content, at most the in-flight ones for uncached; it returns after rise probes")
    func killOneUnderLoad() async throws {
        let cached = { (name: String) -> TestOrigin.Handler in
            { request in
                if request.uri.hasPrefix("/health") { return TestOrigin.Response(body: "ok") }
                let cache = request.uri.hasPrefix("/cached/") ? "max-age=60" : "no-store"
                return TestOrigin.Response(headers: [("Cache-Control", cache)], body: name)
            }
        }
        try await withPool(handler: { cached("o\($0)") }, configure: { resilience, _ in
            resilience.healthCheck = PoolResilience.quickCheck(rise: 2, fall: 1)
            resilience.retries = 2
        }) { pool in
            for index in 0..<10 { #expect(try pool.edge.get("/cached/\(index)").status == 200) }
            let tally = Tally()
            let edge = pool.edge
            // Four clients in a loop, half cached and half uncached requests.
            let workers = (0..<4).map { worker in
                // On threads of their own: blocking sockets must not hold the cooperative pool.
                Task { try await onThread {
                    var step = 0
                    while !tally.stop.load(ordering: .relaxed) {
                        step += 1
                        let isCached = step % 2 == 0
                        let path = isCached ? "/cached/\(step % 10)" : "/live/\(worker)/\(step)"
                        let status = (try? edge.get(path).status) ?? 0
                        tally.record(cached: isCached, ok: status == 200)
                    }
                } }
            }
            try await Task.sleep(for: .milliseconds(300))
            await pool.kill(1)
            #expect(await eventually { pool.state(of: 1) == "down" })
            try await Task.sleep(for: .milliseconds(300))
            try await pool.restart(1, cached("o1"))
            #expect(await eventually { pool.state(of: 1) == "up" })
            let before = pool.origin(1).requestCount
            try await Task.sleep(for: .milliseconds(300))
            tally.stop.store(true, ordering: .relaxed)
            for worker in workers { try await worker.value }
            print("kill-one-origin: \(tally.requests.load(ordering: .relaxed)) requests, cached errors \(tally.cachedErrors.load(ordering: .relaxed)), uncached errors \(tally.uncachedErrors.load(ordering: .relaxed)) (4 clients in flight at most)")
            #expect(tally.cachedErrors.load(ordering: .relaxed) == 0)
            #expect(tally.uncachedErrors.load(ordering: .relaxed) <= 4)
            // Back in rotation: live traffic reaches it again (not only health checks).
            let live = pool.origin(1).requests.filter { $0.uri.hasPrefix("/live/") }.count
            #expect(pool.origin(1).requestCount > before)
            #expect(live > 0)
        }
    }

    @Test("every origin dead: cached URLs are served stale within grace, uncached ones get a fast 503 with Retry-After")
    func allDead() async throws {
        let handler = { (name: String) -> TestOrigin.Handler in
            { request in
                if request.uri.hasPrefix("/health") { return TestOrigin.Response(body: "ok") }
                return TestOrigin.Response(headers: [("Cache-Control", "max-age=1")], body: name)
            }
        }
        try await withPool(handler: { handler("o\($0)") }, configure: { resilience, configuration in
            resilience.healthCheck = PoolResilience.quickCheck(rise: 2, fall: 1)
            // Only grace may allow the stale answer here.
            configuration.settings.staleIfUnreachableSeconds = 0
            configuration.settings.graceSeconds = 60
        }) { pool in
            #expect(try pool.edge.get("/page").status == 200)
            for index in 0..<3 { await pool.kill(index) }
            #expect(await eventually { (0..<3).allSatisfy { pool.state(of: $0) == "down" } })
            try await waitForStaleness()
            let stale = try pool.edge.get("/page")
            #expect(stale.status == 200)
            #expect(stale.header("cache-status")?.hasPrefix("edge; hit; stale") == true)
            #expect(stale.header("warning") == nil)
            let started = ContinuousClock.now
            let missing = try pool.edge.get("/never-cached")
            let elapsed = ContinuousClock.now - started
            #expect(missing.status == 503)
            #expect(missing.header("retry-after") != nil)
            // Generous bound: a third of the 3 s connect timeout (no dead server is waited on).
            #expect(elapsed < .seconds(1))
        }
    }

    @Test("without grace (and stale_if_unreachable off) a stale object is not served when the pool is down")
    func noGrace() async throws {
        try await withPool(count: 1, handler: { _ in { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=1")], body: "x") } },
                           configure: { _, configuration in configuration.settings.staleIfUnreachableSeconds = 0 }) { pool in
            #expect(try pool.edge.get("/page").status == 200)
            await pool.kill(0)
            try await waitForStaleness()
            #expect(try pool.edge.get("/page").status == 502)
        }
    }

    @Test("a 503 from one origin is retried on another for GET, but POST is not retried")
    func retriesOnAnotherServer() async throws {
        try await withPool(count: 2, handler: { index in
            { _ in
                index == 0
                    ? TestOrigin.Response(status: 503, headers: [("Cache-Control", "no-store")], body: "busy")
                    : TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "o1")
            }
        }, configure: { resilience, _ in
            resilience.retries = 1
            resilience.maxFails = 0
        }) { pool in
            for index in 0..<10 {
                let response = try pool.edge.get("/r/\(index)")
                #expect(response.status == 200)
                #expect(response.text == "o1")
            }
            #expect(pool.origin(0).requestCount > 0)
            var statuses: [Int] = []
            for index in 0..<4 {
                let connection = try pool.edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/p/\(index)", body: "x"))
                statuses.append(try connection.readResponse().status)
            }
            #expect(statuses.contains(503))
            #expect(pool.edge.server.metrics.render().contains("edge_origin_retries_total"))
        }
    }

    @Test("a refused connection is retried on another server, and live failures take the server down (circuit breaker)")
    func passiveCircuitBreaker() async throws {
        try await withPool(count: 2, configure: { resilience, _ in
            resilience.maxFails = 2
            resilience.failTimeout = .seconds(60)
        }) { pool in
            await pool.kill(0)
            for index in 0..<10 {
                let response = try pool.edge.get("/c/\(index)")
                #expect(response.status == 200)
            }
            #expect(pool.state(of: 0) == "down")
            #expect(pool.edge.server.metrics.render().contains("edge_origin_health_changes_total{pool=\"default\",to=\"down\"} 1"))
        }
    }

    @Test("background revalidation waits while its flag is off (degraded mode sheds it)")
    func backgroundRevalidationFlag() async throws {
        try await withPool(count: 1, handler: { _ in
            { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=1, stale-while-revalidate=60")], body: "x") }
        }) { pool in
            #expect(try pool.edge.get("/swr").status == 200)
            try await waitForStaleness()
            pool.edge.server.flags.setShed(.backgroundRevalidation, shed: true)
            let stale = try pool.edge.get("/swr")
            #expect(stale.header("cache-status")?.contains("stale") == true)
            try await Task.sleep(for: .milliseconds(200))
            #expect(pool.origin(0).requestCount == 1)
            pool.edge.server.flags.setShed(.backgroundRevalidation, shed: false)
            _ = try pool.edge.get("/swr")
            #expect(await eventually { pool.origin(0).requestCount == 2 })
        }
    }
}
