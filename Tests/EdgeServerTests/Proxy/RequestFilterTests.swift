import NIOHTTP1
import Testing
@testable import EdgeServer

@Suite("Upstream request filter")
struct RequestFilterTests {
    private func head(_ method: HTTPMethod, _ uri: String, _ fields: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(fields))
    }

    @Test("hop-by-hop fields and the fields Connection names are not forwarded to the origin")
    func hopByHopRemoved() {
        let upstream = RequestFilter.upstreamHead(
            from: head(.GET, "/a?b=1", [("Host", "a.example"), ("Connection", "close, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "timeout=5"),
                        ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Authorization", "Basic x"), ("Accept", "*/*")]),
            clientAddress: "10.0.0.1", cacheable: false, validators: nil, viaPseudonym: "edge")
        for name in ["connection", "x-secret", "keep-alive", "te", "upgrade", "proxy-authorization"] {
            #expect(!upstream.headers.contains(name: name), "\(name) was forwarded")
        }
        #expect(upstream.headers.first(name: "accept") == "*/*")
        #expect(upstream.headers.first(name: "host") == "a.example")
    }

    @Test("Via, X-Forwarded-For and X-Forwarded-Proto are added, appending to what the client sent")
    func forwardingFieldsAppended() {
        let upstream = RequestFilter.upstreamHead(
            from: head(.GET, "/a?b=1", [("Host", "a.example"), ("X-Forwarded-For", "192.0.2.1"), ("Via", "1.1 lb")]),
            clientAddress: "10.0.0.1", cacheable: false, validators: nil, viaPseudonym: "edge")
        #expect(upstream.headers.first(name: "x-forwarded-for") == "192.0.2.1, 10.0.0.1")
        #expect(upstream.headers.first(name: "via") == "1.1 lb, 1.1 edge")
        #expect(upstream.headers.first(name: "x-forwarded-proto") == "http")
    }

    @Test("on the cacheable path HEAD becomes GET and client conditionals are kept from the origin")
    func cacheablePathAsksForFullResponse() {
        let upstream = RequestFilter.upstreamHead(
            from: head(.HEAD, "/a", [("Host", "a.example"), ("If-None-Match", "\"x\""), ("Range", "bytes=0-1"), ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]),
            clientAddress: nil, cacheable: true, validators: HTTPHeaders([("If-None-Match", "\"stored\"")]), viaPseudonym: "edge")
        #expect(upstream.method == .GET)
        #expect(upstream.headers["if-none-match"] == ["\"stored\""])
        #expect(!upstream.headers.contains(name: "range"))
        #expect(!upstream.headers.contains(name: "if-modified-since"))
    }

    @Test("a chunked request body stays chunked and a bodiless POST gets Content-Length 0")
    func bodyFraming() {
        let chunked = RequestFilter.upstreamHead(
            from: head(.POST, "/p", [("Host", "a"), ("Transfer-Encoding", "chunked")]),
            clientAddress: nil, cacheable: false, validators: nil, viaPseudonym: "edge")
        #expect(chunked.headers["transfer-encoding"] == ["chunked"])
        #expect(!chunked.headers.contains(name: "content-length"))
        let empty = RequestFilter.upstreamHead(
            from: head(.POST, "/p", [("Host", "a")]), clientAddress: nil, cacheable: false, validators: nil, viaPseudonym: "edge")
        #expect(empty.headers["content-length"] == ["0"])
    }

    @Test("an absolute-form target is sent to the origin in origin-form, and routes by its authority")
    func absoluteForm() {
        let request = head(.GET, "http://shop.example:8080/x?y=1", [("Host", "other.example")])
        #expect(RequestFilter.originForm(request.uri) == "/x?y=1")
        #expect(RequestFilter.originForm("http://shop.example") == "/")
        #expect(RequestFilter.originForm("http://shop.example?q") == "/?q")
        #expect(RequestFilter.requestHost(request) == "shop.example:8080")
    }

    @Test("M-SEARCH reaches the origin as M-SEARCH, not as NIO's MSEARCH spelling")
    func mSearchKeepsItsHyphen() {
        let upstream = RequestFilter.upstreamHead(
            from: head(.MSEARCH, "/", [("Host", "a")]), clientAddress: nil, cacheable: false, validators: nil, viaPseudonym: "edge")
        #expect(upstream.method == .RAW(value: "M-SEARCH"))
        #expect(HTTPMethod.MSEARCH.token == "M-SEARCH")
    }

    @Test("CDN-Cache-Control is passed on unless configured away; Surrogate-Control never is")
    func targetedFieldsTowardsTheClient() {
        let origin = HTTPHeaders([("CDN-Cache-Control", "max-age=60"), ("Surrogate-Control", "max-age=60"), ("Cache-Control", "max-age=5")])
        var settings = ProxySettings()
        var kept = origin
        EdgeFields.apply(&kept, settings: settings)
        #expect(kept["cdn-cache-control"] == ["max-age=60"])
        #expect(!kept.contains(name: "surrogate-control"))
        #expect(kept["cache-control"] == ["max-age=5"])
        settings.keepCDNCacheControl = false
        var removed = origin
        EdgeFields.apply(&removed, settings: settings)
        #expect(!removed.contains(name: "cdn-cache-control"))
    }
}
