import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Field lines: stored fields as the bytes HTTP/1.1 sends")
struct FieldLinesTests {
    private static let fields: [(String, String)] = [
        ("Server", "nginx"), ("Date", "Sat, 10 May 2025 12:00:00 GMT"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ("Content-Type", "application/octet-stream"), ("X-Empty", ""), ("X-Colon", "a: b"),
    ]

    private static func response(body: ByteBuffer = ByteBuffer(string: "x")) -> CachedResponse {
        CachedResponse(status: 200, headers: HTTPHeaders(fields), body: body,
                       timing: StoredResponseTiming(requestTime: 0, responseTime: 0), secondaryKey: SecondaryKey(vary: [:], request: [:])!)
    }

    private static func addVia(_ stored: CachedResponse) -> HTTPHeaders {
        var headers = stored.headers
        headers.add(name: "via", value: "1.1 edge")
        return headers
    }

    @Test("fields come back from their lines as they went in: repeated ones, case, empty values and colons in values")
    func roundTrip() {
        let lines = FieldLines.lines(of: HTTPHeaders(Self.fields))
        #expect(String(buffer: lines).hasPrefix("Server: nginx\r\nDate: Sat, 10 May 2025 12:00:00 GMT\r\n"))
        #expect(lines.readableBytes == FieldLines.textLength(of: HTTPHeaders(Self.fields)))
        #expect(FieldLines.count(of: lines) == Self.fields.count)
        let back = FieldLines.fields(of: lines)
        #expect(back.map { "\($0.name)=\($0.value)" } == Self.fields.map { "\($0.0)=\($0.1)" })
    }

    @Test("a stored response's headers and prepared headers are the fields it was given, and a change drops the prepared ones")
    func storedResponseKeepsFields() {
        var response = Self.response()
        #expect(response.headers == HTTPHeaders(Self.fields))
        response.prepare(settings: CachePolicySettings(), clientHeaders: Self.addVia)
        #expect(response.preparedClientHeaders.map(Array.init)?.map(\.name) == Self.fields.map(\.0) + ["via"])
        response.headers.replaceOrAdd(name: "date", value: "Sun, 11 May 2025 12:00:00 GMT")
        #expect(response.headers.first(name: "date") == "Sun, 11 May 2025 12:00:00 GMT")
        #expect(response.headers[canonicalForm: "set-cookie"] == ["a=1", "b=2"])
        #expect(response.preparedClientHeaders == nil)
    }

    @Test("a prepared small response keeps its stored fields, the client's fields and its body in one allocation, sharing the common lines")
    func preparedResponseIsPacked() {
        var response = Self.response(body: ByteBuffer(string: String(repeating: "b", count: 100)))
        response.prepare(settings: CachePolicySettings(), clientHeaders: Self.addVia)
        let stored = response.fieldLines
        let prepared = response.preparedLines ?? ByteBuffer()
        // The client's lines begin at the stored ones and add only Via; the body follows them.
        let storedStart = stored.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(prepared.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == storedStart)
        #expect(prepared.readableBytes == stored.readableBytes + "via: 1.1 edge\r\n".utf8.count)
        let base = prepared.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(response.body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base + UInt(prepared.readableBytes))
        #expect(response.body == ByteBuffer(string: String(repeating: "b", count: 100)))
        #expect(response.byteCost < 100 + 2 * stored.readableBytes + CachedResponse.overheadAllowance)
    }

    @Test("client fields that drop a stored field get their own lines; a large body keeps its own buffer")
    func unsharedLinesAndLargeBody() {
        let large = ByteBuffer(repeating: UInt8(ascii: "L"), count: CachedResponse.packedBodyLimit + 1)
        var response = Self.response(body: large)
        response.prepare(settings: CachePolicySettings()) { stored in
            var headers = stored.headers
            headers.remove(name: "server")
            return headers
        }
        #expect(response.preparedClientHeaders?.contains(name: "server") == false)
        #expect(response.headers.first(name: "server") == "nginx")
        #expect(response.body == large)
        #expect(response.body.storageCapacity == large.storageCapacity)
    }
}
