import EdgeCore
import NIOCore
import Synchronization
@testable import EdgeServer

/// Three (or more) real origins on loopback behind one edge pool, for balancing and failover tests.
/// Each origin answers with its own name, so a response tells which server it came from.
final class PoolHarness: Sendable {
    let origins: Mutex<[TestOrigin]>
    let ports: [Int]
    let edge: EdgeHarness

    static func answer(_ name: String, cache: String = "no-store") -> TestOrigin.Handler {
        { request in
            if request.uri.hasPrefix("/health") { return TestOrigin.Response(body: "ok") }
            return TestOrigin.Response(headers: [("Cache-Control", cache)], body: name)
        }
    }

    init(count: Int = 3, handler: (Int) -> TestOrigin.Handler = { PoolHarness.answer("o\($0)") },
         weights: [Int] = [], backups: Set<Int> = [],
         configure: (inout PoolResilience, inout EdgeServer.Configuration) -> Void) async throws {
        var started: [TestOrigin] = []
        for index in 0..<count {
            started.append(try await TestOrigin(handler(index)))
        }
        let servers = started.map { OriginServer(host: "127.0.0.1", port: $0.port) }
        origins = Mutex(started)
        ports = started.map(\.port)
        do {
            edge = try await EdgeHarness(origins: started) { configuration in
                var resilience = PoolResilience()
                for (index, weight) in weights.enumerated() { resilience.weights[servers[index]] = weight }
                resilience.backups = backups.sorted().map { servers[$0] }
                configure(&resilience, &configuration)
                var upstream = UpstreamPolicy.short(connect: .seconds(3), firstByte: .seconds(5), idle: .seconds(5))
                upstream.maxConnectionsPerServer = 64
                configuration.sites = [
                    EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: servers, upstream: upstream, resilience: resilience)
                ]
            }
        } catch {
            for origin in started { await origin.stop() }
            throw error
        }
    }

    func origin(_ index: Int) -> TestOrigin { origins.withLock { $0[index] } }

    /// Stops origin `index` (its port is refused from then on).
    func kill(_ index: Int) async {
        await origin(index).stop()
    }

    /// Starts origin `index` again on its old port.
    func restart(_ index: Int, _ handler: @escaping TestOrigin.Handler) async throws {
        let revived = try await TestOrigin(port: ports[index], handler)
        origins.withLock { $0[index] = revived }
    }

    func state(of index: Int) -> String? {
        let name = "127.0.0.1:\(ports[index])"
        return edge.server.poolHealth().first?.servers.first { $0.server == name }?.state
    }

    func stop() async {
        await edge.stop()
        for origin in origins.withLock({ $0 }) { await origin.stop() }
    }
}

/// Runs `body` with a `PoolHarness` and stops everything whatever happens.
func withPool(
    count: Int = 3,
    handler: (Int) -> TestOrigin.Handler = { PoolHarness.answer("o\($0)") },
    weights: [Int] = [],
    backups: Set<Int> = [],
    configure: (inout PoolResilience, inout EdgeServer.Configuration) -> Void = { _, _ in },
    _ body: (PoolHarness) async throws -> Void
) async throws {
    let pool = try await PoolHarness(count: count, handler: handler, weights: weights, backups: backups, configure: configure)
    do {
        try await body(pool)
    } catch {
        await pool.stop()
        throw error
    }
    await pool.stop()
}

extension PoolResilience {
    /// Active checks every 100 ms on `/health`, for tests that wait for health to change.
    static func quickCheck(rise: Int = 2, fall: Int = 1) -> HealthCheck {
        var check = HealthCheck()
        check.path = "/health"
        check.interval = .milliseconds(100)
        check.timeout = .milliseconds(500)
        check.rise = rise
        check.fall = fall
        return check
    }
}
