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

    /// What goes before `</body>`: the full tier's tags, and preview's live-reload script.
    var insertion: String {
        var parts: [String] = []
        if tier == .full, !enhancements.isEmpty { parts.append(enhancements.tags) }
        if liveReload { parts.append(ProgressiveSettings.liveReloadScript) }
        return parts.joined(separator: "\n")
    }

    /// `Link` values for `103 Early Hints`; none in the base-only tier.
    var earlyHints: [String] {
        tier == .full ? enhancements.linkValues : []
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
