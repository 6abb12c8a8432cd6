import NIOHTTP1

extension StoragePolicy {
    /// RFC 9110 §9.3.3: a response to POST may be stored, to answer later GETs of the same URI, only when
    /// it has explicit freshness and a `Content-Location` naming the POST's own target URI. The rest of
    /// the storage rules (§3) then apply as for a GET response.
    public static func postResponseMayBeStored(
        status: Int,
        responseHeaders: HTTPHeaders,
        requestHost: String,
        requestTarget: String,
        settings: CachePolicySettings
    ) -> Bool {
        guard Freshness.hasExplicitLifetime(headers: responseHeaders, settings: settings),
              let location = responseHeaders["content-location"].first,
              let resolved = Invalidation.resolve(location, requestHost: requestHost, requestTarget: requestTarget)
        else { return false }
        return CacheKey(host: resolved.host, target: resolved.pathAndQuery) == CacheKey(host: requestHost, target: requestTarget)
    }
}

extension Freshness {
    /// Whether the response states its own lifetime (`s-maxage`, `max-age`, targeted fields, or `Expires`).
    public static func hasExplicitLifetime(headers: HTTPHeaders, settings: CachePolicySettings) -> Bool {
        let directives = CacheControl.effective(for: headers, settings: settings)
        return directives.sMaxAge != nil || directives.maxAge != nil || headers.contains(name: "expires")
    }
}
