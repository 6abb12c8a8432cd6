import EdgeCore
import NIOCore
import NIOHTTP1

/// The response filter chain (Pingora's response_filter): every response head, hit or miss,
/// HTTP/1.1 or HTTP/2, the edge's own answers too, passes these stages in this order, in
/// `ProxyHandler.writeHead` and nowhere else. Stages that recode the body (a coding negotiated for a
/// streamed response, a progressive page's rewrite) set up the request's `ResponseBody` on the way.
///
/// 1. content coding of a streamed response (`StreamedCoding`), or 406 when every one is refused
/// 2. the edge's fields (`EdgeFields`): consumed Surrogate-Control, CDN-Cache-Control, purge tags, Via
/// 3. Cache-Status (RFC 9211)
/// 4. Connection: close when the connection ends with this response
/// 5. Age of a stored response
/// 6. a progressive page's Vary, rewritten ETag and body rewrite (`PageDelivery`)
/// 7. HTTP/1.0 framing: keep-alive only when the length is known
enum ResponseFilterChain {
    enum Outcome {
        case head(HTTPResponseHead)
        /// The client refuses every coding on offer: 406 instead.
        case notAcceptable
    }

    struct Context {
        let settings: ProxySettings
        let compression: CompressionService
        let site: Site?
        /// The connection ends after this response (draining, `Connection: close`, an unread body).
        let closeConnection: Bool
    }

    static func apply(_ head: OutgoingHead, for request: ClientRequest, context: Context) -> Outcome {
        var headers = head.headers
        // 1.
        if head.source == .streamed, !request.fromPeer {
            // (A peer negotiates codings with its own clients: it gets the body as it comes.)
            guard let negotiated = StreamedCoding.negotiate(request, status: head.status, headers: headers, compression: context.compression, site: context.site) else {
                return .notAcceptable
            }
            headers = negotiated
        }
        // 2.
        if head.source == .stored || head.source == .streamed {
            EdgeFields.apply(&headers, settings: context.settings, forPeer: request.fromPeer)
        }
        // 3.
        if let cacheStatus = head.cacheStatus {
            headers.add(name: "cache-status", value: cacheStatus.headerValue(cache: context.settings.cacheName))
        }
        // 4.
        if context.closeConnection {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        // 5.
        if let age = head.age {
            headers.replaceOrAdd(name: "age", value: String(age))
        }
        // 6.
        if let page = request.page {
            headers = page.headers(for: head.status, headers, body: &request.body, compression: context.compression)
        }
        // 7.
        if request.head.version == .http1_0, HTTPResponseStatus.mayHaveBody(Int(head.status.code)), !headers.contains(name: "content-length") {
            // An HTTP/1.0 client learns where a body of unknown length ends only from the connection closing.
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if request.head.version == .http1_0, !headers.contains(name: "connection") {
            // HTTP/1.0 keeps a connection only when the response says so (RFC 9112 §9.3).
            headers.add(name: "connection", value: "keep-alive")
        }
        return .head(HTTPResponseHead(version: request.head.version, status: head.status, headers: headers))
    }
}

/// The fields the edge adds to, and takes from, a response it passes on.
enum EdgeFields {
    /// `forPeer`: the response goes to another node of the cluster, a surrogate of the same fleet that
    /// stores it too: it keeps Surrogate-Control (for the same freshness) and the purge tags (so that
    /// a tag purge covers its copy as well).
    static func apply(_ headers: inout HTTPHeaders, settings: ProxySettings, forPeer: Bool = false) {
        if !forPeer {
            stripSurrogateFields(&headers, settings: settings)
        } else if !settings.keepCDNCacheControl {
            headers.remove(name: "cdn-cache-control")
        }
        RequestFilter.appendVia(&headers, version: .http1_1, pseudonym: settings.viaPseudonym)
    }

    private static func stripSurrogateFields(_ headers: inout HTTPHeaders, settings: ProxySettings) {
        // Surrogate-Control is addressed to surrogates like this one and is consumed here. CDN-Cache-Control
        // is normally passed on so that CDN caches further down can use it too; RFC 9213 §3 lets a
        // CDN remove it when configured to.
        headers.remove(name: "surrogate-control")
        if !settings.keepCDNCacheControl {
            headers.remove(name: "cdn-cache-control")
        }
        // Surrogate-Key and Cache-Tag label responses for purging by this edge; clients have no use for them.
        if !settings.keepTagHeaders {
            for name in PurgeTags.fieldNames where headers.contains(name: name) {
                headers.remove(name: name)
            }
        }
    }

    /// The fields a client gets for the whole of a stored response but the per-hit ones (Cache-Status,
    /// Connection, Age): stages 2 and the stored length, worked out once when the response is stored.
    /// `bodyLength` is the stored body's (a disk fill knows it from Content-Length before the body).
    static func prepared(for stored: CachedResponse, bodyLength: Int, settings: ProxySettings) -> HTTPHeaders {
        var headers = stored.headers
        if stored.status == 200 {
            headers.replaceOrAddKeepingPlace(name: "accept-ranges", value: "bytes")
        }
        if HTTPResponseStatus.mayHaveBody(stored.status) {
            headers.replaceOrAddKeepingPlace(name: "content-length", value: String(bodyLength))
        }
        apply(&headers, settings: settings)
        // The stored Age is replaced by this cache's own on every hit.
        headers.remove(name: "age")
        return headers
    }
}

extension HTTPResponseStatus {
    static func mayHaveBody(_ code: Int) -> Bool {
        !(100..<200).contains(code) && code != 204 && code != 304
    }
}
