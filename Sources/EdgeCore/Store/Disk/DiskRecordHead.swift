import NIOCore
import NIOHTTP1

/// The part of a disk record before its body: what a hit needs to answer (status, fields, timing,
/// Vary key, purge epoch) and where the body lies, checked by a checksum of its own so that it can be
/// trusted before the body is read (a large body then streams from the file).
///
///     0   8  magic "EDGEREC3"
///     8   4  key length K          12  4  metadata length M
///     16  8  body length B
///     24  K  key (host/path?query)
///     .   M  status, timing, purge epoch, Vary key, hit head (`DiskHitHead`, may be empty), header fields
///     .   4  CRC-32C of all the above
///     .   B  body
///     .   4  CRC-32C of the body
///
/// A fill that streams writes the head before it knows B and rewrites it once the body is whole,
/// before the record is renamed into place.
public struct DiskRecordHead: Sendable {
    public var key: String
    /// The response without its body (`body` is empty).
    public var response: CachedResponse
    /// The cache's purge epoch when the response was stored: purges recorded after it apply to it.
    public var storedEpoch: UInt64
    public var bodyLength: Int
    /// What a whole hit on the record sends, prepared when it was written; nil for records that
    /// stream from their file, markers of varying URLs, and responses the fill could not prepare.
    public var hitHead: DiskHitHead?
    /// Where the body starts in the record: the length of the head and its checksum.
    public private(set) var bodyOffset: Int

    public init(key: String, response: CachedResponse, storedEpoch: UInt64, bodyLength: Int, hitHead: DiskHitHead? = nil) {
        self.key = key
        self.hitHead = hitHead
        var bodiless = response
        bodiless.body = ByteBuffer()
        self.response = bodiless
        self.storedEpoch = storedEpoch
        self.bodyLength = bodyLength
        bodyOffset = 0
    }

    static let magic = Array("EDGEREC3".utf8)
    public static let fixedLength = 24
    static let checksumLength = 4
    /// Keys and fields past these sizes are not a response this edge stored: the file is damaged.
    static let maxKeyLength: UInt32 = 1 << 16
    static let maxMetadataLength: UInt32 = 1 << 24

    /// The whole record's length on disk.
    public var recordLength: Int { bodyOffset + bodyLength + Self.checksumLength }

    /// Why a record was not taken.
    public enum Failure: Error, Equatable {
        case truncated
        case notARecord
        case checksumMismatch
        case malformed
    }

    /// The length of the head (up to and including its checksum) of the record starting at `bytes`,
    /// read from its first `fixedLength` bytes.
    public static func headLength(of bytes: ByteBuffer) throws(Failure) -> Int {
        var buffer = bytes
        guard buffer.readableBytes >= fixedLength else { throw .truncated }
        // Compared in place: this runs on every disk hit.
        guard buffer.withUnsafeReadableBytes({ $0.prefix(magic.count).elementsEqual(magic) }) else { throw .notARecord }
        buffer.moveReaderIndex(forwardBy: magic.count)
        guard let keyLength = buffer.readInteger(as: UInt32.self),
              let metadataLength = buffer.readInteger(as: UInt32.self) else { throw .notARecord }
        guard keyLength <= maxKeyLength, metadataLength <= maxMetadataLength else { throw .malformed }
        return fixedLength + Int(keyLength) + Int(metadataLength) + checksumLength
    }

    /// The head's bytes, its checksum last.
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
        var hit = ByteBuffer()
        hitHead?.write(to: &hit)
        metadata.writeInteger(UInt32(hit.readableBytes))
        metadata.writeImmutableBuffer(hit)
        metadata.writeInteger(UInt32(clamping: response.headers.count))
        for (name, value) in response.headers {
            Self.writeString(name, to: &metadata)
            Self.writeString(value, to: &metadata)
        }
        let keyBytes = Array(key.utf8)
        var out = allocator.buffer(capacity: Self.fixedLength + keyBytes.count + metadata.readableBytes + Self.checksumLength)
        out.writeBytes(Self.magic)
        out.writeInteger(UInt32(keyBytes.count))
        out.writeInteger(UInt32(metadata.readableBytes))
        out.writeInteger(UInt64(bodyLength))
        out.writeBytes(keyBytes)
        out.writeImmutableBuffer(metadata)
        out.writeInteger(out.withUnsafeReadableBytes { CRC32C.checksum($0) })
        return out
    }

    /// The head of the record starting at `bytes` (which hold at least `headLength` bytes), checked
    /// against its checksum and against `recordLength`, the file's size: every byte must be accounted for.
    public static func decode(_ bytes: ByteBuffer, recordLength: Int) throws(Failure) -> DiskRecordHead {
        let headLength = try headLength(of: bytes)
        guard bytes.readableBytes >= headLength else { throw .truncated }
        var buffer = bytes
        buffer.moveReaderIndex(forwardBy: magic.count)
        guard let keyLength = buffer.readInteger(as: UInt32.self),
              let metadataLength = buffer.readInteger(as: UInt32.self),
              let bodyLength = buffer.readInteger(as: UInt64.self) else { throw .truncated }
        let declared = UInt64(headLength) + bodyLength + UInt64(checksumLength)
        guard declared == UInt64(recordLength) else { throw declared > UInt64(recordLength) ? .truncated : .malformed }
        let covered = headLength - checksumLength
        let computed = bytes.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<covered])) }
        guard bytes.getInteger(at: bytes.readerIndex + covered, as: UInt32.self) == computed else { throw .checksumMismatch }

        guard let key = buffer.readString(length: Int(keyLength)),
              var metadata = buffer.readSlice(length: Int(metadataLength)) else { throw .malformed }
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
        guard let hitLength = metadata.readInteger(as: UInt32.self), var hitBytes = metadata.readSlice(length: Int(hitLength)) else { throw .malformed }
        var hitHead: DiskHitHead?
        if hitLength > 0 {
            guard let read = DiskHitHead.read(from: &hitBytes), hitBytes.readableBytes == 0 else { throw .malformed }
            hitHead = read
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
            status: Int(status), headers: HTTPHeaders(fields), body: ByteBuffer(),
            timing: StoredResponseTiming(requestTime: Double(bitPattern: requestTime), responseTime: Double(bitPattern: responseTime)),
            secondaryKey: SecondaryKey(varyNames: names, values: values))
        var head = DiskRecordHead(key: key, response: response, storedEpoch: storedEpoch, bodyLength: Int(bodyLength), hitHead: hitHead)
        head.bodyOffset = headLength
        return head
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
