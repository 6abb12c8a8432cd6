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
        var reader = Reader()
        for (name, value) in fields {
            guard reader.read(name: name, value: value) else { return nil }
        }
        guard let request = reader.request else { return nil }
        self = request
    }

    /// Reads a request's fields one at a time, so that a caller iterating its own field type (NIO's
    /// `HPACKHeaders`) calls one concrete function per field rather than a generic across modules.
    public struct Reader: Sendable {
        private var method: PlainRequestHead.Method?
        private var path: String?
        private var authority: String?
        private var acceptEncoding: String?
        private var fieldCount = 1
        private var fieldBytes = 0

        public init() {}

        /// Takes the next field; false once the request is not one the shortcut may answer.
        public mutating func read(name: String, value: String) -> Bool {
            guard PlainHTTP2Request.isPlain(value) else { return false }
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method":
                    switch value {
                    case "GET": method = .get
                    case "HEAD": method = .head
                    default: return false
                    }
                case ":path":
                    guard PlainHTTP2Request.isPlainTarget(value) else { return false }
                    path = value
                case ":authority":
                    authority = value
                case ":scheme":
                    // Neither the cache key nor a stored response depends on it.
                    break
                default:
                    // `:protocol` (extended CONNECT) and whatever comes after it.
                    return false
                }
                return true
            }
            switch name {
            case "accept-encoding":
                guard acceptEncoding == nil else { return false }
                acceptEncoding = value
            case "host", "content-length", "transfer-encoding", "connection":
                // A Host beside :authority, a body announced, or a field HTTP/2 forbids: the full path's call.
                return false
            default:
                var name = name
                if name.withUTF8({ PlainRequestHead.sendsToFullPath(fieldName: UnsafeRawBufferPointer($0)) }) { return false }
            }
            fieldCount += 1
            fieldBytes += name.utf8.count + value.utf8.count + 4
            return true
        }

        /// The request read, or nil when a pseudo-field it needs is missing.
        public var request: PlainHTTP2Request? {
            guard let method, let path, let authority else { return nil }
            return PlainHTTP2Request(method: method, path: path, authority: authority, acceptEncoding: acceptEncoding,
                                     fieldCount: fieldCount, fieldBytes: fieldBytes + "host".utf8.count + authority.utf8.count + 4)
        }
    }

    private init(method: PlainRequestHead.Method, path: String, authority: String, acceptEncoding: String?, fieldCount: Int, fieldBytes: Int) {
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
