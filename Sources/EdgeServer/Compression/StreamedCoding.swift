import EdgeCore
import NIOHTTP1

/// Stage 1 of the response filter chain: the coding a response streaming from the origin goes out
/// in for this client, recoded on the fly (at the streaming levels) when it differs from the origin's.
enum StreamedCoding {
    /// The client's fields, with the request's `ResponseBody.transform` set when the body must be
    /// recoded; nil when the client refuses every coding on offer (406).
    static func negotiate(_ request: ClientRequest, status: HTTPResponseStatus, headers: HTTPHeaders,
                          compression: CompressionService, site: Site?) -> HTTPHeaders? {
        let length = headers.first(name: "content-length").flatMap(Int.init)
        guard let originCoding = compression.negotiatedCoding(status: Int(status.code), headers: headers, bodyLength: length) else { return headers }
        let accept = AcceptEncoding(request.head.headers)
        var available: [ContentCoding] = [originCoding, .identity]
        let compressible = originCoding == .identity || compression.decodedIsCompressible(headers: headers)
        if compressible, compression.mayMakeCodings(site: site) {
            available += compression.settings.codings
        }
        guard let chosen = accept.negotiate(available) else { return nil }
        var out = headers
        CompressionRules.addVary(&out)
        guard chosen != originCoding else { return out }
        do {
            request.body.transform = try BodyTransform(from: originCoding, to: chosen, levels: compression.settings.streamingLevels, metrics: compression.metrics)
        } catch {
            return out
        }
        if chosen == .identity {
            out.remove(name: "content-encoding")
        } else {
            out.replaceOrAdd(name: "content-encoding", value: chosen.rawValue)
        }
        out.remove(name: "content-length")
        out.remove(name: "accept-ranges")
        if let etag = headers.first(name: "etag") {
            out.replaceOrAdd(name: "etag", value: VariantETag.tag(etag, storedCoding: originCoding, servedCoding: chosen))
        }
        return out
    }
}
