import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Progressive pages end to end: Early Hints, the tiers, the streaming rewrite, and the cache.
@Suite("Progressive delivery")
struct ProgressiveDeliveryTests {
    static let manifest = """
        { "bundles": [
          { "name": "core", "assets": ["/assets/enhance/core.js", "/assets/enhance/core.css"], "pages": ["/**"], "priority": 10 },
          { "name": "filter", "assets": ["/assets/enhance/filter.js"], "pages": ["/catalog/**"], "priority": 20 }
        ] }
        """
    static let page = "<!doctype html><html><head><title>Catalog</title></head><body><h1>Lamps</h1><script>let s = '</body>'</script></body></html>"
    static let files = [
        "progressive.json": manifest,
        "catalog/index.html": page,
        "assets/enhance/core.js": "document.documentElement.dataset.enhanced = 'core'",
        "assets/enhance/core.css": ".enhanced { color: teal }",
        "assets/enhance/filter.js": "document.documentElement.dataset.enhanced += ' filter'",
    ]

    static func links(_ response: RawHTTPConnection.Response) -> [String] {
        response.headers("link")
    }

    @Test("a page gets 103 Early Hints with its bundles' fingerprinted names, then the page with the tags before </body>")
    func fullTier() async throws {
        try await withStaticSite(Self.files) { site in
            let names = site.site.current.fingerprinted
            let core = try #require(names["/assets/enhance/core.js"])
            let css = try #require(names["/assets/enhance/core.css"])
            let filter = try #require(names["/assets/enhance/filter.js"])
            let response = try site.edge.get("/catalog/")
            #expect(response.interim.map(\.status) == [103])
            #expect(response.interim.first.map(Self.links) == ["<\(core)>; rel=modulepreload", "<\(css)>; rel=preload; as=style", "<\(filter)>; rel=modulepreload"])
            #expect(response.status == 200)
            #expect(response.headers("vary").joined(separator: ",").contains("Save-Data"))
            let tags = "<script type=\"module\" src=\"\(core)\"></script>\n<link rel=\"stylesheet\" href=\"\(css)\" media=\"print\" onload=\"this.media='all'\">\n<script type=\"module\" src=\"\(filter)\"></script>"
            #expect(response.text == Self.page.replacingOccurrences(of: "</script></body>", with: "</script>" + tags + "</body>"))
            // The bundles themselves: immutable for a year under their content-hash names.
            let bundle = try site.edge.get(core)
            #expect(bundle.status == 200)
            #expect(bundle.header("cache-control") == "public, max-age=31536000, immutable")
            #expect(bundle.interim.isEmpty, "no Early Hints for an asset")
        }
    }

    @Test("Save-Data: on gets the base page byte for byte, without Early Hints")
    func saveData() async throws {
        try await withStaticSite(Self.files) { site in
            let response = try site.edge.get("/catalog/", headers: [("Save-Data", "on")])
            #expect(response.interim.isEmpty)
            #expect(response.text == Self.page)
            #expect(response.headers("vary").joined(separator: ",").contains("Save-Data"))
        }
    }

    @Test("with the enhancements flag off by hand or shed under load, pages are base-only")
    func flagOff() async throws {
        try await withStaticSite(Self.files) { site in
            site.edge.server.flags.setManual(.enhancements, on: false)
            let manual = try site.edge.get("/catalog/")
            #expect(manual.interim.isEmpty)
            #expect(manual.text == Self.page)
            site.edge.server.flags.setManual(.enhancements, on: true)
            site.edge.server.flags.setShed(.enhancements, shed: true)
            let shed = try site.edge.get("/catalog/")
            #expect(shed.interim.isEmpty)
            #expect(shed.text == Self.page)
            site.edge.server.flags.setShed(.enhancements, shed: false)
            #expect(try site.edge.get("/catalog/").interim.count == 1)
        }
    }

    @Test("an HTTP/1.0 client gets no Early Hints")
    func http10() async throws {
        try await withStaticSite(Self.files) { site in
            let connection = try site.edge.connect()
            try connection.send("GET /catalog/ HTTP/1.0\r\nHost: test.example\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.interim.isEmpty)
        }
    }

    @Test("both tiers come from one stored page, and purging it covers both")
    func oneEntryForBothTiers() async throws {
        try await withStaticSite(Self.files) { site in
            _ = try site.edge.get("/catalog/")
            _ = try site.edge.get("/catalog/", headers: [("Save-Data", "on")])
            let key = CacheKey(host: "test.example", target: "/catalog/")
            #expect(site.edge.server.cache.store.peek(key)?.variants.count == 1)
            #expect(site.edge.server.cache.purge(PurgeSelection(keys: [key]), now: Date().timeIntervalSince1970) == 1)
            for headers in [[], [("Save-Data", "on")]] {
                let after = try site.edge.get("/catalog/", headers: headers)
                #expect(after.header("cache-status")?.contains("fwd=") == true, "\(after.header("cache-status") ?? "")")
            }
        }
    }

    @Test("a br client gets the enhanced page in br, and it decodes to the rewritten page")
    func compressedRewrite() async throws {
        let big = Self.page.replacingOccurrences(of: "<h1>Lamps</h1>", with: String(repeating: "<p>A lamp for every room.</p>", count: 100))
        var files = Self.files
        files["catalog/index.html"] = big
        try await withStaticSite(files) { site in
            for _ in 0..<2 {  // the miss, then the stored br variant
                let response = try site.edge.get("/catalog/", headers: [("Accept-Encoding", "br")])
                #expect(response.header("content-encoding") == "br")
                let decoded = try await ExternalTool.run("brotli", ["-dc"], stdin: Data(response.body))
                let text = decoded.stdoutText
                #expect(text.hasPrefix("<!doctype html>"))
                #expect(text.contains("<script type=\"module\" src=\"/assets/enhance/core."))
                #expect(text.hasSuffix("</body></html>"))
            }
        }
    }

    @Test("the rewrite finds </body> however the origin splits the page into chunks")
    func splitAcrossChunks() async throws {
        let manifest = try ProgressiveManifest.parse(Data(Self.manifest.utf8))
        var origin = TestOrigin.Response(headers: [("content-type", "text/html"), ("cache-control", "no-store")], body: Self.page)
        origin.chunkSize = 3
        let response = origin
        try await withEdge(origin: { _ in response }, configure: { $0.sites[0].progressive = ProgressiveSettings(manifest: manifest) }) { edge, _ in
            let page = try edge.get("/catalog/")
            #expect(page.text.components(separatedBy: "<script type=\"module\" src=\"/assets/enhance/core.js\"></script>").count == 2)
            #expect(page.text.hasSuffix("<script type=\"module\" src=\"/assets/enhance/filter.js\"></script></body></html>"))
            #expect(page.text.contains("<script>let s = '</body>'</script>"))
        }
    }

    @Test("for a proxied progressive page the 103 arrives while the origin is still working on the page")
    func hintsBeforeOrigin() async throws {
        let manifest = try ProgressiveManifest.parse(Data(Self.manifest.utf8))
        let release = DispatchSemaphore(value: 0)
        let origin: TestOrigin.Handler = { _ in
            // The origin answers only once the test has its Early Hints in hand.
            _ = release.wait(timeout: .now() + 10)
            return TestOrigin.Response(headers: [("content-type", "text/html; charset=utf-8")], body: Self.page)
        }
        try await withEdge(origin: origin, configure: { $0.sites[0].progressive = ProgressiveSettings(manifest: manifest) }) { edge, testOrigin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/catalog/lamps/"))
            let hints = try connection.readStatusAndHeaders()
            #expect(hints.status == 103)
            #expect(hints.headers("link").first == "</assets/enhance/core.js>; rel=modulepreload")
            #expect(testOrigin.requestCount <= 1)
            release.signal()
            let page = try connection.readResponse()
            #expect(page.status == 200)
            #expect(page.text.contains("<script type=\"module\" src=\"/assets/enhance/filter.js\"></script>"))
        }
    }

    @Test("over HTTP/2 the Early Hints are an informational HEADERS frame before the page")
    func http2EarlyHints() async throws {
        try await withStaticSite(Self.files, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { site in
            let outcome = try await ExternalTool.run("curl", ["-sv", "--http2-prior-knowledge", "http://127.0.0.1:\(site.edge.port(.h2c))/catalog/"])
            let lines = outcome.stderr.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("< HTTP/2") }
            #expect(lines.map(String.init) == ["< HTTP/2 103 ", "< HTTP/2 200 "], "\(outcome.stderr)")
            #expect(outcome.stdoutText.contains("<script type=\"module\""))
        }
    }
}
