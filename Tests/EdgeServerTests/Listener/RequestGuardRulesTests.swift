import NIOHTTP1
import Testing
@testable import EdgeServer

@Suite("Request guard rules on parsed heads")
struct RequestGuardRulesTests {
    private func check(_ fields: [(String, String)], method: HTTPMethod = .GET, uri: String = "/", version: HTTPVersion = .http1_1, limits: ProxySettings.Limits = .init()) -> HTTPResponseStatus? {
        RequestGuard.check(HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(fields)), limits: limits)?.status
    }

    @Test("a plain request passes")
    func plain() {
        #expect(check([("Host", "a.example")]) == nil)
        #expect(check([("Host", "a.example"), ("Content-Length", "5")], method: .POST) == nil)
        #expect(check([("Host", "a.example"), ("Transfer-Encoding", "chunked")], method: .POST) == nil)
    }

    @Test("framing that two parsers could read differently is refused with 400")
    func ambiguousFraming() {
        #expect(check([("Host", "a"), ("Content-Length", "5"), ("Transfer-Encoding", "chunked")], method: .POST) == .badRequest)
        #expect(check([("Host", "a"), ("Content-Length", "5"), ("Content-Length", "6")], method: .POST) == .badRequest)
        #expect(check([("Host", "a"), ("Content-Length", "5, 6")], method: .POST) == .badRequest)
        #expect(check([("Host", "a"), ("Content-Length", "+5")], method: .POST) == .badRequest)
        #expect(check([("Host", "a"), ("Transfer-Encoding", "chunked")], method: .POST, version: .http1_0) == .badRequest)
    }

    @Test("identical repeated Content-Length values are one length, as RFC 9110 allows")
    func repeatedEqualLengths() {
        #expect(check([("Host", "a"), ("Content-Length", "5"), ("Content-Length", "5")], method: .POST) == nil)
    }

    @Test("transfer codings other than a single chunked are not forwarded")
    func otherCodings() {
        #expect(check([("Host", "a"), ("Transfer-Encoding", "gzip, chunked")], method: .POST) == .notImplemented)
        #expect(check([("Host", "a"), ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")], method: .POST) == .notImplemented)
    }

    @Test("Host is required once on HTTP/1.1 and must be a host")
    func host() {
        #expect(check([]) == .badRequest)
        #expect(check([], version: .http1_0) == nil)
        #expect(check([("Host", "a"), ("Host", "b")]) == .badRequest)
        #expect(check([("Host", "a b")]) == .badRequest)
        #expect(check([("Host", "user@a")]) == .badRequest)
    }

    @Test("size limits answer 414, 431 and 413")
    func limits() {
        var limits = ProxySettings.Limits()
        limits.maxRequestLine = 64
        limits.maxHeaderCount = 3
        limits.maxBodyBytes = 10
        #expect(check([("Host", "a")], uri: "/" + String(repeating: "a", count: 100), limits: limits) == .uriTooLong)
        #expect(check([("Host", "a"), ("A", "1"), ("B", "2"), ("C", "3")], limits: limits) == .requestHeaderFieldsTooLarge)
        #expect(check([("Host", "a"), ("Content-Length", "11")], method: .POST, limits: limits) == .payloadTooLarge)
    }

    @Test("CONNECT and odd request targets are refused")
    func targets() {
        #expect(check([("Host", "a")], method: .CONNECT, uri: "a:443") == .methodNotAllowed)
        #expect(check([("Host", "a")], uri: "a/b") == .badRequest)
        #expect(check([("Host", "a")], method: .OPTIONS, uri: "*") == nil)
    }
}
