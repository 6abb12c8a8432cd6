import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("HTTPHeaders compacted")
struct HTTPHeadersCompactedTests {
    private static let fields: [(String, String)] = [
        ("Server", "nginx"), ("Date", "Sat, 10 May 2025 12:00:00 GMT"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ("Content-Type", "application/octet-stream"),
    ]

    @Test("a compacted copy keeps every field, repeated ones too, in order and with its case")
    func compactedKeepsFields() {
        var headers = HTTPHeaders(Self.fields)
        headers.add(name: "Via", value: "1.1 edge")
        let compacted = headers.compacted()
        #expect(compacted.map { "\($0.name): \($0.value)" } == headers.map { "\($0.name): \($0.value)" })
        #expect(compacted == headers)
    }

    @Test("a stored response's headers and prepared headers are the fields it was given")
    func storedResponseKeepsFields() {
        var response = CachedResponse(
            status: 200, headers: HTTPHeaders(Self.fields), body: ByteBuffer(string: "x"),
            timing: StoredResponseTiming(requestTime: 0, responseTime: 0), secondaryKey: SecondaryKey(vary: [:], request: [:])!)
        #expect(response.headers == HTTPHeaders(Self.fields))
        response.prepare(settings: CachePolicySettings()) { stored in
            var headers = stored.headers
            headers.add(name: "via", value: "1.1 edge")
            return headers
        }
        #expect(response.preparedClientHeaders.map(Array.init)?.map(\.name) == Self.fields.map(\.0) + ["via"])
        response.headers.replaceOrAdd(name: "date", value: "Sun, 11 May 2025 12:00:00 GMT")
        #expect(response.headers.first(name: "date") == "Sun, 11 May 2025 12:00:00 GMT")
        #expect(response.headers[canonicalForm: "set-cookie"] == ["a=1", "b=2"])
        #expect(response.preparedClientHeaders == nil)
    }
}
