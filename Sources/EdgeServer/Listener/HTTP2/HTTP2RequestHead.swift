import NIOHTTP1

/// An HTTP/2 request as the rest of the request path expects it: HTTP/1.1 semantics with
/// HTTP/1.1 framing. HTTP/2 frames its body itself (DATA frames and END_STREAM), so a request
/// without `Content-Length` gets `Transfer-Encoding: chunked` when its method carries a body, and
/// the HTTP/1.1 rules written for `minor == 0` (HTTP/1.0) never apply to it.
enum HTTP2RequestHead {
    static func asHTTP11(_ head: HTTPRequestHead) -> HTTPRequestHead {
        var head = head
        head.version = .http1_1
        // Connection-specific fields are malformed in HTTP/2 (RFC 9113 §8.2.2); NIO's codec refuses
        // them, and none may reach the origin as if the client had sent them.
        if head.headers.contains(name: "transfer-encoding") {
            head.headers.remove(name: "transfer-encoding")
        }
        if !head.headers.contains(name: "content-length"), head.method.allowsBodyByDefault {
            head.headers.add(name: "transfer-encoding", value: "chunked")
        }
        return head
    }
}
