import EdgeCore
import NIOHTTP1

/// Builds the request the origin sees from the request the client sent (Pingora's upstream_request_filter).
enum RequestFilter {
    /// Conditional and range fields that the edge answers itself on the cacheable path: the origin is
    /// asked for the full response so that it can be stored, then the client's conditions are applied.
    static let clientConditionalFields = ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"]

    /// - Parameters:
    ///   - cacheable: the request is on the cacheable path (HEAD becomes GET, client conditionals are stripped).
    ///   - validators: conditional fields to revalidate a stored response with.
    ///   - connection: how the client reached the edge (scheme and protocol version for the forwarding fields).
    static func upstreamHead(
        from head: HTTPRequestHead,
        clientAddress: String?,
        cacheable: Bool,
        validators: HTTPHeaders?,
        viaPseudonym: String,
        connection: ClientConnection = .plainHTTP1
    ) -> HTTPRequestHead {
        var headers = head.headers
        let chunkedBody = headers[canonicalForm: "transfer-encoding"].last?.lowercased() == "chunked"
        HopByHop.strip(&headers)
        headers.remove(name: "expect")
        if cacheable {
            for name in clientConditionalFields {
                headers.remove(name: name)
            }
        }
        if let validators {
            for (name, value) in validators {
                headers.replaceOrAdd(name: name, value: value)
            }
        }
        if let clientAddress {
            appendListMember(&headers, "x-forwarded-for", clientAddress)
            appendListMember(&headers, "forwarded", forwardedElement(for: clientAddress, proto: connection.scheme))
        }
        headers.replaceOrAdd(name: "x-forwarded-proto", value: connection.scheme)
        appendVia(&headers, version: connection.clientVersion(of: head), pseudonym: viaPseudonym)
        // Tells origins which Surrogate-Control targets are this edge's (`max-age=60;edge`).
        appendListMember(&headers, "surrogate-capability", CacheControl.surrogateCapability(deviceToken: viaPseudonym))
        if chunkedBody {
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        } else if !headers.contains(name: "content-length"), head.method.allowsBodyByDefault {
            headers.add(name: "content-length", value: "0")
        }
        var method = head.method.onTheWire
        if cacheable && method == .HEAD {
            method = .GET
        }
        // Origins get absolute paths; an absolute-form target from the client is reduced to its path.
        return HTTPRequestHead(version: .http1_1, method: method, uri: originForm(head.uri), headers: headers)
    }

    static func appendVia(_ headers: inout HTTPHeaders, version: HTTPVersion, pseudonym: String) {
        // RFC 9110 §7.6.3: the protocol version as the client sent it ("1.1", and "2" for HTTP/2).
        let received = version.major >= 2 ? "\(version.major)" : "\(version.major).\(version.minor)"
        appendListMember(&headers, "via", "\(received) \(pseudonym)")
    }

    /// One `Forwarded` element (RFC 7239): `for=192.0.2.1;proto=https`, IPv6 quoted in brackets.
    static func forwardedElement(for clientAddress: String, proto: String) -> String {
        let node = clientAddress == "-" ? "unknown" : clientAddress.utf8.contains(UInt8(ascii: ":")) ? "\"[\(clientAddress)]\"" : clientAddress
        return "for=\(node);proto=\(proto)"
    }

    static func appendListMember(_ headers: inout HTTPHeaders, _ name: String, _ member: String) {
        if let existing = headers.first(name: name), !existing.isEmpty {
            headers.replaceOrAdd(name: name, value: existing + ", " + member)
        } else {
            headers.replaceOrAdd(name: name, value: member)
        }
    }

    static func originForm(_ target: String) -> String {
        guard !target.hasPrefix("/"), let schemeEnd = target.range(of: "://") else { return target }
        let afterScheme = target[schemeEnd.upperBound...]
        guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let rest = String(afterScheme[slash...])
        return rest.hasPrefix("?") ? "/" + rest : rest
    }

    /// The host a request addresses: the authority of an absolute-form target, else the Host field.
    static func requestHost(_ head: HTTPRequestHead) -> String? {
        if !head.uri.hasPrefix("/"), let schemeEnd = head.uri.range(of: "://") {
            let afterScheme = head.uri[schemeEnd.upperBound...]
            let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if !authority.isEmpty { return String(authority) }
        }
        return head.headers.first(name: "host")
    }
}

extension HTTPMethod {
    /// The method as it must be sent on: NIO parses `M-SEARCH` into `.MSEARCH` but writes that back as
    /// `MSEARCH`, a different method, so it travels on as its raw token.
    var onTheWire: HTTPMethod {
        self == .MSEARCH ? .RAW(value: "M-SEARCH") : self
    }

    /// The method's token as the client sent it, for logs.
    var token: String {
        self == .MSEARCH ? "M-SEARCH" : rawValue
    }

    /// Methods whose requests carry a body in normal use; sent with `Content-Length: 0` when the client sent none.
    var allowsBodyByDefault: Bool {
        switch self {
        case .POST, .PUT, .PATCH: return true
        default: return false
        }
    }
}
