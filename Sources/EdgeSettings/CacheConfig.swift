import EdgeCore

/// `[cache]`: the in-memory store and freshness defaults.
public struct CacheConfig: Sendable, Codable, Equatable {
    /// Total memory for stored responses.
    public var memorySize: ByteSize = .mebibytes(256)
    /// Responses larger than this are passed through, not stored.
    public var maxObjectSize: ByteSize = .mebibytes(16)
    /// Which entries go first when the store is full.
    public var eviction: EvictionPolicyKind = .tinylfu
    /// Heuristic freshness: this fraction of the time since Last-Modified (RFC 9111 §4.2.2).
    public var heuristicFraction: Double = 0.1
    /// Heuristic freshness never exceeds this.
    public var heuristicMax: TimeSpan = .days(1)
    /// Whether CDN-Cache-Control is passed on (RFC 9213 §3: CDNs typically forward it for CDNs further down).
    public var keepCDNCacheControl: Bool = true
    /// Extra window to serve stale content when the origin fails.
    public var grace: TimeSpan = .zero
    /// How long past freshness a stored response may be served when no origin can be reached at all
    /// (RFC 9111 §4.2.4 lets a disconnected cache serve stale); 0 turns it off.
    public var staleIfUnreachable: TimeSpan = .days(1)
    /// `[cache.disk]`; nil keeps the cache in memory only.
    public var disk: DiskConfig?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case memorySize = "memory_size"
        case maxObjectSize = "max_object_size"
        case eviction
        case heuristicFraction = "heuristic_fraction"
        case heuristicMax = "heuristic_max"
        case keepCDNCacheControl = "keep_cdn_cache_control"
        case grace
        case staleIfUnreachable = "stale_if_unreachable"
        case disk
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CacheConfig()
        memorySize = try c.field(.memorySize, default: d.memorySize)
        maxObjectSize = try c.field(.maxObjectSize, default: d.maxObjectSize)
        eviction = try c.field(.eviction, default: d.eviction)
        heuristicFraction = try c.field(.heuristicFraction, default: d.heuristicFraction)
        heuristicMax = try c.field(.heuristicMax, default: d.heuristicMax)
        keepCDNCacheControl = try c.field(.keepCDNCacheControl, default: d.keepCDNCacheControl)
        grace = try c.field(.grace, default: d.grace)
        staleIfUnreachable = try c.field(.staleIfUnreachable, default: d.staleIfUnreachable)
        disk = try c.field(.disk, default: d.disk)
    }
}

/// Cache eviction algorithm.
extension EvictionPolicyKind: ConfigEnum {}
