import NIOHTTP1

/// How a client reached the edge: what `X-Forwarded-Proto`, `Forwarded`, `Via` and the access log
/// say, and whether requests arrive as HTTP/2 streams.
struct ClientConnection: Sendable {
    /// The client's connection is TLS.
    var isTLS: Bool
    /// Requests are HTTP/2 streams (TLS with ALPN `h2`, or h2c with prior knowledge).
    var isHTTP2: Bool
    /// Bodies may go out from disk record files by the kernel (`sendfile`): plain HTTP/1.1 on a
    /// socket, where nothing between the node and the client must see the bytes.
    var sendsFiles: Bool

    init(isTLS: Bool, isHTTP2: Bool, sendsFiles: Bool? = nil) {
        self.isTLS = isTLS
        self.isHTTP2 = isHTTP2
        self.sendsFiles = sendsFiles ?? (!isTLS && !isHTTP2)
    }

    static let plainHTTP1 = ClientConnection(isTLS: false, isHTTP2: false)

    /// The scheme the client used, for `X-Forwarded-Proto` and `Forwarded: proto=`.
    var scheme: String { isTLS ? "https" : "http" }

    /// The protocol version the client spoke, given the head NIO decoded.
    func clientVersion(of head: HTTPRequestHead) -> HTTPVersion {
        isHTTP2 ? HTTPVersion(major: 2, minor: 0) : head.version
    }
}
