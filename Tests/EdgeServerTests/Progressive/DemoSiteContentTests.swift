import Foundation
import Testing

/// The demo site's files keep the promises the browser tests rely on: pages are complete and
/// self-standing, every link resolves, and bundles are self-contained and listed in the manifest.
@Suite("Demo site files")
struct DemoSiteContentTests {
    static let site = DemoSiteBrowserTests.repositoryRoot.appendingPathComponent("Sites/demo")

    /// Site-relative paths ("/catalog/index.html") of every file with the extension `ext`.
    static func files(_ ext: String) throws -> [String] {
        let root = site.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw HeadlessChromium.Failure(description: "cannot list \(root)")
        }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".\(ext)") }.map { "/" + $0 }.sorted()
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOf: site.appendingPathComponent(String(path.dropFirst())), encoding: .utf8)
    }

    /// Values of `attribute="…"` in `text`.
    static func values(of attribute: String, in text: String) -> [String] {
        text.components(separatedBy: " \(attribute)=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first.map(String.init) }
    }

    struct Bundle: Decodable {
        var name: String
        var assets: [String]
        var pages: [String]
        var priority: Int?
    }

    struct Manifest: Decodable {
        var bundles: [Bundle]
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(try read("/progressive.json").utf8))
    }

    @Test("base pages never reference an enhancement bundle: only the edge injects them")
    func pagesDoNotReferenceBundles() throws {
        let pages = try Self.files("html")
        #expect(pages.count >= 15, "\(pages)")
        for page in pages {
            let text = try Self.read(page)
            #expect(!text.contains("/assets/enhance/"), "\(page) references a bundle")
            #expect(text.contains("<link rel=\"stylesheet\" href=\"/assets/base.css\">"), "\(page) lacks the base stylesheet")
            #expect(text.contains("<nav class=\"site-nav\" aria-label=\"Main\">"), "\(page) lacks the header navigation")
        }
    }

    @Test("every image has width, height and alt")
    func imagesHaveSizesAndAlt() throws {
        for page in try Self.files("html") {
            let images = try Self.read(page).components(separatedBy: "<img ").dropFirst().map { $0.prefix { $0 != ">" } }
            for image in images {
                let attributes = " " + image
                let complete = attributes.contains(" width=\"") && attributes.contains(" height=\"") && attributes.contains(" alt=\"")
                #expect(complete, "\(page): <img \(image)>")
            }
        }
    }

    @Test("every link, image and form target inside the site resolves to a file")
    func internalLinksResolve() throws {
        for page in try Self.files("html") {
            let text = try Self.read(page)
            let targets = Self.values(of: "href", in: text) + Self.values(of: "src", in: text) + Self.values(of: "action", in: text)
            for target in targets where target.hasPrefix("/") {
                var path = String(target.prefix { $0 != "?" && $0 != "#" })
                if path.hasSuffix("/") { path += "index.html" }
                let exists = FileManager.default.fileExists(atPath: Self.site.appendingPathComponent(String(path.dropFirst())).path)
                #expect(exists, "\(page) links to \(target), which is not in the site")
            }
        }
    }

    @Test("the manifest lists every bundle file, which exists, and each module is self-contained and marks its name")
    func bundlesAreListedAndSelfContained() throws {
        let manifest = try Self.manifest()
        let listed = Set(manifest.bundles.flatMap(\.assets))
        let onDisk = Set(try Self.files("js") + Self.files("css")).filter { $0.hasPrefix("/assets/enhance/") }
        #expect(listed == onDisk, "listed \(listed.sorted()), on disk \(onDisk.sorted())")
        #expect(Set(manifest.bundles.map(\.name)).count == manifest.bundles.count, "bundle names are unique")
        for bundle in manifest.bundles {
            #expect(bundle.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(bundle.name)")
            #expect(bundle.pages.allSatisfy { $0.hasPrefix("/") }, "\(bundle.pages)")
            for asset in bundle.assets where asset.hasSuffix(".js") {
                let source = try Self.read(asset)
                let imports = source.split(separator: "\n").filter { $0.hasPrefix("import ") || $0.contains("import(") }
                #expect(imports.isEmpty, "\(asset) imports: \(imports)")
                #expect(source.contains("markEnhanced(\"\(bundle.name)\")"), "\(asset) does not add \(bundle.name) to data-enhanced")
            }
        }
    }

    @Test("the whole site stays small (under 150 KB)")
    func siteIsSmall() throws {
        let root = Self.site.standardizedFileURL.path
        let paths = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        let total = try paths.reduce(0) { sum, path in
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
            return sum + ((attributes[.type] as? FileAttributeType) == .typeRegular ? (attributes[.size] as? Int ?? 0) : 0)
        }
        #expect(total > 0 && total < 150_000, "Sites/demo is \(total) bytes")
    }
}
