import NIOHTTP1

/// Evaluating a client's preconditions (RFC 9110 §13) against the response Edge would send.
public enum ConditionalRequest {
    /// What to do with the request after its preconditions are evaluated.
    public enum Outcome: Sendable, Equatable {
        /// Send the response as usual (a `Range` is then resolved by ``ByteRange``).
        case proceed
        /// Send `304 Not Modified` with ``notModifiedHeaders(from:)``.
        case notModified
        /// Send `412 Precondition Failed`.
        case preconditionFailed
    }

    /// Evaluate the preconditions of a request against a stored (or generated) response,
    /// in the order of RFC 9110 §13.2.2:
    ///
    /// 1. `If-Match` (strong comparison; `*` matches any representation) — false gives 412.
    /// 2. `If-Unmodified-Since`, only without `If-Match`, against `Last-Modified` — false gives 412.
    /// 3. `If-None-Match` (weak comparison) — false gives 304 for GET/HEAD, 412 otherwise.
    /// 4. `If-Modified-Since`, only for GET/HEAD without `If-None-Match`, against
    ///    `Last-Modified`, or `Date` when the response has no `Last-Modified`
    ///    (RFC 9111 §4.3.2) — false gives 304.
    ///
    /// `If-Range` belongs to ``ByteRange/resolve(method:requestHeaders:responseHeaders:length:parseDate:)``.
    ///
    /// Preconditions are ignored when `responseStatus` is not 2xx (RFC 9110 §13.2.1) and for
    /// CONNECT, OPTIONS and TRACE. A date field that `parseDate` rejects, or that has more than
    /// one field line, is ignored. An unparsable `If-Match` matches nothing (412); an
    /// unparsable `If-None-Match` matches nothing (proceed).
    ///
    /// RFC 9111 §4.3.2 says a cache does not evaluate `If-Match` / `If-Unmodified-Since`
    /// (they are for the origin); the caller decides whether to pass them in.
    public static func evaluate(
        method: String,
        requestHeaders: HTTPHeaders,
        responseStatus: Int,
        responseHeaders: HTTPHeaders,
        parseDate: (String) -> Double?
    ) -> Outcome {
        guard (200...299).contains(responseStatus) else { return .proceed }
        guard !["CONNECT", "OPTIONS", "TRACE"].contains(method) else { return .proceed }
        let isGetOrHead = method == "GET" || method == "HEAD"
        let etag = responseHeaders.first(name: "etag").flatMap(EntityTag.init)
        let lastModified = singleValue(responseHeaders, "last-modified").flatMap(parseDate)

        if let ifMatch = joinedValue(requestHeaders, "if-match") {
            let condition = EntityTagCondition(ifMatch) ?? .tags([])
            if !condition.matches(etag, weak: false) { return .preconditionFailed }
        } else if let since = singleValue(requestHeaders, "if-unmodified-since").flatMap(parseDate),
            let lastModified
        {
            if lastModified > since { return .preconditionFailed }
        }

        if let ifNoneMatch = joinedValue(requestHeaders, "if-none-match") {
            let condition = EntityTagCondition(ifNoneMatch) ?? .tags([])
            if condition.matches(etag, weak: true) {
                return isGetOrHead ? .notModified : .preconditionFailed
            }
        } else if isGetOrHead,
            let since = singleValue(requestHeaders, "if-modified-since").flatMap(parseDate),
            let modified = lastModified ?? singleValue(responseHeaders, "date").flatMap(parseDate)
        {
            if modified <= since { return .notModified }
        }
        return .proceed
    }

    /// Fields that a 304 made from a stored response carries (RFC 9110 §15.4.5):
    /// `Cache-Control`, `Content-Location`, `Date`, `ETag`, `Expires` and `Vary`, copied from
    /// `stored`; plus `Last-Modified` when there is no `ETag`, since it is then the only
    /// validator a cache downstream can update with. The caller sets `Age` (and may
    /// replace `Date`) as for any response served from cache.
    public static func notModifiedHeaders(from stored: HTTPHeaders) -> HTTPHeaders {
        var names = ["cache-control", "content-location", "date", "etag", "expires", "vary"]
        if !stored.contains(name: "etag") {
            names.append("last-modified")
        }
        var result = HTTPHeaders()
        for (name, value) in stored where names.contains(name.lowercased()) {
            result.add(name: name, value: value)
        }
        return result
    }

    /// All lines of a field joined with ", ", or nil if absent.
    private static func joinedValue(_ headers: HTTPHeaders, _ name: String) -> String? {
        let values = headers[name]
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    /// The value of a singleton field, or nil if it is absent or appears more than once.
    private static func singleValue(_ headers: HTTPHeaders, _ name: String) -> String? {
        let values = headers[name]
        return values.count == 1 ? values[0] : nil
    }
}
