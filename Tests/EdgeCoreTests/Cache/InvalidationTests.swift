import NIOHTTP1
import Testing

@testable import EdgeCore

private func targets(
    _ fields: [(String, String)] = [], method: String = "POST", status: Int = 200,
    host: String = "shop.example", target: String = "/cart/items?id=1"
) -> [String] {
    Invalidation.targets(
        method: method, status: status, requestHost: host, requestTarget: target,
        responseHeaders: HTTPHeaders(fields)
    ).map { "\($0.host) \($0.pathAndQuery)" }
}

@Suite("Invalidation")
struct InvalidationTests {
    @Test("an unsafe method with a 2xx or 3xx invalidates the target URI")
    func targetInvalidated() {
        #expect(targets(method: "POST") == ["shop.example /cart/items?id=1"])
        #expect(targets(method: "DELETE", status: 204) == ["shop.example /cart/items?id=1"])
        #expect(targets(method: "PUT", status: 303) == ["shop.example /cart/items?id=1"])
        #expect(targets(method: "PURGEISH") == ["shop.example /cart/items?id=1"])
    }

    @Test("safe methods invalidate nothing", arguments: ["GET", "HEAD", "OPTIONS", "TRACE"])
    func safeMethods(_ method: String) {
        #expect(targets([("Location", "/x")], method: method).isEmpty)
    }

    @Test("error responses invalidate nothing", arguments: [100, 199, 400, 404, 500, 503])
    func errors(_ status: Int) {
        #expect(targets(status: status).isEmpty)
    }

    @Test("the host is lowercased and keeps its port")
    func hostLowercased() {
        #expect(targets(host: "Shop.Example:8080", target: "/a") == ["shop.example:8080 /a"])
    }

    @Test("a same-host absolute Location is invalidated too")
    func absoluteLocation() {
        #expect(
            targets([("Location", "http://SHOP.example/orders/7#top")]) == [
                "shop.example /cart/items?id=1", "shop.example /orders/7",
            ])
    }

    @Test("a Location on another host is not invalidated")
    func otherHost() {
        #expect(targets([("Location", "http://evil.example/cart/items?id=1")]) == ["shop.example /cart/items?id=1"])
        #expect(targets([("Location", "//evil.example/x")]) == ["shop.example /cart/items?id=1"])
        #expect(targets([("Location", "http://shop.example.evil/x")]) == ["shop.example /cart/items?id=1"])
    }

    @Test("a Location on another port is not invalidated; default ports are equivalent")
    func ports() {
        #expect(targets([("Location", "http://shop.example:8080/x")]).count == 1)
        #expect(targets([("Location", "http://shop.example:80/x")]).last == "shop.example /x")
        #expect(targets([("Location", "https://shop.example/x")]).last == "shop.example /x")
        #expect(targets([("Location", "http://shop.example:8080/x")], host: "shop.example:8080").last == "shop.example:8080 /x")
        #expect(targets([("Location", "http://shop.example/x")], host: "shop.example:8080").count == 1)
    }

    @Test("relative references are resolved against the target path", arguments: [
        ("/a/b/c?q", "d", "/a/b/d"),
        ("/a/b/c?q", "../x", "/a/x"),
        ("/a/b/c?q", "../../../../x", "/x"),
        ("/a/b/c?q", "./x?y=1", "/a/b/x?y=1"),
        ("/a/b/c?q", "x?y", "/a/b/x?y"),
        ("/a/b/c?q", "?y", "/a/b/c?y"),
        ("/a/b/c?q", "/abs/./p/../q", "/abs/q"),
        ("/a/b/c?q", ".", "/a/b/"),
        ("/a/b/c?q", "..", "/a/"),
        ("/a/b/c?q", "#frag", "/a/b/c?q"),
        ("/", "x", "/x"),
    ])
    func relative(_ base: String, _ reference: String, _ expected: String) {
        let result = targets([("Location", reference)], target: base)
        #expect(result.last == "shop.example \(expected)")
    }

    @Test("Content-Location is invalidated as well, without duplicates")
    func contentLocation() {
        #expect(
            targets([("Location", "/b"), ("Content-Location", "/c")], target: "/a") == [
                "shop.example /a", "shop.example /b", "shop.example /c",
            ])
        #expect(targets([("Location", "/a"), ("Content-Location", "http://shop.example/a")], target: "/a") == ["shop.example /a"])
    }

    @Test("an absolute-form target takes its host from the URI, not the Host header")
    func absoluteFormTarget() {
        #expect(
            targets([("Location", "d")], host: "ignored.example", target: "http://Shop.Example:8080/a/b?c") == [
                "shop.example:8080 /a/b?c", "shop.example:8080 /a/d",
            ])
        #expect(targets(host: "x", target: "http://shop.example") == ["shop.example /"])
    }

    @Test("non-http references and unusable targets invalidate nothing extra")
    func unusable() {
        #expect(targets([("Location", "mailto:a@shop.example")]).count == 1)
        #expect(targets(target: "*").isEmpty)
        #expect(targets(target: "shop.example:443").isEmpty)
        #expect(targets(host: "", target: "/a").isEmpty)
        #expect(targets(target: "ftp://shop.example/a").isEmpty)
    }

    @Test("IPv6 hosts compare with their ports")
    func ipv6() {
        #expect(
            targets([("Location", "http://[::1]:8080/b")], host: "[::1]:8080", target: "/a") == [
                "[::1]:8080 /a", "[::1]:8080 /b",
            ])
        #expect(targets([("Location", "http://[::1]:9090/b")], host: "[::1]:8080", target: "/a").count == 1)
    }
}
