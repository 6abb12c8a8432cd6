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
        RequestFilter.appendVia(&headers, version: .http1_1, pseudonym: settings.viaPseudonym)
        headers.add(name: "cache-status", value: cacheStatus)
        if closeConnection {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        return headers
    }
}
