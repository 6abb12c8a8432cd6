import NIOHTTP1

/// Invalidation after unsafe requests (RFC 9111 §4.4).
public enum Invalidation {
    /// Methods that cannot change state; every other method (unknown ones included) is unsafe.
    public static let safeMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE"]

    /// What to invalidate after a response to `method`: nothing unless the method is unsafe
    /// and the status is 2xx or 3xx; then the target URI, and the URIs in `Location` and
    /// `Content-Location` when they have the same origin as the target (relative references
    /// are resolved against the target; fragments dropped; duplicates removed).
    ///
    /// `requestHost` is the `Host` value; `requestTarget` is origin-form (`/a?b`) or
    /// absolute-form (`http://h/a?b`, whose authority then overrides `Host`, RFC 9112 §3.2.2).
    /// Returned hosts are lowercased and keep the port as the request wrote it; paths start
    /// with `/` and keep the query. The cache key normalises further.
    ///
    /// "Same origin" compares host and port, treating 80 and 443 as the default port.
    /// The scheme is not compared: Edge's cache keys do not include it, and a response from
    /// the same host names the same site whichever scheme it uses.
    public static func targets(
        method: String,
        status: Int,
        requestHost: String,
        requestTarget: String,
        responseHeaders: HTTPHeaders
    ) -> [(host: String, pathAndQuery: String)] {
        guard !safeMethods.contains(method), (200...399).contains(status) else { return [] }
        guard let base = target(requestTarget, host: requestHost) else { return [] }
        var results = [(host: base.host, pathAndQuery: base.pathAndQuery)]
        for field in ["location", "content-location"] {
            guard let value = responseHeaders.first(name: field),
                let candidate = sameOriginReference(value, base: base)
            else { continue }
            if !results.contains(where: { $0 == candidate }) {
                results.append(candidate)
            }
        }
        return results
    }

    /// A `Location`/`Content-Location` value resolved against the request target, or nil when it
    /// names another origin (or cannot be parsed).
    public static func resolve(_ reference: String, requestHost: String, requestTarget: String) -> (host: String, pathAndQuery: String)? {
        guard let base = target(requestTarget, host: requestHost) else { return nil }
        return sameOriginReference(reference, base: base)
    }

    private static func sameOriginReference(_ value: String, base: Base) -> (host: String, pathAndQuery: String)? {
        guard let resolved = URIReference(value).flatMap({ $0.resolved(against: base) }),
            resolved.isHTTP,
            Authority(resolved.authority, scheme: resolved.scheme)?.sameOrigin(as: base.origin) == true
        else { return nil }
        return (host: base.host, pathAndQuery: resolved.pathAndQuery)
    }

    /// The request's own target, or nil when it is neither origin-form nor an http(s) absolute-form.
    private static func target(_ requestTarget: String, host: String) -> Base? {
        if requestTarget.hasPrefix("/") {
            guard let reference = URIReference(requestTarget),
                let origin = Authority(host, scheme: nil)
            else { return nil }
            return Base(
                host: host.trimmedLowercased(), origin: origin, authority: host,
                path: reference.path, query: reference.query)
        }
        guard let reference = URIReference(requestTarget), reference.isHTTP,
            let authority = reference.authority,
            let origin = Authority(authority, scheme: reference.scheme)
        else { return nil }
        let path = reference.path.isEmpty ? "/" : reference.path
        return Base(
            host: origin.hostAndPortAsWritten, origin: origin, authority: authority,
            path: path, query: reference.query)
    }
}

/// The resolved request target that relative references are resolved against.
private struct Base {
    var host: String
    var origin: Authority
    var authority: String
    var path: String
    var query: String?

    var pathAndQuery: String { path + (query.map { "?" + $0 } ?? "") }
}

/// host[:port] with the port made explicit only when it is not a default one.
private struct Authority: Equatable {
    var host: String
    var port: Int?
    /// Lowercased host and port as they were written, userinfo removed.
    var hostAndPortAsWritten: String

    /// Parse `[userinfo@]host[:port]`. With a scheme, only its default port is dropped;
    /// without one (a `Host` header), 80 and 443 are.
    init?(_ text: String?, scheme: String?) {
        guard var rest = text?.trimmedLowercased()[...], !rest.isEmpty else { return nil }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        hostAndPortAsWritten = String(rest)
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[...close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { return nil }
        if let portText, !portText.isEmpty {
            guard portText.utf8.count <= 5, let number = Int(portText) else { return nil }
            let defaults: Set<Int> =
                switch scheme {
                case "http": [80]
                case "https": [443]
                default: [80, 443]
                }
            port = defaults.contains(number) ? nil : number
        } else {
            port = nil
        }
    }

    func sameOrigin(as other: Authority) -> Bool {
        host == other.host && port == other.port
    }
}

/// A URI reference split per RFC 3986 §3 (fragment dropped).
private struct URIReference {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?

    var isHTTP: Bool { scheme == "http" || scheme == "https" }
    var pathAndQuery: String { path + (query.map { "?" + $0 } ?? "") }

    init?(_ text: String) {
        var rest = text.trimmedOWS()[...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if rest.contains(where: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) { return nil }
        if let colon = rest.firstIndex(of: ":"), Self.isScheme(rest[..<colon]) {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex { $0 == "/" || $0 == "?" } ?? afterSlashes.endIndex
            authority = String(afterSlashes[..<end])
            rest = afterSlashes[end...]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        path = String(rest)
    }

    /// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    /// RFC 3986 §5.2.2, with the request target as base. Nil for a scheme-only reference
    /// such as `http:x` that names no authority.
    func resolved(against base: Base) -> URIReference? {
        var target = self
        if scheme != nil || authority != nil {
            guard let authority, !authority.isEmpty else { return nil }
            target.scheme = scheme ?? "http"
            target.authority = authority
            target.path = path.isEmpty ? "/" : removingDotSegments(path)
            return target
        }
        target.scheme = "http"
        target.authority = base.authority
        if path.isEmpty {
            target.path = base.path
            target.query = query ?? base.query
        } else if path.hasPrefix("/") {
            target.path = removingDotSegments(path)
        } else {
            let directory = base.path.lastIndex(of: "/").map { base.path[...$0] } ?? "/"
            target.path = removingDotSegments(String(directory) + path)
        }
        return target
    }
}

/// RFC 3986 §5.2.4.
private func removingDotSegments(_ path: String) -> String {
    var input = Substring(path)
    var output = ""
    func dropLastSegment() {
        if let slash = output.lastIndex(of: "/") {
            output.removeSubrange(slash...)
        } else {
            output = ""
        }
    }
    while !input.isEmpty {
        if input.hasPrefix("../") {
            input = input.dropFirst(3)
        } else if input.hasPrefix("./") {
            input = input.dropFirst(2)
        } else if input.hasPrefix("/./") {
            input = input.dropFirst(2)
        } else if input == "/." {
            input = "/"
        } else if input.hasPrefix("/../") {
            input = input.dropFirst(3)
            dropLastSegment()
        } else if input == "/.." {
            input = "/"
            dropLastSegment()
        } else if input == "." || input == ".." {
            input = ""
        } else {
            let start = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
            let end = input[start...].firstIndex(of: "/") ?? input.endIndex
            output += input[..<end]
            input = input[end...]
        }
    }
    return output.isEmpty ? "/" : output
}

extension String {
    fileprivate func trimmedLowercased() -> String {
        trimmedOWS().lowercased()
    }

    fileprivate func trimmedOWS() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
