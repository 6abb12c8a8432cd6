import EdgeCore
import NIOHTTP1

/// One request for a page of a progressive site: its tier, the Early Hints it gets, and the rewrite
/// of its body when the response turns out to be an HTML page.
final class PageDelivery {
    enum Tier {
        /// Enhancement bundles: Early Hints and tags before `</body>`.
        case full
        /// Only the base page (`Save-Data: on`, the `enhancements` flag off, or the node degraded).
        case baseOnly
    }

    let tier: Tier
    let enhancements: Enhancements
    let liveReload: Bool

    init(tier: Tier, enhancements: Enhancements, liveReload: Bool) {
        self.tier = tier
        self.enhancements = enhancements
        self.liveReload = liveReload
    }

    /// The route phase's part for a page of a progressive site: its tier, and its Early Hints sent at
    /// once, before the cache or the origin has answered. Nil for anything that is not such a page.
    static func start(for request: ClientRequest, site: Site, flags: FeatureFlags, sink: ResponseSink) -> PageDelivery? {
        guard let settings = site.progressive, request.head.method == .GET || request.head.method == .HEAD else { return nil }
        let path = request.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.head.uri
        // Early Hints go out before the response says what it is: only for paths that name pages.
        guard looksLikePage(path) else { return nil }
        let enhancements = settings.enhancements(path) ?? Enhancements(assets: [])
        guard !enhancements.isEmpty || settings.liveReload else { return nil }
        let page = PageDelivery(tier: tier(for: request.head, enhancementsEnabled: flags.isEnabled(.enhancements)),
                                enhancements: enhancements, liveReload: settings.liveReload)
        let hints = page.earlyHints
        // HTTP/1.0 has no interim responses (RFC 9110 §15.2).
        if !hints.isEmpty, request.clientVersion != .http1_0 {
            sink.writeInterim(HTTPResponseHead(version: request.head.version, status: .custom(code: 103, reasonPhrase: "Early Hints"),
                                               headers: HTTPHeaders(hints.map { ("link", $0) })), for: request)
            request.hintsSent = hints
        }
        return page
    }

    /// The request's tier: base-only when the client asks to save data (`Save-Data: on`, RFC 8674
    /// draft) or when enhancements are switched off by hand or shed under load.
    static func tier(for head: HTTPRequestHead, enhancementsEnabled: Bool) -> Tier {
        guard enhancementsEnabled else { return .baseOnly }
        let saveData = head.headers[canonicalForm: "save-data"].contains { $0.lowercased() == "on" }
        return saveData ? .baseOnly : .full
    }

    /// What goes before `</body>`: the full tier's tags (only for a 200 page: an error page is not
    /// enhanced), and preview's live-reload script.
    func insertion(for status: HTTPResponseStatus) -> String {
        var parts: [String] = []
        if tier == .full, status == .ok, !enhancements.isEmpty { parts.append(enhancements.tags) }
        if liveReload { parts.append(ProgressiveSettings.liveReloadScript) }
        return parts.joined(separator: "\n")
    }

    /// Stage 6 of the response filter chain: a page's fields for its tier (downstream caches must keep
    /// the tiers apart), and the rewrite of its body set up on `body`. Anything but an HTML page passes.
    func headers(for status: HTTPResponseStatus, _ headers: HTTPHeaders, body: inout ResponseBody, compression: CompressionService) -> HTTPHeaders {
        guard Self.isPage(status: status, headers: headers) else { return headers }
        var headers = headers
        headers.add(name: "vary", value: "Save-Data")
        let insertion = insertion(for: status)
        guard !insertion.isEmpty else { return headers }
        let coding = ContentCoding.of(headers[canonicalForm: "content-encoding"].map(String.init)) ?? .identity
        do {
            body.rewriter = try PageRewriter(insertion: insertion, coding: coding, level: compression.settings.streamingLevels.level(for: coding))
        } catch {
            // A coding this edge cannot recode: the page goes out as the base page.
            return headers
        }
        headers.remove(name: "content-length")
        headers.remove(name: "accept-ranges")
        if let etag = headers.first(name: "etag") {
            let enhanced = tier == .full && status == .ok && !enhancements.isEmpty
            headers.replaceOrAdd(name: "etag", value: Self.etag(etag, suffix: enhanced ? "+enhanced" : "+preview"))
        }
        return headers
    }

    /// `Link` values for `103 Early Hints`; none in the base-only tier.
    var earlyHints: [String] {
        tier == .full ? enhancements.linkValues : []
    }

    /// Whether a path names a page rather than an asset: a folder (`/catalog/`), an `.html` file, or
    /// a last segment without an extension (`/about`); not the edge's own `/__edge/` endpoints.
    static func looksLikePage(_ path: String) -> Bool {
        // The edge's own endpoints (preview's event stream) are not pages.
        if path.hasPrefix("/__edge/") { return false }
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = last.lastIndex(of: ".") else { return true }
        let suffix = last[last.index(after: dot)...].lowercased()
        return suffix == "html" || suffix == "htm"
    }

    /// Whether a response is a page this delivery rewrites.
    static func isPage(status: HTTPResponseStatus, headers: HTTPHeaders) -> Bool {
        guard status == .ok || status == .notFound else { return false }
        return CompressionRules.mediaType(headers.first(name: "content-type")) == "text/html"
    }

    /// The page's ETag for this rewrite: the tag of the stored page with the rewrite named inside
    /// the quotes, so that validators never confuse the base page with the rewritten one.
    static func etag(_ tag: String, suffix: String) -> String {
        guard tag.hasSuffix("\"") else { return tag }
        return String(tag.dropLast()) + suffix + "\""
    }
}
