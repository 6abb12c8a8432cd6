import NIOCore
import NIOHTTP1

/// One stored response as a record on disk: a fixed header with the lengths of its parts, the cache
/// key, the response's metadata and fields, the body, and a CRC-32C of everything before it.
///
///     0   8  magic "EDGEREC1"
///     8   4  key length K          12  4  metadata length M
///     16  8  body length B
///     24  K  key (host/path?query)
///     .   M  status, timing, purge epoch, Vary key, header fields
///     .   B  body
///     .   4  CRC-32C of all the above
///
/// A record is only ever decoded whole and checked first: a torn write, a truncated file or a
/// flipped bit fails `decode`, so no byte of it is served.
public struct DiskRecord: Sendable {
    public var key: String
    public var response: CachedResponse
    /// The cache's purge epoch when the response was stored: purges recorded after it apply to it.
    public var storedEpoch: UInt64

    public init(key: String, response: CachedResponse, storedEpoch: UInt64) {
        self.key = key
        self.response = response
        self.storedEpoch = storedEpoch
    }

    static let magic = Array("EDGEREC1".utf8)
    static let fixedHeaderLength = 24
    static let trailerLength = 4

    /// The record's bytes.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var metadata = allocator.buffer(capacity: 256)
        metadata.writeInteger(UInt16(clamping: response.status))
        metadata.writeInteger(response.timing.requestTime.bitPattern)
        metadata.writeInteger(response.timing.responseTime.bitPattern)
        metadata.writeInteger(storedEpoch)
        let vary = response.secondaryKey
        metadata.writeInteger(UInt16(clamping: vary.varyNames.count))
        for (name, value) in zip(vary.varyNames, vary.values) {
            Self.writeString(name, to: &metadata)
            metadata.writeInteger(UInt8(value == nil ? 0 : 1))
            Self.writeString(value ?? "", to: &metadata)
        }
        metadata.writeInteger(UInt32(clamping: response.headers.count))
        for (name, value) in response.headers {
            Self.writeString(name, to: &metadata)
            Self.writeString(value, to: &metadata)
        }
        let keyBytes = Array(key.utf8)
        let body = response.body
        var out = allocator.buffer(capacity: Self.fixedHeaderLength + keyBytes.count + metadata.readableBytes + body.readableBytes + Self.trailerLength)
        out.writeBytes(Self.magic)
        out.writeInteger(UInt32(keyBytes.count))
        out.writeInteger(UInt32(metadata.readableBytes))
        out.writeInteger(UInt64(body.readableBytes))
        out.writeBytes(keyBytes)
        out.writeImmutableBuffer(metadata)
        out.writeImmutableBuffer(body)
        let crc = out.withUnsafeReadableBytes { CRC32C.checksum($0) }
        out.writeInteger(crc)
        return out
    }

    /// Why a record was not taken.
    public enum Failure: Error, Equatable {
        case truncated
        case notARecord
        case checksumMismatch
        case malformed
    }

    /// The record in `bytes`, checked whole: its lengths must account for every byte and its checksum must match.
    public static func decode(_ bytes: ByteBuffer) throws(Failure) -> DiskRecord {
        var buffer = bytes
        guard buffer.readableBytes >= fixedHeaderLength + trailerLength else { throw .truncated }
        guard buffer.readBytes(length: magic.count) == magic,
              let keyLength = buffer.readInteger(as: UInt32.self),
              let metadataLength = buffer.readInteger(as: UInt32.self),
              let bodyLength = buffer.readInteger(as: UInt64.self) else { throw .notARecord }
        let declared = UInt64(fixedHeaderLength) + UInt64(keyLength) + UInt64(metadataLength) + bodyLength + UInt64(trailerLength)
        guard declared == UInt64(bytes.readableBytes) else { throw declared > UInt64(bytes.readableBytes) ? .truncated : .malformed }
        let covered = bytes.readableBytes - trailerLength
        let computed = bytes.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<covered])) }
        guard bytes.getInteger(at: bytes.readerIndex + covered, as: UInt32.self) == computed else { throw .checksumMismatch }

        guard let key = buffer.readString(length: Int(keyLength)),
              var metadata = buffer.readSlice(length: Int(metadataLength)),
              let body = buffer.readSlice(length: Int(bodyLength)) else { throw .malformed }
        guard let status = metadata.readInteger(as: UInt16.self),
              let requestTime = metadata.readInteger(as: UInt64.self),
              let responseTime = metadata.readInteger(as: UInt64.self),
              let storedEpoch = metadata.readInteger(as: UInt64.self),
              let varyCount = metadata.readInteger(as: UInt16.self) else { throw .malformed }
        var names: [String] = []
        var values: [String?] = []
        for _ in 0..<varyCount {
            guard let name = readString(&metadata), let present = metadata.readInteger(as: UInt8.self), let value = readString(&metadata) else { throw .malformed }
            names.append(name)
            values.append(present == 1 ? value : nil)
        }
        guard let fieldCount = metadata.readInteger(as: UInt32.self) else { throw .malformed }
        var fields: [(String, String)] = []
        fields.reserveCapacity(Int(min(fieldCount, 1024)))
        for _ in 0..<fieldCount {
            guard let name = readString(&metadata), let value = readString(&metadata) else { throw .malformed }
            fields.append((name, value))
        }
        guard metadata.readableBytes == 0 else { throw .malformed }
        let response = CachedResponse(
            status: Int(status), headers: HTTPHeaders(fields), body: body,
            timing: StoredResponseTiming(requestTime: Double(bitPattern: requestTime), responseTime: Double(bitPattern: responseTime)),
            secondaryKey: SecondaryKey(varyNames: names, values: values))
        return DiskRecord(key: key, response: response, storedEpoch: storedEpoch)
    }

    private static func writeString(_ string: String, to buffer: inout ByteBuffer) {
        let utf8 = Array(string.utf8)
        buffer.writeInteger(UInt32(utf8.count))
        buffer.writeBytes(utf8)
    }

    private static func readString(_ buffer: inout ByteBuffer) -> String? {
        guard let length = buffer.readInteger(as: UInt32.self), Int(length) <= buffer.readableBytes else { return nil }
        return buffer.readString(length: Int(length))
    }
}
