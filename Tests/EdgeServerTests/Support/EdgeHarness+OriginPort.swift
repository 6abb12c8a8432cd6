import EdgeCore
import NIOCore
@testable import EdgeServer

/// Runs `body` with an edge whose one pool points at `port` (any origin, or none at all),
/// with `upstream` as the pool's policy, and stops the edge whatever happens.
func withEdge(
    originPort port: Int,
    upstream: UpstreamPolicy = UpstreamPolicy(),
    configure: (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (EdgeHarness) async throws -> Void
) async throws {
    try await EdgeHarness.running([], configure: { configuration in
        configuration.sites = [
            EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: [OriginServer(host: "127.0.0.1", port: port)], upstream: upstream)
        ]
        configure(&configuration)
    }, body)
}

extension UpstreamPolicy {
    /// A policy with short timeouts, for tests that wait for them to fire.
    static func short(connect: TimeAmount = .seconds(2), firstByte: TimeAmount = .milliseconds(300), idle: TimeAmount = .milliseconds(300)) -> UpstreamPolicy {
        var policy = UpstreamPolicy()
        policy.connectTimeout = connect
        policy.firstByteTimeout = firstByte
        policy.idleTimeout = idle
        return policy
    }
}
