import EdgeCore
import NIOHTTP1

/// Shapes the response a client sees (Pingora's response_filter): the edge's own fields are added,
/// fields meant only for the edge are removed.
enum ResponseFilter {
    static func forClient(
        _ headers: HTTPHeaders,
        cacheStatus: String,
        settings: ProxySettings,
        closeConnection: Bool
    ) -> HTTPHeaders {
        var headers = headers
        // Surrogate-Control is addressed to surrogates like this one and is consumed here. CDN-Cache-Control
        // is normally passed on so that CDN caches further down can use it too; RFC 9213 §3 lets a
        // CDN remove it when configured to.
        headers.remove(name: "surrogate-control")
        if !settings.keepCDNCacheControl {
            headers.remove(name: "cdn-cache-control")
        }
        removeTagFields(&headers, settings: settings)
        RequestFilter.appendVia(&headers, version: .http1_1, pseudonym: settings.viaPseudonym)
        headers.add(name: "cache-status", value: cacheStatus)
        if closeConnection {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        return headers
    }

    /// The fields a client gets for the whole of a stored response, except the ones that change per
    /// hit (Age, Cache-Status, Connection): built once when the response is stored, so that a hit only
    /// appends those (`forStoredHit`). Gives the same fields, in the same order, as `serveStored`
    /// building them from the stored fields with `forClient`.
    static func storedForClient(_ stored: CachedResponse, settings: ProxySettings) -> HTTPHeaders {
        var headers = stored.headers
        if stored.status == 200 {
            headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        }
        if HTTPResponseStatus.mayHaveBody(stored.status) {
            headers.replaceOrAdd(name: "content-length", value: String(stored.body.readableBytes))
        }
        headers.remove(name: "surrogate-control")
        if !settings.keepCDNCacheControl {
            headers.remove(name: "cdn-cache-control")
        }
        removeTagFields(&headers, settings: settings)
        RequestFilter.appendVia(&headers, version: .http1_1, pseudonym: settings.viaPseudonym)
        // The stored Age is replaced by this cache's own on every hit.
        headers.remove(name: "age")
        return headers
    }

    /// A hit's fields: the prepared ones (`storedForClient`) plus Cache-Status, Connection and Age.
    static func forStoredHit(_ prepared: HTTPHeaders, cacheStatus: String, closeConnection: Bool, age: Int) -> HTTPHeaders {
        var headers = prepared
        headers.add(name: "cache-status", value: cacheStatus)
        if closeConnection {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        headers.add(name: "age", value: String(age))
        return headers
    }

    /// Surrogate-Key and Cache-Tag label responses for purging by this edge; clients have no use for them.
    static func removeTagFields(_ headers: inout HTTPHeaders, settings: ProxySettings) {
        guard !settings.keepTagHeaders else { return }
        for name in PurgeTags.fieldNames where headers.contains(name: name) {
            headers.remove(name: name)
        }
    }
}
