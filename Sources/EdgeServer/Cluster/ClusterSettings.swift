import EdgeSettings
import NIOCore

/// The fleet as the running server sees it (`[cluster]`), in the server's units.
public struct ClusterSettings: Sendable {
    /// This node, as the others reach it.
    public var selfNode: OriginServer
    /// Every node on the ring, this one included (the shield's own node may be left out).
    public var nodes: [OriginServer]
    /// The upper tier every miss goes through before the origin; nil for none.
    public var shield: OriginServer?
    /// How often a request may already name this node in `CDN-Loop` before it is refused with 508.
    public var maxLoopHops = 0
    /// Connect and first-byte timeouts towards peers (and the shield).
    public var upstream = UpstreamPolicy()
    /// For how long after a purge a peer's copy of what it covers is not trusted: as long as the
    /// purge's fan-out to the peers may take (`[purge] peer_timeout × (peer_retries + 1)`).
    public var purgeWindow: Double = 6

    public init(selfNode: OriginServer, nodes: [OriginServer], shield: OriginServer? = nil) {
        self.selfNode = selfNode
        self.nodes = nodes
        self.shield = shield
        upstream.connectTimeout = .seconds(1)
        // Peers trust the peer field only from the nodes' addresses: connect from this node's own
        // (when it is an IP address), whatever interface the system would pick.
        if (try? SocketAddress(ipAddress: selfNode.host, port: 0)) != nil {
            upstream.sourceAddress = selfNode.host
        }
    }

    /// `[cluster]` of a validated configuration, with `[purge]` for the purge window.
    public init(_ config: ClusterConfig, purge: PurgeConfig) {
        func server(_ url: PeerURL) -> OriginServer { OriginServer(host: url.host, port: url.port) }
        let me = config.selfNode.map(server) ?? OriginServer(host: "127.0.0.1", port: 80)
        self.init(selfNode: me, nodes: config.nodeURLs.map(server), shield: config.shieldNode.map(server))
        maxLoopHops = config.maxLoopHops
        upstream.connectTimeout = config.connectTimeout.timeAmount
        upstream.firstByteTimeout = config.firstByteTimeout.timeAmount
        purgeWindow = Double(purge.peerTimeout.nanoseconds) / 1e9 * Double(purge.peerRetries + 1)
    }

    /// This node's name in `Cache-Status` and `CDN-Loop`: `edge-10.0.0.2`, or `edge-10.0.0.2:8081`
    /// when another node shares its host. An IPv6 address is written with `-` for `:` (`edge-fd00--2`),
    /// so that the name stays a token in both fields.
    public var identity: String {
        let everyone = nodes + (shield.map { [$0] } ?? [])
        let sharesHost = everyone.contains { $0.host == selfNode.host && $0.port != selfNode.port }
        let host = String(selfNode.host.map { $0 == ":" ? "-" : $0 })
        return sharesHost ? "edge-\(host):\(selfNode.port)" : "edge-\(host)"
    }

    /// Whether this node is the shield (it then fetches every miss from the origin).
    var isShield: Bool { shield == selfNode }
}
