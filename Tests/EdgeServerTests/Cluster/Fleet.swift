import EdgeCore
import Foundation
import Logging
import Synchronization
@testable import EdgeServer

/// Edge nodes started in process on loopback addresses (127.0.0.2, .3, ...: Linux routes all of
/// 127/8 to the loopback interface), one port for all, clustered in front of one origin.
final class Fleet: Sendable {
    let nodes: [EdgeServer]
    let hosts: [String]
    let port: Int
    private let stopped: Mutex<Set<Int>>

    private init(nodes: [EdgeServer], hosts: [String], port: Int) {
        self.nodes = nodes
        self.hosts = hosts
        self.port = port
        stopped = Mutex([])
    }

    /// `configure` adjusts node `index`'s configuration (its `cluster` is already set).
    static func start(origin: TestOrigin, hosts: [String] = ["127.0.0.2", "127.0.0.3", "127.0.0.4"],
                      configure: (Int, inout EdgeServer.Configuration) -> Void = { _, _ in }) async throws -> Fleet {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try unusedLoopbackPort()
            var started: [EdgeServer] = []
            do {
                for (index, host) in hosts.enumerated() {
                    var configuration = EdgeServer.Configuration(
                        listen: [(host, port)], eventLoops: 1,
                        sites: [EdgeServer.SiteRoute(hosts: ["*"], poolName: "origin", servers: [OriginServer(host: "127.0.0.1", port: origin.port)])],
                        cacheBytes: 64 << 20, maxObjectBytes: 8 << 20)
                    configuration.cluster = ClusterSettings(
                        selfNode: OriginServer(host: host, port: port), nodes: hosts.map { OriginServer(host: $0, port: port) })
                    configure(index, &configuration)
                    var logger = Logger(label: "fleet-\(host)")
                    logger.logLevel = .critical
                    let node = EdgeServer(configuration: configuration, accessLog: try AccessLog(destination: "off", format: .combined), logger: logger)
                    started.append(node)
                    try await node.start()
                }
                return Fleet(nodes: started, hosts: hosts, port: port)
            } catch {
                // Another socket took the port meanwhile: try another.
                lastError = error
                for node in started { await node.drainAndStop() }
            }
        }
        throw lastError ?? RawHTTPConnection.Failure(description: "no port for the fleet")
    }

    /// GET `path` from node `index`.
    func get(_ index: Int, _ path: String, headers: [(String, String)] = [], method: String = "GET") throws -> RawHTTPConnection.Response {
        let connection = try RawHTTPConnection(host: hosts[index], port: port)
        try connection.send(EdgeHarness.request(method: method, path: path, headers: headers, host: "shop.example"))
        return try connection.readResponse(bodyExpected: method != "HEAD")
    }

    /// GET `path` from node `index`'s admin listener (configured with token "secret").
    func admin(_ index: Int, _ path: String) throws -> RawHTTPConnection.Response {
        let connection = try RawHTTPConnection(port: nodes[index].adminAddress?.port ?? 0)
        try connection.send(EdgeHarness.request(path: path, headers: [("Authorization", "Bearer secret")], host: "127.0.0.1"))
        return try connection.readResponse()
    }

    func isStopped(_ index: Int) -> Bool { stopped.withLock { $0.contains(index) } }

    /// Takes node `index` out as a load balancer would (no new requests), then drains and stops it.
    func stop(_ index: Int) async {
        stopped.withLock { _ = $0.insert(index) }
        await nodes[index].drainAndStop()
    }

    func stopAll() async {
        for index in nodes.indices where !isStopped(index) {
            await stop(index)
        }
    }

    func clusterStats(_ index: Int) -> ClusterStats? { nodes[index].services.cluster?.stats }

    /// The state (`up`, `down`, `half_open`) node `index`'s ring gives `peer` (`host:port`).
    func peerState(_ peer: String, seenBy index: Int) -> String? {
        guard let ring = nodes[index].services.cluster?.ring.balancer.snapshot() else { return nil }
        return ring.servers.first { $0.server == peer }?.state
    }

    /// The node that owns `path`'s cache key on the fleet's ring.
    func owner(of path: String) -> Int {
        let ring = ConsistentHashRing(names: hosts.map { OriginServer(host: $0, port: port).description }, weights: hosts.map { _ in 1 })
        return ring.server(for: CacheKey(host: "shop.example", target: path).description) ?? 0
    }
}

/// Runs `body` with a fleet in front of `origin`, and stops every node whatever happens.
func withFleet(origin: TestOrigin, hosts: [String] = ["127.0.0.2", "127.0.0.3", "127.0.0.4"],
               configure: (Int, inout EdgeServer.Configuration) -> Void = { _, _ in },
               _ body: (Fleet) async throws -> Void) async throws {
    let fleet = try await Fleet.start(origin: origin, hosts: hosts, configure: configure)
    do {
        try await body(fleet)
    } catch {
        await fleet.stopAll()
        throw error
    }
    await fleet.stopAll()
}
