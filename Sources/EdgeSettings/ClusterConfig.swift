/// `[cluster]`: the fleet this node caches with. Each cache key has an owner among `nodes` (a
/// consistent-hash ring); a miss for a key another node owns is fetched from that node.
public struct ClusterConfig: Sendable, Codable, Equatable {
    /// This node's traffic address as the other nodes reach it (`http://10.0.0.2:8080`); one of `nodes`.
    public var selfURL: String = ""
    /// Every node of the fleet, this one included, by traffic address. Every node lists the same set.
    public var nodes: [String] = []
    /// An optional upper-tier node every miss goes through before the origin; empty for none.
    public var shield: String = ""
    /// How often a request may already name this node in `CDN-Loop` before it is refused with 508
    /// (0: a request that names this node at all is a loop).
    public var maxLoopHops: Int = 0
    /// How long a connection to a peer may take before the next candidate (or the origin) is tried.
    public var connectTimeout: TimeSpan = .seconds(1)
    /// How long a peer may take to start its answer (it may be fetching from the origin itself).
    public var firstByteTimeout: TimeSpan = .seconds(30)

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case selfURL = "self"
        case nodes
        case shield
        case maxLoopHops = "max_loop_hops"
        case connectTimeout = "connect_timeout"
        case firstByteTimeout = "first_byte_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClusterConfig()
        selfURL = try c.field(.selfURL, default: d.selfURL)
        nodes = try c.field(.nodes, default: d.nodes)
        shield = try c.field(.shield, default: d.shield)
        maxLoopHops = try c.field(.maxLoopHops, default: d.maxLoopHops)
        connectTimeout = try c.field(.connectTimeout, default: d.connectTimeout)
        firstByteTimeout = try c.field(.firstByteTimeout, default: d.firstByteTimeout)
    }

    /// This node's address; nil until validated.
    public var selfNode: PeerURL? { PeerURL(selfURL) }
    public var nodeURLs: [PeerURL] { nodes.compactMap(PeerURL.init) }
    public var shieldNode: PeerURL? { shield.isEmpty ? nil : PeerURL(shield) }

    func validate() throws(ConfigError) {
        func invalid(_ key: String, _ message: String) -> ConfigError {
            ConfigError(file: "", key: "cluster.\(key)", message: message)
        }
        guard let me = PeerURL(selfURL) else {
            throw invalid("self", "expected this node's traffic URL like \"http://10.0.0.2:8080\", got \"\(selfURL)\"")
        }
        var seen: Set<PeerURL> = []
        for (index, node) in nodes.enumerated() {
            guard let url = PeerURL(node) else {
                throw invalid("nodes[\(index)]", "expected a traffic URL like \"http://10.0.0.3:8080\", got \"\(node)\"")
            }
            if !seen.insert(url).inserted {
                throw invalid("nodes[\(index)]", "\(url) is listed twice")
            }
        }
        let shieldURL = shield.isEmpty ? nil : PeerURL(shield)
        if !shield.isEmpty, shieldURL == nil {
            throw invalid("shield", "expected a traffic URL like \"http://10.0.1.9:8080\", got \"\(shield)\"")
        }
        // The shield's own node lists the nodes it serves (to trust them) without being one of them.
        if !seen.contains(me), me != shieldURL {
            throw invalid("self", "\(me) is not one of cluster.nodes (\(nodes.joined(separator: ", ")))")
        }
        if let shieldURL, seen.contains(shieldURL) {
            throw invalid("shield", "\(shieldURL) is one of cluster.nodes; the shield is a tier above them")
        }
        if !(0...16).contains(maxLoopHops) {
            throw invalid("max_loop_hops", "expected 0 to 16, got \(maxLoopHops)")
        }
        if connectTimeout.nanoseconds <= 0 {
            throw invalid("connect_timeout", "must be more than 0, got \(connectTimeout)")
        }
        if firstByteTimeout.nanoseconds <= 0 {
            throw invalid("first_byte_timeout", "must be more than 0, got \(firstByteTimeout)")
        }
    }

    func render(_ out: inout TOMLWriter) {
        out.table("cluster")
        out.set("self", .string(selfURL))
        out.set("nodes", .array(nodes.map { .string($0) }))
        if !shield.isEmpty { out.set("shield", .string(shield)) }
        out.set("max_loop_hops", .integer(maxLoopHops))
        out.set("connect_timeout", .string(connectTimeout.description))
        out.set("first_byte_timeout", .string(firstByteTimeout.description))
    }
}
