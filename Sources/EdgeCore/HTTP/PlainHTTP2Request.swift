/// A strict look at one HTTP/2 request's decoded header list, for the stored-hit shortcut at the frame
/// level: the HTTP/2 twin of `PlainRequestHead`, by the same rules and the same list of fields that send
/// a request down the full path (`PlainRequestHead.sendsToFullPath`).
///
/// It vouches only for a GET or HEAD whose target is an absolute path without a fragment or dot
/// segments, whose host comes from `:authority` alone, and whose fields are all printable ASCII. Anything
/// else is left to the full path (NIO's HTTP/2-to-HTTP/1 codec, then the request guard), which decides
/// what it is. HTTP/2 has already refused what RFC 9113 §8.2 forbids (uppercase names,
/// connection-specific fields, pseudo-fields out of place) before a request reaches it.
public struct PlainHTTP2Request: Sendable, Equatable {
    public var method: PlainRequestHead.Method
    /// `:path`: origin-form, as the full path keys it.
    public var path: String
    /// `:authority`, which the full path turns into Host.
    public var authority: String
    /// The one Accept-Encoding field's value (nil without one).
    public var acceptEncoding: String?
    /// Regular fields, counting the Host the full path adds for `:authority` (what `RequestGuard` counts).
    public var fieldCount: Int
    /// Their size as `RequestGuard` measures it: name, value and 4 bytes per field, Host included.
    public var fieldBytes: Int

    /// nil when the request is not one the shortcut may answer. `fields` in the order they arrived,
    /// pseudo-fields first, as NIO decoded them.
    public init?(fields: some Sequence<(String, String)>) {
        var method: PlainRequestHead.Method?
        var path: String?
        var authority: String?
        var acceptEncoding: String?
        var fieldCount = 1
        var fieldBytes = 0
        for (name, value) in fields {
            guard Self.isPlain(value) else { return nil }
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method":
                    switch value {
                    case "GET": method = .get
                    case "HEAD": method = .head
                    default: return nil
                    }
                case ":path":
                    guard Self.isPlainTarget(value) else { return nil }
                    path = value
                case ":authority":
                    authority = value
                case ":scheme":
                    // Neither the cache key nor a stored response depends on it.
                    continue
                default:
                    // `:protocol` (extended CONNECT) and whatever comes after it.
                    return nil
                }
                continue
            }
            switch name {
            case "accept-encoding":
                guard acceptEncoding == nil else { return nil }
                acceptEncoding = value
            case "host", "content-length", "transfer-encoding", "connection":
                // A Host beside :authority, a body announced, or a field HTTP/2 forbids: the full path's call.
                return nil
            default:
                var name = name
                if name.withUTF8({ PlainRequestHead.sendsToFullPath(fieldName: UnsafeRawBufferPointer($0)) }) { return nil }
            }
            fieldCount += 1
            fieldBytes += name.utf8.count + value.utf8.count + 4
        }
        guard let method, let path, let authority else { return nil }
        fieldBytes += "host".utf8.count + authority.utf8.count + 4
        self.method = method
        self.path = path
        self.authority = authority
        self.acceptEncoding = acceptEncoding
        self.fieldCount = fieldCount
        self.fieldBytes = fieldBytes
    }

    /// Printable ASCII and tabs: what `PlainRequestHead` accepts in a field value without sending the
    /// request down the full path.
    static func isPlain(_ value: String) -> Bool {
        value.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }
    }

    /// An absolute path (and query) in visible ASCII, without a fragment (refused by the request guard)
    /// or dot segments (resolved, or refused, there).
    static func isPlainTarget(_ target: String) -> Bool {
        let bytes = target.utf8
        guard bytes.first == UInt8(ascii: "/"), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            return false
        }
        return !TargetPath.mayHaveDotSegments(bytes.prefix { $0 != UInt8(ascii: "?") })
    }
}
