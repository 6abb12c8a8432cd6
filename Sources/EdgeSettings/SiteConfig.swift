/// `[[sites]]`: which requests (by Host) go to which pool or static folder.
public struct SiteConfig: Sendable, Codable, Equatable {
    /// Host header patterns: exact (`shop.example`), wildcard (`*.example.com`) or `*` for any.
    public var hosts: [String] = ["*"]
    /// Where matching requests go.
    public var target: SiteTarget = .pool("default")
    /// `compression = false` turns compression off for this site; nil follows `[compression] enabled`.
    public var compression: Bool?
    /// For a proxied site: a progressive manifest (`progressive.json` format) naming the origin's
    /// enhancement bundles, for Early Hints and deferred tags. A static folder's own
    /// `progressive.json` is found without this.
    public var progressive: String?
    /// `slice_size = "1MiB"`: objects of a proxied site are fetched and stored as aligned slices of
    /// this size; nil or 0 = off.
    public var sliceSize: ByteSize?

    public init(hosts: [String] = ["*"], target: SiteTarget = .pool("default"), compression: Bool? = nil) {
        self.hosts = hosts
        self.target = target
        self.compression = compression
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hosts
        case pool
        case root
        case compression
        case progressive
        case sliceSize = "slice_size"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hosts = try c.field(.hosts, default: ["*"])
        let pool: String? = try c.optionalField(.pool)
        let root: String? = try c.optionalField(.root)
        compression = try c.optionalField(.compression)
        progressive = try c.optionalField(.progressive)
        sliceSize = try c.field(.sliceSize, default: nil)
        switch (pool, root) {
        case (let pool?, nil): target = .pool(pool)
        case (nil, let root?): target = .staticRoot(root)
        case (nil, nil): target = .pool("default")
        case (_?, _?):
            throw ConfigIssue(
                path: ConfigPath.components(decoder.codingPath) + [.key("root")],
                message: "a site has either pool or root, not both",
                showsActual: false
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hosts, forKey: .hosts)
        switch target {
        case .pool(let name): try c.encode(name, forKey: .pool)
        case .staticRoot(let path): try c.encode(path, forKey: .root)
        }
        try c.encodeIfPresent(compression, forKey: .compression)
        try c.encodeIfPresent(progressive, forKey: .progressive)
        try c.encodeIfPresent(sliceSize, forKey: .sliceSize)
    }
}

/// Where a site's requests go.
public enum SiteTarget: Sendable, Hashable {
    /// Proxied to the named `[[pools]]` entry.
    case pool(String)
    /// Served from a static folder (`root = "Sites/demo"`).
    case staticRoot(String)
}
