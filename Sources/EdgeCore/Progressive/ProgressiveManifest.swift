import Foundation

/// A site's `progressive.json`: which enhancement bundles (JavaScript modules and stylesheets)
/// enhance which pages, and in what order. See `Sites/demo/README.md` for the format.
public struct ProgressiveManifest: Sendable, Equatable {
    public struct Bundle: Sendable, Equatable {
        public var name: String
        /// URL paths of the bundle's files within the site: `.js` modules and `.css` stylesheets.
        public var assets: [String]
        public var pages: [PageGlob]
        /// Lower first.
        public var priority: Int
    }

    /// Sorted by priority, then by name.
    public var bundles: [Bundle]

    public init(bundles: [Bundle]) {
        self.bundles = bundles.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
    }

    /// Parses and checks a manifest; errors name the field (`bundles[1].assets[0]: …`).
    public static func parse(_ data: Data) throws(ManifestError) -> ProgressiveManifest {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ManifestError(field: "", message: "not valid JSON")
        }
        guard let object = root as? [String: Any] else { throw ManifestError(field: "", message: "expected a JSON object") }
        try Self.refuseUnknownKeys(object, known: ["bundles"], at: "")
        guard let list = object["bundles"] as? [Any] else {
            throw ManifestError(field: "bundles", message: "expected an array of bundles")
        }
        var bundles: [Bundle] = []
        var names: Set<String> = []
        for (index, item) in list.enumerated() {
            let field = "bundles[\(index)]"
            guard let entry = item as? [String: Any] else { throw ManifestError(field: field, message: "expected an object") }
            try Self.refuseUnknownKeys(entry, known: ["name", "assets", "pages", "priority"], at: field)
            guard let name = entry["name"] as? String, !name.isEmpty,
                  name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else {
                throw ManifestError(field: "\(field).name", message: "expected a name of a-z, 0-9 and -")
            }
            guard names.insert(name).inserted else { throw ManifestError(field: "\(field).name", message: "bundle \"\(name)\" is defined twice") }
            guard let assets = entry["assets"] as? [String], !assets.isEmpty else {
                throw ManifestError(field: "\(field).assets", message: "expected a non-empty array of URL paths")
            }
            for (assetIndex, asset) in assets.enumerated() {
                let lowered = asset.lowercased()
                guard asset.hasPrefix("/"), !asset.contains(".."), !asset.contains("?"), lowered.hasSuffix(".js") || lowered.hasSuffix(".css") else {
                    throw ManifestError(field: "\(field).assets[\(assetIndex)]", message: "expected a path like \"/assets/app.js\" ending in .js or .css, got \"\(asset)\"")
                }
            }
            guard let pages = entry["pages"] as? [String], !pages.isEmpty else {
                throw ManifestError(field: "\(field).pages", message: "expected a non-empty array of path globs like \"/catalog/**\"")
            }
            for (pageIndex, page) in pages.enumerated() where !page.hasPrefix("/") {
                throw ManifestError(field: "\(field).pages[\(pageIndex)]", message: "expected a path glob starting with /, got \"\(page)\"")
            }
            var priority = 100
            if let value = entry["priority"] {
                guard !(value is Bool), let number = value as? Int else {
                    throw ManifestError(field: "\(field).priority", message: "expected an integer")
                }
                priority = number
            }
            bundles.append(Bundle(name: name, assets: assets, pages: pages.map(PageGlob.init), priority: priority))
        }
        return ProgressiveManifest(bundles: bundles)
    }

    /// The bundles that enhance `path`, in priority order.
    public func bundles(for path: String) -> [Bundle] {
        bundles.filter { bundle in bundle.pages.contains { $0.matches(path) } }
    }

    private static func refuseUnknownKeys(_ object: [String: Any], known: Set<String>, at field: String) throws(ManifestError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            let prefix = field.isEmpty ? "" : field + "."
            throw ManifestError(field: prefix + unknown, message: "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

/// What is wrong with a manifest, naming the field.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
