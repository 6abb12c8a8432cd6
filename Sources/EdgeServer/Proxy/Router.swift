import Synchronization

/// Maps a request's Host to the origin pool that serves it (DESIGN.md: router, Host → site).
final class Router: Sendable {
    struct Pool: Sendable {
        var name: String
        var servers: [OriginServer]
        var policy: UpstreamPolicy
    }

    struct Site: Sendable {
        /// Exact host names, `*.example.com` suffix patterns, or `*` for any host.
        var hosts: [String]
        var pool: Pool
    }

    private let sites: [Site]
    /// Round-robin position per site; the origin-pools work replaces this with real balancing.
    private let cursors: [Cursor]

    private final class Cursor: Sendable {
        let position = Atomic<Int>(0)
    }

    init(sites: [Site]) {
        self.sites = sites
        self.cursors = sites.map { _ in Cursor() }
    }

    /// The pool for a Host header value (port and letter case ignored), or nil when no site matches.
    func route(host: String?) -> (site: Int, pool: Pool)? {
        let name = Router.hostName(host ?? "")
        for (index, site) in sites.enumerated() where Router.matches(site.hosts, name) {
            return (index, site.pool)
        }
        return nil
    }

    /// The next server of a site's pool to try, skipping those in `excluding` when others are left.
    func pickServer(site: Int, pool: Pool, excluding: [OriginServer] = []) -> OriginServer? {
        guard !pool.servers.isEmpty else { return nil }
        let candidates = pool.servers.filter { !excluding.contains($0) }
        let choices = candidates.isEmpty ? pool.servers : candidates
        let position = cursors[site].position.wrappingAdd(1, ordering: .relaxed).oldValue
        return choices[Int(UInt(bitPattern: position) % UInt(choices.count))]
    }

    static func hostName(_ host: String) -> String {
        var name = Substring(host)
        if name.hasPrefix("[") {
            if let close = name.firstIndex(of: "]") {
                name = name[name.index(after: name.startIndex)..<close]
            }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        return name.lowercased()
    }

    static func matches(_ patterns: [String], _ name: String) -> Bool {
        for pattern in patterns {
            if pattern == "*" { return true }
            if pattern.hasPrefix("*.") {
                if name.hasSuffix(pattern.dropFirst(1).lowercased()) { return true }
            } else if pattern.lowercased() == name {
                return true
            }
        }
        return false
    }
}
