import Foundation
import Testing

/// The demo site (Sites/demo) served by the real `edge preview` and loaded in headless Chromium:
/// complete without scripts, enhanced with them, and base-only (no bundle requested) with Save-Data.
@Suite("Demo site in headless Chromium", .serialized, .timeLimit(.minutes(10)))
struct DemoSiteBrowserTests {
    /// The repository root, found from this file's path (Tests/EdgeServerTests/Progressive/…).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let site = repositoryRoot.appendingPathComponent("Sites/demo").path
    /// Screenshots are kept here after the run (.build is not committed).
    static let artifacts = repositoryRoot.appendingPathComponent(".build/test-artifacts")

    /// Links of the shared header navigation, on every page.
    static let navigation = ["/", "/catalog/", "/catalog/lamps/", "/catalog/chairs/", "/catalog/tables/", "/about/", "/cart/"]

    /// Each demo page and text only its full content has.
    static let pages: [(path: String, content: [String])] = [
        ("/", ["Light, seats and tables made to last", "Shop by category", "Featured this season", "Oak dining chair",
               "<form class=\"search\" action=\"/catalog/\" method=\"get\""]),
        ("/catalog/", ["<h1>Catalogue</h1>", "Arc floor lamp", "Pebble table lamp", "Lantern pendant", "Clip reading lamp",
                       "Oak dining chair", "Wire lounge chair", "Stacking stool", "Round café table", "Trestle desk",
                       "Nesting side tables", "href=\"/products/trestle-desk/\""]),
        ("/catalog/lamps/", ["<h1>Lamps</h1>", "Arc floor lamp", "Pebble table lamp", "Lantern pendant", "Clip reading lamp"]),
        ("/products/arc-floor-lamp/", ["<h1>Arc floor lamp</h1>", "€189", "LG-L01", "Marble-weighted foot",
                                       "<form class=\"add-to-cart\" action=\"/cart/\" method=\"get\">",
                                       "href=\"/assets/img/details/lamps-materials.svg\""]),
        ("/about/", ["<h1>About us</h1>", "Delivery and returns", "hello@lumen-and-grain.example"]),
        ("/cart/", ["<h1>Your cart</h1>", "orders@lumen-and-grain.example", "LG-L01"]),
        ("/no-such-page/", ["<h1>Page not found</h1>", "Browse the whole catalogue"]),
    ]

    @Test("without JavaScript every demo page, and the 404 page, shows its full content and the navigation")
    func completeWithoutScripts() async throws {
        let browser = HeadlessChromium(scripts: .disabled)
        _ = try HeadlessChromium.executable()
        try await EdgePreviewProcess.with(site: Self.site) { edge in
            for page in Self.pages {
                let dom = try await browser.dumpDOM(edge.url(page.path))
                let missing = Self.missing(page.content, in: dom)
                #expect(missing.isEmpty, "\(page.path) without scripts lacks \(missing)")
                let missingLinks = Self.missingNavigation(in: dom)
                #expect(missingLinks.isEmpty, "\(page.path) without scripts lacks the navigation links \(missingLinks)")
                let enhanced = Self.enhancedBundles(dom)
                #expect(enhanced == nil, "\(page.path): no bundle can run without scripts")
                let hasFilter = dom.contains("id=\"instant-filter\"")
                #expect(!hasFilter, "\(page.path) has the instant filter without scripts")
            }
            #expect(await edge.waitForAccessLog(Self.pages.map(\.path)), "\(edge.accessLogLines())")
            for line in edge.accessLogLines(for: "/no-such-page/") {
                #expect(Self.status(of: line) == "404", "a missing page answers 404: \(line)")
            }
            for page in Self.pages where page.path != "/no-such-page/" {
                #expect(edge.accessLogLines(for: page.path).allSatisfy { Self.status(of: $0) == "200" }, "\(edge.accessLogLines(for: page.path))")
            }
        }
    }

    @Test("with JavaScript the bundles of each page run: theme, cart, the instant filter on the catalogue, the gallery on products")
    func enhancedWithScripts() async throws {
        let browser = HeadlessChromium(scripts: .enabled)
        _ = try HeadlessChromium.executable()
        let expectations: [(path: String, bundles: Set<String>, marks: [String])] = [
            ("/", ["theme", "cart"], ["id=\"theme-switch\"", "class=\"cart-count\""]),
            ("/catalog/", ["theme", "filter", "cart"], ["id=\"instant-filter\"", "Showing 10 of 10 products"]),
            ("/catalog/?q=walnut", ["theme", "filter", "cart"], ["id=\"instant-filter\"", "Showing 1 of 10 products"]),
            ("/catalog/chairs/", ["theme", "filter", "cart"], ["id=\"instant-filter\"", "Showing 3 of 3 products"]),
            ("/products/arc-floor-lamp/", ["theme", "gallery", "cart"], ["class=\"lightbox\"", "class=\"view-thumbnail\"", "class=\"zoom-button\""]),
            ("/about/", ["theme", "cart"], ["id=\"theme-switch\""]),
        ]
        try await EdgePreviewProcess.with(site: Self.site) { edge in
            for expected in expectations {
                let dom = try await browser.dumpDOM(edge.url(expected.path))
                let enhanced = Self.enhancedBundles(dom)
                #expect(enhanced == expected.bundles, "\(expected.path): data-enhanced is \(enhanced.map { "\($0.sorted())" } ?? "absent")")
                let missing = Self.missing(expected.marks, in: dom)
                #expect(missing.isEmpty, "\(expected.path) with scripts lacks \(missing)")
            }
            // Enhancements belong to pages that exist: the 404 page stays as it is.
            let notFound = try await browser.dumpDOM(edge.url("/no-such-page/"))
            let notFoundShown = notFound.contains("<h1>Page not found</h1>")
            #expect(notFoundShown, "the 404 page's content")
            let notFoundEnhanced = Self.enhancedBundles(notFound)
            #expect(notFoundEnhanced == nil, "the 404 page is not enhanced")

            let screenshot = Self.artifacts.appendingPathComponent("demo-home-full.png").path
            try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
            try await browser.screenshot(edge.url("/"), to: screenshot)
            print("DemoSiteBrowserTests: screenshot of the home page, full tier: \(screenshot)")

            // The bundles came from the edge under their fingerprinted names.
            #expect(await eventually { edge.accessLogLines().contains { $0.contains("\"GET /assets/enhance/filter.") } })
            for line in edge.accessLogLines() where line.contains("\"GET /assets/enhance/") {
                #expect(Self.status(of: line) == "200", "\(line)")
                #expect(Self.isFingerprinted(line), "bundles are requested by fingerprinted name: \(line)")
            }
        }
    }

    @Test("with Save-Data: on no bundle is requested and no enhancement runs, and every page is still complete")
    func baseOnlyWithSaveData() async throws {
        _ = try HeadlessChromium.executable()
        let proxy = try SaveDataProxy()
        defer { proxy.stop() }
        let browser = HeadlessChromium(scripts: .enabled, proxyPort: proxy.port)
        let checked = Self.pages.filter { ["/", "/catalog/", "/products/arc-floor-lamp/"].contains($0.path) }
        try await EdgePreviewProcess.with(site: Self.site) { edge in
            for page in checked {
                let dom = try await browser.dumpDOM(edge.url(page.path))
                let missing = Self.missing(page.content, in: dom)
                #expect(missing.isEmpty, "\(page.path) with Save-Data lacks \(missing)")
                let missingLinks = Self.missingNavigation(in: dom)
                #expect(missingLinks.isEmpty, "\(page.path) with Save-Data lacks the navigation links \(missingLinks)")
                let enhanced = Self.enhancedBundles(dom)
                #expect(enhanced == nil, "\(page.path) with Save-Data ran bundles")
                let hasFilter = dom.contains("id=\"instant-filter\"")
                #expect(!hasFilter, "\(page.path) has the instant filter with Save-Data")
                let referencesBundle = dom.contains("/assets/enhance/")
                #expect(!referencesBundle, "\(page.path) with Save-Data references a bundle")
            }
            let screenshot = Self.artifacts.appendingPathComponent("demo-home-base.png").path
            try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
            try await browser.screenshot(edge.url("/"), to: screenshot)
            print("DemoSiteBrowserTests: screenshot of the home page, base-only tier (Save-Data: on): \(screenshot)")

            // The pages went through the proxy (so carried Save-Data), and nothing asked for a bundle:
            // not the page, and not a 103 Early Hint either (Chromium preloads what hints name).
            for page in checked {
                #expect(proxy.requests.contains("GET \(page.path)"), "not through the Save-Data proxy: \(proxy.requests)")
            }
            #expect(!proxy.requests.contains { $0.contains("/assets/enhance/") }, "\(proxy.requests)")
            #expect(await edge.waitForAccessLog(checked.map(\.path)), "\(edge.accessLogLines())")
            #expect(!edge.accessLogLines().contains { $0.contains("/assets/enhance/") }, "\(edge.accessLogLines())")
            // Before edge stops: the proxy may still hold the preview's live-reload stream open.
            proxy.stop()
        }
    }

    /// Which of `texts` the DOM lacks.
    static func missing(_ texts: [String], in dom: String) -> [String] {
        texts.filter { !dom.contains($0) }
    }

    /// Which header navigation links the DOM lacks.
    static func missingNavigation(in dom: String) -> [String] {
        navigation.filter { !dom.contains("href=\"\($0)\"") }
    }

    /// The bundle names in `<html data-enhanced="…">`, or nil when the attribute is absent.
    static func enhancedBundles(_ dom: String) -> Set<String>? {
        guard let start = dom.range(of: "<html"),
              let end = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = dom[start.upperBound..<end]
        guard let attribute = tag.range(of: "data-enhanced=\""),
              let close = tag[attribute.upperBound...].firstIndex(of: "\"") else { return nil }
        return Set(tag[attribute.upperBound..<close].split(separator: " ").map(String.init))
    }

    /// The status code of a combined-format access-log line.
    static func status(of line: String) -> String? {
        guard let request = line.range(of: "\" ", options: [], range: (line.range(of: " HTTP/")?.upperBound ?? line.startIndex)..<line.endIndex) else { return nil }
        return line[request.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// True when the request in `line` names a bundle as `name.HEX.ext`.
    static func isFingerprinted(_ line: String) -> Bool {
        guard let start = line.range(of: "/assets/enhance/"),
              let end = line[start.upperBound...].firstIndex(of: " ") else { return false }
        let parts = line[start.upperBound..<end].split(separator: ".")
        return parts.count == 3 && parts[1].count >= 6 && parts[1].allSatisfy(\.isHexDigit) && ["js", "css"].contains(parts[2])
    }
}
