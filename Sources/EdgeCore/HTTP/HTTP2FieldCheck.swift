/// RFC 9113's rules for a header block a client sends (§8.2 fields, §8.3 control data), checked one
/// field at a time as the block is read: a request that breaks one is malformed, and its stream is
/// refused with RST_STREAM (PROTOCOL_ERROR) before anything else sees it (§8.1.1).
///
/// The edge checks client blocks itself, in one pass with its frame-level shortcut's own reading of
/// the request, instead of asking NIOHTTP2 to check every block it receives and sends: NIO's checks
/// (the same rules, on Substrings) cost about a tenth of a cached HTTP/2 hit, most of it re-checking
/// the edge's own responses. Beyond the RFC's letter it keeps NIO's stricter rules for pseudo-field
/// values (no control characters or spaces: they end up in an HTTP/1.1 request line) and does not
/// refuse values that start or end with whitespace (harmless, and sent by sloppy clients).
public struct HTTP2FieldCheck: Sendable {
    public enum Block: Sendable {
        /// The HEADERS that open a stream.
        case request
        /// HEADERS after the request's body: no pseudo-fields at all.
        case trailers
    }

    private struct Pseudo: OptionSet {
        let rawValue: UInt8
        static let method = Pseudo(rawValue: 1)
        static let scheme = Pseudo(rawValue: 2)
        static let path = Pseudo(rawValue: 4)
        static let authority = Pseudo(rawValue: 8)
    }

    private let block: Block
    private var seen: Pseudo = []
    private var regularFieldsBegan = false
    private var isConnect = false
    /// Whether every field so far was well-formed: once false, it stays false.
    public private(set) var isValid = true

    public init(_ block: Block) {
        self.block = block
    }

    /// Checks the next field of the block.
    public mutating func check(name: String, value: String) {
        guard isValid else { return }
        var name = name
        var value = value
        isValid = name.withUTF8 { name in
            value.withUTF8 { value in
                check(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value))
            }
        }
    }

    /// Whether the whole block was well-formed: every field, and the pseudo-fields a request must have
    /// (`:method`, `:scheme`, `:path`; a CONNECT has `:method` and `:authority` only).
    public var isWellFormed: Bool {
        guard isValid else { return false }
        switch block {
        case .trailers:
            return true
        case .request:
            return isConnect ? seen == [.method, .authority] : seen.isSuperset(of: [.method, .scheme, .path])
        }
    }

    private mutating func check(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> Bool {
        guard let first = name.first else { return false }
        if first == UInt8(ascii: ":") {
            return checkPseudo(name: UnsafeRawBufferPointer(rebasing: name.dropFirst()), value: value)
        }
        regularFieldsBegan = true
        guard name.allSatisfy(Self.isLowercaseTokenByte), !value.contains(where: Self.isForbiddenInValue) else { return false }
        // TE is the one connection-specific field a request may carry, and only as "trailers".
        if name.count == 2 {
            return !(Self.equals(name, "te") && !Self.equals(value, "trailers"))
        }
        return !Self.isConnectionSpecific(lowercaseName: name)
    }

    /// The fields RFC 9113 §8.2.2 forbids in HTTP/2 (TE aside), by lowercase name: a request carrying
    /// one is malformed, and a response from HTTP/1.1 drops them on its way to an HTTP/2 client.
    public static func isConnectionSpecific(lowercaseName name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 7, 10, 16, 17:
            equals(name, "upgrade") || equals(name, "connection") || equals(name, "keep-alive")
                || equals(name, "proxy-connection") || equals(name, "transfer-encoding")
        default:
            false
        }
    }

    private mutating func checkPseudo(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> Bool {
        // Pseudo-fields come first, only in a request, once each, and only the four a request has
        // (`:protocol` needs SETTINGS_ENABLE_CONNECT_PROTOCOL, which the edge does not send).
        guard block == .request, !regularFieldsBegan, !value.contains(where: Self.isForbiddenInPseudoValue) else { return false }
        let field: Pseudo
        if Self.equals(name, "method") {
            field = .method
            isConnect = Self.equals(value, "CONNECT")
        } else if Self.equals(name, "path") {
            guard !value.isEmpty else { return false }
            field = .path
        } else if Self.equals(name, "scheme") {
            field = .scheme
        } else if Self.equals(name, "authority") {
            field = .authority
        } else {
            return false
        }
        guard !seen.contains(field) else { return false }
        seen.insert(field)
        return true
    }

    /// tchar (RFC 9110 §5.6.2) without uppercase letters, which HTTP/2 forbids in names (§8.2.1).
    private static func isLowercaseTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x30...0x39, 0x5E...0x7A, 0x7C, 0x7E: true
        default: false
        }
    }

    /// NUL, LF and CR may not appear anywhere in a field value (§8.2.1).
    private static func isForbiddenInValue(_ byte: UInt8) -> Bool {
        byte == 0x00 || byte == 0x0A || byte == 0x0D
    }

    /// Controls, space and DEL: no pseudo-field's grammar has them, and `:path` becomes a request line.
    private static func isForbiddenInPseudoValue(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
