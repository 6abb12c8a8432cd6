/// Pieces of `edge.conf` that process tests share.
enum EdgeConfText {
    /// One pool, "default", of the origin at `url`, serving every host.
    static func originSite(_ url: String) -> String {
        """
        [[pools]]
        name = "default"
        servers = [{ url = "\(url)" }]
        [[sites]]
        hosts = ["*"]
        pool = "default"
        """
    }
}
