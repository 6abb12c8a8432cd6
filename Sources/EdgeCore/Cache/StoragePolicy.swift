import NIOHTTP1

/// The request facts policy needs (the server builds this from the NIO request head).
public struct CacheRequest: Sendable {
    /// "GET", "HEAD", ...
    public var method: String
    public var headers: HTTPHeaders

    public init(method: String, headers: HTTPHeaders) {
        self.method = method
        self.headers = headers
    }

    /// Request directives. `Pragma: no-cache` counts as `Cache-Control: no-cache` only when the request
    /// has no Cache-Control field (RFC 9111 §5.4).
    public var cacheControl: CacheControl {
        // Most requests carry neither field; looking them up is cheaper than parsing nothing.
        guard headers.contains(name: "cache-control") || headers.contains(name: "pragma") else { return CacheControl() }
        var directives = CacheControl(headers)
        if headers["cache-control"].isEmpty,
            headers["pragma"].contains(where: { CacheControl.fieldNames($0).contains("no-cache") })
        {
            directives.noCache = true
        }
        return directives
    }
}

/// Settings the policy needs (the config layer fills these).
public struct CachePolicySettings: Sendable, Equatable {
    /// Heuristic lifetime as a fraction of (Date - Last-Modified), RFC 9111 §4.2.2.
    public var heuristicFraction: Double = 0.1 { didSet { fingerprint = fingerprintOfFields } }
    /// Cap on a heuristic lifetime, seconds.
    public var heuristicMaxLifetime: Double = 86_400 { didSet { fingerprint = fingerprintOfFields } }
    /// RFC 9213 CDN-Cache-Control, then Surrogate-Control, take precedence over Cache-Control.
    public var honorCDNCacheControl: Bool = true { didSet { fingerprint = fingerprintOfFields } }
    /// This cache's name in `Surrogate-Control` targets (`max-age=60;edge`) and `Surrogate-Capability`.
    public var surrogateDeviceToken: String = "edge" { didSet { fingerprint = fingerprintOfFields } }

    /// Names these settings, the same in every process (what `FreshnessInfo` keeps of them). Kept
    /// rather than worked out when asked: every hit asks for it several times.
    public private(set) var fingerprint: UInt64 = 0

    public init(heuristicFraction: Double = 0.1, heuristicMaxLifetime: Double = 86_400, honorCDNCacheControl: Bool = true, surrogateDeviceToken: String = "edge") {
        self.heuristicFraction = heuristicFraction
        self.heuristicMaxLifetime = heuristicMaxLifetime
        self.honorCDNCacheControl = honorCDNCacheControl
        self.surrogateDeviceToken = surrogateDeviceToken
        self.fingerprint = fingerprintOfFields
    }

    private var fingerprintOfFields: UInt64 {
        var value = StableHash.mix(heuristicFraction.bitPattern)
        value = StableHash.mix(value ^ heuristicMaxLifetime.bitPattern)
        value = StableHash.mix(value ^ (honorCDNCacheControl ? 1 : 2))
        return StableHash.mix(value ^ StableHash.hash(surrogateDeviceToken))
    }
}

extension CacheControl {
    /// The directives this (shared, CDN) cache obeys for a response: a valid, non-empty
    /// `CDN-Cache-Control` (RFC 9213), else a non-empty `Surrogate-Control`, else `Cache-Control`.
    /// A targeted field replaces Cache-Control entirely; Expires still applies when it gives no max-age.
    /// A Surrogate-Control with no caching directive (only `content="ESI/1.0"`, say) is not used.
    public static func effective(for responseHeaders: HTTPHeaders, settings: CachePolicySettings) -> CacheControl {
        if settings.honorCDNCacheControl {
            let cdn = CacheControl(responseHeaders, field: "cdn-cache-control")
            if !cdn.isEmpty { return cdn }
            let surrogate = CacheControl.surrogate(responseHeaders, deviceToken: settings.surrogateDeviceToken)
            if surrogate.hasCachingDirective { return surrogate }
        }
        return CacheControl(responseHeaders)
    }
}

extension CacheControl {
    private static let cachingDirectiveNames: Set<String> = [
        "max-age", "s-maxage", "no-store", "no-cache", "private", "public", "must-revalidate", "proxy-revalidate",
        "stale-while-revalidate", "stale-if-error", "must-understand",
    ]

    /// Holds at least one directive that affects storing or freshness (extensions don't).
    public var hasCachingDirective: Bool {
        directives.contains { Self.cachingDirectiveNames.contains($0.name) }
    }
}

/// RFC 9111 §3: may a shared cache store this response?
public enum StoragePolicy {
    /// Statuses that are heuristically cacheable (RFC 9110 §15.1).
    public static let heuristicallyCacheableStatuses: Set<Int> = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]

    /// Final statuses whose caching requirements Edge implements: those RFC 9110 §15 defines, less
    /// 304, which Edge never stores. `must-understand` lets only these be stored.
    public static let understoodStatuses: Set<Int> = Set([200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 305, 307, 308])
        .union(400...417).union([421, 422, 426]).union(500...505)

    /// RFC 9111 §3 for a *shared* cache. Returns nil when storable, or the reason it is not.
    /// Only GET responses are stored (HEAD is answered from the stored GET); a 206 only as a piece
    /// `PartialContent` can place (one range, known length); 304 is not stored.
    public static func unstorableReason(
        request: CacheRequest,
        status: Int,
        responseHeaders: HTTPHeaders,
        settings: CachePolicySettings
    ) -> String? {
        guard request.method.uppercased() == "GET" else { return "method \(request.method) is not stored" }
        if request.cacheControl.noStore { return "request no-store" }
        guard (200...599).contains(status) else { return "status \(status) is not a final response" }
        if status == 206, PartialContent.storableRange(status: status, headers: responseHeaders) == nil {
            return "partial content without one range of a known length is not stored"
        }
        if status == 304 { return "304 is not stored" }
        let directives = CacheControl.effective(for: responseHeaders, settings: settings)
        if directives.mustUnderstand {
            // §5.2.2.3: a cache that implements the status code's rules SHOULD ignore no-store.
            guard understoodStatuses.contains(status) else { return "must-understand and status \(status) is not understood" }
        } else if directives.noStore {
            return "no-store"
        }
        if directives.isPrivate { return "private" }
        if !request.headers["authorization"].isEmpty,
            !(directives.isPublic || directives.sMaxAge != nil || directives.mustRevalidate)
        {
            return "request has Authorization and response lacks public, s-maxage or must-revalidate"
        }
        if responseHeaders["vary"].contains(where: { CacheControl.fieldNames($0).contains("*") }) {
            return "Vary: * never matches"
        }
        let explicit = directives.maxAge != nil || directives.sMaxAge != nil || !responseHeaders["expires"].isEmpty
        guard explicit || directives.isPublic || heuristicallyCacheableStatuses.contains(status) else {
            return "status \(status) needs explicit freshness or public"
        }
        return nil
    }

    /// Response fields a shared cache must not store (`private="a, b"`): strip them before storing.
    public static func fieldsToStripBeforeStoring(
        _ responseHeaders: HTTPHeaders,
        settings: CachePolicySettings = CachePolicySettings()
    ) -> [String] {
        CacheControl.effective(for: responseHeaders, settings: settings).privateFields
    }

    /// Response fields that may not be reused without revalidation (`no-cache="a, b"`).
    /// Edge strips them from the stored copy, which RFC 9111 §5.2.2.4 allows.
    public static func fieldsRequiringRevalidation(
        _ responseHeaders: HTTPHeaders,
        settings: CachePolicySettings = CachePolicySettings()
    ) -> [String] {
        CacheControl.effective(for: responseHeaders, settings: settings).noCacheFields
    }
}
