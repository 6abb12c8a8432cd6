import EdgeCore
import NIOHTTP1

/// Shapes the response a client sees (Pingora's response_filter): the edge's own fields are added,
/// fields meant only for the edge are removed.
enum ResponseFilter {
    /// Fields that tell the edge how to cache and are not the client's business (RFC 9213 §2.1).
    static let edgeOnlyFields = ["cdn-cache-control", "surrogate-control"]

    static func forClient(
        _ headers: HTTPHeaders,
        cacheStatus: String,
        settings: ProxySettings,
        closeConnection: Bool
    ) -> HTTPHeaders {
        var headers = headers
        if !settings.keepCDNCacheControl {
            for name in edgeOnlyFields {
                headers.remove(name: name)
            }
        }
        RequestFilter.appendVia(&headers, version: .http1_1, pseudonym: settings.viaPseudonym)
        headers.add(name: "cache-status", value: cacheStatus)
        if closeConnection {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        return headers
    }
}
