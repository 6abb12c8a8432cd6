#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import NIOCore
import NIOHTTP1

/// Header fields kept as the bytes HTTP/1.1 sends: `name: value\r\n` per field, in order.
///
/// A stored response keeps its fields this way (`CachedResponse`), and so does a disk record's hit
/// head (`DiskHitHead`): one run of bytes costs a few hundred bytes less per object than an array of
/// string pairs, an HTTP/1.1 hit writes it with one copy, and it goes to disk as it is.
///
/// The round trip is exact for fields an HTTP/1.1 parser hands over or the edge makes: names are
/// tokens (no colon), values have no CR or LF and no leading space (parsers strip it).
public enum FieldLines {
    /// `fields` as lines.
    public static func lines(of fields: HTTPHeaders) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(textLength(of: fields))
        write(fields, into: &out)
        return out
    }

    /// Appends `fields` to `buffer` as lines.
    public static func write(_ fields: HTTPHeaders, into buffer: inout ByteBuffer) {
        for (name, value) in fields {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
    }

    /// The bytes `write` produces for `fields`.
    public static func textLength(of fields: HTTPHeaders) -> Int {
        var length = 0
        for (name, value) in fields {
            length += name.utf8.count + value.utf8.count + 4
        }
        return length
    }

    /// The fields of `lines` (as `write` wrote them).
    public static func fields(of lines: ByteBuffer) -> HTTPHeaders {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(count(of: lines))
        forEach(in: lines) { name, value in
            pairs.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return HTTPHeaders(pairs)
    }

    /// Calls `body` with the name and value bytes of each line, in order, without making strings.
    public static func forEach(in lines: ByteBuffer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        lines.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                guard let end = index(of: UInt8(ascii: "\r"), in: bytes, from: start) else { return }
                if let colon = index(of: UInt8(ascii: ":"), in: bytes, from: start), colon < end {
                    var valueStart = colon + 1
                    if valueStart < end, bytes[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                    body(UnsafeRawBufferPointer(rebasing: bytes[start..<colon]), UnsafeRawBufferPointer(rebasing: bytes[valueStart..<end]))
                }
                start = end + 2
            }
        }
    }

    /// How many lines `lines` holds.
    public static func count(of lines: ByteBuffer) -> Int {
        lines.withUnsafeReadableBytes { bytes in
            var count = 0
            var start = 0
            while let end = index(of: UInt8(ascii: "\n"), in: bytes, from: start) {
                count += 1
                start = end + 1
            }
            return count
        }
    }

    /// memchr: a head's values are long enough (dates, validators, Cache-Status) for it to beat a loop.
    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
              let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
