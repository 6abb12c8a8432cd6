import EdgeCore
import NIOHTTP1

/// What a stored response gives one request once its conditionals (RFC 9110 §13) and its range
/// (§14) are weighed: shared by the hit phase for bodies in memory (`StoredResponseServer`) and for
/// bodies that stream from disk (`StoredBodyStream`).
enum StoredAnswer {
    /// 304, with these fields.
    case notModified(HTTPHeaders)
    case preconditionFailed
    /// 416, with these fields.
    case rangeNotSatisfiable(HTTPHeaders)
    case whole
    case ranges([ClosedRange<Int>])

    /// `conditionalHeaders`: the request's fields the conditionals are read from (widened with the
    /// base tags of variant ETags where the stored response is served in another coding).
    static func decide(_ request: ClientRequest, conditionalHeaders: HTTPHeaders, status: Int, headers: HTTPHeaders, length: Int) -> StoredAnswer {
        let method = request.isHead ? "HEAD" : "GET"
        switch ConditionalRequest.evaluate(method: method, requestHeaders: conditionalHeaders, responseStatus: status, responseHeaders: headers, parseDate: HTTPDate.parse) {
        case .notModified: return .notModified(ConditionalRequest.notModifiedHeaders(from: headers))
        case .preconditionFailed: return .preconditionFailed
        case .proceed: break
        }
        guard status == 200 else { return .whole }
        switch ByteRange.resolve(method: method, requestHeaders: request.head.headers, responseHeaders: headers, length: length, parseDate: HTTPDate.parse) {
        case .full:
            return .whole
        case .partial(let ranges):
            return .ranges(ranges)
        case .unsatisfiable:
            return .rangeNotSatisfiable(HTTPHeaders([("content-range", "bytes */\(length)"), ("content-length", "0"), ("date", HTTPDate.format(ProxyServices.now()))]))
        }
    }
}
