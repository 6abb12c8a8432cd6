import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Disk records: checked whole before any byte is served")
struct DiskRecordTests {
    static let record = DiskRecord(
        key: "shop.example/a?x=1",
        response: CachedResponse(
            status: 200, headers: HTTPHeaders([("content-type", "text/plain"), ("vary", "accept-encoding"), ("x-tab", "a\tb")]),
            body: ByteBuffer(string: "the body"), timing: StoredResponseTiming(requestTime: 1000.25, responseTime: 1000.5),
            secondaryKey: SecondaryKey(varyNames: ["accept-encoding", "accept-language"], values: ["br", nil])),
        storedEpoch: 42)

    @Test("a record decodes to what was encoded")
    func roundTrip() throws {
        let decoded = try DiskRecord.decode(Self.record.encoded())
        #expect(decoded.key == Self.record.key)
        #expect(decoded.storedEpoch == 42)
        #expect(decoded.response.status == 200)
        #expect(decoded.response.headers == Self.record.response.headers)
        #expect(decoded.response.body == ByteBuffer(string: "the body"))
        #expect(decoded.response.timing == Self.record.response.timing)
        #expect(decoded.response.secondaryKey == Self.record.response.secondaryKey)
    }

    @Test("a record cut short anywhere is refused")
    func truncated() {
        let bytes = Self.record.encoded()
        for length in [0, 10, 24, bytes.readableBytes / 2, bytes.readableBytes - 1] {
            #expect(throws: DiskRecord.Failure.self) { try DiskRecord.decode(bytes.getSlice(at: 0, length: length)!) }
        }
    }

    @Test("one flipped bit anywhere is caught by the checksum or the lengths")
    func flippedBits() {
        let bytes = Self.record.encoded()
        for offset in stride(from: 0, to: bytes.readableBytes, by: 7) {
            var damaged = bytes
            damaged.setInteger(damaged.getInteger(at: offset, as: UInt8.self)! ^ 0x10, at: offset)
            #expect(throws: DiskRecord.Failure.self, "offset \(offset)") { try DiskRecord.decode(damaged) }
        }
    }

    @Test("a record's head is checked and read on its own, and tells where the body lies")
    func headAlone() throws {
        let bytes = Self.record.encoded()
        let headLength = try DiskRecordHead.headLength(of: bytes)
        let head = try DiskRecordHead.decode(bytes.getSlice(at: 0, length: headLength)!, recordLength: bytes.readableBytes)
        #expect(head.key == Self.record.key)
        #expect(head.bodyOffset == headLength)
        #expect(head.bodyLength == 8)
        #expect(head.recordLength == bytes.readableBytes)
        #expect(head.response.headers == Self.record.response.headers)
        #expect(bytes.getString(at: head.bodyOffset, length: head.bodyLength) == "the body")
        // A file of another length than the head declares is not this record.
        #expect(throws: DiskRecord.Failure.malformed) { try DiskRecordHead.decode(bytes, recordLength: bytes.readableBytes + 1) }
        #expect(throws: DiskRecord.Failure.truncated) { try DiskRecordHead.decode(bytes, recordLength: bytes.readableBytes - 1) }
        var damaged = bytes
        damaged.setInteger(damaged.getInteger(at: 30, as: UInt8.self)! ^ 0x01, at: 30)
        #expect(throws: DiskRecord.Failure.checksumMismatch) { try DiskRecordHead.decode(damaged, recordLength: bytes.readableBytes) }
    }

    @Test("a body checked before is not checked again when asked not to be, but its head always is")
    func skipBodyCheck() throws {
        var damaged = Self.record.encoded()
        let last = damaged.writerIndex - 6
        damaged.setInteger(damaged.getInteger(at: last, as: UInt8.self)! ^ 0x01, at: last)
        #expect(throws: DiskRecord.Failure.checksumMismatch) { try DiskRecord.decode(damaged) }
        let decoded = try DiskRecord.decode(damaged, verifyBody: false)
        #expect(decoded.key == Self.record.key)
    }

    @Test("bytes that are not a record are refused as such")
    func notARecord() {
        #expect(throws: DiskRecord.Failure.notARecord) { try DiskRecord.decode(ByteBuffer(string: String(repeating: "HTTP/1.1 200 OK\r\n", count: 4))) }
    }

    @Test("CRC-32C matches its published check value, and a bit-at-a-time reference at every length")
    func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        func reference(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var state: UInt32 = 12345
        let data = (0..<300).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        for length in 0..<data.count {
            let prefix = Array(data[..<length])
            #expect(CRC32C.checksum(prefix) == reference(prefix), "length \(length)")
            #expect(prefix.withUnsafeBytes { CRC32C.update(0, $0) } == reference(prefix), "tables, length \(length)")
        }
        // Extending in pieces gives the checksum of the whole.
        let split = data.withUnsafeBytes { bytes in
            CRC32C.extend(CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: bytes[..<123])), UnsafeRawBufferPointer(rebasing: bytes[123...]))
        }
        #expect(split == reference(data))
    }
}
