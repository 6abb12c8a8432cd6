/// Primary cache key: method-independent `host/path?query`.
///
/// Normalised so that equivalent URLs share an entry (RFC 3986 §6.2.2): host lowercased, default port
/// (80, 443) dropped, userinfo and fragment dropped, percent-encoded unreserved characters decoded and
/// other escapes upper-cased, empty path as "/", dot segments resolved (`TargetPath`). The scheme is ignored: a purge matches host + path +
/// query whatever the scheme (README.md, "Admin API and purging": `urls`).
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// Starts with "/" and may carry "?query".
    public var pathAndQuery: String

    /// `target` is the request-target: origin-form (`/a?x=1`) or absolute-form (`http://h/a`);
    /// in absolute-form its authority wins over `host` (RFC 9112 §3.2.2).
    public init(host: String, target: String) {
        if let parsed = Self.splitAbsolute(target) {
            self.host = Self.normaliseHost(parsed.authority.isEmpty ? host : parsed.authority)
            self.pathAndQuery = Self.normalisePathAndQuery(parsed.rest)
        } else {
            self.host = Self.normaliseHost(host)
            self.pathAndQuery = Self.normalisePathAndQuery(target)
        }
    }

    /// For an origin-form target already split from its request: `host` normalised as `normaliseHost`
    /// does it (kept per connection by callers), the target's bytes normalised here. A target without
    /// percent escapes, dot segments or a fragment is its own normal form and is taken as it is.
    public init(normalisedHost: String, originFormTarget target: UnsafeRawBufferPointer) {
        self.host = normalisedHost
        if target.first == UInt8(ascii: "/"), !target.contains(UInt8(ascii: "%")), !target.contains(UInt8(ascii: "#")),
           !TargetPath.mayHaveDotSegments(target.prefix { $0 != UInt8(ascii: "?") }) {
            self.pathAndQuery = String(decoding: target, as: UTF8.self)
        } else {
            self.pathAndQuery = Self.normalisePathAndQuery(String(decoding: target, as: UTF8.self))
        }
    }

    /// For purge and invalidation: `http://shop.example/a?x=1`. nil without a scheme or a host.
    public init?(absoluteURL: String) {
        guard let parsed = Self.splitAbsolute(absoluteURL), !parsed.authority.isEmpty else { return nil }
        let host = Self.normaliseHost(parsed.authority)
        guard !host.isEmpty else { return nil }
        self.host = host
        self.pathAndQuery = Self.normalisePathAndQuery(parsed.rest)
    }

    /// `host/path?query`.
    public var description: String { host + pathAndQuery }

    /// Bytes the key's strings hold on the heap: Swift keeps up to 15 UTF-8 bytes inside a string's
    /// own 16; a longer one is an object of its own (a 32-byte header, the bytes and a NUL, in malloc's
    /// 16-byte steps). The most a key can cost; `HTTPCache` stores keys with a shared copy of their
    /// host (`SharedHostNames`) and counts only what each key holds alone.
    public var heapBytes: Int { Self.heapBytes(of: host) + Self.heapBytes(of: pathAndQuery) }

    static func heapBytes(of string: String) -> Int {
        let count = string.utf8.count
        return count <= 15 ? 0 : (32 + count + 1 + 15) & ~15
    }

    /// "scheme://authority/rest" -> (authority, "/rest"); nil when not absolute.
    private static func splitAbsolute(_ text: String) -> (authority: String, rest: String)? {
        if text.utf8.first == UInt8(ascii: "/") { return nil }
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return nil }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        let afterScheme = text[text.index(colon, offsetBy: 3)...]
        let authorityEnd = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? afterScheme.endIndex
        return (String(afterScheme[..<authorityEnd]), String(afterScheme[authorityEnd...]))
    }

    public static func normaliseHost(_ authority: String) -> String {
        // The usual Host is already normal: lowercase letters, digits, dots and dashes only.
        if !authority.isEmpty, authority.utf8.allSatisfy(isPlainHostByte) { return authority }
        if isPlainHostWithOwnPort(authority) { return authority }
        var host = Substring(authority)
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        host = Substring(host.trimmingHTTPWhitespace())
        // A port follows the last ":" unless that ":" is inside an IPv6 literal.
        if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") {
            let port = host[host.index(after: colon)...]
            if port.isEmpty || port == "80" || port == "443" { host = host[..<colon] }
        }
        return host.lowercased()
    }

    static func normalisePathAndQuery(_ target: String) -> String {
        var bytes = Array(target.utf8)
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes.removeSubrange(hash...) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        if bytes.first != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                let decoded = high << 4 | low
                if isUnreserved(decoded) {
                    out.append(decoded)
                } else {
                    out.append(byte)
                    out.append(upperHex(high))
                    out.append(upperHex(low))
                }
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        let normalised = String(decoding: out, as: UTF8.self)
        // Requests whose path climbs above the root are refused before they are keyed; purges of such
        // a URL name what a clamped path would be.
        let pathEnd = normalised.firstIndex(of: "?") ?? normalised.endIndex
        let path = normalised[..<pathEnd]
        guard TargetPath.mayHaveDotSegments(path.utf8),
              case .success(let resolved?) = TargetPath.removeDotSegments(path, clampAtRoot: true) else { return normalised }
        return resolved + normalised[pathEnd...]
    }

    /// `name:port` with a normal name and a port other than 80 and 443 (which are dropped): already
    /// normal, as a node reached on its own port sees on every request.
    private static func isPlainHostWithOwnPort(_ authority: String) -> Bool {
        let bytes = authority.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon != bytes.startIndex else { return false }
        let port = bytes[bytes.index(after: colon)...]
        guard !port.isEmpty, port.first != UInt8(ascii: "0"), port.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              !port.elementsEqual("80".utf8), !port.elementsEqual("443".utf8) else { return false }
        return bytes[..<colon].allSatisfy(isPlainHostByte)
    }

    private static func isPlainHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
