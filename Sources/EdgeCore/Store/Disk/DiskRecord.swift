import NIOCore

/// One stored response as a record on disk: its head (`DiskRecordHead`, checksummed on its own),
/// the body, and a CRC-32C of the body.
///
/// A record read whole is checked whole (`decode`); a large one is served from the file after its head
/// is checked and its body has been checked once since the node started (`DiskStore` keeps that
/// fact). A torn write, a truncated file or a flipped bit fails the checks, so no byte of it is served.
public struct DiskRecord: Sendable {
    public var key: String
    public var response: CachedResponse
    /// The cache's purge epoch when the response was stored: purges recorded after it apply to it.
    public var storedEpoch: UInt64
    /// What a whole hit on it sends, prepared when it was written (see `DiskHitHead`).
    public var hitHead: DiskHitHead?

    public init(key: String, response: CachedResponse, storedEpoch: UInt64, hitHead: DiskHitHead? = nil) {
        self.key = key
        self.response = response
        self.storedEpoch = storedEpoch
        self.hitHead = hitHead
    }

    public typealias Failure = DiskRecordHead.Failure

    public var head: DiskRecordHead {
        DiskRecordHead(key: key, response: response, storedEpoch: storedEpoch, bodyLength: response.body.readableBytes, hitHead: hitHead)
    }

    /// The record's bytes.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var out = head.encoded(allocator: allocator)
        let body = response.body
        out.reserveCapacity(minimumWritableBytes: body.readableBytes + DiskRecordHead.checksumLength)
        out.writeImmutableBuffer(body)
        out.writeInteger(body.withUnsafeReadableBytes { CRC32C.checksum($0) })
        return out
    }

    /// The record in `bytes`, checked: its lengths must account for every byte and its head's checksum
    /// must match, and its body's too unless `verifyBody` is false (a body checked before in this run).
    public static func decode(_ bytes: ByteBuffer, verifyBody: Bool = true) throws(Failure) -> DiskRecord {
        let head = try DiskRecordHead.decode(bytes, recordLength: bytes.readableBytes)
        guard let body = bytes.getSlice(at: bytes.readerIndex + head.bodyOffset, length: head.bodyLength) else { throw .truncated }
        if verifyBody {
            let stored = bytes.getInteger(at: bytes.readerIndex + head.bodyOffset + head.bodyLength, as: UInt32.self)
            guard stored == body.withUnsafeReadableBytes({ CRC32C.checksum($0) }) else { throw .checksumMismatch }
        }
        var response = head.response
        response.body = body
        return DiskRecord(key: head.key, response: response, storedEpoch: head.storedEpoch, hitHead: head.hitHead)
    }
}
