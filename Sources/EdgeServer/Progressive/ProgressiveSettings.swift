import EdgeCore

/// How a site's pages are delivered progressively: which enhancements a page path gets in the full
/// tier (from the manifest of a static folder, fingerprinted, or of a proxied site), and whether
/// `edge preview`'s live-reload script goes into every page.
public struct ProgressiveSettings: Sendable {
    public var enhancements: @Sendable (_ path: String) -> Enhancements?
    public var liveReload: Bool

    public init(liveReload: Bool = false, enhancements: @escaping @Sendable (_ path: String) -> Enhancements?) {
        self.enhancements = enhancements
        self.liveReload = liveReload
    }

    /// A proxied site's manifest: its asset URLs are the origin's own (no fingerprinting here).
    public init(manifest: ProgressiveManifest) {
        self.init { path in Enhancements(manifest: manifest, path: path) }
    }

    /// A static folder's manifest, with the fingerprinted names the folder's origin serves.
    public init(site: StaticSite, liveReload: Bool) {
        self.init(liveReload: liveReload) { path in site.enhancements(for: path) }
    }

    /// The script `edge preview` adds to pages: reload when the folder changes.
    static let liveReloadScript = """
        <script>new EventSource("/__edge/reload").onmessage = () => location.reload();</script>
        """
}
