/// RFC 9211 `Cache-Status` value for the cache named "edge".
///
/// Parameters are emitted in a fixed order: hit, stale, fwd, fwd-status, stored, collapsed, ttl, detail.
/// `stale` is not an RFC 9211 parameter but is a valid boolean sf-parameter; Edge uses it
/// (`edge; hit; stale`) to mark a stale response served (stale-while-revalidate, stale-if-error), as
/// README.md's list of `Cache-Status` values shows.
public struct CacheStatus: Sendable, Equatable {
    /// Why the request went forward (RFC 9211 §2.2).
    public enum Forward: String, Sendable {
        case miss, stale, request, uriMiss = "uri-miss", varyMiss = "vary-miss", bypass
        /// Part of the response was stored; the rest was fetched.
        case partial
    }

    public var hit: Bool
    public var fwd: Forward?
    public var fwdStatus: Int?
    public var stored: Bool
    public var ttl: Int?
    public var collapsed: Bool
    public var detail: String?
    public var stale: Bool

    public init(
        hit: Bool = false,
        fwd: Forward? = nil,
        fwdStatus: Int? = nil,
        stored: Bool = false,
        ttl: Int? = nil,
        collapsed: Bool = false,
        detail: String? = nil,
        stale: Bool = false
    ) {
        self.hit = hit
        self.fwd = fwd
        self.fwdStatus = fwdStatus
        self.stored = stored
        self.ttl = ttl
        self.collapsed = collapsed
        self.detail = detail
        self.stale = stale
    }

    /// e.g. `edge; fwd=miss; stored; ttl=60`, `edge; hit; ttl=42`, `edge; fwd=stale; fwd-status=304; ttl=60`.
    public var headerValue: String {
        headerValue(cache: "edge")
    }

    /// The value for the cache named `cache` (`edge-10.0.0.2; hit` for a node of a cluster).
    public func headerValue(cache: String) -> String {
        var value = cache
        if hit { value += "; hit" }
        if stale { value += "; stale" }
        if let fwd { value += "; fwd=" + fwd.rawValue }
        if let fwdStatus { value += "; fwd-status=" + String(fwdStatus) }
        if stored { value += "; stored" }
        if collapsed { value += "; collapsed" }
        if let ttl { value += "; ttl=" + String(ttl) }
        if let detail { value += "; detail=" + Self.serialise(detail) }
        return value
    }

    /// A fresh hit.
    public static func hit(ttl: Int?) -> CacheStatus {
        CacheStatus(hit: true, ttl: ttl)
    }

    /// A stale response served from cache (stale-while-revalidate, max-stale, stale-if-error).
    public static func staleHit(ttl: Int?, detail: String? = nil) -> CacheStatus {
        CacheStatus(hit: true, ttl: ttl, detail: detail, stale: true)
    }

    /// Went to the origin; `stored` when the response was stored.
    public static func forwarded(_ reason: Forward, status: Int? = nil, stored: Bool = false, ttl: Int? = nil) -> CacheStatus {
        CacheStatus(fwd: reason, fwdStatus: status, stored: stored, ttl: ttl)
    }

    /// A miss; `stored` when the response was stored.
    public static func miss(stored: Bool, ttl: Int? = nil, collapsed: Bool = false) -> CacheStatus {
        CacheStatus(fwd: .miss, stored: stored, ttl: ttl, collapsed: collapsed)
    }

    /// The cache was not consulted.
    public static func bypass(detail: String? = nil) -> CacheStatus {
        CacheStatus(fwd: .bypass, detail: detail)
    }

    /// sf-token when it is one, else sf-string.
    static func serialise(_ text: String) -> String {
        let bytes = Array(text.utf8)
        if let first = bytes.first,
            first == UInt8(ascii: "*") || (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first),
            bytes.allSatisfy({ $0.isTchar || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") })
        {
            return text
        }
        var out = "\""
        for byte in bytes where (0x20...0x7E).contains(byte) {
            if byte == .quote || byte == .backslash { out += "\\" }
            out += String(UnicodeScalar(byte))
        }
        return out + "\""
    }
}
