import NIOHTTP1

/// Entity-tags of encoded variants.
///
/// Scheme: a variant's tag is the stored response's tag with `-<coding>` appended inside the quotes,
/// weakness kept: `"abc"` becomes `"abc-br"`, `W/"abc"` becomes `W/"abc-gzip"`. Each coding's bytes
/// get their own tag (so `If-Match` or `If-Range` with the gzip tag never validates br bytes), and
/// the base tag is recovered by removing a known suffix, so `If-None-Match` with the tag of any
/// variant of the current response is answered with 304 by the cache. The coding the origin sent is
/// served with the origin's tag unchanged.
public enum VariantETag {
    static let suffixes = ContentCoding.allCases.map { "-" + $0.rawValue }

    /// The tag for `coding` made from a response stored with `storedCoding` and `etag`.
    public static func tag(_ etag: String, storedCoding: ContentCoding, servedCoding: ContentCoding) -> String {
        guard servedCoding != storedCoding, var tag = EntityTag(etag) else { return etag }
        tag.opaque += "-" + servedCoding.rawValue
        return tag.description
    }

    /// The tags a client may hold for the stored response: each as sent and, when it carries a
    /// variant suffix, also without it. `*` is kept as it is.
    public static func baseTags(_ ifNoneMatch: [String]) -> String {
        var out: [String] = []
        for value in ifNoneMatch {
            if value.trimmingHTTPWhitespace() == "*" {
                out.append("*")
                continue
            }
            guard let tags = EntityTag.parseList(value) else {
                out.append(value)
                continue
            }
            for tag in tags {
                out.append(tag.description)
                if let suffix = suffixes.first(where: { tag.opaque.hasSuffix($0) }) {
                    var base = tag
                    base.opaque = String(tag.opaque.dropLast(suffix.count))
                    out.append(base.description)
                }
            }
        }
        return out.joined(separator: ", ")
    }

    /// The request's fields with `If-None-Match` widened to the base tags (see `baseTags`).
    public static func requestWithBaseTags(_ headers: HTTPHeaders) -> HTTPHeaders {
        guard headers.contains(name: "if-none-match") else { return headers }
        var headers = headers
        let widened = baseTags(headers[canonicalForm: "if-none-match"].map(String.init))
        headers.replaceOrAdd(name: "if-none-match", value: widened)
        return headers
    }
}
