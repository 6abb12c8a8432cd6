import EdgeCore
import NIOCore
import NIOHTTP1

/// A body written as fast as the client takes it, from storage (`StoredBodyStream`, `SliceFetch`).
protocol BodyPump: AnyObject {
    /// The client takes bytes again.
    func resume()
    /// The client's connection is gone.
    func clientGone()
}

/// One request on a client connection, from its head to the last byte of its response.
final class ClientRequest {
    /// The request as the edge handles it: its target's dot segments resolved (`TargetPath`).
    private(set) var head: HTTPRequestHead
    /// The target as the client sent it, for the access log.
    let clientTarget: String
    let startedAt: NIODeadline
    let receivedAt: EpochSeconds
    let clientAddress: String
    /// The version the client spoke; `head` says HTTP/1.1 for an HTTP/2 stream (see `HTTP2RequestHead`).
    let clientVersion: HTTPVersion
    /// Set by the route phase.
    var site: Site?
    var cacheKey: CacheKey?
    /// Sent by another node of the cluster (`Cluster.isPeerRequest`): its miss goes to no other peer.
    var fromPeer = false
    var fill: CacheFill?
    /// Set while a stored body streams from its disk record or its slices.
    var bodyStream: (any BodyPump)?
    var requestEnded = false
    var responseStarted = false
    var responseEnded = false
    /// The response has no body for this client (HEAD, 304): origin body bytes are not forwarded.
    var suppressBody = false
    /// Request body bytes go nowhere (the response was already decided).
    var discardBody = false
    /// The body stages the response's head set up (range cut, recoding, page rewrite).
    var body = ResponseBody()
    /// Set for pages of progressive sites: tier, Early Hints and the body rewrite.
    var page: PageDelivery?
    /// Link values already sent in `103 Early Hints`, so an origin's hints repeat none of them.
    var hintsSent: [String] = []
    var bodyBytesReceived = 0
    var status = 0
    var bytesSent = 0
    /// What the response said in Cache-Status, for metrics and the access log.
    var cacheStatus: CacheStatus?

    init(head: HTTPRequestHead, clientAddress: String, clientVersion: HTTPVersion? = nil) {
        self.head = head
        self.clientTarget = head.uri
        self.clientVersion = clientVersion ?? head.version
        self.startedAt = .now()
        self.receivedAt = ProxyServices.now()
        self.clientAddress = clientAddress
    }

    var isHead: Bool { head.method == .HEAD }

    /// The request has none of the conditionals of RFC 9110 §13.1.1–13.1.4.
    var isPlainlyUnconditional: Bool {
        !["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"].contains(where: head.headers.contains(name:))
    }

    /// Keys, routes and forwards the request by `target` from here on.
    func resolveTarget(_ target: String) {
        head.uri = target
    }

    /// Whether the request announced a body (whose end may come long after the response).
    var hasBody: Bool {
        if head.headers.contains(name: "transfer-encoding") { return true }
        if let length = head.headers.first(name: "content-length") { return length != "0" }
        return false
    }

    /// The logging phase's record of the request; `cacheName` as its responses name this cache.
    func logEntry(cacheName: String) -> AccessLog.Entry {
        AccessLog.Entry(
            client: clientAddress, method: head.method.token, target: clientTarget, version: clientVersion,
            status: status, bytes: bytesSent, startedAt: startedAt, cacheStatus: cacheStatus, cacheName: cacheName, origin: fill?.server,
            referer: head.headers.first(name: "referer"), userAgent: head.headers.first(name: "user-agent"), time: receivedAt)
    }
}
