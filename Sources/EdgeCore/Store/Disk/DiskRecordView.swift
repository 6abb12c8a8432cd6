import NIOCore

/// A whole small record as a hit serves it from its hit head (`DiskHitHead`): its head's checksum
/// and lengths checked, its key compared, and nothing decoded into strings or fields. The body is a
/// slice of the record's bytes; its checksum is the caller's to compare (once per record and run).
public struct DiskRecordView: Sendable {
    public var status: Int
    public var responseTime: EpochSeconds
    /// The cache's purge epoch when the response was stored.
    public var storedEpoch: UInt64
    public var hitHead: DiskHitHead
    public var body: ByteBuffer
    /// The CRC-32C stored after the body.
    public var bodyChecksum: UInt32
    /// The whole record's length on disk.
    public var recordLength: Int

    /// The view of the record in `bytes` (the whole file) stored under `name`; nil when the record is
    /// not one a view serves: damaged (`DiskRecord.decode` then says how), another name's, the marker
    /// of a varying URL or a variant (their fields decide), or written without a hit head.
    public static func of(_ bytes: ByteBuffer, name: String) -> DiskRecordView? {
        guard let headLength = try? DiskRecordHead.headLength(of: bytes), bytes.readableBytes >= headLength else { return nil }
        var buffer = bytes
        buffer.moveReaderIndex(forwardBy: DiskRecordHead.magic.count)
        guard let keyLength = buffer.readInteger(as: UInt32.self),
              let metadataLength = buffer.readInteger(as: UInt32.self),
              let bodyLength = buffer.readInteger(as: UInt64.self),
              UInt64(headLength) + bodyLength + UInt64(DiskRecordHead.checksumLength) == UInt64(bytes.readableBytes) else { return nil }
        let covered = headLength - DiskRecordHead.checksumLength
        let matches = bytes.withUnsafeReadableBytes { raw -> Bool in
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<covered])) == bytes.getInteger(at: bytes.readerIndex + covered, as: UInt32.self) else {
                return false
            }
            let key = UnsafeRawBufferPointer(rebasing: raw[DiskRecordHead.fixedLength..<(DiskRecordHead.fixedLength + Int(keyLength))])
            return key.elementsEqual(name.utf8)
        }
        guard matches else { return nil }
        buffer.moveReaderIndex(forwardBy: Int(keyLength))
        guard var metadata = buffer.readSlice(length: Int(metadataLength)),
              let status = metadata.readInteger(as: UInt16.self),
              metadata.readInteger(as: UInt64.self) != nil,
              let responseTime = metadata.readInteger(as: UInt64.self),
              let storedEpoch = metadata.readInteger(as: UInt64.self),
              metadata.readInteger(as: UInt16.self) == 0,
              let hitLength = metadata.readInteger(as: UInt32.self), hitLength > 0,
              var hitBytes = metadata.readSlice(length: Int(hitLength)),
              let hitHead = DiskHitHead.read(from: &hitBytes), hitHead.bodyLength == Int(bodyLength),
              let body = bytes.getSlice(at: bytes.readerIndex + headLength, length: Int(bodyLength)),
              let checksum = bytes.getInteger(at: bytes.readerIndex + headLength + Int(bodyLength), as: UInt32.self) else { return nil }
        return DiskRecordView(
            status: Int(status), responseTime: Double(bitPattern: responseTime), storedEpoch: storedEpoch,
            hitHead: hitHead, body: body, bodyChecksum: checksum, recordLength: bytes.readableBytes)
    }
}
