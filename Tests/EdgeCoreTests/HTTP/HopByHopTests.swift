import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("HopByHop")
struct HopByHopTests {
    @Test("fixed hop-by-hop fields are removed and end-to-end fields kept")
    func fixedFields() {
        var headers = HTTPHeaders([
            ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Trailer", "Expires"),
            ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("Proxy-Connection", "keep-alive"),
            ("Proxy-Authenticate", "Basic"), ("Proxy-Authorization", "Basic eA=="),
            ("Content-Type", "text/html"), ("Cache-Control", "max-age=60"), ("ETag", "\"a\""),
        ])
        HopByHop.strip(&headers)
        #expect(headers.map(\.name) == ["Content-Type", "Cache-Control", "ETag"])
    }

    @Test("Connection: close, foo strips foo and Connection itself")
    func connectionNamesField() {
        var headers = HTTPHeaders([("Connection", "close, foo"), ("Foo", "1"), ("Bar", "2")])
        HopByHop.strip(&headers)
        #expect(headers.map(\.name) == ["Bar"])
    }

    @Test("fields named on several Connection lines, in any case, are all stripped")
    func multipleConnectionLines() {
        var headers = HTTPHeaders([
            ("Connection", "X-A"), ("connection", " x-b ,X-C"), ("x-a", "1"), ("X-B", "2"),
            ("X-C", "3"), ("X-C", "4"), ("X-D", "5"),
        ])
        HopByHop.strip(&headers)
        #expect(headers.map(\.name) == ["X-D"])
    }

    @Test("any other Proxy-* field is stripped, but Proxy-Status is end-to-end and kept")
    func proxyPrefix() {
        var headers = HTTPHeaders([
            ("Proxy-Authentication-Info", "x"), ("Proxy-Foo", "y"), ("Proxy-Status", "edge; error=timeout"),
            ("Proxyish", "z"),
        ])
        HopByHop.strip(&headers)
        #expect(headers.map(\.name) == ["Proxy-Status", "Proxyish"])
    }

    @Test("headers without hop-by-hop fields are unchanged")
    func untouched() {
        let original = HTTPHeaders([("Host", "a"), ("Accept", "*/*"), ("Accept", "text/html")])
        var headers = original
        HopByHop.strip(&headers)
        #expect(headers == original)
    }

    @Test("connection options are collected lowercased from every line")
    func options() {
        let headers = HTTPHeaders([("Connection", "Keep-Alive, X-Trace"), ("Connection", "close")])
        #expect(HopByHop.connectionOptions(headers) == ["keep-alive", "x-trace", "close"])
    }

    @Test("every fixed hop-by-hop name is recognised in any case, and look-alikes of other lengths are not")
    func everyFixedNameInAnyCase() {
        for name in HopByHop.fieldNames {
            #expect(HopByHop.isHopByHop(name), "\(name)")
            #expect(HopByHop.isHopByHop(name.uppercased()), "\(name)")
            #expect(HopByHop.isHopByHop(name.prefix(1).uppercased() + name.dropFirst()), "\(name)")
        }
        for name in ["Connections", "T", "Tes", "Trailers", "Upgrades", "Keep-Alive2", "Content-Type", "Cache-Control", "", "Proxy-Status"] {
            #expect(!HopByHop.isHopByHop(name), "\(name)")
        }
    }
}
