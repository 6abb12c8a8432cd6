import NIOHTTP1

/// How a client reached the edge: what `X-Forwarded-Proto`, `Forwarded`, `Via` and the access log
/// say, and whether requests arrive as HTTP/2 streams.
struct ClientConnection: Sendable {
    /// The client's connection is TLS.
    var isTLS: Bool
    /// Requests are HTTP/2 streams (TLS with ALPN `h2`, or h2c with prior knowledge).
    var isHTTP2: Bool

    static let plainHTTP1 = ClientConnection(isTLS: false, isHTTP2: false)

    /// The scheme the client used, for `X-Forwarded-Proto` and `Forwarded: proto=`.
    var scheme: String { isTLS ? "https" : "http" }

    /// The protocol version the client spoke, given the head NIO decoded.
    func clientVersion(of head: HTTPRequestHead) -> HTTPVersion {
        isHTTP2 ? HTTPVersion(major: 2, minor: 0) : head.version
    }
}
