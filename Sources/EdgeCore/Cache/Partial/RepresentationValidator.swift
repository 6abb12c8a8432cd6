import NIOHTTP1

/// What proves that two pieces of a representation come from the same one, so that they may be
/// combined (RFC 9111 §3.4) or served one after the other as slices: a strong `ETag`, else
/// `Last-Modified` together with the complete length from `Content-Range` (the guard Cloudflare and
/// Traffic Server use for slices). nil when a response has neither: its pieces are never combined.
public enum RepresentationValidator: Sendable, Hashable {
    case entityTag(String)
    case lastModified(String, length: Int)

    /// `total`: the representation's complete length (from `Content-Range`, or a 200's `Content-Length`).
    public init?(_ headers: HTTPHeaders, total: Int) {
        if let value = headers.first(name: "etag"), let tag = EntityTag(value), !tag.isWeak {
            self = .entityTag(tag.opaque)
        } else if let date = headers.first(name: "last-modified") {
            self = .lastModified(date.trimmingHTTPWhitespace(), length: total)
        } else {
            return nil
        }
    }
}
