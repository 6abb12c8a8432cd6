import EdgeCore
@testable import EdgeServer

/// Runs `body` with an edge whose one pool is `origins` (with `resilience`), and stops them all
/// whatever happens.
func withEdge(
    faulty origins: [FaultyOrigin],
    resilience: PoolResilience = PoolResilience(),
    configure: (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (EdgeHarness) async throws -> Void
) async throws {
    let servers = origins.map { OriginServer(host: "127.0.0.1", port: $0.port) }
    let edge: EdgeHarness
    do {
        edge = try await EdgeHarness(origins: []) { configuration in
            configuration.sites = [EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: servers, resilience: resilience)]
            configure(&configuration)
        }
    } catch {
        for origin in origins { await origin.stop() }
        throw error
    }
    do {
        try await body(edge)
    } catch {
        await edge.stop()
        for origin in origins { await origin.stop() }
        throw error
    }
    await edge.stop()
    for origin in origins { await origin.stop() }
}

extension EdgeHarness {
    /// The health state (`up`, `down`, `half_open`) of the server on `port` in the first pool.
    func state(ofServerOn port: Int) -> String? {
        server.poolHealth().first?.servers.first { $0.server == "127.0.0.1:\(port)" }?.state
    }
}
