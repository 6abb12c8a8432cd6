import NIOHTTP1

/// Validating a stored response with the origin (RFC 9111 §4.3) and folding in the 304.
public enum Revalidation {
    /// Request fields a client uses for its own preconditions. Remove them from the forwarded
    /// request before adding ``validators(for:)``, so the origin's answer is about the stored
    /// response and not about the client's copy.
    public static let preconditionFieldNames = [
        "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
    ]

    /// Conditional fields to send upstream to validate `stored`: `If-None-Match` with the
    /// stored `ETag` (strong or weak, sent as received), and `If-Modified-Since` with the stored
    /// `Last-Modified` (never derived from `Date`). Empty when the response has no validator.
    /// The caller adds these to its copy of the forwarded request headers.
    public static func validators(for stored: HTTPHeaders) -> HTTPHeaders {
        var result = HTTPHeaders()
        if let etag = nonEmptyFirst(stored, "etag") {
            result.add(name: "If-None-Match", value: etag)
        }
        if let lastModified = nonEmptyFirst(stored, "last-modified") {
            result.add(name: "If-Modified-Since", value: lastModified)
        }
        return result
    }

    /// Whether a 304 from the origin selects `stored` for update (RFC 9111 §4.3.4):
    /// - the 304 has a strong `ETag`: only if the stored `ETag` matches it strongly;
    /// - the 304 has a weak `ETag`: if the stored `ETag` matches it weakly;
    /// - the 304 has no `ETag` but a `Last-Modified`: if the stored one is the same text;
    /// - the 304 has no validator at all: yes.
    ///
    /// The last case is wider than RFC 9111, which asks that the stored response also lack
    /// validators: Edge revalidates exactly one stored response per request with that
    /// response's own validators, so a bare 304 (which origins do send) can only refer to it.
    public static func notModifiedSelects(stored: HTTPHeaders, notModified: HTTPHeaders) -> Bool {
        let storedTag = stored.first(name: "etag").flatMap(EntityTag.init)
        if let newTagValue = nonEmptyFirst(notModified, "etag") {
            guard let newTag = EntityTag(newTagValue), let storedTag else {
                // Unparsable tags: only an identical text can be trusted.
                return nonEmptyFirst(stored, "etag") == newTagValue
            }
            return newTag.isWeak ? newTag.weakMatch(storedTag) : newTag.strongMatch(storedTag)
        }
        if let newLastModified = nonEmptyFirst(notModified, "last-modified") {
            return nonEmptyFirst(stored, "last-modified") == newLastModified
        }
        return true
    }

    /// `stored` updated with the fields of a 304 (RFC 9111 §4.3.4 and §3.2): every field the
    /// 304 carries replaces all stored lines of that name, except
    /// - hop-by-hop fields and the fields its `Connection` names (§3.1, see ``HopByHop``),
    /// - `Content-Length` (§3.2) and `Content-Range` (processed per message, §3.2),
    /// - `Content-Encoding`, because the stored body's bytes depend on it (§3.2).
    ///
    /// Fields absent from the 304 are kept. The stored headers' own hop-by-hop fields are left
    /// alone (they were stripped before storage).
    public static func freshen(stored: HTTPHeaders, with notModified: HTTPHeaders) -> HTTPHeaders {
        var update = notModified
        HopByHop.strip(&update)
        for name in ["content-length", "content-range", "content-encoding"] {
            update.remove(name: name)
        }
        var replaced: Set<String> = []
        for (name, _) in update {
            replaced.insert(name.lowercased())
        }
        var result = HTTPHeaders()
        for (name, value) in stored where !replaced.contains(name.lowercased()) {
            result.add(name: name, value: value)
        }
        for (name, value) in update {
            result.add(name: name, value: value)
        }
        return result
    }

    private static func nonEmptyFirst(_ headers: HTTPHeaders, _ name: String) -> String? {
        guard let value = headers.first(name: name), !value.isEmpty else { return nil }
        return value
    }
}
