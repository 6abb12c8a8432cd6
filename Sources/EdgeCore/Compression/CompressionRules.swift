import NIOHTTP1

/// Which responses the edge compresses: compressible media types, bodies worth it, and nothing
/// an origin asked to be left alone (RFC 9111 §5.2.2.6 `no-transform`) or already coded.
public enum CompressionRules {
    /// Media types that are already compressed or stream event by event, whatever the type list says.
    static func isNeverCompressed(_ mediaType: String) -> Bool {
        if mediaType == "image/svg+xml" { return false }
        for prefix in ["image/", "video/", "audio/"] where mediaType.hasPrefix(prefix) { return true }
        return neverCompressed.contains(mediaType)
    }

    private static let neverCompressed: Set<String> = [
        "font/woff", "font/woff2", "application/font-woff", "application/font-woff2",
        "application/zip", "application/gzip", "application/x-gzip", "application/zstd",
        "application/x-brotli", "application/x-bzip2", "application/x-xz", "application/x-7z-compressed",
        "application/x-rar-compressed", "application/vnd.rar", "application/x-tar", "application/pdf",
        "application/octet-stream", "text/event-stream",
    ]

    /// The `type/subtype` of a `Content-Type` value, lowercased, parameters dropped.
    public static func mediaType(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let essence = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingHTTPWhitespace().lowercased() } ?? ""
        return essence.utf8.contains(UInt8(ascii: "/")) ? essence : nil
    }

    /// Whether `mediaType` is on `types` and not on the never-compressed list.
    public static func isCompressible(mediaType: String, types: [String]) -> Bool {
        guard !isNeverCompressed(mediaType) else { return false }
        guard let slash = mediaType.firstIndex(of: "/") else { return false }
        let top = mediaType[..<slash]
        let sub = mediaType[mediaType.index(after: slash)...]
        for pattern in types {
            // Config types are usually lowercase already: no new string for those.
            let pattern = pattern.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? pattern.lowercased() : pattern
            if pattern == mediaType { return true }
            guard let patternSlash = pattern.firstIndex(of: "/"), pattern[..<patternSlash] == top else { continue }
            let patternSub = pattern[pattern.index(after: patternSlash)...]
            if patternSub == "*" { return true }
            if patternSub.hasPrefix("*+"), sub.hasSuffix(patternSub.dropFirst()) { return true }
        }
        return false
    }

    /// Whether the edge may make an encoded form of a response with these header fields.
    /// `bodyLength` nil means unknown (a streamed body): it is compressed unless declared small.
    public static func mayCompress(status: Int, headers: HTTPHeaders, bodyLength: Int?, settings: CompressionSettings) -> Bool {
        guard status == 200 else { return false }
        guard isTransformable(headers) else { return false }
        if headers.contains(name: "content-encoding"), ContentCoding.of(headers[canonicalForm: "content-encoding"].map(String.init)) != .identity { return false }
        if headers.contains(name: "content-range") { return false }
        // The length first: it is the cheaper question, and small bodies are common.
        let length = bodyLength ?? headers.first(name: "content-length").flatMap(Int.init)
        if let length, length < settings.minSize { return false }
        guard let type = mediaType(headers.first(name: "content-type")), isCompressible(mediaType: type, types: settings.types) else { return false }
        return true
    }

    /// False when `Cache-Control: no-transform` forbids changing the content (RFC 9110 §7.7).
    public static func isTransformable(_ headers: HTTPHeaders) -> Bool {
        // Asked several times per response: most Cache-Control values do not hold the word at all.
        guard headers["cache-control"].contains(where: mentionsNoTransform) else { return true }
        for value in headers[canonicalForm: "cache-control"] {
            for directive in value.split(separator: ",") where directive.trimmingHTTPWhitespace().lowercased() == "no-transform" {
                return false
            }
        }
        return true
    }

    /// Whether `value` holds `no-transform` in any case, anywhere.
    private static func mentionsNoTransform(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            let word: StaticString = "no-transform"
            return word.withUTF8Buffer { word in
                guard bytes.count >= word.count else { return false }
                for start in 0...(bytes.count - word.count) {
                    var offset = 0
                    while offset < word.count, bytes[start + offset] | 0x20 == word[offset] | 0x20 {
                        offset += 1
                    }
                    if offset == word.count { return true }
                }
                return false
            }
        }
    }

    /// The `Vary` value with `Accept-Encoding` added when it is not already there (or `*`).
    public static func varyWithAcceptEncoding(_ values: [String]) -> String {
        var names: [String] = []
        for value in values {
            for name in value.split(separator: ",") {
                let trimmed = name.trimmingHTTPWhitespace()
                if !trimmed.isEmpty { names.append(trimmed) }
            }
        }
        if names.contains(where: { $0 == "*" || $0.lowercased() == "accept-encoding" }) {
            return names.joined(separator: ", ")
        }
        names.append("Accept-Encoding")
        return names.joined(separator: ", ")
    }

    /// Adds `Accept-Encoding` to the `Vary` of `headers`.
    public static func addVary(_ headers: inout HTTPHeaders) {
        let merged = varyWithAcceptEncoding(headers[canonicalForm: "vary"].map(String.init))
        headers.replaceOrAddKeepingPlace(name: "vary", value: merged)
    }
}
