import Testing
@testable import EdgeCore

@Suite("Static paths")
struct StaticPathTests {
    @Test("plain paths become segments; a trailing slash names a folder; the query is ignored")
    func plain() {
        #expect(StaticPath.resolve("/") == .file(segments: [], isDirectory: true))
        #expect(StaticPath.resolve("/catalog/") == .file(segments: ["catalog"], isDirectory: true))
        #expect(StaticPath.resolve("/a/b.html?x=1") == .file(segments: ["a", "b.html"], isDirectory: false))
        #expect(StaticPath.resolve("/caf%C3%A9.html") == .file(segments: ["café.html"], isDirectory: false))
    }

    @Test("dot segments, encoded or not, backslashes, NUL, empty segments and bad escapes are refused", arguments: [
        "/..", "/../x", "/a/../x", "/%2e%2e/x", "/%2E%2e/x", "/a/%2e/x", "/a\\\\x", "/a%00b", "/a//b", "/%zz", "/%c3", "relative",
    ])
    func refused(target: String) {
        #expect(StaticPath.resolve(target) == .refused)
    }

    @Test("content types follow the extension, octet-stream otherwise")
    func mediaTypes() {
        #expect(MediaTypes.contentType(forPath: "/a/b.HTML") == "text/html; charset=utf-8")
        #expect(MediaTypes.contentType(forPath: "/x.js") == "text/javascript; charset=utf-8")
        #expect(MediaTypes.contentType(forPath: "/font.woff2") == "font/woff2")
        #expect(MediaTypes.contentType(forPath: "/noext") == "application/octet-stream")
        #expect(MediaTypes.contentType(forPath: "/dir.d/noext") == "application/octet-stream")
    }
}
