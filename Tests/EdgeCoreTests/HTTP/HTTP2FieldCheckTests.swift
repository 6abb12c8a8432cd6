import Testing
@testable import EdgeCore

@Suite("HTTP2FieldCheck: RFC 9113's rules for the header blocks a client sends")
struct HTTP2FieldCheckTests {
    static let request: [(String, String)] = [(":method", "GET"), (":scheme", "https"), (":path", "/a"), (":authority", "shop.example")]

    static func wellFormed(_ fields: [(String, String)], _ block: HTTP2FieldCheck.Block = .request) -> Bool {
        var check = HTTP2FieldCheck(block)
        for (name, value) in fields {
            check.check(name: name, value: value)
        }
        return check.isWellFormed
    }

    @Test("a browser's request, with TE: trailers and values holding spaces and obs-text, is well-formed")
    func browserRequest() {
        #expect(Self.wellFormed(Self.request + [("accept-encoding", "gzip, br"), ("te", "trailers"), ("user-agent", "Mozilla/5.0 (X11)"),
                                                ("x-latin", "caf\u{e9}"), ("cookie", "a=1; b=2")]))
        // :authority is optional; the order of pseudo-fields is free.
        #expect(Self.wellFormed([(":path", "/"), (":scheme", "http"), (":method", "HEAD")]))
    }

    @Test("field names must be lowercase tokens", arguments: ["Accept", "x y", "x:y", "", "x\u{7f}", "caf\u{e9}", "x\"y"])
    func badNames(name: String) {
        #expect(!Self.wellFormed(Self.request + [(name, "1")]))
    }

    @Test("connection-specific fields are refused, and TE other than trailers", arguments: [
        ("connection", "keep-alive"), ("keep-alive", "timeout=5"), ("proxy-connection", "close"),
        ("transfer-encoding", "chunked"), ("upgrade", "h2c"), ("te", "gzip"), ("te", "Trailers"),
    ])
    func connectionSpecific(field: (String, String)) {
        #expect(!Self.wellFormed(Self.request + [field]))
    }

    @Test("look-alikes of connection-specific names are ordinary fields")
    func lookAlikes() {
        #expect(Self.wellFormed(Self.request + [("connections", "1"), ("upgraded", "1"), ("keep-alive2", "1"), ("tea", "gzip")]))
    }

    @Test("NUL, CR and LF are refused in any value; controls and spaces in pseudo-field values", arguments: [
        ("x-a", "a\u{0}b"), ("x-a", "a\rb"), ("x-a", "a\nb"), (":path", "/a b"), (":path", "/a\tb"), (":authority", "a\u{7f}"),
    ])
    func badValues(field: (String, String)) {
        var fields = Self.request.filter { $0.0 != field.0 }
        fields.insert(field, at: field.0.hasPrefix(":") ? 0 : fields.count)
        #expect(!Self.wellFormed(fields))
    }

    @Test("pseudo-fields: all before regular fields, each once, only the four of a request, :path not empty")
    func pseudoFields() {
        #expect(!Self.wellFormed([(":method", "GET"), ("x-a", "1"), (":scheme", "https"), (":path", "/")]), "after a regular field")
        #expect(!Self.wellFormed(Self.request + [(":method", "GET")]), "twice")
        #expect(!Self.wellFormed(Self.request + [(":status", "200")]), "a response's")
        #expect(!Self.wellFormed(Self.request + [(":protocol", "websocket")]), "extended CONNECT is not offered")
        #expect(!Self.wellFormed(Self.request + [(":foo", "bar")]), "unknown")
        #expect(!Self.wellFormed([(":method", "GET"), (":scheme", "https"), (":path", "")]), "empty :path")
        #expect(!Self.wellFormed([(":method", "GET"), (":scheme", "https")]), ":path missing")
        #expect(!Self.wellFormed([(":method", "GET"), (":path", "/")]), ":scheme missing")
        #expect(!Self.wellFormed([(":scheme", "https"), (":path", "/")]), ":method missing")
    }

    @Test("CONNECT has :method and :authority, and nothing else")
    func connect() {
        #expect(Self.wellFormed([(":method", "CONNECT"), (":authority", "shop.example:443")]))
        #expect(!Self.wellFormed([(":method", "CONNECT"), (":authority", "shop.example:443"), (":path", "/")]))
        #expect(!Self.wellFormed([(":method", "CONNECT")]))
    }

    @Test("trailers hold regular fields only")
    func trailers() {
        #expect(Self.wellFormed([("x-checksum", "abc")], .trailers))
        #expect(!Self.wellFormed([(":path", "/")], .trailers))
        #expect(!Self.wellFormed([("X-Checksum", "abc")], .trailers))
        #expect(Self.wellFormed([], .trailers))
    }
}
