import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Partial content")
struct PartialContentTests {
    private func piece(_ first: Int, _ last: Int, of total: Int) -> ContentRange {
        ContentRange(first: first, last: last, total: total)!
    }

    @Test("Content-Range parses one satisfied range of a known length, nothing else")
    func contentRange() {
        #expect(ContentRange("bytes 4-9/10") == piece(4, 9, of: 10))
        #expect(ContentRange("bytes 4-9/*") == nil)
        #expect(ContentRange("bytes */10") == nil)
        #expect(ContentRange("bytes 9-4/10") == nil)
        #expect(ContentRange("bytes 4-10/10") == nil)
        #expect(ContentRange("items 4-9/10") == nil)
        #expect(piece(0, 9, of: 10).isComplete)
        #expect(piece(4, 9, of: 10).headerValue == "bytes 4-9/10")
    }

    @Test("a 206 is storable with one range in the identity coding, not as multipart")
    func storable() {
        #expect(PartialContent.storableRange(status: 206, headers: ["Content-Range": "bytes 0-4/10"]) == piece(0, 4, of: 10))
        #expect(PartialContent.storableRange(status: 206, headers: ["Content-Type": "multipart/byteranges; boundary=x"]) == nil)
        #expect(PartialContent.storableRange(status: 200, headers: ["Content-Range": "bytes 0-4/10"]) == nil)
    }

    @Test("a strong ETag identifies a representation; a weak one does not, Last-Modified does with the length")
    func validators() {
        #expect(RepresentationValidator(["ETag": "\"a\""], total: 10) == .entityTag("a"))
        #expect(RepresentationValidator(["ETag": "W/\"a\""], total: 10) == nil)
        #expect(RepresentationValidator(["Last-Modified": "Tue, 15 Nov 1994 12:45:26 GMT"], total: 10)
            != RepresentationValidator(["Last-Modified": "Tue, 15 Nov 1994 12:45:26 GMT"], total: 11))
        #expect(RepresentationValidator([:], total: 10) == nil)
    }

    @Test("pieces with the same validator that touch are combined; without one they are not")
    func combine() {
        let tag = RepresentationValidator.entityTag("a")
        let combined = PartialContent.combine(stored: piece(0, 4, of: 10), storedBody: ByteBuffer(string: "01234"), storedValidator: tag,
                                              new: piece(5, 9, of: 10), newBody: ByteBuffer(string: "56789"), newValidator: tag)
        #expect(combined?.0 == piece(0, 9, of: 10))
        #expect(combined.map { String(buffer: $0.1) } == "0123456789")
        let overlapping = PartialContent.combine(stored: piece(3, 9, of: 10), storedBody: ByteBuffer(string: "3456789"), storedValidator: tag,
                                                 new: piece(0, 4, of: 10), newBody: ByteBuffer(string: "01234"), newValidator: tag)
        #expect(overlapping.map { String(buffer: $0.1) } == "0123456789")
        #expect(PartialContent.combine(stored: piece(0, 4, of: 10), storedBody: ByteBuffer(string: "01234"), storedValidator: nil,
                                       new: piece(5, 9, of: 10), newBody: ByteBuffer(string: "56789"), newValidator: nil) == nil)
        #expect(PartialContent.combine(stored: piece(0, 3, of: 10), storedBody: ByteBuffer(string: "0123"), storedValidator: tag,
                                       new: piece(5, 9, of: 10), newBody: ByteBuffer(string: "56789"), newValidator: tag) == nil)
        #expect(PartialContent.combine(stored: piece(0, 4, of: 10), storedBody: ByteBuffer(string: "01234"), storedValidator: tag,
                                       new: piece(5, 9, of: 10), newBody: ByteBuffer(string: "56789"), newValidator: .entityTag("b")) == nil)
    }

    @Test("a piece at either end is completed by one range; one inside is not")
    func missing() {
        #expect(PartialContent.missing(piece(0, 4, of: 10)) == 5...9)
        #expect(PartialContent.missing(piece(4, 9, of: 10)) == 0...3)
        #expect(PartialContent.missing(piece(2, 4, of: 10)) == nil)
        #expect(PartialContent.missing(piece(0, 9, of: 10)) == nil)
        #expect(PartialContent.covers(piece(4, 9, of: 10), [6...8, 9...9]))
        #expect(!PartialContent.covers(piece(4, 9, of: 10), [3...8]))
    }

    @Test("a purge of a URL covers its pieces and no other URL's")
    func purgeCoversPieces() {
        let key = CacheKey(host: "h", target: "/a")
        let selection = PurgeSelection(keys: [key]).coveringPieces
        #expect(selection.covers(key.partialPiece, tags: []))
        #expect(selection.covers(SliceRange(size: 4)!.key(3, of: key), tags: []))
        #expect(!selection.covers(CacheKey(host: "h", target: "/ab"), tags: []))
    }
}

@Suite("Slice ranges")
struct SliceRangeTests {
    let mebi = SliceRange(size: 1 << 20)!

    @Test("bytes 700000000-700100000 are in the one slice asked for with bytes=699400192-700448767")
    func issueExample() {
        #expect(mebi.indices(covering: 700_000_000...700_100_000) == 667...667)
        #expect(mebi.requestRange(667) == "bytes=699400192-700448767")
    }

    @Test("a range across a boundary takes both slices; the last slice is short")
    func boundaries() {
        #expect(mebi.indices(covering: (1 << 20) - 1...(1 << 20)) == 0...1)
        let four = SliceRange(size: 4)!
        #expect(four.count(total: 10) == 3)
        #expect(four.bytes(of: 2, total: 10) == 8...9)
        #expect(four.bytes(of: 3, total: 10) == nil)
        #expect(four.count(total: 8) == 2)
        #expect(SliceRange(size: 0) == nil)
    }

    @Test("slices of another size are stored under other keys")
    func keys() {
        let key = CacheKey(host: "h", target: "/v.mp4")
        #expect(SliceRange(size: 4)!.key(1, of: key) != SliceRange(size: 8)!.key(1, of: key))
        #expect(SliceRange(size: 4)!.key(1, of: key).description == "h/v.mp4#slice:4:1")
    }

    @Test("the first byte asked for is known before the length, except for a suffix")
    func firstByte() {
        #expect(ByteRange.lowestFirstByte(["Range": "bytes=500-600, 20-30"]) == 20)
        #expect(ByteRange.lowestFirstByte(["Range": "bytes=500-"]) == 500)
        #expect(ByteRange.lowestFirstByte(["Range": "bytes=-500"]) == nil)
        #expect(ByteRange.lowestFirstByte([:]) == nil)
    }
}
