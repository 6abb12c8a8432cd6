import Testing

@testable import EdgeCore

@Suite("Dot segments in request targets (RFC 3986 §5.2.4)")
struct TargetPathTests {
    @Test("targets without dot segments are left alone")
    func unchanged() {
        for target in ["/", "/a/b.html", "/a/b/", "/a..b/c", "/.well-known/x", "/a?x=../y", "/caf%C3%A9", "*", "http://h/a.b"] {
            #expect(TargetPath.resolve(target) == .unchanged, "\(target)")
        }
    }

    @Test("single and double dot segments are resolved, %2e read as a dot, the query kept as sent")
    func resolved() {
        let cases = [
            ("/a/./b", "/a/b"), ("/a/b/../c", "/a/c"), ("/a/b/..", "/a/"), ("/a/.", "/a/"), ("/./", "/"),
            ("/a/%2e/b", "/a/b"), ("/a/%2E%2e/b", "/b"), ("/a//../b", "/a/b"), ("/a/../b?x=/../", "/b?x=/../"),
            ("http://h.example/a/../b?q", "http://h.example/b?q"), ("/a/./caf%C3%A9", "/a/caf%C3%A9"),
        ]
        for (target, expected) in cases {
            #expect(TargetPath.resolve(target) == .resolved(expected), "\(target)")
        }
    }

    @Test("a path above the root, or .. hidden behind an encoded slash or a backslash, is refused")
    func refused() {
        for target in ["/..", "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/a/../../b", "/static/..%2f..%2fetc/passwd",
                       "/a/..%5Cb", "/a/..\\b", "/a/%2e%2e%2fb", "http://h/../x"] {
            guard case .refused = TargetPath.resolve(target) else {
                Issue.record("\(target) was not refused")
                continue
            }
        }
    }

    @Test("purge keys clamp at the root, as §5.2.4 does, instead of refusing")
    func clamped() throws {
        #expect(try TargetPath.removeDotSegments("/../a", clampAtRoot: true).get() == "/a")
        #expect(CacheKey(host: "h", target: "/a/./b") == CacheKey(host: "h", target: "/a/b"))
        #expect(CacheKey(host: "h", target: "/a/%2E/b?x=./y").pathAndQuery == "/a/b?x=./y")
        #expect(CacheKey(absoluteURL: "http://h/x/../a/b") == CacheKey(host: "h", target: "/a/b"))
    }
}
