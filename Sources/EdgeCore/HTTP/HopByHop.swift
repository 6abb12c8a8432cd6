import NIOHTTP1

/// Hop-by-hop header fields (RFC 9110 §7.6.1): meaningful for one connection only,
/// so a proxy removes them before forwarding and a cache never stores them.
public enum HopByHop {
    /// Fields that are hop-by-hop whether or not `Connection` names them.
    /// Lowercased. `Proxy-*` fields are matched by prefix in ``isHopByHop(_:)``.
    public static let fieldNames: Set<String> = [
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-authentication-info",
    ]

    /// Remove hop-by-hop fields: `Connection` and every field it names, `Keep-Alive`, `TE`,
    /// `Trailer`, `Transfer-Encoding`, `Upgrade`, `Proxy-Connection`, `Proxy-Authenticate`,
    /// `Proxy-Authorization` and any other `Proxy-*` field except `Proxy-Status`.
    /// Mutates in place.
    ///
    /// Call this on a received message before adding Edge's own fields: a peer may name any
    /// field in `Connection`, and the fields it names are removed whatever they are.
    public static func strip(_ headers: inout HTTPHeaders) {
        // One pass over the fields, and no sets: a typical message has no hop-by-hop field but
        // `Connection: keep-alive`, and this runs on both messages of every miss.
        var doomed: [String] = []
        var hasConnection = false
        for (name, _) in headers where isHopByHop(name) {
            let lower = name.lowercased()
            if lower == "connection" { hasConnection = true }
            if !doomed.contains(lower) { doomed.append(lower) }
        }
        // No `Connection` field, nothing it names.
        guard !doomed.isEmpty else { return }
        if hasConnection {
            forEachConnectionOption(headers) { option in
                if !doomed.contains(option) { doomed.append(option) }
            }
        }
        for name in doomed {
            headers.remove(name: name)
        }
    }

    /// Lowercased field names listed in all `Connection` lines (options such as `close` included).
    public static func connectionOptions(_ headers: HTTPHeaders) -> Set<String> {
        var options: Set<String> = []
        forEachConnectionOption(headers) { options.insert($0) }
        return options
    }

    /// Each option of each `Connection` line, lowercased, empty list members skipped.
    private static func forEachConnectionOption(_ headers: HTTPHeaders, _ body: (String) -> Void) {
        for (name, value) in headers where name.utf8.count == 10 && name.lowercased() == "connection" {
            for member in value.split(separator: ",", omittingEmptySubsequences: true) {
                let option = String(member).trimmingHTTPWhitespace()
                if !option.isEmpty { body(option.lowercased()) }
            }
        }
    }

    /// Whether `name` is hop-by-hop on its own (without being named in `Connection`).
    ///
    /// `Proxy-Status` (RFC 9209) is the one `Proxy-*` field kept: every intermediary on the
    /// path appends to it, so it is end-to-end by definition.
    public static func isHopByHop(_ name: String) -> Bool {
        // Every field of every message passes here: most names are ruled out by their first
        // letter and length before a lowercased copy is made.
        guard let first = name.utf8.first else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "p"):
            break
        case UInt8(ascii: "c"), UInt8(ascii: "k"), UInt8(ascii: "t"), UInt8(ascii: "u"):
            switch name.utf8.count {
            case 2, 7, 10, 17: break
            default: return false
            }
        default:
            return false
        }
        let lower = name.lowercased()
        if fieldNames.contains(lower) { return true }
        return lower.hasPrefix("proxy-") && lower != "proxy-status"
    }
}
