import EdgeCore

/// One `[[sites]]` entry as a routed request sees it: the pool that serves it, and the site's own
/// progressive delivery and compression settings.
struct Site: Sendable {
    /// Exact host names, `*.example.com` suffix patterns, or `*` for any host.
    var hosts: [String]
    var pool: Router.Pool
    /// Early Hints, tiers and enhancement tags for the site's pages; nil for a plain site.
    var progressive: ProgressiveSettings?
    /// False for `compression = false`: no new codings are made for the site's responses.
    var compression: Bool
    /// `slice_size`: the site's objects are fetched and stored as slices (`SliceFetch`); nil = off.
    var slices: SliceRange?

    init(hosts: [String], pool: Router.Pool, progressive: ProgressiveSettings? = nil, compression: Bool = true, slices: SliceRange? = nil) {
        self.hosts = hosts
        self.pool = pool
        self.progressive = progressive
        self.compression = compression
        self.slices = slices
    }
}
