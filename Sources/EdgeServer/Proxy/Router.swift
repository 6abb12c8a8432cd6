/// The route phase: maps a request's Host to its `Site`, the first whose `[[sites]]` hosts (exact,
/// `*.example.com` or `*`) match. Picking a server within the site's pool is the pool's `PoolBalancer`'s job.
final class Router: Sendable {
    struct Pool: Sendable {
        var name: String
        var servers: [OriginServer]
        var policy: UpstreamPolicy
        /// Shared by every site that uses this pool.
        var balancer: PoolBalancer
    }

    let sites: [Site]

    init(sites: [Site]) {
        self.sites = sites
    }

    /// Each pool's balancer once, in site order.
    var balancers: [PoolBalancer] {
        var seen = Set<String>()
        return sites.compactMap { seen.insert($0.pool.name).inserted ? $0.pool.balancer : nil }
    }

    /// The site for a Host header value (port and letter case ignored), or nil when no site matches.
    func route(host: String?) -> Site? {
        let name = Router.hostName(host ?? "")
        return sites.first { Router.matches($0.hosts, name) }
    }

    static func hostName(_ host: String) -> String {
        // The usual Host is already a plain lowercase name without a port.
        if Self.isDottedLowercase(host) {
            return host
        }
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

    /// Lowercase labels separated by dots, not ending in one (a trailing dot is dropped by `hostName`).
    private static func isDottedLowercase(_ host: String) -> Bool {
        host.utf8.last != UInt8(ascii: ".") && host.utf8.allSatisfy {
            $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") || $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
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
