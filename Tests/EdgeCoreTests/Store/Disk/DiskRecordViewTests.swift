import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Disk record views: a hit head read without decoding the record's fields")
struct DiskRecordViewTests {
    static let hitHead = DiskHitHead(
        fingerprint: 0xABCD, bodyLength: 8, correctedInitialAge: 3, lifetime: 600, noCache: false, coding: .asStoredForAll,
        tags: ["pics", "home"], fieldLines: FieldLines.lines(of: HTTPHeaders([("content-type", "image/png"), ("content-length", "8")])))

    static func record(name: String = "shop.example/a.png", varying: Bool = false, hitHead: DiskHitHead? = hitHead) -> ByteBuffer {
        DiskRecord(
            key: name,
            response: CachedResponse(
                status: 200, headers: HTTPHeaders([("content-type", "image/png"), ("surrogate-key", "pics home")]),
                body: ByteBuffer(string: "the body"), timing: StoredResponseTiming(requestTime: 1000.25, responseTime: 1000.5),
                secondaryKey: varying ? SecondaryKey(varyNames: ["accept-language"], values: ["en"]) : SecondaryKey(varyNames: [], values: [])),
            storedEpoch: 7, hitHead: hitHead).encoded()
    }

    @Test("the hit head, body and numbers come back from a record's bytes, and from its full decode")
    func view() throws {
        let bytes = Self.record()
        let view = try #require(DiskRecordView.of(bytes, name: "shop.example/a.png"))
        #expect(view.hitHead == Self.hitHead)
        #expect(view.body == ByteBuffer(string: "the body"))
        #expect(view.status == 200)
        #expect(view.storedEpoch == 7)
        #expect(view.responseTime == 1000.5)
        #expect(view.recordLength == bytes.readableBytes)
        #expect(view.bodyChecksum == ByteBuffer(string: "the body").withUnsafeReadableBytes { CRC32C.checksum($0) })
        #expect(try DiskRecord.decode(bytes).hitHead == Self.hitHead)
        #expect(FieldLines.fields(of: view.hitHead.fieldLines) == HTTPHeaders([("content-type", "image/png"), ("content-length", "8")]))
    }

    @Test("another name's record, a varying response and a record without a hit head give no view")
    func noView() {
        #expect(DiskRecordView.of(Self.record(), name: "shop.example/b.png") == nil)
        #expect(DiskRecordView.of(Self.record(), name: "shop.example/a.pn") == nil)
        #expect(DiskRecordView.of(Self.record(varying: true), name: "shop.example/a.png") == nil)
        #expect(DiskRecordView.of(Self.record(hitHead: nil), name: "shop.example/a.png") == nil)
    }

    @Test("a flipped bit in the head or a record cut short gives no view")
    func damaged() {
        let bytes = Self.record()
        let bodyStart = bytes.readableBytes - 8 - 4
        for offset in 0..<bodyStart {
            var damaged = bytes
            damaged.setInteger(bytes.getInteger(at: offset, as: UInt8.self)! ^ 0x10, at: offset)
            #expect(DiskRecordView.of(damaged, name: "shop.example/a.png") == nil, "a flipped bit at \(offset) went unnoticed")
        }
        for length in [0, 24, bodyStart, bytes.readableBytes - 1] {
            #expect(DiskRecordView.of(bytes.getSlice(at: 0, length: length)!, name: "shop.example/a.png") == nil)
        }
    }
}
