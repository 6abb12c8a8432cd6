import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("POST responses reused for GET (RFC 9110 §9.3.3)")
struct PostResponseReuseTests {
    private func mayStore(_ fields: [(String, String)], host: String = "shop.example", target: String = "/cart") -> Bool {
        StoragePolicy.postResponseMayBeStored(
            status: 200, responseHeaders: HTTPHeaders(fields), requestHost: host, requestTarget: target, settings: CachePolicySettings())
    }

    @Test("explicit freshness and a Content-Location naming the target URI make a POST response storable")
    func storable() {
        #expect(mayStore([("Cache-Control", "max-age=60"), ("Content-Location", "/cart")]))
        #expect(mayStore([("Expires", "Thu, 01 Dec 2050 16:00:00 GMT"), ("Date", "Thu, 01 Dec 2050 15:00:00 GMT"), ("Content-Location", "http://shop.example/cart")]))
    }

    @Test("without explicit freshness, or with Content-Location naming another URI, it is not")
    func notStorable() {
        #expect(!mayStore([("Content-Location", "/cart"), ("Last-Modified", "Thu, 01 Dec 2050 15:00:00 GMT")]))
        #expect(!mayStore([("Cache-Control", "max-age=60")]))
        #expect(!mayStore([("Cache-Control", "max-age=60"), ("Content-Location", "/cart/1")]))
        #expect(!mayStore([("Cache-Control", "max-age=60"), ("Content-Location", "http://other.example/cart")]))
    }
}
