import Foundation
import Testing
@testable import EdgeCore

@Suite("Progressive manifest")
struct ProgressiveManifestTests {
    static let json = """
        { "bundles": [
          { "name": "filter", "assets": ["/assets/enhance/filter.js", "/assets/enhance/filter.css"], "pages": ["/", "/catalog/**"], "priority": 20 },
          { "name": "core", "assets": ["/assets/enhance/core.js"], "pages": ["/**"], "priority": 10 },
          { "name": "lightbox", "assets": ["/assets/enhance/lightbox.js"], "pages": ["/products/*.html"] }
        ] }
        """

    @Test("bundles for a page come in priority order, each asset once")
    func bundlesForPage() throws {
        let manifest = try ProgressiveManifest.parse(Data(Self.json.utf8))
        #expect(manifest.bundles(for: "/catalog/lamps/").map(\.name) == ["core", "filter"])
        #expect(manifest.bundles(for: "/").map(\.name) == ["core", "filter"])
        #expect(manifest.bundles(for: "/products/lamp.html").map(\.name) == ["core", "lightbox"])
        #expect(manifest.bundles(for: "/products/x/lamp.html").map(\.name) == ["core"])
        let enhancements = Enhancements(manifest: manifest, path: "/catalog/", urls: ["/assets/enhance/core.js": "/assets/enhance/core.0123456789ab.js"])
        #expect(enhancements.linkValues == [
            "</assets/enhance/core.0123456789ab.js>; rel=modulepreload",
            "</assets/enhance/filter.js>; rel=modulepreload",
            "</assets/enhance/filter.css>; rel=preload; as=style",
        ])
        #expect(enhancements.tags.contains("<script type=\"module\" src=\"/assets/enhance/core.0123456789ab.js\"></script>"))
        #expect(enhancements.tags.contains("<link rel=\"stylesheet\" href=\"/assets/enhance/filter.css\" media=\"print\" onload=\"this.media='all'\">"))
    }

    @Test("a bad manifest is refused with the field named", arguments: [
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/a.js\"], \"pages\": [\"/\"], \"colour\": 1}]}", "bundles[0].colour: unknown field"),
        ("{\"bundles\": [{\"name\": \"A b\", \"assets\": [\"/a.js\"], \"pages\": [\"/\"]}]}", "bundles[0].name: expected a name"),
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/a.png\"], \"pages\": [\"/\"]}]}", "bundles[0].assets[0]: expected a path"),
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/../a.js\"], \"pages\": [\"/\"]}]}", "bundles[0].assets[0]: expected a path"),
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/a.js\"], \"pages\": [\"catalog\"]}]}", "bundles[0].pages[0]: expected a path glob"),
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/a.js\"], \"pages\": [\"/\"], \"priority\": \"high\"}]}", "bundles[0].priority: expected an integer"),
        ("{\"bundles\": [{\"name\": \"a\", \"assets\": [\"/a.js\"], \"pages\": [\"/\"]}, {\"name\": \"a\", \"assets\": [\"/b.js\"], \"pages\": [\"/\"]}]}", "bundles[1].name: bundle \"a\" is defined twice"),
        ("[1, 2]", "expected a JSON object"),
        ("{\"bundles\": ", "not valid JSON"),
    ])
    func refusals(text: String, message: String) {
        #expect {
            _ = try ProgressiveManifest.parse(Data(text.utf8))
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test("globs: * stays within a segment, ** crosses segments and matches nothing too")
    func globs() {
        #expect(PageGlob("/catalog/**").matches("/catalog/"))
        #expect(PageGlob("/catalog/**").matches("/catalog/lamps/index.html"))
        #expect(!PageGlob("/catalog/**").matches("/catalogue/"))
        #expect(PageGlob("/*.html").matches("/about.html"))
        #expect(!PageGlob("/*.html").matches("/a/about.html"))
        #expect(PageGlob("/").matches("/"))
        #expect(!PageGlob("/").matches("/x"))
        #expect(PageGlob("/**").matches("/"))
    }

    @Test("fingerprints follow the content and keep the extension")
    func fingerprints() {
        let one = AssetFingerprint.hash(Array("console.log(1)".utf8))
        let two = AssetFingerprint.hash(Array("console.log(2)".utf8))
        #expect(one.count == 12)
        #expect(one != two)
        #expect(AssetFingerprint.fingerprinted("/assets/app.js", hash: one) == "/assets/app.\(one).js")
        #expect(AssetFingerprint.fingerprinted("/a.b/app", hash: "x") == "/a.b/app.x")
    }
}
