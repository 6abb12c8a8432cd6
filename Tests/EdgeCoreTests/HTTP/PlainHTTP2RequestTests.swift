import Testing
@testable import EdgeCore

@Suite("PlainHTTP2Request: the frame-level shortcut's look at a decoded request")
struct PlainHTTP2RequestTests {
    static func request(_ method: String = "GET", path: String = "/a?x=1", authority: String = "shop.example",
                        fields: [(String, String)] = []) -> PlainHTTP2Request? {
        PlainHTTP2Request(fields: [(":method", method), (":scheme", "https"), (":path", path), (":authority", authority)] + fields)
    }

    @Test("a plain GET gives its target, authority, Accept-Encoding and what the request guard would count")
    func plainGet() throws {
        let request = try #require(Self.request(fields: [("accept-encoding", "gzip, br"), ("user-agent", "t")]))
        #expect(request.method == .get)
        #expect(request.path == "/a?x=1")
        #expect(request.authority == "shop.example")
        #expect(request.acceptEncoding == "gzip, br")
        // Host (from :authority), accept-encoding and user-agent, as RequestGuard counts them.
        #expect(request.fieldCount == 3)
        let host = "host".utf8.count + "shop.example".utf8.count + 4
        let acceptEncoding = "accept-encoding".utf8.count + "gzip, br".utf8.count + 4
        let userAgent = "user-agent".utf8.count + "t".utf8.count + 4
        #expect(request.fieldBytes == host + acceptEncoding + userAgent)
    }

    @Test("HEAD is plain too; other methods are the full path's")
    func methods() {
        #expect(Self.request("HEAD")?.method == .head)
        for method in ["POST", "PURGE", "OPTIONS", "get", "CONNECT"] {
            #expect(Self.request(method) == nil, "\(method)")
        }
    }

    @Test("fields that change what a stored response gives send the request down the full path, as on HTTP/1.1")
    func fullPathFields() {
        for name in ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range", "cache-control",
                     "pragma", "authorization", "save-data", "expect", "te", "x_forwarded_for", "content-length", "host"] {
            #expect(Self.request(fields: [(name, "1")]) == nil, "\(name)")
        }
        #expect(Self.request(fields: [("cookie", "a=1"), ("referer", "https://shop.example/")]) != nil)
    }

    @Test("targets with dot segments, a fragment, spaces or bytes beyond ASCII are the full path's")
    func targets() {
        #expect(Self.request(path: "/a/../b") == nil)
        #expect(Self.request(path: "/a/%2e%2e/b") == nil)
        #expect(Self.request(path: "/a#f") == nil)
        #expect(Self.request(path: "/a b") == nil)
        #expect(Self.request(path: "/caf\u{e9}") == nil)
        #expect(Self.request(path: "*") == nil)
        #expect(Self.request(path: "http://shop.example/a") == nil)
        #expect(Self.request(path: "/a/b.c?q=../x")?.path == "/a/b.c?q=../x")
    }

    @Test("a value beyond printable ASCII, two Accept-Encodings, a missing :authority or a :protocol are the full path's")
    func unusual() {
        #expect(Self.request(fields: [("user-agent", "caf\u{e9}")]) == nil)
        #expect(Self.request(fields: [("user-agent", "a\u{1}b")]) == nil)
        #expect(Self.request(fields: [("accept-encoding", "gzip"), ("accept-encoding", "br")]) == nil)
        #expect(PlainHTTP2Request(fields: [(":method", "GET"), (":scheme", "http"), (":path", "/")]) == nil)
        #expect(PlainHTTP2Request(fields: [(":method", "GET"), (":protocol", "websocket"), (":scheme", "http"), (":path", "/"), (":authority", "a")]) == nil)
    }
}
