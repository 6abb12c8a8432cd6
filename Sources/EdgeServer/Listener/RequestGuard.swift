import EdgeCore
import NIOHTTP1

/// Refuses requests that are too large or framed ambiguously before anything else sees them.
///
/// NIO's parser (llhttp, strict mode) already rejects invalid chunk sizes, bare-LF line endings,
/// `Content-Length` next to `Transfer-Encoding` and repeated `Content-Length`; these checks repeat the
/// framing rules on the parsed head so that no ambiguity can reach an origin even if the parser changes.
enum RequestGuard {
    struct Rejection: Equatable {
        var status: HTTPResponseStatus
        var reason: String
    }

    static func check(_ head: HTTPRequestHead, limits: ProxySettings.Limits) -> Rejection? {
        let requestLineLength = head.method.rawValue.utf8.count + head.uri.utf8.count + 10
        if requestLineLength > limits.maxRequestLine {
            return Rejection(status: .uriTooLong, reason: "request line longer than \(limits.maxRequestLine) bytes")
        }
        if head.headers.count > limits.maxHeaderCount {
            return Rejection(status: .requestHeaderFieldsTooLarge, reason: "more than \(limits.maxHeaderCount) header fields")
        }
        var headerBytes = 0
        for (name, value) in head.headers {
            headerBytes += name.utf8.count + value.utf8.count + 4
        }
        if headerBytes > limits.maxHeaderBytes {
            return Rejection(status: .requestHeaderFieldsTooLarge, reason: "header fields larger than \(limits.maxHeaderBytes) bytes")
        }
        guard head.version.major == 1 else {
            return Rejection(status: .httpVersionNotSupported, reason: "only HTTP/1.x is spoken on this listener")
        }
        if head.method == .CONNECT {
            return Rejection(status: .methodNotAllowed, reason: "CONNECT is not supported by this proxy")
        }
        guard head.uri.hasPrefix("/") || head.uri.hasPrefix("http://") || head.uri.hasPrefix("https://")
            || (head.uri == "*" && head.method == .OPTIONS) else {
            return Rejection(status: .badRequest, reason: "request target must be an absolute path or URL")
        }
        // A fragment is never sent (RFC 9112 §3.2); caches and origins would disagree on whether it is part of the target.
        if head.uri.utf8.contains(UInt8(ascii: "#")), head.uri.contains("#") {
            return Rejection(status: .badRequest, reason: "request target with a fragment")
        }
        if case .refused(let reason) = TargetPath.resolve(head.uri) {
            return Rejection(status: .badRequest, reason: reason)
        }
        if let rejection = checkFramingFieldNames(head.headers) {
            return rejection
        }

        // Most requests carry neither field: skip splitting values then.
        let transferEncodings = head.headers.contains(name: "transfer-encoding") ? head.headers[canonicalForm: "transfer-encoding"] : []
        let contentLengths = head.headers["content-length"]
        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty {
                return Rejection(status: .badRequest, reason: "both Transfer-Encoding and Content-Length")
            }
            if head.version.minor == 0 {
                return Rejection(status: .badRequest, reason: "Transfer-Encoding in an HTTP/1.0 request")
            }
            // Only plain chunked framing is accepted: anything else cannot be forwarded unambiguously.
            guard transferEncodings.count == 1, transferEncodings[0].lowercased() == "chunked" else {
                return Rejection(status: .notImplemented, reason: "unsupported Transfer-Encoding")
            }
        }
        if !contentLengths.isEmpty {
            let values = contentLengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingHTTPWhitespace() }
            guard let first = values.first, values.allSatisfy({ $0 == first }),
                  !first.isEmpty, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), first.utf8.count <= 18,
                  let length = Int(first) else {
                return Rejection(status: .badRequest, reason: "invalid or conflicting Content-Length")
            }
            if limits.maxBodyBytes > 0, length > limits.maxBodyBytes {
                return Rejection(status: .payloadTooLarge, reason: "request body larger than \(limits.maxBodyBytes) bytes")
            }
        }

        let hosts = head.headers["host"]
        if hosts.count > 1 {
            return Rejection(status: .badRequest, reason: "more than one Host field")
        }
        if head.version.minor >= 1, hosts.isEmpty {
            return Rejection(status: .badRequest, reason: "HTTP/1.1 request without Host")
        }
        if let host = hosts.first, !isValidHost(host) {
            return Rejection(status: .badRequest, reason: "invalid Host field")
        }
        // The edge routes and keys the cache on the target's authority while the origin may read Host:
        // both must name the same host.
        if let authority = absoluteFormAuthority(head.uri), let host = hosts.first, authority.lowercased() != host.lowercased() {
            return Rejection(status: .badRequest, reason: "absolute-form target and Host name different hosts")
        }
        return nil
    }

    static let framingFields: Set<String> = ["content-length", "transfer-encoding", "host"]

    /// Refuses fields that would change the framing or the host somewhere behind the edge.
    ///
    /// `Connection: Content-Length` asks the edge to strip the length as hop-by-hop and forward the
    /// body unframed; `Content_Length` is read as `Content-Length` by back ends that map `_` to `-`
    /// (CGI, many frameworks), which nginx guards against by dropping such names.
    static func checkFramingFieldNames(_ headers: HTTPHeaders) -> Rejection? {
        if headers.contains(name: "connection"), !HopByHop.connectionOptions(headers).isDisjoint(with: framingFields) {
            return Rejection(status: .badRequest, reason: "Connection names a framing field or Host")
        }
        for (name, _) in headers where name.utf8.contains(UInt8(ascii: "_")) {
            if framingFields.contains(name.lowercased().replacingUnderscores()) {
                return Rejection(status: .badRequest, reason: "framing field name spelt with an underscore")
            }
        }
        return nil
    }

    /// The authority of an `http://` or `https://` target, nil for origin-form.
    static func absoluteFormAuthority(_ uri: String) -> String? {
        guard !uri.hasPrefix("/"), let schemeEnd = uri.range(of: "://") else { return nil }
        return String(uri[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" })
    }

    /// reg-name / IPv4 / [IPv6] with an optional port, per RFC 3986 host syntax (no userinfo, no spaces).
    static func isValidHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255 else { return false }
        for byte in host.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "_"):
                continue
            default:
                return false
            }
        }
        return true
    }
}

private extension String {
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
