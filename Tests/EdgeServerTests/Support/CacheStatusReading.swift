/// The `Cache-Status` (RFC 9211) entry of a response, split into its parameters for assertions.
struct CacheStatusEntry: CustomStringConvertible {
    /// `hit`, `stored`, `fwd=uri-miss`, ... in the order the edge wrote them.
    var parameters: [String]
    var description: String

    init(_ value: String?) {
        description = value ?? "(no Cache-Status)"
        let members = (value ?? "").split(separator: ";").map { $0.trimmingCharacters(in: " ") }
        parameters = members.first == "edge" ? Array(members.dropFirst()) : []
    }

    /// A boolean parameter (`hit`, `stored`, `stale`, `collapsed`) is present.
    func has(_ flag: String) -> Bool { parameters.contains(flag) }

    /// The value of `name=value` (`fwd`, `fwd-status`, `ttl`, `detail`).
    func value(_ name: String) -> String? {
        parameters.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    var fwd: String? { value("fwd") }
    var fwdStatus: Int? { value("fwd-status").flatMap(Int.init) }
    var ttl: Int? { value("ttl").flatMap(Int.init) }
    var isHit: Bool { has("hit") }
}

extension RawHTTPConnection.Response {
    var cacheStatus: CacheStatusEntry { CacheStatusEntry(header("cache-status")) }
}
