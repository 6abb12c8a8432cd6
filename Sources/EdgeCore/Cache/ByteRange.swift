import NIOCore
import NIOHTTP1

/// Byte ranges (RFC 9110 §14) for serving a 206 from a complete cached body.
public enum ByteRange {
    /// How to answer a request's `Range`.
    public enum Resolution: Sendable, Equatable {
        /// Send the whole representation: no `Range`, or one that is ignored (method not GET,
        /// `If-Range` false, invalid syntax, a unit other than bytes, too many or abusive ranges).
        case full
        /// Send these satisfiable ranges, in request order and clipped to the length: one
        /// range as a plain 206, several as `multipart/byteranges`.
        case partial([ClosedRange<Int>])
        /// Send 416 with `Content-Range: bytes */length` (see ``unsatisfiedContentRange(length:)``).
        case unsatisfiable
    }

    /// More ranges than this in one request are treated as abuse and the `Range` is ignored.
    public static let maximumRangeCount = 16

    /// Decide between 200, 206 and 416 for a representation of `length` bytes. Call it only
    /// when the response would otherwise be a 200 with the complete representation.
    ///
    /// `If-Range` (RFC 9110 §13.1.5) is true for an entity-tag that strongly matches the
    /// response's `ETag` (a weak tag on either side is false), or for an HTTP-date equal to
    /// the response's `Last-Modified`; when false the range is ignored.
    ///
    /// Several ranges are ignored (RFC 9110 §14.2 allows it) when there are more than
    /// ``maximumRangeCount``, when more than two overlap, or when together they ask for more
    /// bytes than the representation holds. With an empty representation a suffix range
    /// gives `.full` (there is nothing to slice) and any other range `.unsatisfiable`.
    public static func resolve(
        method: String,
        requestHeaders: HTTPHeaders,
        responseHeaders: HTTPHeaders,
        length: Int,
        parseDate: (String) -> Double?
    ) -> Resolution {
        guard method == "GET", length >= 0 else { return .full }
        let rangeLines = requestHeaders["range"]
        guard !rangeLines.isEmpty else { return .full }
        let ifRangeLines = requestHeaders["if-range"]
        if !ifRangeLines.isEmpty {
            guard ifRangeLines.count == 1,
                ifRangeHolds(ifRangeLines[0], responseHeaders: responseHeaders, parseDate: parseDate)
            else { return .full }
        }
        guard let specs = parse(rangeLines.joined(separator: ",")),
            specs.count <= maximumRangeCount
        else { return .full }

        if length == 0 {
            return specs.contains { if case .suffix(let n) = $0 { n > 0 } else { false } }
                ? .full : .unsatisfiable
        }
        let ranges = specs.compactMap { $0.resolved(length: length) }
        guard !ranges.isEmpty else { return .unsatisfiable }
        if ranges.count > 1 && isAbusive(ranges, length: length) { return .full }
        return .partial(ranges)
    }

    /// The first byte a request's `Range` asks for before the representation's length is known: the
    /// lowest first-byte-pos; nil without a valid bytes range, or when a suffix range is asked for
    /// (its place depends on the length).
    public static func lowestFirstByte(_ requestHeaders: HTTPHeaders) -> Int? {
        let lines = requestHeaders["range"]
        guard !lines.isEmpty, let specs = parse(lines.joined(separator: ",")) else { return nil }
        var lowest = Int.max
        for spec in specs {
            guard case .from(let first, _) = spec else { return nil }
            lowest = min(lowest, first)
        }
        return lowest
    }

    /// The `Content-Range` value for one range: `bytes 0-99/1000`.
    public static func contentRange(_ r: ClosedRange<Int>, length: Int) -> String {
        "bytes \(r.lowerBound)-\(r.upperBound)/\(length)"
    }

    /// The `Content-Range` value for a 416: `bytes */1000`.
    public static func unsatisfiedContentRange(length: Int) -> String {
        "bytes */\(length)"
    }

    /// A `multipart/byteranges` body (RFC 9110 §14.6) for several ranges of `body`, which
    /// holds the complete representation of `length` bytes from its reader index. Each part
    /// carries `Content-Type: contentType` (when given) and its `Content-Range`. A range that
    /// lies outside `body` is left out. Returns the response's `Content-Type` (with the
    /// boundary) and the body.
    /// `bodyOffset`: the representation's byte that `body` starts with (a stored piece's first byte).
    public static func multipartBody(
        ranges: [ClosedRange<Int>],
        body: ByteBuffer,
        length: Int,
        contentType: String?,
        boundary: String,
        bodyOffset: Int = 0
    ) -> (contentType: String, body: ByteBuffer) {
        var out = ByteBuffer()
        for range in ranges {
            guard range.lowerBound >= bodyOffset,
                let part = body.getSlice(at: body.readerIndex + range.lowerBound - bodyOffset, length: range.count)
            else { continue }
            out.writeString(partHead(range, length: length, contentType: contentType, boundary: boundary))
            out.writeImmutableBuffer(part)
            out.writeString("\r\n")
        }
        out.writeString(closingDelimiter(boundary))
        return (multipartContentType(boundary), out)
    }

    /// What goes before one part's bytes in a `multipart/byteranges` body (each part's bytes are
    /// followed by CRLF, the last by ``closingDelimiter(_:)``): for bodies written a part at a time.
    public static func partHead(_ range: ClosedRange<Int>, length: Int, contentType: String?, boundary: String) -> String {
        var head = "--\(boundary)\r\n"
        if let contentType {
            head += "Content-Type: \(contentType)\r\n"
        }
        return head + "Content-Range: \(contentRange(range, length: length))\r\n\r\n"
    }

    public static func closingDelimiter(_ boundary: String) -> String {
        "--\(boundary)--\r\n"
    }

    /// The response's `Content-Type` for a multipart body with `boundary`.
    public static func multipartContentType(_ boundary: String) -> String {
        "multipart/byteranges; boundary=\(quotedIfNeeded(boundary))"
    }

    /// A fresh boundary for ``multipartBody(ranges:body:length:contentType:boundary:)``:
    /// random, so that it does not occur in the body, and a token, so it needs no quoting.
    public static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<4).map { _ in
            let word = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - word.count) + word
        }
        return "edge-" + hex.joined()
    }

    // MARK: - Parsing

    /// One range-spec as written, before it meets the representation length.
    private enum Spec {
        case from(Int, through: Int?)
        case suffix(Int)

        /// The clipped range, or nil when not satisfiable (RFC 9110 §14.1.1).
        func resolved(length: Int) -> ClosedRange<Int>? {
            switch self {
            case .from(let first, let last):
                guard first < length else { return nil }
                return first...min(last ?? (length - 1), length - 1)
            case .suffix(let count):
                guard count > 0 else { return nil }
                return max(0, length - count)...(length - 1)
            }
        }
    }

    /// ranges-specifier = range-unit "=" range-set; nil if invalid or not in bytes.
    private static func parse(_ value: String) -> [Spec]? {
        guard let equals = value.firstIndex(of: "=") else { return nil }
        let unit = value[..<equals].trimmingHTTPWhitespace()
        guard unit.lowercased() == "bytes" else { return nil }
        var specs: [Spec] = []
        for element in value[value.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false) {
            let spec = element.trimmingHTTPWhitespace()
            if spec.isEmpty { continue }
            guard let dash = spec.firstIndex(of: "-") else { return nil }
            let first = spec[..<dash]
            let last = spec[spec.index(after: dash)...]
            if first.isEmpty {
                guard let count = saturatingInt(last) else { return nil }
                specs.append(.suffix(count))
            } else {
                guard let start = saturatingInt(first) else { return nil }
                if last.isEmpty {
                    specs.append(.from(start, through: nil))
                } else {
                    guard let end = saturatingInt(last), end >= start else { return nil }
                    specs.append(.from(start, through: end))
                }
            }
        }
        return specs.isEmpty ? nil : specs
    }

    /// A run of ASCII digits as an Int, saturating at `Int.max`; nil if empty or not all digits.
    private static func saturatingInt(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = (overflow1 || overflow2) ? Int.max : sum
        }
        return value
    }

    // MARK: - Policy

    private static func ifRangeHolds(
        _ value: String,
        responseHeaders: HTTPHeaders,
        parseDate: (String) -> Double?
    ) -> Bool {
        let trimmed = value.trimmingHTTPWhitespace()
        if trimmed.hasPrefix("\"") || trimmed.hasPrefix("W/") {
            guard let tag = EntityTag(String(trimmed)),
                let current = responseHeaders.first(name: "etag").flatMap(EntityTag.init)
            else { return false }
            return tag.strongMatch(current)
        }
        guard let date = parseDate(String(trimmed)),
            let lastModified = responseHeaders.first(name: "last-modified").flatMap(parseDate)
        else { return false }
        return date == lastModified
    }

    /// More than two overlapping ranges, or more bytes asked for than exist, mark a broken
    /// client or an amplification attempt (RFC 9110 §14.2, §17.15).
    private static func isAbusive(_ ranges: [ClosedRange<Int>], length: Int) -> Bool {
        var total = 0
        for range in ranges {
            total += range.count
            if total > length { return true }
        }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var overlapping = 0
        var reach = sorted[0].upperBound
        for range in sorted.dropFirst() {
            if range.lowerBound <= reach { overlapping += 1 }
            reach = max(reach, range.upperBound)
        }
        // `overlapping` counts ranges that overlap an earlier one; two ranges overlapping
        // each other count once.
        return overlapping > 1
    }

    private static func quotedIfNeeded(_ boundary: String) -> String {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if !boundary.isEmpty && boundary.allSatisfy(tchar.contains) { return boundary }
        var quoted = "\""
        for character in boundary {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
