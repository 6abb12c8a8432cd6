import Testing
@testable import EdgeCore

@Suite("PlainRequestHead: the stored-hit shortcut's strict head scan")
struct PlainRequestHeadTests {
    static func scan(_ text: String) -> PlainRequestHead.Scan {
        Array(text.utf8).withUnsafeBytes { PlainRequestHead.scan($0) }
    }

    static func complete(_ text: String) -> PlainRequestHead? {
        if case .complete(let head) = scan(text) { return head }
        return nil
    }

    static func slice(_ text: String, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
    }

    @Test("a plain GET gives its target, Host, Accept-Encoding and length")
    func plainGet() throws {
        let text = "GET /a/b?x=1 HTTP/1.1\r\nHost: shop.example\r\nAccept-Encoding:  gzip, br \r\nUser-Agent: t\r\n\r\nGET /next"
        let head = try #require(Self.complete(text))
        #expect(head.method == .get)
        #expect(Self.slice(text, head.target) == "/a/b?x=1")
        #expect(Self.slice(text, head.host) == "shop.example")
        #expect(Self.slice(text, head.acceptEncoding) == "gzip, br")
        #expect(head.fieldCount == 3)
        #expect(head.length == text.utf8.count - "GET /next".utf8.count)
        #expect(!head.needsFullPath)
    }

    @Test("a request line without an HTTP version is told apart once its line is complete")
    func versionless() {
        func lacks(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { PlainRequestHead.requestLineLacksVersion($0) } }
        #expect(lacks("GET /\r\n"))
        #expect(lacks("GET /a\n"))
        #expect(lacks("GET\r\n"))
        #expect(lacks("GET / FOO/1\r\n"))
        #expect(!lacks("GET /"))
        #expect(!lacks("GET / HTTP/1.1\r\n"))
        #expect(!lacks("\r\nGET / HTTP/1.1\r\n"))
        #expect(lacks("\r\nGET /\r\n"))
        #expect(!lacks("POST /form HTTP/1.0\r\nHost: x\r\n"))
    }

    @Test("paths with dot segments, encoded dots or slashes go to the full path, which resolves or refuses them")
    func dotSegments() {
        for target in ["/a/./b", "/../x", "/a/%2e%2e/b", "/a..%2fb", "/a\\b"] {
            #expect(Self.complete("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")?.needsFullPath == true, "\(target)")
        }
        for target in ["/a/b.css", "/a?x=../y", "/caf%C3%A9"] {
            #expect(Self.complete("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")?.needsFullPath == false, "\(target)")
        }
    }

    @Test("HEAD is scanned like GET")
    func head() throws {
        let head = try #require(Self.complete("HEAD / HTTP/1.1\r\nhost: a\r\n\r\n"))
        #expect(head.method == .head)
        #expect(!head.needsFullPath)
    }

    @Test("every proper prefix of a head is incomplete, never a different answer")
    func prefixesAreIncomplete() {
        let text = Array("GET /p HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\n\r\n".utf8)
        for cut in 0..<text.count {
            let scan = Array(text[..<cut]).withUnsafeBytes { PlainRequestHead.scan($0) }
            #expect(scan == .incomplete, "cut at \(cut)")
        }
    }

    @Test("heads the scan does not vouch for are unsupported", arguments: [
        "POST / HTTP/1.1\r\nHost: a\r\n\r\n",
        "get / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\n",
        "GET / HTTP/1.1\r\nHost: a\n",
        "GET / HTTP/1.1\r\n\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    ])
    func unsupported(_ text: String) {
        #expect(Self.scan(text) == .unsupported)
    }

    @Test("fields a stored hit cannot answer alone send the request down the full path", arguments: [
        "If-None-Match: \"x\"", "if-modified-since: Sun, 29 Nov 2026 09:00:00 GMT", "Range: bytes=0-1",
        "Cache-Control: no-cache", "Pragma: no-cache", "Authorization: Basic eA==", "Connection: close",
        "Connection: keep-alive, Upgrade",
        "Expect: 100-continue", "Save-Data: on", "Upgrade: h2c", "Host: second", "Accept-Encoding: br\r\nAccept-Encoding: gzip",
        "X_Forwarded: a", "X-Text: caf\u{E9}",
    ])
    func needsFullPath(_ field: String) throws {
        let head = try #require(Self.complete("GET / HTTP/1.1\r\nHost: a\r\n\(field)\r\n\r\n"))
        #expect(head.needsFullPath)
    }

    @Test("Connection: keep-alive, which HTTP/1.1 implies, keeps a request on the shortcut")
    func keepAlive() throws {
        #expect(try !#require(Self.complete("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n")).needsFullPath)
    }

    @Test("a request without Host or with a fragment goes down the full path")
    func hostlessAndFragment() throws {
        #expect(try #require(Self.complete("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")).needsFullPath)
        #expect(try #require(Self.complete("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n")).needsFullPath)
    }

    @Test("field values are found by name in any letter case, trimmed, in order")
    func fieldValues() throws {
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Variant:  one \r\nx-variant: two\r\nOther: three\r\n\r\n"
        let head = try #require(Self.complete(text))
        let values = Array(text.utf8).withUnsafeBytes { PlainRequestHead.fieldValues(named: "x-variant", in: $0, head: head) }
        #expect(values == ["one", "two"])
        let none = Array(text.utf8).withUnsafeBytes { PlainRequestHead.fieldValues(named: "referer", in: $0, head: head) }
        #expect(none.isEmpty)
    }
}
