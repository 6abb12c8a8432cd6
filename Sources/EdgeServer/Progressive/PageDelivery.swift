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
    var rewriter: PageRewriter?

    init(tier: Tier, enhancements: Enhancements, liveReload: Bool) {
        self.tier = tier
        self.enhancements = enhancements
        self.liveReload = liveReload
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
