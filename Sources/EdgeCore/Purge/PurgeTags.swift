import NIOHTTP1

/// Tags origins put on responses for purging groups of them: `Surrogate-Key` (space-separated, as
/// Fastly reads it) and `Cache-Tag` (comma-separated, as Cloudflare reads it).
public enum PurgeTags {
    /// The field names carrying tags; the edge strips them from client responses unless configured not to.
    public static let fieldNames = ["surrogate-key", "cache-tag"]

    /// Every tag a response carries, without duplicates, in the order first seen.
    public static func parse(_ headers: HTTPHeaders) -> [String] {
        guard headers.contains(name: "surrogate-key") || headers.contains(name: "cache-tag") else { return [] }
        var tags: [String] = []
        var seen: Set<String> = []
        func add(_ tag: Substring) {
            let text = String(tag)
            if !text.isEmpty, seen.insert(text).inserted { tags.append(text) }
        }
        for value in headers[canonicalForm: "surrogate-key"] {
            for tag in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) { add(tag) }
        }
        for value in headers[canonicalForm: "cache-tag"] {
            // canonicalForm already splits on commas and trims whitespace around each item.
            add(value)
        }
        return tags
    }

    /// Whether `tag` can be named in a purge: non-empty, no whitespace or commas (it could not be sent).
    public static func isValid(_ tag: String) -> Bool {
        !tag.isEmpty && !tag.contains(where: { $0 == " " || $0 == "\t" || $0 == "," || $0.isNewline })
    }
}
