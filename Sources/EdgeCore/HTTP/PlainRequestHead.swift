/// A strict scan of one HTTP/1.1 request head in raw bytes, for the stored-hit shortcut: it finds
/// where a bodiless GET or HEAD ends and the few fields a cache hit depends on, without building
/// strings. Anything it is not certain about is left to the full HTTP parser.
///
/// Stricter than RFC 9112 on purpose: single spaces in the request line, CRLF line endings only, no
/// obs-fold, no whitespace before a colon, no leading empty lines. A head that breaks one of these is
/// `unsupported`, and the connection stays with the full parser, which decides what it is.
public struct PlainRequestHead: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        case get, head
    }

    public enum Scan: Sendable, Equatable {
        /// A whole bodiless GET or HEAD head, `length` bytes long with its final empty line.
        case complete(PlainRequestHead)
        /// No end of head yet: more bytes may complete it.
        case incomplete
        /// Not a head this scan vouches for (other methods, a body, unusual syntax): the full
        /// parser takes it, and the bytes after it, from here on.
        case unsupported
    }

    public var method: Method
    /// Byte offsets into the scanned bytes.
    public var target: Range<Int>
    /// The one Host field's value; nil when there is none or more than one.
    public var host: Range<Int>?
    /// The one Accept-Encoding field's value (nil without one).
    public var acceptEncoding: Range<Int>?
    /// The whole head, with the request line and the final empty line.
    public var length: Int
    public var fieldCount: Int
    /// A field that a stored hit cannot answer on its own is present (conditionals, Range, request
    /// directives, Connection, Expect, ...), or a field is repeated or unusual: the full path serves it.
    public var needsFullPath: Bool

    /// Field names (lowercase) whose presence sends a request down the full path: they change what a
    /// stored response gives (RFC 9111 §4, RFC 9110 §13-14), the connection, or how the edge treats it.
    static let fullPathFields: [[UInt8]] = [
        "cache-control", "pragma", "authorization", "if-match", "if-none-match", "if-modified-since",
        "if-unmodified-since", "if-range", "range", "expect", "upgrade", "te", "keep-alive",
        "save-data", "trailer", "http2-settings", "proxy-connection",
        // A cluster peer gets the stored fields that the prepared ones leave out (Surrogate-Control, purge tags).
        "edge-cluster-peer",
    ].map { Array($0.utf8) }

    /// Whether a request field named `name` (any case) sends its request down the full path: one of
    /// `fullPathFields`, or a name with "_", which back ends that map "_" to "-" read as another field.
    /// The one list for both shortcuts (`PlainHTTP2Request` asks it too).
    public static func sendsToFullPath(fieldName name: UnsafeRawBufferPointer) -> Bool {
        name.contains(UInt8(ascii: "_")) || fullPathFields.contains { equalsLowercase(name, $0) }
    }

    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var cursor = Cursor(bytes: bytes)
        let method: Method
        if cursor.consume("GET ") {
            method = .get
        } else if cursor.consume("HEAD ") {
            method = .head
        } else {
            return cursor.atEnd || cursor.isPrefixOfKnownMethod ? .incomplete : .unsupported
        }
        let targetStart = cursor.index
        guard let targetEnd = cursor.skip(while: { $0 > 0x20 && $0 < 0x7F }) else { return .incomplete }
        guard targetEnd > targetStart, bytes[targetStart] == UInt8(ascii: "/") else { return .unsupported }
        guard cursor.consume(" ") else { return .unsupported }
        guard let versionOK = cursor.consumeLine("HTTP/1.1") else { return .incomplete }
        guard versionOK else { return .unsupported }

        var head = PlainRequestHead(
            method: method, target: targetStart..<targetEnd, host: nil, acceptEncoding: nil, length: 0,
            fieldCount: 0, needsFullPath: false)
        // A fragment is refused by the full path's request guard (RFC 9112 §3.2), and dot segments are
        // resolved (or refused) there before anything is keyed.
        let target = bytes[targetStart..<targetEnd]
        let path = target[..<(target.firstIndex(of: UInt8(ascii: "?")) ?? targetEnd)]
        if target.contains(UInt8(ascii: "#")) || TargetPath.mayHaveDotSegments(path) { head.needsFullPath = true }
        var hostCount = 0
        var acceptEncodingCount = 0
        while true {
            guard cursor.index < bytes.count else { return .incomplete }
            if bytes[cursor.index] == UInt8(ascii: "\r") {
                guard cursor.index + 1 < bytes.count else { return .incomplete }
                guard bytes[cursor.index + 1] == UInt8(ascii: "\n") else { return .unsupported }
                head.length = cursor.index + 2
                break
            }
            let nameStart = cursor.index
            guard let nameEnd = cursor.skip(while: isTokenByte) else { return .incomplete }
            guard nameEnd > nameStart, cursor.consume(":") else { return .unsupported }
            _ = cursor.skip(while: { $0 == 0x20 || $0 == 0x09 })
            let valueStart = cursor.index
            var plainASCII = true
            guard let lineEnd = cursor.skip(while: { byte in
                if byte >= 0x80 { plainASCII = false; return true }
                return byte >= 0x20 && byte != 0x7F || byte == 0x09
            }) else { return .incomplete }
            guard bytes[lineEnd] == UInt8(ascii: "\r") else { return .unsupported }
            guard lineEnd + 1 < bytes.count else { return .incomplete }
            guard bytes[lineEnd + 1] == UInt8(ascii: "\n") else { return .unsupported }
            cursor.index = lineEnd + 2
            var valueEnd = lineEnd
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            head.fieldCount += 1
            if !plainASCII { head.needsFullPath = true }

            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            if equalsLowercase(name, "host") {
                hostCount += 1
                head.host = valueStart..<valueEnd
            } else if equalsLowercase(name, "accept-encoding") {
                acceptEncodingCount += 1
                head.acceptEncoding = valueStart..<valueEnd
            } else if equalsLowercase(name, "content-length") || equalsLowercase(name, "transfer-encoding") {
                // A body: where this request ends is the full parser's call.
                return .unsupported
            } else if equalsLowercase(name, "connection") {
                // Browsers send `Connection: keep-alive`, which HTTP/1.1 implies; any other option is the full path's.
                if !equalsLowercase(UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), "keep-alive") {
                    head.needsFullPath = true
                }
            } else if sendsToFullPath(fieldName: name) {
                head.needsFullPath = true
            }
        }
        if hostCount != 1 { head.host = nil; head.needsFullPath = true }
        if acceptEncodingCount > 1 { head.needsFullPath = true }
        return .complete(head)
    }

    /// Whether the first line of `bytes` is complete and has no HTTP version (HTTP/0.9's `GET /`):
    /// no answer could be framed for it, so it is refused at once instead of waiting for more.
    public static func requestLineLacksVersion(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // Empty lines before a request line are the parser's to skip (RFC 9112 §2.2).
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }),
              let lineFeed = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
        var end = lineFeed
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = bytes[start..<end]
        guard let lastSpace = line.lastIndex(of: UInt8(ascii: " ")),
              line[..<lastSpace].contains(UInt8(ascii: " ")) else { return true }
        return !line[(lastSpace + 1)...].starts(with: "HTTP/".utf8)
    }

    /// The values of every field named `name` (lowercase), in order; for Vary on fields the scan does not keep.
    public static func fieldValues(named name: String, in bytes: UnsafeRawBufferPointer, head: PlainRequestHead) -> [String] {
        var values: [String] = []
        let nameBytes = Array(name.utf8)
        var lineStart = head.target.upperBound
        // Skip the rest of the request line.
        while lineStart + 1 < head.length, !(bytes[lineStart] == 0x0D && bytes[lineStart + 1] == 0x0A) { lineStart += 1 }
        lineStart += 2
        while lineStart + 1 < head.length, bytes[lineStart] != 0x0D {
            var lineEnd = lineStart
            while bytes[lineEnd] != 0x0D { lineEnd += 1 }
            if let colon = bytes[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: ":")),
               equalsLowercase(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon]), nameBytes) {
                var start = colon + 1
                var end = lineEnd
                while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
                while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
                values.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
            }
            lineStart = lineEnd + 2
        }
        return values
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { equalsLowercase(bytes, $0) }
    }

    static func equalsLowercase<Bytes: Collection<UInt8>>(_ bytes: UnsafeRawBufferPointer, _ lowercase: Bytes) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for (byte, expected) in zip(bytes, lowercase) where byte | 0x20 != expected {
            // `| 0x20` folds A-Z onto a-z; it also maps a few punctuation bytes, which tokens
            // compared here ('-' only) never collide with.
            return false
        }
        return true
    }
}

/// Walks the bytes of a head; `skip` answers nil when the bytes run out before the run ends.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    /// Whether the (short) bytes could still become "GET " or "HEAD ".
    var isPrefixOfKnownMethod: Bool {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[index...])
        return "GET ".utf8.starts(with: rest) || "HEAD ".utf8.starts(with: rest)
    }

    mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { expected in
            expected.elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[index..<index + count]))
        }
        if matches { index += count }
        return matches
    }

    /// `literal` then CRLF: nil when too few bytes are in to tell, false when something else is there.
    mutating func consumeLine(_ literal: StaticString) -> Bool? {
        let count = literal.utf8CodeUnitCount + 2
        guard index + count <= bytes.count else {
            // Too few bytes to tell, unless those that are in already differ.
            let available = UnsafeRawBufferPointer(rebasing: bytes[index...])
            let expected = literal.withUTF8Buffer { Array($0) } + [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
            return expected.starts(with: available) ? nil : false
        }
        guard consume(literal), consume("\r\n") else { return false }
        return true
    }

    /// Advances past bytes matching `predicate`; the index where the run stopped, or nil at the end of the bytes.
    mutating func skip(while predicate: (UInt8) -> Bool) -> Int? {
        while index < bytes.count {
            if !predicate(bytes[index]) { return index }
            index += 1
        }
        return nil
    }
}
