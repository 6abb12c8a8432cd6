import NIOHTTP1

/// `Surrogate-Control` (W3C Edge Architecture 1.0): a directive may name the surrogate it is meant for
/// with a `;device-token` suffix (`max-age=60;edge`). Directives without a target are for every
/// surrogate; directives for other surrogates are ignored. A surrogate announces its token upstream in
/// `Surrogate-Capability: edge="Surrogate/1.0"`.
extension CacheControl {
    public static func surrogate(_ headers: HTTPHeaders, deviceToken: String) -> CacheControl {
        let lines = headers["surrogate-control"]
        guard !lines.isEmpty else { return CacheControl() }
        let token = deviceToken.lowercased()
        var kept: [Substring] = []
        for member in splitOutsideQuotes(lines.joined(separator: ","), separator: UInt8(ascii: ",")) {
            let parts = splitOutsideQuotes(member, separator: UInt8(ascii: ";"))
            if parts.count == 1 {
                kept.append(member)
            } else if parts.count == 2, parts[1].trimmingHTTPWhitespace().lowercased() == token {
                kept.append(parts[0])
            }
        }
        return CacheControl(parsing: kept.joined(separator: ","))
    }

    /// The value of `Surrogate-Capability` that announces this cache to the next one upstream.
    public static func surrogateCapability(deviceToken: String) -> String {
        "\(deviceToken)=\"Surrogate/1.0\""
    }

    private static func splitOutsideQuotes(_ text: some StringProtocol, separator: UInt8) -> [Substring] {
        let value = Substring(text)
        var parts: [Substring] = []
        var start = value.startIndex
        var inQuotes = false
        var escaped = false
        var index = value.startIndex
        for byte in value.utf8 {
            if escaped {
                escaped = false
            } else if inQuotes {
                if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inQuotes = false }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == separator {
                parts.append(value[start..<index])
                start = value.utf8.index(after: index)
            }
            index = value.utf8.index(after: index)
        }
        parts.append(value[start...])
        return parts
    }
}
