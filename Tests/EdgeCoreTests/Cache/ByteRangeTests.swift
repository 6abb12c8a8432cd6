import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

private let lastModified = "Tue, 15 Nov 1994 12:45:26 GMT"
private let otherDate = "Wed, 16 Nov 1994 12:45:26 GMT"
private func parseDate(_ text: String) -> Double? {
    [lastModified: 784_903_526, otherDate: 784_989_926][text]
}

private let response = HTTPHeaders([("ETag", "\"v1\""), ("Last-Modified", lastModified)])

private func resolve(
    _ range: String?, ifRange: String? = nil, method: String = "GET", length: Int = 10_000,
    response: HTTPHeaders = response
) -> ByteRange.Resolution {
    var request = HTTPHeaders()
    if let range { request.add(name: "Range", value: range) }
    if let ifRange { request.add(name: "If-Range", value: ifRange) }
    return ByteRange.resolve(
        method: method, requestHeaders: request, responseHeaders: response, length: length, parseDate: parseDate)
}

@Suite("ByteRange")
struct ByteRangeTests {
    @Test("no Range gives the full representation")
    func noRange() {
        #expect(resolve(nil) == .full)
    }

    @Test("a closed range is served as is")
    func closedRange() {
        #expect(resolve("bytes=0-499") == .partial([0...499]))
        #expect(resolve("bytes=500-999") == .partial([500...999]))
    }

    @Test("bytes=0-0 is the first byte")
    func firstByte() {
        #expect(resolve("bytes=0-0") == .partial([0...0]))
    }

    @Test("a suffix range gives the last bytes")
    func suffix() {
        #expect(resolve("bytes=-500") == .partial([9500...9999]))
        #expect(resolve("bytes=-1") == .partial([9999...9999]))
    }

    @Test("a suffix longer than the representation gives all of it")
    func longSuffix() {
        #expect(resolve("bytes=-20000") == .partial([0...9999]))
    }

    @Test("an open range runs to the end")
    func openRange() {
        #expect(resolve("bytes=9500-") == .partial([9500...9999]))
    }

    @Test("a last position past the end is clipped, even when it overflows Int")
    func clipped() {
        #expect(resolve("bytes=9000-20000") == .partial([9000...9999]))
        #expect(resolve("bytes=9000-99999999999999999999999") == .partial([9000...9999]))
    }

    @Test("several ranges are kept in request order")
    func multiple() {
        #expect(resolve("bytes=500-599, 0-99,-100") == .partial([500...599, 0...99, 9900...9999]))
    }

    @Test("unsatisfiable members are dropped when another is satisfiable")
    func someUnsatisfiable() {
        #expect(resolve("bytes=20000-20100, 0-9") == .partial([0...9]))
    }

    @Test("a range starting at or past the end is unsatisfiable", arguments: [
        "bytes=10000-", "bytes=10000-10001", "bytes=-0", "bytes=20000-,-0",
    ])
    func unsatisfiable(_ range: String) {
        #expect(resolve(range) == .unsatisfiable)
    }

    @Test("invalid syntax is ignored", arguments: [
        "bytes=5-4", "bytes=", "bytes", "bytes=a-b", "bytes=1-2-3", "bytes=--5", "bytes=0-1,x",
        "bytes=+1-2", "bytes=0x10-", "=0-1", "bytes=0-99, bytes=200-299",
    ])
    func invalidSyntax(_ range: String) {
        #expect(resolve(range) == .full)
    }

    @Test("a range unit other than bytes is ignored, and bytes is case-insensitive")
    func units() {
        #expect(resolve("items=0-5") == .full)
        #expect(resolve("Bytes=0-5") == .partial([0...5]))
    }

    @Test("empty list members and spaces around commas are tolerated")
    func lenientList() {
        #expect(resolve("bytes=0-1, ,2-3,") == .partial([0...1, 2...3]))
    }

    @Test("Range applies to GET only")
    func onlyGet() {
        #expect(resolve("bytes=0-1", method: "HEAD") == .full)
        #expect(resolve("bytes=0-1", method: "POST") == .full)
    }

    @Test("a matching strong If-Range entity-tag keeps the range")
    func ifRangeStrong() {
        #expect(resolve("bytes=0-1", ifRange: "\"v1\"") == .partial([0...1]))
    }

    @Test("a different or weak If-Range entity-tag gives the full representation")
    func ifRangeMismatch() {
        #expect(resolve("bytes=0-1", ifRange: "\"v2\"") == .full)
        #expect(resolve("bytes=0-1", ifRange: "W/\"v1\"") == .full)
        let weakResponse = HTTPHeaders([("ETag", "W/\"v1\"")])
        #expect(resolve("bytes=0-1", ifRange: "\"v1\"", response: weakResponse) == .full)
    }

    @Test("an If-Range date must equal Last-Modified exactly")
    func ifRangeDate() {
        #expect(resolve("bytes=0-1", ifRange: lastModified) == .partial([0...1]))
        #expect(resolve("bytes=0-1", ifRange: otherDate) == .full)
        #expect(resolve("bytes=0-1", ifRange: "not a date") == .full)
        #expect(resolve("bytes=0-1", ifRange: lastModified, response: HTTPHeaders([("ETag", "\"v1\"")])) == .full)
    }

    @Test("If-Range without Range changes nothing")
    func ifRangeAlone() {
        #expect(resolve(nil, ifRange: "\"v2\"") == .full)
    }

    @Test("more than 16 ranges are ignored")
    func tooMany() {
        let seventeen = "bytes=" + (0..<17).map { "\($0 * 10)-\($0 * 10 + 1)" }.joined(separator: ",")
        let sixteen = "bytes=" + (0..<16).map { "\($0 * 10)-\($0 * 10 + 1)" }.joined(separator: ",")
        #expect(resolve(seventeen) == .full)
        if case .partial(let ranges) = resolve(sixteen) {
            #expect(ranges.count == 16)
        } else {
            Issue.record("sixteen ranges should be served")
        }
    }

    @Test("more than two overlapping ranges are ignored, two are served")
    func overlapping() {
        #expect(resolve("bytes=0-10,5-15,8-20") == .full)
        #expect(resolve("bytes=0-10,5-15") == .partial([0...10, 5...15]))
        // Sharing a single byte is overlapping; merely adjacent is not.
        #expect(resolve("bytes=20-30,0-10,10-20") == .full)
        #expect(resolve("bytes=0-9,10-19,20-29") == .partial([0...9, 10...19, 20...29]))
    }

    @Test("ranges asking for more bytes than exist together are ignored")
    func amplification() {
        #expect(resolve("bytes=0-,0-", length: 100) == .full)
        #expect(resolve("bytes=-60,0-59", length: 100) == .full)
    }

    @Test("an empty representation: suffix ranges give it whole, others are unsatisfiable")
    func emptyRepresentation() {
        #expect(resolve("bytes=-5", length: 0) == .full)
        #expect(resolve("bytes=0-", length: 0) == .unsatisfiable)
        #expect(resolve("bytes=-0", length: 0) == .unsatisfiable)
    }

    @Test("Content-Range values")
    func contentRange() {
        #expect(ByteRange.contentRange(0...99, length: 1000) == "bytes 0-99/1000")
        #expect(ByteRange.unsatisfiedContentRange(length: 1000) == "bytes */1000")
    }

    @Test("a multipart/byteranges body has one part per range and a closing delimiter")
    func multipart() {
        var body = ByteBuffer()
        body.writeString("xx")
        body.moveReaderIndex(forwardBy: 2)  // the representation starts at the reader index
        body.writeString("abcdefghij")
        let (contentType, out) = ByteRange.multipartBody(
            ranges: [0...2, 8...9], body: body, length: 10, contentType: "text/plain", boundary: "SEP")
        #expect(contentType == "multipart/byteranges; boundary=SEP")
        let expected =
            "--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/10\r\n\r\nabc\r\n"
            + "--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\nij\r\n"
            + "--SEP--\r\n"
        #expect(String(buffer: out) == expected)
    }

    @Test("multipart parts omit Content-Type when unknown, skip ranges outside the body, and quote odd boundaries")
    func multipartEdges() {
        let body = ByteBuffer(string: "abc")
        let (contentType, out) = ByteRange.multipartBody(
            ranges: [1...1, 2...5], body: body, length: 3, contentType: nil, boundary: "a b")
        #expect(contentType == "multipart/byteranges; boundary=\"a b\"")
        #expect(String(buffer: out) == "--a b\r\nContent-Range: bytes 1-1/3\r\n\r\nb\r\n--a b--\r\n")
    }

    @Test("boundaries are random tokens")
    func boundary() {
        let a = ByteRange.makeBoundary()
        #expect(a != ByteRange.makeBoundary())
        #expect(a.count == 69)
        #expect(a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }
}
