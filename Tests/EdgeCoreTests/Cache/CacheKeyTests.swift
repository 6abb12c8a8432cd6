import Testing

@testable import EdgeCore

@Suite("Primary cache keys")
struct CacheKeyTests {
    @Test("key is host plus path and query")
    func basic() {
        let key = CacheKey(host: "shop.example", target: "/a?x=1")
        #expect(key.host == "shop.example")
        #expect(key.pathAndQuery == "/a?x=1")
        #expect(key.description == "shop.example/a?x=1")
    }

    @Test("host is lowercased and default ports are dropped")
    func host() {
        #expect(CacheKey(host: "Shop.Example:80", target: "/").host == "shop.example")
        #expect(CacheKey(host: "shop.example:443", target: "/").host == "shop.example")
        #expect(CacheKey(host: "shop.example:8080", target: "/").host == "shop.example:8080")
        #expect(CacheKey(host: "Shop.Example:8080", target: "/").host == "shop.example:8080")
        #expect(CacheKey(host: "shop.example:", target: "/").host == "shop.example")
        #expect(CacheKey(host: "user@shop.example:8080", target: "/").host == "shop.example:8080")
        #expect(CacheKey(host: ":8080", target: "/").host == ":8080")
        #expect(CacheKey(host: "[::1]:80", target: "/").host == "[::1]")
        #expect(CacheKey(host: "[::1]", target: "/").host == "[::1]")
    }

    @Test("percent-encoded unreserved characters are decoded, other escapes upper-cased")
    func percentEncoding() {
        #expect(CacheKey(host: "h", target: "/%7Euser/%61%2fb?q=%41%3d").pathAndQuery == "/~user/a%2Fb?q=A%3D")
        #expect(CacheKey(host: "h", target: "/100%").pathAndQuery == "/100%")
        #expect(CacheKey(host: "h", target: "/%zz").pathAndQuery == "/%zz")
    }

    @Test("the fragment is dropped and an empty path becomes /")
    func fragmentAndEmptyPath() {
        #expect(CacheKey(host: "h", target: "/a#frag").pathAndQuery == "/a")
        #expect(CacheKey(host: "h", target: "").pathAndQuery == "/")
        #expect(CacheKey(host: "h", target: "?x=1").pathAndQuery == "/?x=1")
    }

    @Test("absolute-form targets take their authority and ignore the scheme")
    func absoluteForm() {
        let key = CacheKey(host: "ignored.example", target: "http://Shop.Example:80/a?x=1#f")
        #expect(key == CacheKey(host: "shop.example", target: "/a?x=1"))
    }

    @Test("purge URLs build the same key whatever the scheme")
    func absoluteURL() {
        #expect(CacheKey(absoluteURL: "http://shop.example/a?x=1") == CacheKey(host: "shop.example", target: "/a?x=1"))
        #expect(CacheKey(absoluteURL: "https://shop.example:443/a?x=1") == CacheKey(host: "shop.example", target: "/a?x=1"))
        #expect(CacheKey(absoluteURL: "https://user:pw@shop.example")?.description == "shop.example/")
        #expect(CacheKey(absoluteURL: "/a?x=1") == nil)
        #expect(CacheKey(absoluteURL: "http:///a") == nil)
        #expect(CacheKey(absoluteURL: "shop.example/a") == nil)
    }

    @Test("method is not part of the key")
    func methodIndependent() {
        #expect(CacheKey(host: "h", target: "/a").hashValue == CacheKey(host: "H", target: "/%61").hashValue)
    }
}
